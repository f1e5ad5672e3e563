"""Scoring resolved questions: proper scores, baselines, Murphy's decomposition.

Scores of a forecast p of a binary outcome y (lower is better):

* Brier: ``(p - y)^2``; a coin (p = 0.5) scores 0.25.
* log score: ``-ln p(y)`` (natural log) with p clipped to ``[LOG_CLIP, 1 - LOG_CLIP]``
  = [0.01, 0.99], so a confident miss costs at most ln(100) = 4.61 instead of infinity.
  The Brier score is computed on the unclipped p.

Murphy's decomposition of the mean Brier score over K bins of forecasts (equal-width
bins of [0, 1]; bin k holds n_k forecasts with mean f_k and observed frequency o_k; o
is the overall frequency, N the number of forecasts)::

    REL = (1/N) sum_k n_k (f_k - o_k)^2
    RES = (1/N) sum_k n_k (o_k - o)^2
    UNC = o (1 - o)
    BS  = REL - RES + UNC + WBV

where the within-bin term ``WBV = (1/N) sum_k sum_{i in k} (p_i - f_k)(p_i + f_k - 2 y_i)``
vanishes when all forecasts in a bin are equal (then the identity is exact).

Baselines, each scored on the same questions:

* ``coin``: p = 0.5;
* ``always_no``: p = 0;
* ``base_rate``: the event's weekly rate in the store before the question was asked,
  Jeffreys-smoothed, over the question's weeks ``1 - (1 - (k + 1/2) / (n + 1)) ** w``
  (without a store series, the file estimate of ``climatology``);
* ``climatology``: the frequency of the event among the store's own windows of the
  same length that closed before the question was asked (Krichevsky-Trofimov
  ``(k + 1/2) / (m + 1)``, never 0 or 1); where the store has no series for the
  target, the same estimate over the file's questions on the same target that closed
  before it was asked;
* ``persistence``: ``1 - floor`` when the event happened in the window of the same
  length just before ``asked``, else ``floor`` (floor = 0.05); without a store series,
  the outcome of the latest earlier question on the same target;
* ``crowd``: the public forecast given in the file, on the questions that give one.

Questions on the same target whose windows ``[asked, closes]`` overlap are not
independent; :func:`independent_groups` clusters them and the count of clusters is
what a score rests on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

LOG_CLIP = 0.01
PERSISTENCE_FLOOR = 0.05
BINS = 10


def brier_scores(p: Sequence[float] | np.ndarray, y: Sequence[bool] | np.ndarray) -> np.ndarray:
    """``(p - y)^2`` per forecast [N]."""
    return (np.asarray(p, dtype=np.float64) - np.asarray(y, dtype=np.float64)) ** 2


def log_scores(
    p: Sequence[float] | np.ndarray, y: Sequence[bool] | np.ndarray, clip: float = LOG_CLIP
) -> np.ndarray:
    """``-ln p(y)`` per forecast [N], p clipped to ``[clip, 1 - clip]``."""
    q = np.clip(np.asarray(p, dtype=np.float64), clip, 1 - clip)
    yy = np.asarray(y, dtype=bool)
    return -np.where(yy, np.log(q), np.log1p(-q))


@dataclass(frozen=True)
class Bin:
    """One bin of the reliability diagram: range, count, mean forecast, observed frequency."""

    lo: float
    hi: float
    n: int
    forecast: float
    observed: float


@dataclass(frozen=True)
class Decomposition:
    """Murphy's decomposition of a mean Brier score (see the module docstring)."""

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin: float
    bins: tuple[Bin, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "reliability": self.reliability,
            "resolution": self.resolution,
            "uncertainty": self.uncertainty,
            "within_bin": self.within_bin,
            "brier": self.brier,
            "bins": [
                {"lo": b.lo, "hi": b.hi, "n": b.n, "forecast": b.forecast, "observed": b.observed}
                for b in self.bins
            ],
        }


