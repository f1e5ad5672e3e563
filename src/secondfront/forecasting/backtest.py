"""Rolling-origin backtest of the timeline against two baselines, on stored history.

For each question of the timeline file ("does ``variable = state`` happen within the
next W weeks?") and each origin week t after a burn-in, with y_t = 1 when an event
matching the question's ``resolves`` rule falls in weeks t+1 .. t+W:

* **model**: the filtered belief at t (evidence up to week t only) pushed forward
  through the chain with per-state weekly hazards from the network
  (``hmm.event_within``, ``timeline.state_hazards``). Its parameters are the spec's;
  nothing is refitted, so "rolling origin" here means every forecast uses only data up
  to its origin.
* **climatology**: the share of the windows of W weeks already closed at t holding an
  event, with the Krichevsky-Trofimov estimate ``(k + 1/2) / (n + 1)`` so that it is
  never 0 or 1 (:func:`~secondfront.forecasting.scoring.window_climatology`);
* **persistence**: "what happened in the last W weeks happens again", kept within
  ``[floor, 1 - floor]`` (:func:`~secondfront.forecasting.scoring.window_persistence`).

Scores, averaged over origins (lower is better), from the one scoring module: Brier
``(p - y)^2`` and log score ``-ln p(y)`` (natural log, p clipped to [0.01, 0.99]).

Early warning, per question: the time model's alert rules that watch the question's
variable and state (``alerts:`` in the timeline file) are on in the weeks their
condition holds on the filtered record; with the question's window W as the warning
window, :func:`secondfront.forecasting.leadtime.lead_times` gives for each week with a
resolving event the weeks from the first alert within the W weeks before it (0: the
alert came with the event; missed: none), and the false alarms (alert onsets with no
event in the W weeks after them) per year of judged weeks. Every stored week counts
(an alert uses only the weeks up to it; nothing is fitted); a question that no alert
rule watches has no warning record. Consecutive origins share most of their window, so the
number of independent windows is about ``origins / W``; with a handful of positive
windows the differences between forecasters are not statistically meaningful, and a
question with no positive window can only measure false alarms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from secondfront.checkout import SHIPPED_HISTORY
from secondfront.evidence.acled import event_days
from secondfront.evidence.mapping import MappingRules, load_rules
from secondfront.evidence.weeks import iso_week, week_start
from secondfront.forecasting.scoring import (
    brier_scores,
    log_scores,
    window_climatology,
    window_persistence,
)
from secondfront.timeline import hmm
from secondfront.timeline.chain import TimelineModel, state_hazards
from secondfront.timeline.view import filter_record, weekly_evidence

if TYPE_CHECKING:
    from secondfront.forecasting.leadtime import WarningRecord

HISTORY = SHIPPED_HISTORY
"""The shipped history of a source checkout (not package data; see :mod:`secondfront.checkout`)."""


@dataclass(frozen=True)
class QuestionScore:
    """Scores of one question.

    Attributes:
        question: its id.
        label: its wording.
        origins: number of origin weeks scored.
        positives: origins whose window held the event.
        event_weeks: distinct weeks with a resolving event.
        brier: forecaster -> mean Brier score.
        log: forecaster -> mean log score (natural log).
        alert_rules: the alert rules watching the question's variable and state.
        warning: their lead times and false alarms (None when no rule watches it).
        weeks: the stored weeks [T] the warning record's indices refer to.
    """

    question: str
    label: str
    origins: int
    positives: int
    event_weeks: int
    brier: dict[str, float]
    log: dict[str, float]

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "question": self.question,
            "label": self.label,
            "origins": self.origins,
            "positives": self.positives,
            "event_weeks": self.event_weeks,
            "independent_windows": round(self.origins / max(1, self._w), 1),
            "brier": self.brier,
            "log": self.log,
            "alert_rules": list(self.alert_rules),
            "warning": None if self.warning is None else self.warning.as_json(self.weeks),
        }

    _w: int = 12
    alert_rules: tuple[str, ...] = ()
    warning: WarningRecord | None = None
    weeks: tuple[str, ...] = ()


def _scores(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean Brier and log score, as the one scoring module defines them (log clipped)."""
    return float(brier_scores(p, y).mean()), float(log_scores(p, y).mean())


def backtest(
    con: duckdb.DuckDBPyConnection, rules: MappingRules, model: TimelineModel
) -> list[QuestionScore]:
    """Score every backtest question of ``model`` on the events in the store.

    Returns:
        one ``QuestionScore`` per question, in file order.
    """
    # The same filtered record as every other view of the timeline (graded weights
    # included): the belief at origin t uses the stored weeks up to t only.
    record = weekly_evidence(con, rules)
    weeks = record.weeks
    spec = model.spec.backtest
    W = spec.window_weeks
    if len(weeks) <= spec.burn_in_weeks + W:
        return []
    from secondfront.forecasting.leadtime import lead_times

    result = filter_record(model, record)
    beliefs = result.beliefs
    index = {w: i for i, w in enumerate(weeks)}
    out: list[QuestionScore] = []
    for q in spec.questions:
        days = event_days(con, q.resolves)
        hit = np.zeros(len(weeks))
        for d in days:
            k = index.get(iso_week(d))
            if k is not None:
                hit[k] = 1.0
        T = len(weeks)
        origins = np.arange(spec.burn_in_weeks, T - W)
        y = np.array([hit[t + 1 : t + 1 + W].max() for t in origins])
        hazard = state_hazards(model, q.variable, q.state)
        p_model = hmm.event_within(beliefs[origins], model.transition, hazard, W)
        p_clim = np.empty(len(origins))
        p_pers = np.empty(len(origins))
        seen = hit > 0
        for n, t in enumerate(origins):
            # The one climatology and persistence (forecasting/scoring.py), asked in week t.
            p_clim[n] = window_climatology(seen, int(t) + 1, W)
            p_pers[n] = window_persistence(seen, int(t) + 1, W, spec.persistence_floor)
        brier, log = {}, {}
        for name, p in (("model", p_model), ("climatology", p_clim), ("persistence", p_pers)):
            brier[name], log[name] = (round(x, 4) for x in _scores(p, y))
        watching = tuple(
            a.id for a in model.spec.alerts if a.variable == q.variable and a.state == q.state
        )
        warning = None
        if watching:
            on = np.any([result.alert_on[r] for r in watching], axis=0)
            warning = lead_times(on, hit > 0, W)
        out.append(
            QuestionScore(
                q.id,
                q.label,
                len(origins),
                int(y.sum()),
                int(hit.sum()),
                brier,
                log,
                W,
                watching,
                warning,
                tuple(weeks),
            )
        )
    return out


def history_store(
    path: Path = HISTORY, rules: MappingRules | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory store holding the shipped history (``data/belarus-events.csv``),
    mapped at ingest with ``rules`` (default: the flagship's ``*.mapping.yaml``).

    Reads of it never write; read it with the same rules (other rules are refused with
    a :class:`~secondfront.evidence.mapping.StaleMappingError`).
    """
    from secondfront.evidence import store
    from secondfront.evidence.ingest import ingest

    con = store.connect(":memory:")
    ingest(con, [path], fmt="acled", rules=rules if rules is not None else load_rules())
    return con


def first_monday(weeks: list[str]) -> dt.date | None:
    """Monday of the first week label, or None."""
    return week_start(weeks[0]) if weeks else None


__all__ = [
    "HISTORY",
    "QuestionScore",
    "backtest",
    "history_store",
]
