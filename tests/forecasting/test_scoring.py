"""Scores, Murphy's decomposition, clustering and the window baselines, by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from secondfront.forecasting.scoring import (
    LOG_CLIP,
    BestDifference,
    Window,
    brier_scores,
    independent_groups,
    log_scores,
    murphy,
    window_climatology,
    window_persistence,
)


def test_brier_and_log_scores() -> None:
    assert brier_scores([0.5, 0.9, 0.2], [True, False, False]).tolist() == pytest.approx(
        [0.25, 0.81, 0.04]
    )
    assert log_scores([0.8, 0.8], [True, False]).tolist() == pytest.approx(
        [-math.log(0.8), -math.log(0.2)]
    )
    # A certain miss costs -ln(LOG_CLIP), not infinity.
    assert log_scores([0.0, 1.0], [True, False]).tolist() == pytest.approx(
        [-math.log(LOG_CLIP)] * 2
    )


def test_murphy_identity_on_a_closed_form_example() -> None:
    # Two bins with equal forecasts inside each: the identity is exact.
    # BS = (0.04 + 0.64 + 0.04 + 0.04) / 4 = 0.19; o = 0.75;
    # REL = (2 * 0.3^2 + 2 * 0.2^2) / 4 = 0.065; RES = (2 * 0.25^2 + 2 * 0.25^2) / 4 = 0.0625;
    # UNC = 0.75 * 0.25 = 0.1875; 0.065 - 0.0625 + 0.1875 = 0.19.
    d = murphy([0.2, 0.2, 0.8, 0.8], [False, True, True, True])
    assert d.brier == pytest.approx(0.19)
    assert d.reliability == pytest.approx(0.065)
    assert d.resolution == pytest.approx(0.0625)
    assert d.uncertainty == pytest.approx(0.1875)
    assert d.within_bin == pytest.approx(0.0)
    assert d.reliability - d.resolution + d.uncertainty == pytest.approx(d.brier)
    assert [(b.n, b.forecast, b.observed) for b in d.bins] == [(2, 0.2, 0.5), (2, 0.8, 1.0)]


def test_murphy_identity_holds_with_the_within_bin_term() -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(size=200)
    y = rng.uniform(size=200) < p
    d = murphy(p, y)
    assert d.reliability - d.resolution + d.uncertainty + d.within_bin == pytest.approx(d.brier)
    assert d.within_bin != pytest.approx(0.0)


def _w(i: str, target: str, a: str, b: str) -> Window:
    return Window(i, target, dt.date.fromisoformat(a), dt.date.fromisoformat(b))


def test_overlapping_windows_on_one_target_are_one_group() -> None:
    groups = independent_groups(
        [
            _w("a", "x=1", "2022-01-01", "2022-03-01"),
            _w("b", "x=1", "2022-02-01", "2022-04-01"),
            _w("c", "x=1", "2022-03-15", "2022-05-01"),  # overlaps b only: chained
            _w("d", "x=1", "2022-06-01", "2022-07-01"),
            _w("e", "y=1", "2022-01-01", "2022-03-01"),  # another target
        ]
    )
    assert sorted(sorted(g) for g in groups) == [["a", "b", "c"], ["d"], ["e"]]


def test_climatology_and_persistence_windows() -> None:
    hits = [False, False, True, False, False, False, False, False]
    # Windows of 2 weeks closed before week 6: starts 0..4 -> [0,1] [1,2] [2,3] [3,4] [4,5]
    # hold an event 2 times of 5: (2 + 1/2) / 6.
    assert window_climatology(hits, 6, 2) == pytest.approx(2.5 / 6)
    assert window_climatology(hits, 0, 2) == pytest.approx(0.5)
    assert window_persistence(hits, 4, 2) == pytest.approx(0.95)  # weeks 2, 3
    assert window_persistence(hits, 6, 2) == pytest.approx(0.05)  # weeks 4, 5


def test_best_difference_resamples_independent_groups_whole() -> None:
    from secondfront.forecasting.scoring import best_difference

    model = np.array([0.0, 0.0, 0.0, 1.0])
    baselines = {"coin": np.full(4, 0.25), "worse": np.full(4, 0.5), "tie": np.ones(4)}
    # The best baseline is the lowest mean; the difference is per question, -0.25 + 0.75.
    v = best_difference(model, baselines, np.array([0, 0, 0, 1]), draws=4000, seed=1)
    assert v.baseline == "coin" and v.groups == 2
    assert v.diff == pytest.approx(np.mean(model - 0.25))
    # Two groups: draws hold group 0 twice (mean -0.25), group 1 twice (+0.75) or one of
    # each (the question-weighted mean, 0.0), a quarter, a quarter and a half of the time.
    assert (v.low, v.high) == (pytest.approx(-0.25), pytest.approx(0.75))
    # A constant difference has no spread, whatever the groups.
    flat = best_difference(np.full(5, 0.1), {"a": np.full(5, 0.3)}, np.arange(5))
    assert flat.diff == flat.low == flat.high == pytest.approx(-0.2)
    # The same seed gives the same digits.
    again = best_difference(model, baselines, np.array([0, 0, 0, 1]), draws=4000, seed=1)
    assert again == v


@pytest.mark.parametrize(
    ("diff", "low", "high", "words"),
    [
        (-0.05, -0.08, -0.01, "ahead of it, the whole interval below zero"),
        (0.05, 0.01, 0.08, "behind it, the whole interval above zero"),
        (-0.094, -0.208, 0.030, "ahead on these questions, but the interval holds zero"),
        (0.01, -0.02, 0.04, "behind on these questions, but the interval holds zero"),
    ],
)
def test_the_verdict_says_what_the_interval_shows(
    diff: float, low: float, high: float, words: str
) -> None:
    v = BestDifference("persistence", diff, low, high, 23, 2000, 0)
    assert v.verdict.startswith(words)
