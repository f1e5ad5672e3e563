"""Questions generated from the store, scored against baselines defined one way for all.

For every reported outcome, every ``step`` weeks from ``start`` to the store's end, and
every horizon ``h``: "will the outcome be reported in the ``h`` weeks after day ``d``?",
resolved by the outcome's own series; only questions whose window lies inside the
outcome's declared coverage are asked (outside it a quiet window is not a no). Each is forecast by
:func:`secondfront.forecasting.outlook.forecast_from` on the store read up to ``d`` only
(one history and one fit per day and horizon, shared by the outcomes).

Baselines, each a probability known on day ``d``:

* ``coin``: 0.5;
* ``base_rate``: the outcome's weekly rate so far, Jeffreys-smoothed, over ``h`` weeks:
  ``1 - (1 - (k_w + 1/2) / (n_w + 1)) ** h`` with ``k_w`` event weeks of ``n_w``;
* ``climatology``: the share of the outcome's past windows of ``h`` weeks that closed by
  ``d`` with an event, Jeffreys-smoothed (the forecast's own outside view);
* ``persistence``: ``1 - floor`` when the outcome was reported in the ``h`` weeks before
  ``d``, else ``floor`` (:data:`secondfront.forecasting.scoring.PERSISTENCE_FLOOR`).

Leave one outcome out: each outcome's questions forecast again with fits that never
see that outcome's rows, to show what pooling across the others gives an outcome with
no history of its own (as entry has).

Differences to the best baseline come with a moving-block bootstrap 90% interval over
forecast days (blocks of consecutive days, so that overlapping windows stay together).
``independent`` counts non-overlapping windows: outcomes x the span scored / ``h`` (at
most the number of questions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.weeks import data_span
from secondfront.forecasting.outlook import (
    History,
    design,
    fit_as_of,
    forecast_from,
    forecasts_on,
    history_as_of,
)
from secondfront.forecasting.parameters import parameters_as_of
from secondfront.forecasting.scoring import (
    PERSISTENCE_FLOOR,
    Decomposition,
    block_bootstrap,
    brier_scores,
    log_scores,
    murphy,
    weekly_base_rate,
)
from secondfront.model.parametric import logit, sigmoid
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.view import weekly_evidence

BASELINES = ("coin", "base_rate", "climatology", "persistence")


@dataclass(frozen=True)
class HorizonScore:
    """Scores at one horizon over every generated question.

    Attributes:
        horizon: weeks.
        n: questions scored; independent: non-overlapping windows they rest on.
        brier, log: mean scores by forecaster (``model`` and each baseline).
        best: the baseline with the lowest mean Brier score.
        diff, low, high: model minus best baseline (Brier), with its 90% interval.
        by_outcome: target -> the model's and the best baseline's mean Brier score.
        reliability: Murphy's decomposition of the model's Brier score, with the bins of
            its reliability diagram.
        leave_one_out: target -> the model's mean Brier score on that outcome when its
            own rows are left out of every fit (what pooling the others gives it).
        slope_in_sample: the recalibration slope ``a`` of ``logit p' = a logit p`` with
            the lowest mean Brier score on these very questions, and that score: fitted
            knowing the outcomes, so in-sample; an upper bound on what one recalibration
            parameter learned by rolling origin could gain (a < 1 shrinks the forecasts
            toward 1/2, a > 1 extremizes them).
        in_sample: the model's mean Brier score on the same questions with its
            coefficients fitted once on every window of the store, the questions' own
            outcomes included (in-sample: how much the out-of-sample figure loses to
            learning without peeking).
    """

    horizon: int
    n: int
    independent: int
    brier: dict[str, float]
    log: dict[str, float]
    best: str
    diff: float
    low: float
    high: float
    by_outcome: dict[str, tuple[float, float]]
    reliability: Decomposition
    leave_one_out: dict[str, float]
    slope_in_sample: tuple[float, float] = (1.0, float("nan"))
    in_sample: float = float("nan")


def best_slope(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The slope ``a`` in [0.25, 3] (step 0.01) minimising the mean Brier score of
    ``sigmoid(a logit p)`` against ``y`` [N], and that score. A grid: one parameter, and
    the Brier score of a slope is not convex in general."""
    z = logit(p)
    grid = np.round(np.arange(0.25, 3.0 + 1e-9, 0.01), 2)
    briers = ((sigmoid(grid[:, None] * z[None, :]) - y[None, :]) ** 2).mean(axis=1)
    k = int(np.argmin(briers))
    return float(grid[k]), float(briers[k])


@dataclass(frozen=True)
class GeneratedCard:
    """The scorecard of generated questions, one row per horizon."""

    start: dt.date
    end: dt.date
    step_weeks: int
    horizons: list[HorizonScore]
    refit: bool = False

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "step_weeks": self.step_weeks,
            "refit": self.refit,
            "horizons": [
                {**h.__dict__, "reliability": h.reliability.as_json()} for h in self.horizons
            ],
        }


Row = tuple[int, str, int, float, dict[str, float]]
"""One generated question: forecast day (ordinal), target, outcome (0/1), the model's p,
and each baseline's p."""


