"""Lead time and false alarms of an early-warning rule, from weekly flags: pure functions.

Given, for T consecutive weeks, whether an alert was raised (``alerts[t]``) and
whether a resolving event happened (``events[t]``), with a warning window of W weeks:

* **lead time** of an event in week e: ``e - a`` where a is the first alert week in
  ``[e - W, e]``; an alert in the event week itself gives 0 (a warning that came with
  the event), none in the window means the event was **missed**. The lead time is at
  most W by construction: an alert raised earlier than the window counts from its start.
* **false alarm**: an alert *onset* (a week with an alert whose previous week had
  none; an alert that stays on for several weeks is one alarm) with no event in
  ``[a, a + W]``. An onset within W weeks of the end of the data cannot be judged yet
  and is counted as ``pending``, neither true nor false.
* **false alarms per year**: false alarms / (judged weeks / 52.1775), where judged
  weeks are the weeks whose window has closed (T - W, at least 1).

With ``merge_gap = g > 0``, an event week within g weeks after an earlier event week
belongs to the same episode and is not scored again (a wave of rail sabotage is one
event to warn of, not twenty).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

WEEKS_PER_YEAR = 365.2425 / 7


@dataclass(frozen=True)
class EventLead:
    """One resolving event.

    Attributes:
        event: index of its week.
        first_alert: index of the first alert week in its window, or None (missed).
        lead_weeks: ``event - first_alert``, or None when missed.
    """

    event: int
    first_alert: int | None
    lead_weeks: int | None


@dataclass(frozen=True)
class WarningRecord:
    """Lead times and false alarms of one alert rule over a run of weeks.

    Attributes:
        window: the warning window W, in weeks.
        events: one entry per scored event, in week order.
        onsets: alert onsets (weeks where an alert starts).
        false_alarms: onsets with no event within W weeks after them.
        pending: onsets whose window reaches past the data.
        judged_weeks: weeks whose window has closed.
        false_alarms_per_year: false_alarms per 52.1775 judged weeks.
    """

    window: int
    events: tuple[EventLead, ...]
    onsets: tuple[int, ...]
    false_alarms: int
    pending: int
    judged_weeks: int
    false_alarms_per_year: float

    @property
    def detected(self) -> int:
        """Events with an alert in their window."""
        return sum(e.lead_weeks is not None for e in self.events)

    @property
    def missed(self) -> int:
        """Events without an alert in their window."""
        return len(self.events) - self.detected

    def as_json(self, weeks: Sequence[str] | None = None) -> dict[str, object]:
        """Plain data; with ``weeks`` (labels [T]) indices become week labels."""

        def at(i: int | None) -> int | str | None:
            return i if i is None or weeks is None else weeks[i]

        return {
            "window_weeks": self.window,
            "events": [
                {"event": at(e.event), "first_alert": at(e.first_alert), "lead_weeks": e.lead_weeks}
                for e in self.events
            ],
            "detected": self.detected,
            "missed": self.missed,
            "alarms": len(self.onsets),
            "false_alarms": self.false_alarms,
            "pending": self.pending,
            "false_alarms_per_year": round(self.false_alarms_per_year, 4),
        }


def _flags(x: Sequence[bool] | np.ndarray, name: str, T: int | None = None) -> np.ndarray:
    a = np.asarray(x, dtype=bool)
    if a.ndim != 1 or (T is not None and len(a) != T):
        raise ValueError(f"{name} must be one flag per week{f' ({T})' if T is not None else ''}")
    return a


def lead_times(
    alerts: Sequence[bool] | np.ndarray,
    events: Sequence[bool] | np.ndarray,
    window: int,
    merge_gap: int = 0,
) -> WarningRecord:
    """Lead time of every resolving event and the false alarms (module docstring).

    Args:
        alerts: [T] True in the weeks an alert was raised or on.
        events: [T] True in the weeks a resolving event happened.
        window: the warning window W >= 1, in weeks.
        merge_gap: event weeks within this many weeks after an earlier one are the same
            episode (0: every event week is scored).

    Raises:
        ValueError: flags of different lengths or a window below 1.
    """
    a = _flags(alerts, "alerts")
    e = _flags(events, "events", len(a))
    if window < 1 or merge_gap < 0:
        raise ValueError("window must be >= 1 and merge_gap >= 0")
    T = len(a)
    scored: list[EventLead] = []
    last_event = -(10**9)
    for t in (int(i) for i in np.flatnonzero(e)):
        if t - last_event <= merge_gap:
            last_event = t
            continue
        last_event = t
        lo = max(0, t - window)
        hits = np.flatnonzero(a[lo : t + 1])
        first = lo + int(hits[0]) if hits.size else None
        scored.append(EventLead(t, first, None if first is None else t - first))
    onsets = [int(t) for t in np.flatnonzero(a) if t == 0 or not a[t - 1]]
    false_alarms = pending = 0
    for o in onsets:
        if e[o : o + window + 1].any():
            continue
        if o + window >= T:
            pending += 1
        else:
            false_alarms += 1
    judged = max(1, T - window)
    return WarningRecord(
        window,
        tuple(scored),
        tuple(onsets),
        false_alarms,
        pending,
        judged,
        false_alarms / (judged / WEEKS_PER_YEAR),
    )


def flags_for(weeks: Sequence[str], marked: Sequence[str] | set[str]) -> np.ndarray:
    """[T] True for the week labels in ``marked`` (e.g. the weeks alerts fired)."""
    chosen = set(marked)
    return np.array([w in chosen for w in weeks], dtype=bool)


def record_for(
    weeks: Sequence[str],
    alert_weeks: Iterable[str],
    event_weeks: Iterable[str],
    window: int,
    merge_gap: int = 0,
) -> WarningRecord:
    """:func:`lead_times` from week labels: the weeks [T] of a run, the weeks an alert
    fired (e.g. ``{a.week for a in result.alerts if a.rule == "entry-above-5pc"}``) and
    the weeks a resolving event happened; labels outside ``weeks`` are ignored."""
    alerts = set(alert_weeks)
    events = set(event_weeks)
    return lead_times(flags_for(weeks, alerts), flags_for(weeks, events), window, merge_gap)


__all__ = [
    "WEEKS_PER_YEAR",
    "EventLead",
    "WarningRecord",
    "flags_for",
    "lead_times",
    "record_for",
]
