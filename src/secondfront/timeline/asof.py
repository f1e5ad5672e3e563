"""The one place where forecasting calls the weekly timeline.

The questions do not reassemble the timeline: the weekly evidence of a day is
:func:`secondfront.timeline.view.weekly_evidence` cut at that day, and the alerts of the
time model's rules are those of :func:`~secondfront.timeline.view.filter_record` over it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.timeline.chain import AlertEvent, TimelineModel
from secondfront.timeline.view import WeeklyEvidence, filter_record, weekly_evidence


@dataclass(frozen=True)
class EvidenceAsOf:
    """The timeline's weekly evidence as the store could have held it on a day.

    Attributes:
        through: the last day whose events were read.
        record: the timeline's record of the weeks up to the week of ``through``.
        observations: stored observations dated up to ``through`` (all sources).
    """

    through: dt.date
    record: WeeklyEvidence
    observations: int

    @property
    def weeks(self) -> list[str]:
        """ISO week labels [T], consecutive, the last one holding ``through``."""
        return self.record.weeks

    @property
    def rows(self) -> list[dict[str, str]]:
        """Per week, ``{indicator: "present"|"absent"}`` (unknown left out)."""
        return self.record.evidence

    @property
    def weights(self) -> list[dict[str, float]]:
        """Per week, observed indicator -> weight of its best-graded source."""
        return self.record.weights

    @classmethod
    def of(
        cls,
        through: dt.date,
        weeks: list[str],
        rows: list[dict[str, str]],
        weights: list[dict[str, float]],
        observations: int,
    ) -> EvidenceAsOf:
        """From plain weeks and rows (a ledger entry, a test); no statuses kept."""
        return cls(through, WeeklyEvidence([], weeks, rows, weights), observations)


def evidence_as_of(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    through: dt.date,
    coverage: DeclaredCoverage | None = None,
) -> EvidenceAsOf:
    """The timeline's weekly evidence from the store's first event to ``through``.

    Only events dated up to ``through`` are read (the filter is on the event's date;
    when a report was ingested does not matter, since a hand-coded history dates each
    event by its first public report).

    Args:
        con: the store.
        rules: the mapping rules.
        through: the forecast day.
        coverage: declared coverage; None: what the store's histories declare.
    """
    record = weekly_evidence(con, rules, end=through, coverage=coverage)
    row = con.execute("SELECT count(*) FROM observations WHERE day <= ?", [through]).fetchone()
    return EvidenceAsOf(through, record, int(row[0]) if row else 0)


def timeline_alerts(model: TimelineModel, evidence: EvidenceAsOf) -> list[AlertEvent]:
    """The timeline's alerts over the weeks of ``evidence``, in week order."""
    if not evidence.weeks:
        return []
    return list(filter_record(model, evidence.record).alerts)


__all__ = [
    "EvidenceAsOf",
    "evidence_as_of",
    "timeline_alerts",
]