def _question_rows(
    model: TimelineModel, history: History, full: History, day: dt.date, h: int
) -> list[Row]:
    """Every outcome's question of ``h`` weeks asked on ``day``, forecast from ``history``
    (the store read up to ``day``) and resolved by ``full`` (the whole store)."""
    o = day.toordinal()
    first = full.start.toordinal()
    fit = fit_as_of(history, model, day, h)
    rows = []
    for target, series in full.series.items():
        if not series.inside(np.array([o]), np.array([o + 7 * h]))[0]:
            continue  # outside the declared coverage: neither a yes nor a no
        hit = int(series.count(np.array([o]), np.array([o + 7 * h]))[0] > 0)
        f = forecast_from(history, model, target, day, h, fit)
        # The base rate counts complete weeks only, the weeks from the store's first day
        # that ended by the question's day (a week under way is neither a hit nor a miss).
        n_w = max(0, (o - first + 1) // 7)
        done = series.days[(series.days >= first) & (series.days < first + 7 * n_w)]
        hit_weeks = np.zeros(n_w, dtype=bool)
        hit_weeks[(done - first) // 7] = True
        recent = series.count(np.array([o - 7 * h]), np.array([o]))[0] > 0
        base = {
            "coin": 0.5,
            "base_rate": weekly_base_rate(hit_weeks.tolist(), n_w, h),
            "climatology": f.outside,
            "persistence": 1 - PERSISTENCE_FLOOR if recent else PERSISTENCE_FLOOR,
        }
        rows.append((o, target, hit, f.p, base))
    return rows


def _horizon_score(
    model: TimelineModel,
    full: History,
    h: int,
    r: list[Row],
    step_weeks: int,
    seed: int,
    weeks: int,
) -> HorizonScore:
    """Scores, the difference to the best baseline and leave-one-outcome-out at ``h``."""
    y = np.array([t[2] for t in r], dtype=bool)
    od = np.array([t[0] for t in r])
    targets = np.array([t[1] for t in r])
    forecasters = {"model": np.array([t[3] for t in r])}
    for b in BASELINES:
        forecasters[b] = np.array([t[4][b] for t in r])
    brier = {k: float(brier_scores(v, y).mean()) for k, v in forecasters.items()}
    log = {k: float(log_scores(v, y).mean()) for k, v in forecasters.items()}
    best = min(BASELINES, key=lambda b: brier[b])
    diff_rows = brier_scores(forecasters["model"], y) - brier_scores(forecasters[best], y)
    lo, hi = block_bootstrap(diff_rows, od, max(1, -(-h // step_weeks)) * 2, seed)

    def by_target(p: np.ndarray) -> dict[str, float]:
        return {
            t: float(brier_scores(p[targets == t], y[targets == t]).mean())
            for t in dict.fromkeys(targets.tolist())
        }

    mine, theirs = by_target(forecasters["model"]), by_target(forecasters[best])
    asked = sorted({t[0] for t in r})
    loo = forecasts_on(
        full, model, list(full.series), [dt.date.fromordinal(a) for a in asked], h, True
    )
    where = {a: k for k, a in enumerate(asked)}
    p_loo = np.array([loo[t[1]][where[t[0]]] for t in r])
    return HorizonScore(
        h,
        len(r),
        min(len(r), len(full.series) * max(1, weeks // h)),
        brier,
        log,
        best,
        float(diff_rows.mean()),
        lo,
        hi,
        {t: (mine[t], theirs[t]) for t in mine},
        murphy(forecasters["model"], y),
        by_target(p_loo),
        best_slope(forecasters["model"], y.astype(np.float64)),
        float(brier_scores(_in_sample(model, full, h, r), y).mean()),
    )


def _in_sample(model: TimelineModel, full: History, h: int, r: list[Row]) -> np.ndarray:
    """Each question's forecast with the coefficients fitted on the whole store [N]: the
    same design rows as :func:`forecast_from`, one design per outcome for all its days."""
    coef = fit_as_of(full, model, full.through, h).coef
    days = np.array([t[0] for t in r], dtype=np.int64)
    targets = np.array([t[1] for t in r])
    out = np.empty(len(r))
    for target in dict.fromkeys(targets.tolist()):
        sel = targets == target
        x = design(full, model, full.series[target], days[sel], h, labels=False).x
        out[sel] = sigmoid(x @ coef)
    return out


def score_generated(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    horizons: Sequence[int] = (4, 8, 13, 26),
    start: dt.date = dt.date(2021, 1, 4),
    step_weeks: int = 4,
    coverage: DeclaredCoverage | None = None,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 0,
    refit: bool = False,
) -> GeneratedCard:
    """Forecast and score every generated question (see the module docstring).

    Each question is forecast from the store read up to its day
    (:func:`~secondfront.forecasting.outlook.history_as_of` of that day), not from a
    history read further. With ``refit``, the escalation chain is first refitted on the
    store up to that day (:func:`~secondfront.forecasting.parameters.parameters_as_of`),
    so that no number of the forecast was written or fitted knowing its outcome but the
    network's tables; the leave-one-outcome-out and in-sample figures keep the
    analyst's chain.
    """
    span = data_span(con)
    if span is None:
        raise ValueError("the events store is empty")
    end = span[1]
    full = history_as_of(model, con, rules, end, coverage)
    days = []
    d = start
    while d + dt.timedelta(weeks=min(horizons)) <= end:
        days.append(d)
        d += dt.timedelta(weeks=step_weeks)
    rows: dict[int, list[Row]] = {h: [] for h in horizons}
    for i, day in enumerate(days):
        # The store's weeks as of the day, read once for the refit and the forecast.
        record = weekly_evidence(con, rules, end=day, coverage=coverage)
        dated = parameters_as_of(model, con, rules, day, refit, record.statuses).model
        history = history_as_of(dated, con, rules, day, coverage, record)
        for h in horizons:
            if day.toordinal() + 7 * h <= end.toordinal():
                rows[h].extend(_question_rows(dated, history, full, day, h))
        if progress:
            progress(i + 1, len(days))
    weeks = (end - start).days // 7
    out = [
        _horizon_score(model, full, h, rows[h], step_weeks, seed, weeks)
        for h in horizons
        if rows[h]
    ]
    return GeneratedCard(start, end, step_weeks, out, refit)


__all__ = ["BASELINES", "GeneratedCard", "HorizonScore", "best_slope", "score_generated"]
