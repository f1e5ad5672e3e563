"""Early warning measured: lead time of the first alert before an event, false alarms.

For an event on day E and an alert rule, the **lead time** is the number of weeks from
the first alert of that rule in the look-back period ``[E - W, E]`` (W = 12 weeks by
default) to the week of E (0: the alert came in the event's own week; None: no alert in
the period). An alert not followed by an event of its rule within W weeks (its own week
included) is a **false alarm**; their count per year of weeks scanned is the
false-alarm rate.

The alerts are the timeline's own (filtered, so each uses only the weeks up to its own),
computed on the store's weekly evidence with the coverage rule applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from secondfront.evidence.mapping import iso_week, week_start


@dataclass(frozen=True)
class LeadTime:
    """The first alert of one rule before one event.

    Attributes:
        rule: the alert rule's id.
        event: the event's day.
        first_alert: the week of the first alert in the look-back period, or None.
        weeks: weeks from that alert's week to the event's week, or None.
    """

    rule: str
    event: dt.date
    first_alert: str | None
    weeks: int | None

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "rule": self.rule,
            "event": self.event.isoformat(),
            "first_alert": self.first_alert,
            "weeks": self.weeks,
        }


def lead_time(
    alerts: Sequence[tuple[str, str, str]], rule: str, event: dt.date, lookback_weeks: int = 12
) -> LeadTime:
    """Lead time of ``rule``'s first alert within ``lookback_weeks`` before ``event``.

    Args:
        alerts: (ISO week, rule id, message) in week order, as the timeline gives them.
        rule: the rule's id.
        event: the day of the event.
        lookback_weeks: how far back an alert still counts as a warning of this event.
    """
    event_monday = week_start(iso_week(event))
    first = event_monday - dt.timedelta(weeks=lookback_weeks)
    for week, rid, _ in alerts:
        monday = week_start(week)
        if rid == rule and first <= monday <= event_monday:
            return LeadTime(rule, event, week, (event_monday - monday).days // 7)
    return LeadTime(rule, event, None, None)


def false_alarms(
    alerts: Sequence[tuple[str, str, str]],
    rule: str,
    events: Sequence[dt.date],
    window_weeks: int = 12,
) -> list[str]:
    """Weeks in which ``rule`` fired without one of ``events`` in the ``window_weeks``
    that follow (the alert's own week included)."""
    mondays = [week_start(iso_week(e)) for e in events]
    out = []
    for week, rid, _ in alerts:
        if rid != rule:
            continue
        m = week_start(week)
        if not any(0 <= (e - m).days // 7 <= window_weeks for e in mondays):
            out.append(week)
    return out


__all__ = ["LeadTime", "false_alarms", "lead_time"]
