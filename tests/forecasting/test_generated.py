"""The generated-questions scorecard's pieces that have a closed form."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_the_refitted_scorecard_forecasts_each_day_with_the_chain_fitted_up_to_it(
    history: object, timeline: object, rules: object
) -> None:
    """With ``refit``, every question's forecast is the dated forecast under the chain
    refitted on the store up to its day. Belarusian entry never happened (and its
    coverage runs to the store's end), so its mean Brier score on the card is the mean
    of p squared, recomputed here day by day from :func:`parameters_as_of` and
    :func:`forecast_at`."""
    import datetime as dt

    from secondfront.forecasting.generated import score_generated
    from secondfront.forecasting.outlook import forecast_at
    from secondfront.forecasting.parameters import parameters_as_of

    start, h, step, end = dt.date(2021, 7, 5), 8, 26, dt.date(2026, 6, 30)
    card = score_generated(timeline, history, rules, (h,), start, step, refit=True)  # type: ignore[arg-type]
    plain = score_generated(timeline, history, rules, (h,), start, step)  # type: ignore[arg-type]
    assert card.refit and not plain.refit and card.as_json()["refit"] is True
    entry = "belarus_entry=entered"
    squares = []
    day = start
    while day + dt.timedelta(weeks=h) <= end:
        used = parameters_as_of(timeline, history, rules, day, True)  # type: ignore[arg-type]
        assert not used.in_sample and used.through == day
        f = forecast_at(used.model, history, rules, entry, day, h)  # type: ignore[arg-type]
        squares.append(f.p**2)
        day += dt.timedelta(weeks=step)
    (row,) = card.horizons
    assert row.by_outcome[entry][0] == pytest.approx(float(np.mean(squares)), abs=1e-12)
    assert row.by_outcome[entry][0] != plain.horizons[0].by_outcome[entry][0]
