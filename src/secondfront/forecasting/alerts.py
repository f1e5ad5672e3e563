"""The timeline's alerts on a store, scored as early warnings: lead times, false alarms.

:func:`alert_record` runs the time model's filter over every stored week, lists the
alerts it raised and, for each alert rule, the lead time before each resolving event
the analyst names and the false alarms per year (:mod:`secondfront.forecasting.leadtime`
says how each is counted). ``secondfront questions alerts`` prints its result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from secondfront.errors import UsageError
from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.weeks import data_span, iso_week
from secondfront.forecasting.leadtime import WarningRecord, record_for
from secondfront.forecasting.parameters import ParametersUsed, parameters_as_of
from secondfront.timeline.asof import evidence_as_of, timeline_alerts
from secondfront.timeline.chain import AlertEvent, TimelineModel


@dataclass(frozen=True)
class RuleRecord:
    """One alert rule's record over the stored weeks.

    Attributes:
        rule: the alert rule's id.
        alerts: weeks the rule fired.
        record: its lead times and false alarms (week indices into ``AlertRecord.weeks``).
    """

    rule: str
    alerts: int
    record: WarningRecord


@dataclass(frozen=True)
class AlertRecord:
    """The timeline's alerts on a store and each rule's record as an early warning.

    Attributes:
        weeks: ISO week labels [T] of the store's record, consecutive.
        parameters: the time model's parameters the filter used (fitted, or the spec's).
        fired: every alert raised, in week order.
        rules: one record per alert rule of the time model, in its order.
        window: the warning window W, in weeks.
    """

    weeks: tuple[str, ...]
    parameters: ParametersUsed
    fired: tuple[AlertEvent, ...]
    rules: tuple[RuleRecord, ...]
    window: int

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``: week indices become week labels."""
        p = self.parameters
        return {
            "weeks": len(self.weeks),
            "parameters": p.label,
            "in_sample": p.in_sample,
            "fitted_through": p.through.isoformat() if p.through else None,
            "alerts": [f.as_json() for f in self.fired],
            "rules": [
                {"rule": r.rule, "alerts": r.alerts} | r.record.as_json(self.weeks)
                for r in self.rules
            ],
        }


def alert_record(
    timeline: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    coverage: DeclaredCoverage | None,
    events: Mapping[str, Sequence[dt.date]],
    window: int,
    fit_through: dt.date | None = None,
) -> AlertRecord:
    """The timeline's alerts over every stored week and each rule's early-warning record.

    Args:
        timeline: the time model (its alert rules are scored).
        con: the events store, mapped with ``rules``.
        rules: the mapping rules.
        coverage: which sources cover which days (an unseen indicator on an uncovered
            day is unknown, not absent); ``None`` for none declared.
        events: rule id -> days its resolving event happened (each scored in its ISO
            week); a rule left out has no events, so each of its alarms is false.
        window: the warning window W >= 1, in weeks.
        fit_through: refit the time model on the store up to this day (alerts after it
            are out of sample); ``None`` uses the spec's numbers (in-sample).

    Raises:
        UsageError: an empty store, or an event of a rule the time model does not have.
    """
    known = {a.id for a in timeline.spec.alerts}
    unknown = sorted(set(events) - known)
    if unknown:
        raise UsageError(f"no alert rule {unknown[0]!r} in {timeline.path}")
    span = data_span(con)
    if span is None:
        raise UsageError("the store holds no events")
    ev = evidence_as_of(con, rules, span[1], coverage)
    params = parameters_as_of(
        timeline, con, rules, fit_through or span[1], refit=fit_through is not None
    )
    fired = timeline_alerts(params.model, ev)
    records = tuple(
        RuleRecord(
            a.id,
            sum(f.rule == a.id for f in fired),
            record_for(
                ev.weeks,
                [f.week for f in fired if f.rule == a.id],
                [iso_week(d) for d in events.get(a.id, [])],
                window,
            ),
        )
        for a in timeline.spec.alerts
    )
    return AlertRecord(tuple(ev.weeks), params, tuple(fired), records, window)


__all__ = ["AlertRecord", "RuleRecord", "alert_record"]