def murphy(
    p: Sequence[float] | np.ndarray, y: Sequence[bool] | np.ndarray, bins: int = BINS
) -> Decomposition:
    """Murphy's decomposition of the mean Brier score over ``bins`` equal-width bins."""
    pp = np.asarray(p, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    N = len(pp)
    if N == 0:
        return Decomposition(float("nan"), float("nan"), float("nan"), float("nan"), float("nan"))
    o = float(yy.mean())
    idx = np.minimum((pp * bins).astype(int), bins - 1)
    rel = res = wbv = 0.0
    out: list[Bin] = []
    for k in range(bins):
        sel = idx == k
        n = int(sel.sum())
        if not n:
            continue
        f_k = float(pp[sel].mean())
        o_k = float(yy[sel].mean())
        rel += n * (f_k - o_k) ** 2
        res += n * (o_k - o) ** 2
        wbv += float(np.sum((pp[sel] - f_k) * (pp[sel] + f_k - 2 * yy[sel])))
        out.append(Bin(k / bins, (k + 1) / bins, n, f_k, o_k))
    return Decomposition(
        float(np.mean((pp - yy) ** 2)), rel / N, res / N, o * (1 - o), wbv / N, tuple(out)
    )


@dataclass(frozen=True)
class Window:
    """What clustering needs of a question: its target and window."""

    id: str
    target: str
    asked: dt.date
    closes: dt.date


def independent_groups(windows: Sequence[Window]) -> list[list[str]]:
    """Clusters of questions on the same target (variable) with overlapping windows.

    Two questions are linked when they share a target variable and their closed day
    ranges ``[asked, closes]`` intersect; clusters are the connected components.
    """
    parent = list(range(len(windows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(windows):
        for j in range(i):
            b = windows[j]
            same = a.target.split("=")[0] == b.target.split("=")[0]
            if same and a.asked <= b.closes and b.asked <= a.closes:
                parent[find(i)] = find(j)
    groups: dict[int, list[str]] = {}
    for i, w in enumerate(windows):
        groups.setdefault(find(i), []).append(w.id)
    return list(groups.values())


@dataclass(frozen=True)
class BestDifference:
    """The model's mean Brier score minus the best baseline's, with its 90% interval.

    Attributes:
        baseline: the baseline with the lowest mean Brier score on the same questions
            (those scored on every question; the crowd, given on a few, is apart).
        diff: mean over the questions of ``brier(model) - brier(baseline)``; below 0:
            the model is better.
        low, high: the 5% and 95% quantiles of that mean when the independent groups
            are resampled with replacement (a cluster bootstrap: questions of one group
            overlap and are drawn together).
        groups: the independent groups resampled.
        draws: bootstrap draws; seed: their random seed.
    """

    baseline: str
    diff: float
    low: float
    high: float
    groups: int
    draws: int
    seed: int

    @property
    def verdict(self) -> str:
        """What the interval says, in words: ahead or behind beyond it, or not shown."""
        if self.high < 0:
            return "ahead of it, the whole interval below zero"
        if self.low > 0:
            return "behind it, the whole interval above zero"
        side = "ahead" if self.diff < 0 else "behind" if self.diff > 0 else "level"
        return f"{side} on these questions, but the interval holds zero: not shown beyond doubt"

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "baseline": self.baseline,
            "diff": self.diff,
            "interval90": [self.low, self.high],
            "groups": self.groups,
            "draws": self.draws,
            "seed": self.seed,
        }


def best_difference(
    model: np.ndarray,
    baselines: dict[str, np.ndarray],
    group: np.ndarray,
    draws: int = 2000,
    seed: int = 0,
) -> BestDifference:
    """Model minus the best baseline in mean Brier score, cluster-bootstrapped.

    Args:
        model: [N] the model's Brier score per question.
        baselines: name -> [N] each baseline's Brier score on the same questions.
        group: [N] the independent group of each question (any labels).
        draws, seed: the bootstrap's draws and random seed (same seed, same digits).
    """
    best = min(baselines, key=lambda b: float(np.mean(baselines[b])))
    d = np.asarray(model, dtype=np.float64) - np.asarray(baselines[best], dtype=np.float64)
    low, high = block_bootstrap(d, group, 1, seed, draws)
    return BestDifference(best, float(d.mean()), low, high, len(np.unique(group)), draws, seed)


def block_bootstrap(
    d: np.ndarray, labels: np.ndarray, block: int, seed: int, draws: int = 2000
) -> tuple[float, float]:
    """90% interval of the mean of ``d`` [N], resampling its groups whole.

    The questions sharing a label [N] form a group; groups are ordered by label and drawn
    in runs of ``block`` consecutive ones (a moving-block bootstrap over forecast days;
    ``block = 1`` resamples independent groups), ``ceil(G / block)`` runs per draw, with
    replacement. Each draw's mean is over the questions drawn (groups weigh by their
    size). NaN, NaN when there is no group.
    """
    names, idx = np.unique(labels, return_inverse=True)
    n = len(names)
    if n == 0:
        return float("nan"), float("nan")
    block = max(1, min(block, n))
    # Each run's total as a sum over its groups (not a difference of running totals,
    # which would round a constant difference away from itself).
    windows = np.lib.stride_tricks.sliding_window_view
    run_sum = windows(np.bincount(idx, weights=d, minlength=n), block).sum(axis=1)
    run_size = windows(np.bincount(idx, minlength=n).astype(np.float64), block).sum(axis=1)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - block + 1, size=(draws, -(-n // block)))
    means = run_sum[starts].sum(axis=1) / run_size[starts].sum(axis=1)
    return float(np.quantile(means, 0.05)), float(np.quantile(means, 0.95))


def kt_rate(hits: int, n: int) -> float:
    """Krichevsky-Trofimov estimate ``(hits + 1/2) / (n + 1)``."""
    return (hits + 0.5) / (n + 1)


def window_climatology(hit_weeks: Sequence[bool] | np.ndarray, before: int, length: int) -> float:
    """Share of windows of ``length`` weeks that closed before week index ``before``
    (windows starting at 0, 1, ...) holding an event, as a KT estimate.

    Args:
        hit_weeks: per week of the store, whether the event happened [T].
        before: index of the week the question was asked in.
        length: window length in weeks (>= 1).
    """
    h = np.asarray(hit_weeks, dtype=bool)
    starts = range(0, max(0, before - length + 1))
    k = sum(bool(h[s : s + length].any()) for s in starts)
    return kt_rate(k, len(starts))


def weekly_base_rate(hit_weeks: Sequence[bool] | np.ndarray, before: int, length: int) -> float:
    """The event's weekly rate before week index ``before``, Jeffreys-smoothed, over
    ``length`` weeks: ``1 - (1 - (k + 1/2) / (n + 1)) ** length``."""
    h = np.asarray(hit_weeks[:before], dtype=bool)
    weekly = kt_rate(int(h.sum()), len(h))
    return float(1 - (1 - weekly) ** length)


def window_persistence(
    hit_weeks: Sequence[bool] | np.ndarray,
    before: int,
    length: int,
    floor: float = PERSISTENCE_FLOOR,
) -> float:
    """``1 - floor`` when an event fell in the ``length`` weeks before week ``before``."""
    h = np.asarray(hit_weeks, dtype=bool)
    recent = bool(h[max(0, before - length) : before].any())
    return 1 - floor if recent else floor


__all__ = [
    "BINS",
    "LOG_CLIP",
    "PERSISTENCE_FLOOR",
    "BestDifference",
    "Bin",
    "Decomposition",
    "Window",
    "best_difference",
    "block_bootstrap",
    "brier_scores",
    "independent_groups",
    "kt_rate",
    "log_scores",
    "murphy",
    "weekly_base_rate",
    "window_climatology",
    "window_persistence",
]
