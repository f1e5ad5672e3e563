"""The one place where forecasting calls the weekly timeline.

Everything the questions need from the evidence layer goes through these functions:
weekly statuses up to a day, the filtered belief over the hidden escalation states,
per-state weekly rates of a variable's event or an indicator's report, and a store
query for events matching an ACLED rule. When the timeline is rebuilt, these are the
functions to re-point; nothing else in :mod:`secondfront.forecasting` imports
``secondfront.evidence.timeline`` or ``secondfront.evidence.mapping`` internals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from secondfront.evidence import hmm
from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import (
    AcledMatch,
    IndicatorWeek,
    MappingRules,
    _acled_sql,
    data_span,
    evidence_rows,
    iso_week,
    weekly_statuses,
)
from secondfront.evidence.timeline import (
    TimelineModel,
    engine_evidence,
    report_weights,
    run_timeline,
    state_hazards,
    state_terms,
)
from secondfront.inference.query import posterior_batch


@dataclass(frozen=True)
class WeeklyEvidence:
    """The weekly evidence available on a day.

    Attributes:
        through: the last day whose events were read.
        weeks: ISO week labels [T], consecutive, the last one holding ``through``.
        rows: per week, ``{indicator: "present"|"absent"}`` (unknown left out).
        weights: per week, observed indicator -> source weight (graded evidence).
        observations: stored observations dated up to ``through`` (all sources).
    """

    through: dt.date
    weeks: list[str]
    rows: list[dict[str, str]]
    weights: list[dict[str, float]]
    observations: int


def weekly_evidence(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    through: dt.date,
    coverage: DeclaredCoverage | None,
) -> WeeklyEvidence:
    """Indicator evidence per week from the store's first event to ``through``.

    Only events dated up to ``through`` are read (the filter is on the event's date;
    when a report was ingested does not matter, since a hand-coded history dates each
    event by its first public report).
    """
    span = data_span(con)
    if span is None or span[0] > through:
        return WeeklyEvidence(through, [], [], [], 0)
    statuses = weekly_statuses(con, rules, span[0], through, coverage)
    weeks, rows = evidence_rows(statuses)
    row = con.execute("SELECT count(*) FROM observations WHERE day <= ?", [through]).fetchone()
    return WeeklyEvidence(through, weeks, rows, report_weights(statuses), int(row[0]) if row else 0)


def statuses_between(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    start: dt.date,
    end: dt.date,
    coverage: DeclaredCoverage | None = None,
) -> list[IndicatorWeek]:
    """Weekly statuses of every indicator from ``start`` to ``end`` (for resolution)."""
    return weekly_statuses(con, rules, start, end, coverage)


def filtered_belief(
    model: TimelineModel,
    rows: Sequence[dict[str, str]],
    weights: Sequence[dict[str, float]] | None = None,
) -> np.ndarray:
    """P(S_T | evidence of weeks 1..T) [K]; the prior when there is no week."""
    if not rows:
        return np.asarray(model.prior, dtype=np.float64)
    L, _ = state_terms(model, engine_evidence(model, rows, weights))
    return hmm.forward_filter(model.prior, model.transition, L).beliefs[-1]


def variable_hazards(model: TimelineModel, variable: str, state: str) -> np.ndarray:
    """Weekly probability [K] that ``variable = state`` happens, per hidden state."""
    return state_hazards(model, variable, state)


def indicator_rates(model: TimelineModel, indicator: str, state: str) -> np.ndarray:
    """P(indicator in ``state`` in one week | hidden state k) [K].

    A week is one instance of the network conditioned on the state's evidence, as in
    the timeline's likelihoods.
    """
    rows = [dict(s.network) for s in model.spec.states]
    post = posterior_batch(model.network, rows)
    return np.asarray(
        post.marginals[indicator][:, model.network.variables[indicator].index(state)],
        dtype=np.float64,
    )


def event_weeks(con: duckdb.DuckDBPyConnection, match: AcledMatch) -> set[str]:
    """ISO weeks holding a stored ACLED-format event that matches ``match``."""
    where, params = _acled_sql(match)
    days = con.execute(
        f"SELECT DISTINCT event_date FROM acled_events WHERE {where}", params
    ).fetchall()
    return {iso_week(d[0]) for d in days}


def timeline_alerts(model: TimelineModel, evidence: WeeklyEvidence) -> list[tuple[str, str, str]]:
    """The timeline's alerts over the weeks of ``evidence``: (week, rule id, message)."""
    result = run_timeline(model, evidence.weeks, evidence.rows, weights=evidence.weights)
    return [(a.week, a.rule, a.message) for a in result.alerts]


def store_span(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """First and last stored event day."""
    return data_span(con)


__all__ = [
    "WeeklyEvidence",
    "event_weeks",
    "filtered_belief",
    "indicator_rates",
    "statuses_between",
    "store_span",
    "timeline_alerts",
    "variable_hazards",
    "weekly_evidence",
]
