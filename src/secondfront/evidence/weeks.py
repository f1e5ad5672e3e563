"""Weekly indicator statuses: the stored observations, week by week.

Weekly status of an indicator (ISO weeks, Monday to Sunday):

* **observed** when, in that week, the observations' weights of a source sum to at
  least 1, or, for a source whose rows are pooled (GDELT, see
  :class:`~secondfront.evidence.registry.EventSource`), the support clears all three
  bars of ``gdelt_aggregation``: a weighted sum
  ``S = sum(weight * min(cap, ln(1 + NumSources) * ln(1 + NumArticles)))`` of at least
  ``threshold``, at least ``min_rows`` distinct rows, and at least ``baseline_ratio``
  times the median weekly ``S`` of the ``baseline_weeks`` before (when that many weeks
  are known). Since ``threshold > cap`` is enforced, no single GDELT row can make an
  indicator observed.
* **not_observed** when nothing supports it although a source covered it that week:
  where the history the store was filled from declares its coverage
  (:mod:`secondfront.evidence.coverage`, ``data/NAME.coverage.yaml`` beside
  ``data/NAME.csv``), exactly where that declaration covers the indicator in the week;
  otherwise where a rule for it says ``absence_is_evidence`` and its source covers the
  week (``continuous`` coverage, as ACLED's: every week between its first and last
  stored event; ``weekly``, as GDELT's and text's: weeks with at least one stored row).
* **unknown** otherwise: the filter treats it as missing evidence. Absence of a report
  is not a report of absence (``docs/vocabulary.md``).

Every function here is total over whatever is stored: an event dated outside the
plausible event dates (:func:`~secondfront.evidence.registry.event_date_window`; a
store written before they were checked may hold year 1 or 9999) is left out of spans,
coverage, statuses and week details, and a requested range outside them is a one-line
``UsageError``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from secondfront.errors import SecondfrontError, UsageError
from secondfront.evidence.mapping import MappingRules, require_mapped
from secondfront.evidence.registry import ENV_EVENT_DATES, event_date_window, present_sources
from secondfront.evidence.store import store_errors

if TYPE_CHECKING:
    from secondfront.evidence.coverage import DeclaredCoverage

STATUSES = ("observed", "not_observed", "unknown")


def iso_week(day: dt.date) -> str:
    """``2022-W08`` for any day of ISO week 8 of ISO year 2022."""
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def week_start(label: str) -> dt.date:
    """The Monday of an ISO week label such as ``2022-W08``.

    Raises:
        ValueError: a label that is not an ISO week of years 1..9999.
    """
    year, sep, week = label.partition("-W")
    if not (sep and year.isdigit() and week.isdigit() and len(year) == 4):
        raise ValueError(f"{label!r} is not an ISO week label such as 2022-W08")
    return dt.date.fromisocalendar(int(year), int(week), 1)


def week_end(label: str) -> dt.date:
    """The Sunday, the last day, of an ISO week label such as ``2022-W08``."""
    return week_start(label) + dt.timedelta(days=6)


def under_way(label: str, day: dt.date) -> bool:
    """Whether the ISO week ``label`` has not ended by the end of ``day``: the one test of
    a week "still under way" on a forecast day, which is read for its present reports
    only (:func:`reported_so_far`)."""
    return week_end(label) > day


def weeks_between(start: dt.date, end: dt.date) -> list[str]:
    """ISO week labels from the week of ``start`` to the week of ``end``, inclusive.

    Defined for any two dates (no date arithmetic steps past ``end``'s week).
    """
    monday = start - dt.timedelta(days=start.weekday())
    if monday > end:
        return []
    n = (end - monday).days // 7 + 1
    return [iso_week(monday + dt.timedelta(weeks=k)) for k in range(n)]


def check_range(
    start: dt.date | None,
    end: dt.date | None,
    names: tuple[str, str] = ("--from", "--to"),
    error: type[SecondfrontError] = UsageError,
) -> None:
    """Refuse a first or last day outside the plausible event dates, in one line.

    The one check of a date range against :func:`event_date_window`, for the command
    line (``--from``/``--to``, a UsageError) and the API (``from``/``to``, a QueryError).

    Raises:
        ``error``: naming the day, the supported range and the setting that widens it.
    """
    first, last = event_date_window()
    for flag, day in zip(names, (start, end), strict=True):
        if day is not None and not first <= day <= last:
            raise error(
                f"{flag} {day.isoformat()} is outside the supported dates "
                f"{first.isoformat()}..{last.isoformat()} (set {ENV_EVENT_DATES}=FIRST..LAST "
                "to change them)"
            )


def _spans(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of ``d``: every stored event day of every mapped source, within the window
    given as the parameters ``$first_day`` and ``$last_day``."""
    parts = [
        f"SELECT {s.day} AS d FROM {s.relation} WHERE {s.day} BETWEEN $first_day AND $last_day"
        for s in present_sources(con).values()
    ]
    return " UNION ALL ".join(parts) or "SELECT NULL::DATE AS d"


def data_span(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """First and last event day over all sources, or None for an empty store.

    Days outside the plausible event dates are left out (see the module docstring).
    """
    first, last = event_date_window()
    with store_errors(con):
        row = con.execute(
            f"SELECT min(d), max(d) FROM ({_spans(con)})",
            {"first_day": first, "last_day": last},
        ).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


@dataclass(frozen=True)
class IndicatorWeek:
    """One indicator in one week.

    Attributes:
        week: ISO week label.
        indicator: indicator name.
        count: supporting observations (rows) that week, all sources.
        support: their summed weight (GDELT rows weighted as in the module docstring).
        status: ``observed``, ``not_observed`` or ``unknown``.
        gradings: distinct Admiralty gradings of the supporting sources, sorted.
    """

    week: str
    indicator: str
    count: int
    support: float
    status: str
    gradings: tuple[str, ...]


def weekly_statuses(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    start: dt.date | None = None,
    end: dt.date | None = None,
    coverage: DeclaredCoverage | None = None,
) -> list[IndicatorWeek]:
    """Status of every indicator in every ISO week from ``start`` to ``end``.

    Args:
        con: the store, mapped with ``rules`` (at ingest, or by
            :func:`~secondfront.evidence.mapping.open_mapped`); only read here.
        rules: the mapping rules.
        start, end: the range; default: the span of the stored events. Observations
            dated after ``end`` are not read.
        coverage: declared coverage; it alone decides where a silent week is
            ``not_observed`` (see the module docstring). None: what the store's histories
            declare (:func:`~secondfront.evidence.coverage.coverage_for_store`), else
            the store's sources (as with :data:`~secondfront.evidence.coverage.STORE_SOURCES`).

    Returns:
        week-major, indicators in model order; empty when the store holds no events.

    Raises:
        UsageError: ``start`` or ``end`` outside the plausible event dates.
        StaleMappingError: the store was mapped with other rules, or holds unmapped
            files; the message names the command that maps it.
        StoreError: the store failed.
    """
    check_range(start, end)
    require_mapped(con, rules)
    span = data_span(con)
    if span is None:
        return []
    start = start or span[0]
    end = end or span[1]
    weeks = weeks_between(start, end)
    if not weeks:
        return []
    with store_errors(con):
        if coverage is None:
            from secondfront.evidence.coverage import coverage_for_store

            coverage = coverage_for_store(con)
        if coverage is not None and coverage.by_sources:
            coverage = None
        return _statuses(con, rules, weeks, end, coverage)


def _statuses(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    weeks: list[str],
    end: dt.date,
    coverage: DeclaredCoverage | None,
) -> list[IndicatorWeek]:
    agg = rules.spec.gdelt_aggregation
    sources = present_sources(con)
    pooled = {name for name, s in sources.items() if s.row_support is not None}
    # Baselines need weeks before the range.
    lookback = week_start(weeks[0]) - dt.timedelta(weeks=agg.baseline_weeks)
    obs = con.execute(
        "SELECT source, indicator, day - CAST(isodow(day) - 1 AS INTEGER) AS monday, count(*), "
        "sum(weight), list(DISTINCT grading) FROM observations WHERE day BETWEEN ? AND ? "
        "GROUP BY ALL",
        [lookback, end],
    ).fetchall()
    per: dict[tuple[str, str, str], tuple[int, float, list[str]]] = {}
    for source, ind, monday, n, s, graded in obs:
        per[(source, ind, iso_week(monday))] = (int(n), float(s), list(graded))
    covered = _coverage(con, rules, lookback, end)
    by_indicator: dict[str, set[str]] = defaultdict(set)
    for rule in rules.rules:
        if rule.absence_is_evidence:
            by_indicator[rule.indicator].add(rule.source)
    all_weeks = weeks_between(lookback, end)
    pooled_support = {
        (src, ind): [per.get((src, ind, w), (0, 0.0, []))[1] for w in all_weeks]
        for src in pooled
        for ind in rules.indicators
    }
    offset = len(all_weeks) - len(weeks)
    out: list[IndicatorWeek] = []
    for k, week in enumerate(weeks):
        for ind in rules.indicators:
            count = 0
            support = 0.0
            grades: set[str] = set()
            observed = False
            for source in sources:
                n, s, g = per.get((source, ind, week), (0, 0.0, []))
                if not n:
                    continue
                count += n
                support += s
                grades.update(g)
                if source not in pooled:
                    observed |= s >= 1.0
                else:
                    history = pooled_support[(source, ind)]
                    past = history[max(0, offset + k - agg.baseline_weeks) : offset + k]
                    base = _median(past) if len(past) >= agg.baseline_weeks else 0.0
                    observed |= (
                        s >= agg.threshold and n >= agg.min_rows and s >= agg.baseline_ratio * base
                    )
            if observed:
                status = "observed"
            elif coverage is not None:
                status = "not_observed" if coverage.covers(ind, week_start(week)) else "unknown"
            elif any(week in covered.get(src, ()) for src in by_indicator.get(ind, ())):
                status = "not_observed"
            else:
                status = "unknown"
            out.append(
                IndicatorWeek(week, ind, count, round(support, 6), status, tuple(sorted(grades)))
            )
    return out


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return 0.0 if not n else (s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2)


def _coverage(
    con: duckdb.DuckDBPyConnection, rules: MappingRules, start: dt.date, end: dt.date
) -> dict[str, set[str]]:
    """Source -> ISO weeks it covers (see the module docstring), within the window."""
    first, last = event_date_window()
    out: dict[str, set[str]] = {}
    for source, src in present_sources(con).items():
        mode = rules.spec.coverage.get(source, "weekly")
        day = src.day
        if mode == "continuous":
            row = con.execute(
                f"SELECT min({day}), max({day}) FROM {src.relation} WHERE {day} BETWEEN ? AND ?",
                [first, last],
            ).fetchone()
            out[source] = set(weeks_between(row[0], row[1])) if row and row[0] else set()
        else:
            days = con.execute(
                f"SELECT DISTINCT {day} - CAST(isodow({day}) - 1 AS INTEGER) FROM {src.relation} "
                f"WHERE {day} BETWEEN ? AND ?",
                [max(start, first), min(end, last)],
            ).fetchall()
            out[source] = {iso_week(d[0]) for d in days}
    return out


def evidence_rows(statuses: Iterable[IndicatorWeek]) -> tuple[list[str], list[dict[str, str]]]:
    """Weekly evidence for the network: ``(weeks, [{indicator: "present"|"absent"}])``.

    Observed -> ``present``, not observed -> ``absent``, unknown -> left out.
    """
    weeks: list[str] = []
    rows: dict[str, dict[str, str]] = {}
    for s in statuses:
        if s.week not in rows:
            weeks.append(s.week)
            rows[s.week] = {}
        if s.status == "observed":
            rows[s.week][s.indicator] = "present"
        elif s.status == "not_observed":
            rows[s.week][s.indicator] = "absent"
    return weeks, [rows[w] for w in weeks]


@dataclass(frozen=True)
class WeekEvent:
    """A stored event mapped to one or more indicators in its week, as the week detail
    lists it.

    ``date`` is ISO (``YYYY-MM-DD``); ``weight`` the strongest observation it made;
    ``indicators`` and ``gradings`` sorted; ``kind``, ``summary`` and ``origin`` as its
    source's adapter describes it ('' when it says nothing).
    """

    id: str
    source: str
    date: str
    weight: float
    indicators: list[str]
    gradings: list[str]
    kind: str
    summary: str
    origin: str


def reported_so_far(row: dict[str, str]) -> dict[str, str]:
    """A week still under way as evidence: its ``present`` reports only.

    An indicator not reported yet in a week that has not ended is unknown, not absent:
    reading its days so far as a whole week of "not observed" would count every quiet
    Monday against whatever the week goes on to show.
    """
    return {k: v for k, v in row.items() if v == "present"}


def week_events(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, per_week: int = 25
) -> tuple[dict[str, list[WeekEvent]], dict[str, int]]:
    """The stored events mapped to indicators, per ISO week, strongest first.

    Each source's adapter says how its events are summarised (see
    :class:`~secondfront.evidence.registry.EventSource`), so a registered third-party
    source is listed like a built-in one. The range is clipped to the plausible event
    dates.

    Returns:
        ISO week -> up to ``per_week`` events, and ISO week -> how many events it
        has in all. One row per event (an event can support several indicators).
    """
    first, last = event_date_window()
    start, end = max(start, first), min(end, last)
    params: list[object] = [start, end, per_week]
    described: list[str] = []
    for name, src in present_sources(con).items():
        # Only the picked events are described: a GDELT store can hold millions.
        described.append(
            f"SELECT ? AS src_name, ({src.key})::VARCHAR AS src_ref, {src.summary} AS summary, "
            f"{src.origin} AS origin, {src.kind} AS kind FROM {src.relation} "
            f"WHERE ({src.key}) IN "
            f"(SELECT TRY_CAST(ref AS {src.key_type}) FROM picked WHERE source = ?)"
        )
        params += [name, name]
    union = " UNION ALL ".join(described) or (
        "SELECT NULL AS src_name, NULL AS src_ref, NULL AS summary, NULL AS origin, NULL AS kind"
    )
    with store_errors(con):
        rows = con.execute(
            f"""
            WITH per_event AS (
                SELECT o.source, o.ref, min(o.day) AS day, max(o.weight) AS weight,
                       list(DISTINCT o.indicator ORDER BY o.indicator) AS indicators,
                       list(DISTINCT o.grading ORDER BY o.grading) AS gradings
                FROM observations o WHERE o.day BETWEEN ? AND ?
                GROUP BY o.source, o.ref
            ), ranked AS (
                SELECT *, row_number() OVER w AS rank,
                       count(*) OVER (PARTITION BY monday) AS total
                FROM (SELECT *, day - CAST(isodow(day) - 1 AS INTEGER) AS monday FROM per_event)
                WINDOW w AS (PARTITION BY monday ORDER BY weight DESC, day, ref)
            ), picked AS (
                SELECT * FROM ranked WHERE rank <= ?
            ), described AS (
                SELECT DISTINCT ON (src_name, src_ref) * FROM ({union})
            )
            SELECT r.source, r.ref, r.day, r.weight, r.indicators, r.gradings, r.total,
                   coalesce(d.summary, '') AS summary, coalesce(d.origin, '') AS origin,
                   coalesce(d.kind, '') AS kind
            FROM picked r
            LEFT JOIN described d ON d.src_name = r.source AND d.src_ref = r.ref
            ORDER BY r.day, r.weight DESC, r.ref
            """,
            params,
        ).fetchall()
    out: dict[str, list[WeekEvent]] = {}
    totals: dict[str, int] = {}
    for source, ref, day, weight, inds, grades, total, summary, origin, kind in rows:
        totals[iso_week(day)] = int(total)
        out.setdefault(iso_week(day), []).append(
            WeekEvent(
                str(ref),
                str(source),
                day.isoformat(),
                float(weight),
                [str(i) for i in inds],
                [str(g) for g in grades],
                str(kind),
                str(summary),
                str(origin),
            )
        )
    return out, totals


def gdelt_row_weight(num_sources: int, num_articles: int, cap: float) -> float:
    """``min(cap, ln(1 + NumSources) * ln(1 + NumArticles))``: one row's GDELT support."""
    return min(cap, math.log1p(num_sources) * math.log1p(num_articles))


__all__ = [
    "STATUSES",
    "IndicatorWeek",
    "WeekEvent",
    "check_range",
    "data_span",
    "evidence_rows",
    "gdelt_row_weight",
    "iso_week",
    "reported_so_far",
    "week_events",
    "week_start",
    "weekly_statuses",
    "weeks_between",
]
