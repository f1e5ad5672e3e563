"""The score card of a questions file: forecasts, outcomes, baselines, decomposition.

One typed result (:class:`ScoreCard`) that the CLI prints, writes as JSON and plots;
nothing downstream recomputes a score. The JSON shape is::

    {"questions": [{"id", "p", "outcome", "brier", "log", "in_sample", "fitted_through"}],
     "mean": {"brier", "log"},
     "baselines": {name: {"brier", "log"}},
     "decomposition": {"reliability", "resolution", "uncertainty", "within_bin",
                       "brier", "bins": [...]},
     "n": ..., "independent": ..., "groups": [[id, ...]], "crowd_subset": {...},
     "parameters": label, "in_sample": bool, "in_sample_questions": n,
     "log_clip": 0.01, "unresolved": [id, ...],
     "versus_best": {"baseline", "diff", "interval90": [lo, hi], "groups", "draws",
                     "seed"}}

``versus_best`` (:class:`~secondfront.forecasting.scoring.BestDifference`): the model's
mean Brier score minus the best baseline's on the same questions, with a 90% interval
from resampling the independent groups whole.

``in_sample`` is true when every scored forecast used parameters written or fitted
knowing its outcome (the spec's numbers), and ``in_sample_questions`` counts those that
did (a page shows "in-sample: k of n" when some but not all did); with a refit on the
data up to each question's ``asked`` day, the time model's parameters are out of sample
(the network's tables are still those written knowing the history, which the label
says).

Outcomes: a question's ``outcome`` in the file (a public fact) wins; otherwise its
``resolves`` rule is evaluated on the store, when the store reaches its close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np

from secondfront.evidence.acled import event_days
from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.weeks import data_span, iso_week, weekly_statuses
from secondfront.forecasting.forecast import QuestionForecast, forecast_all, weeks_ahead
from secondfront.forecasting.parameters import IN_SAMPLE_LABEL, NETWORK_NOTE, ParametersUsed
from secondfront.forecasting.questions import Question, QuestionSet
from secondfront.forecasting.scoring import (
    LOG_CLIP,
    BestDifference,
    Decomposition,
    Window,
    best_difference,
    brier_scores,
    independent_groups,
    kt_rate,
    log_scores,
    murphy,
    weekly_base_rate,
    window_climatology,
    window_persistence,
)
from secondfront.timeline.chain import OutcomeReports, TimelineModel


@dataclass(frozen=True)
class StoreSeries:
    """Per question, the weeks of the store in which its event happened.

    Attributes:
        weeks: the store's ISO weeks [T], first event to last.
        end: the store's last event day.
        hits: question id -> [T] booleans (only questions the store can resolve).
    """

    weeks: list[str]
    end: dt.date | None
    hits: dict[str, list[bool]]

    def index(self, day: dt.date) -> int:
        """Index of the week holding ``day`` (len(weeks) past the end, 0 before the start)."""
        w = iso_week(day)
        if w in self._pos:
            return self._pos[w]
        return 0 if not self.weeks or w < self.weeks[0] else len(self.weeks)

    @property
    def _pos(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.weeks)}

    def outcome(self, q: Question) -> bool | None:
        """The store's resolution of ``q``: an event in its window; None when it cannot say."""
        h = self.hits.get(q.id)
        if h is None or self.end is None or q.closes > self.end:
            return None
        a, b = self.index(q.asked), self.index(q.closes)
        return bool(any(h[a : b + 1]))


def store_series(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    questions: QuestionSet,
    reports: Sequence[OutcomeReports] = (),
) -> StoreSeries:
    """The weekly event series of every question the store can resolve.

    A question's series comes from its ``resolves`` rule, else from the time model's
    ``reports:`` series of its target (the outcome's own series, the one the dated
    forecast learns from), else, for an indicator target, from the weeks its indicator
    was observed; a variable target with none of these has no series.
    """
    span = data_span(con)
    if span is None:
        return StoreSeries([], None, {})
    statuses = weekly_statuses(con, rules, span[0], span[1])
    weeks = list(dict.fromkeys(s.week for s in statuses))
    observed: dict[str, set[str]] = {}
    for s in statuses:
        if s.status == "observed":
            observed.setdefault(s.indicator, set()).add(s.week)
    hits: dict[str, list[bool]] = {}
    reported = {f"{r.variable}={r.state}": r.events for r in reports}
    for q in questions.questions:
        found: set[str] | None = None
        if q.resolves is not None and q.resolves.indicator is not None:
            found = observed.get(q.resolves.indicator, set())
        elif q.resolves is not None and q.resolves.events is not None:
            found = {iso_week(d) for d in event_days(con, q.resolves.events)}
        elif q.target in reported:
            found = {iso_week(d) for d in event_days(con, reported[q.target])}
        elif questions.kinds.get(q.id) == "indicator" and q.state == "present":
            found = observed.get(q.variable, set())
        if found is not None:
            hits[q.id] = [w in found for w in weeks]
    return StoreSeries(weeks, span[1], hits)


