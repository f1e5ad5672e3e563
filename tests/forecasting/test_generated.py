"""The generated-questions scorecard's pieces that have a closed form."""

from __future__ import annotations

import numpy as np

from secondfront.forecasting.generated import best_slope


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def test_the_best_slope_recovers_a_known_miscalibration() -> None:
    # Forecasts sigmoid(z) of events whose probability is sigmoid(2 z): the forecasts are
    # too timid by a factor 2 in log-odds, and the expected Brier score is lowest at a = 2.
    z = np.linspace(-3, 3, 61)
    a, brier = best_slope(_sigmoid(z), _sigmoid(2 * z))
    assert a == 2.0
    assert brier < 1e-12


def test_a_calibrated_forecast_keeps_slope_one_and_its_score() -> None:
    z = np.linspace(-2, 2, 41)
    p = _sigmoid(z)
    a, brier = best_slope(p, p)
    assert a == 1.0 and brier < 1e-12
    # Against hard outcomes the score at the best slope is never above the score at 1.
    y = (np.arange(41) % 3 == 0).astype(float)
    a, brier = best_slope(p, y)
    assert brier <= float(np.mean((p - y) ** 2)) + 1e-15