@dataclass(frozen=True)
class Scored:
    """One scored question."""

    id: str
    p: float
    outcome: bool
    brier: float
    log: float
    baselines: dict[str, float]


@dataclass(frozen=True)
class ScoreCard:
    """Scores of a questions file; see the module docstring for the JSON shape."""

    questions: list[Scored]
    mean: dict[str, float]
    baselines: dict[str, dict[str, float]]
    decomposition: Decomposition
    groups: list[list[str]]
    crowd_subset: dict[str, object]
    parameters: str
    in_sample: bool
    unresolved: list[str]
    fitted: dict[str, tuple[bool, str | None]] = field(default_factory=dict)
    versus_best: BestDifference | None = None

    @property
    def in_sample_questions(self) -> int:
        """Scored questions whose forecast's parameters knew the outcome."""
        return sum(self.fitted.get(s.id, (True, None))[0] for s in self.questions)

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json`` (the shape in the module docstring)."""
        return {
            "questions": [
                {
                    "id": s.id,
                    "p": s.p,
                    "outcome": s.outcome,
                    "brier": s.brier,
                    "log": s.log,
                    "in_sample": self.fitted.get(s.id, (True, None))[0],
                    "fitted_through": self.fitted.get(s.id, (True, None))[1],
                }
                for s in self.questions
            ],
            "mean": self.mean,
            "baselines": self.baselines,
            "decomposition": self.decomposition.as_json(),
            "n": len(self.questions),
            "independent": len(self.groups),
            "groups": self.groups,
            "crowd_subset": self.crowd_subset,
            "parameters": self.parameters,
            "in_sample": self.in_sample,
            "in_sample_questions": self.in_sample_questions,
            "log_clip": LOG_CLIP,
            "unresolved": self.unresolved,
            "versus_best": self.versus_best.as_json() if self.versus_best else None,
        }


def _file_climatology(q: Question, resolved: Sequence[tuple[Question, bool]]) -> float:
    past = [y for r, y in resolved if r.variable == q.variable and r.closes < q.asked]
    return kt_rate(sum(past), len(past))


def _file_persistence(q: Question, resolved: Sequence[tuple[Question, bool]]) -> float:
    from secondfront.forecasting.scoring import PERSISTENCE_FLOOR

    past = sorted(
        ((r.closes, y) for r, y in resolved if r.variable == q.variable and r.closes <= q.asked),
        key=lambda t: t[0],
    )
    if not past:
        return PERSISTENCE_FLOOR
    return 1 - PERSISTENCE_FLOOR if past[-1][1] else PERSISTENCE_FLOOR


def _mean(p: Sequence[float], y: Sequence[bool]) -> dict[str, float]:
    return {
        "brier": round(float(np.mean(brier_scores(p, y))), 6),
        "log": round(float(np.mean(log_scores(p, y))), 6),
    }


BASELINE_WORDS = {
    "coin": "a coin (0.5 on every question)",
    "always_no": "always no (0 on every question)",
    "base_rate": "the outcome's weekly base rate before the day",
    "climatology": "climatology (the share of past windows of the same length with the event)",
    "persistence": "persistence (yes when the event came in the last window of that length)",
}
"""Each baseline of :func:`score` in words, for a reader (the scoring module defines them)."""


def _baselines(
    resolved: Sequence[tuple[Question, bool]], series: StoreSeries
) -> dict[str, list[float]]:
    """Each baseline's P(yes) of every resolved question, in order (the module docstring
    of :mod:`secondfront.forecasting.scoring` defines them)."""
    base: dict[str, list[float]] = {
        "coin": [],
        "always_no": [],
        "base_rate": [],
        "climatology": [],
        "persistence": [],
    }
    for q, _ in resolved:
        base["coin"].append(0.5)
        base["always_no"].append(0.0)
        h = series.hits.get(q.id)
        n = max(1, weeks_ahead(q.asked, q.closes))
        if h is not None:
            t = series.index(q.asked)
            base["base_rate"].append(weekly_base_rate(h, t, n))
            base["climatology"].append(window_climatology(h, t, n))
            base["persistence"].append(window_persistence(h, t, n))
        else:
            base["base_rate"].append(_file_climatology(q, resolved))
            base["climatology"].append(_file_climatology(q, resolved))
            base["persistence"].append(_file_persistence(q, resolved))
    return base


def score(
    questions: QuestionSet, forecasts: Sequence[QuestionForecast], series: StoreSeries
) -> ScoreCard:
    """Score every resolved question against the baselines (see the module docstring)."""
    by_id = {f.id: f for f in forecasts}
    resolved: list[tuple[Question, bool]] = []
    unresolved: list[str] = []
    for q in questions.questions:
        known = q.outcome if q.outcome is not None else series.outcome(q)
        if known is None or q.id not in by_id:
            unresolved.append(q.id)
        else:
            resolved.append((q, known))
    p = [by_id[q.id].p for q, _ in resolved]
    y = [o for _, o in resolved]
    base = _baselines(resolved, series)
    scored = []
    bs, ls = brier_scores(p, y), log_scores(p, y)
    for i, (q, o) in enumerate(resolved):
        scored.append(
            Scored(
                q.id,
                round(p[i], 6),
                o,
                round(float(bs[i]), 6),
                round(float(ls[i]), 6),
                {k: v[i] for k, v in base.items()},
            )
        )
    baselines = {k: _mean(v, y) for k, v in base.items()} if y else {}
    crowd = [(i, q.crowd.p) for i, (q, _) in enumerate(resolved) if q.crowd is not None]
    crowd_subset: dict[str, object] = {"n": len(crowd)}
    if crowd:
        ci = [i for i, _ in crowd]
        yc = [y[i] for i in ci]
        baselines["crowd"] = _mean([c for _, c in crowd], yc)
        crowd_subset |= {"model": _mean([p[i] for i in ci], yc), "crowd": baselines["crowd"]}
    windows = [Window(q.id, q.target, q.asked, q.closes) for q, _ in resolved]
    groups = independent_groups(windows)
    versus = None
    if y:
        of = {qid: g for g, members in enumerate(groups) for qid in members}
        versus = best_difference(
            bs,
            {k: brier_scores(v, y) for k, v in base.items()},
            np.array([of[q.id] for q, _ in resolved]),
        )
    used = [by_id[q.id].parameters for q, _ in resolved]
    fitted = {
        q.id: (f.in_sample, f.through.isoformat() if f.through else None)
        for (q, _), f in zip(resolved, used, strict=True)
    }
    return ScoreCard(
        scored,
        _mean(p, y) if y else {"brier": float("nan"), "log": float("nan")},
        baselines,
        murphy(p, y),
        groups,
        crowd_subset,
        _label(used),
        all(f.in_sample for f in used) if used else True,
        unresolved,
        fitted,
        versus,
    )


def _label(used: Sequence[ParametersUsed]) -> str:
    """One line saying how the scored forecasts' parameters were obtained."""
    if not used:
        return ""
    if all(f.in_sample for f in used):
        return IN_SAMPLE_LABEL
    out = sum(not f.in_sample for f in used)
    line = (
        f"parameters fitted on data up to each question's asked day (out of sample; {NETWORK_NOTE})"
    )
    return line if out == len(used) else f"{line}; {len(used) - out} in-sample ({IN_SAMPLE_LABEL})"


def score_questions(
    questions: QuestionSet,
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    coverage: DeclaredCoverage | None = None,
    refit: bool = True,
) -> ScoreCard:
    """Forecast every question of ``questions`` as of its asked day from ``con`` and score
    it (:func:`score`): what ``questions score`` prints and the report's track record
    shows. ``refit``: the chain refitted up to each asked day (out of sample; the
    default), else the spec's numbers (in sample)."""
    return score(
        questions,
        forecast_all(model, questions, con, rules, coverage, refit=refit),
        store_series(con, rules, questions, model.spec.reports),
    )


__all__ = [
    "BASELINE_WORDS",
    "ScoreCard",
    "Scored",
    "StoreSeries",
    "score",
    "score_questions",
    "store_series",
]
