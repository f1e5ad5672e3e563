"""The timeline as shown: one implementation for the command line, the API, the pages,
the report and the backtest.

The journey from stored events to typed weeks, function by function::

    weekly_evidence(con, rules)           # every stored ISO week: statuses (observed /
                                          #   not observed / unknown), engine evidence
                                          #   (present / absent / left out), source weights
    run_timeline(time_model, ...)         # likelihoods per week and state, forward filter
                                          #   (or smoother), outcome mixtures, alerts
    timeline_view(model, store, ...)      # the display window cut from the filtered
                                          #   record, with each week's events and its
                                          #   evidence conflict -> TimelineView

Each shown week carries Hugin's conflict measure of its findings,
``conf(e) = log(prod_i P(e_i) / P(e))`` (:mod:`secondfront.timeline.conflict`), under
the chain's prediction for that week (the state weights before the week's evidence),
with the finding most responsible. A positive value says the week's reports fit the
model badly together: a flawed report, deception, or a mechanism the model lacks.

Filtering means the belief at week t uses every stored week up to t, whatever window
is displayed: the chain always runs over the whole record (from its first stored week)
and the window ``start .. end`` only selects which weeks are shown. So a week's
probability does not depend on ``--from``. Source weights (``evidence: {graded: true}``
in the time model) apply wherever the timeline is shown, because there is one path.

A missing store, an empty one or a model without a time model and mapping rules is not
an error: the view's ``status`` and ``reason`` say so, and every renderer shows that
sentence as the section's empty state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from secondfront.errors import QueryError, StoreError
from secondfront.evidence import store as events_store
from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules, load_rules, open_mapped
from secondfront.evidence.weeks import (
    IndicatorWeek,
    WeekEvent,
    check_range,
    data_span,
    evidence_rows,
    iso_week,
    week_end,
    week_events,
    week_start,
    weekly_statuses,
)
from secondfront.jsontypes import JSONObject
from secondfront.model.model import Model
from secondfront.model.network import Network
from secondfront.tabular import Rows, Tabular
from secondfront.timeline.chain import (
    TimelineModel,
    TimelineResult,
    engine_evidence,
    load_timeline,
    report_weights,
    run_timeline,
)
from secondfront.timeline.conflict import Conflict, week_conflicts

# Display bound of one request: about ten years of weeks keeps a page's data to a few
# hundred kilobytes. The chain itself always runs over the whole stored record.
TIMELINE_MAX_WEEKS = 522
# GDELT can put thousands of rows in one week; a week lists the strongest few.
EVENTS_PER_WEEK = 25
# Dates outside this span are typing mistakes, not history (and ISO week arithmetic
# near year 1 or 9999 overflows).
INGEST_HINT = "secondfront ingest data/belarus-events.csv --db {store}"

Status = Literal["ok", "no_store", "no_events", "no_timeline", "unavailable"]


@dataclass(frozen=True)
class WeeklyEvidence:
    """Every stored ISO week as evidence for the time model.

    Attributes:
        statuses: week-major indicator statuses (``IndicatorWeek``), all stored weeks.
        weeks: ISO week labels [T], consecutive.
        evidence: per week, indicator -> ``present`` / ``absent`` (unknown left out).
        weights: per week, observed indicator -> weight of its best-graded source.
    """

    statuses: list[IndicatorWeek]
    weeks: list[str]
    evidence: list[dict[str, str]]
    weights: list[dict[str, float]]


def weekly_evidence(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    *,
    end: dt.date | None = None,
    coverage: DeclaredCoverage | None = None,
) -> WeeklyEvidence:
    """The evidence of every stored week (from the first to the last stored event).

    Only reads: the store must have been mapped with ``rules`` (at ingest, or by
    :func:`~secondfront.evidence.mapping.open_mapped`).

    Args:
        con: the store.
        rules: the mapping rules.
        end: the last day read: the weeks run to the week of ``end`` and events dated
            after it are not read, so the record is the one the store could have held
            that day (a dated forecast); None: every stored week.
        coverage: declared coverage instead of the store's own (see
            :func:`~secondfront.evidence.weeks.weekly_statuses`).

    Raises:
        StaleMappingError: the store was mapped with other rules or holds unmapped files.
    """
    if end is None:
        statuses = weekly_statuses(con, rules, coverage=coverage)
    else:
        # Imported here: the learning modules import the timeline, not the reverse.
        from secondfront.timeline.fit import store_as_of

        with store_as_of(con, end):
            statuses = weekly_statuses(con, rules, end=end, coverage=coverage)
    weeks, evidence = evidence_rows(statuses)
    return WeeklyEvidence(statuses, weeks, evidence, report_weights(statuses))


def filter_record(
    time_model: TimelineModel, record: WeeklyEvidence, smooth: bool = False
) -> TimelineResult:
    """The time model run over the whole record, source weights applied when graded."""
    return run_timeline(
        time_model, record.weeks, record.evidence, smooth=smooth, weights=record.weights
    )


@dataclass(frozen=True)
class TimelineSeries:
    """An outcome drawn on the timeline, in its headline state."""

    variable: str
    label: str
    state: str


@dataclass(frozen=True)
class TimelineWeek:
    """One ISO week of the timeline.

    Attributes:
        week: ISO week label, e.g. ``2022-W08``.
        start: its Monday.
        p: outcome variable -> probability of its headline state.
        outcomes: outcome variable -> state -> probability.
        states: hidden escalation state -> belief.
        indicators: indicator -> ``observed`` / ``not_observed`` (unknown not listed).
        evidence: indicator -> ``present`` / ``absent``: what the engine was given.
        events: the week's strongest events (none unless asked for).
        more_events: events of the week beyond those listed.
        conflict: the conflict of the week's findings (``conf(e)`` in nats, with the
            finding most responsible); 0 with fewer than two findings.
        dated: outcome variable -> the dated forecast as of the week's last day (its
            Sunday, or the store's last day): P(headline state happens in the next
            ``TimelineView.dated_weeks`` weeks). Filled by
            :func:`secondfront.forecasting.outlook.dated_timeline`; empty otherwise.
    """

    week: str
    start: dt.date
    p: dict[str, float]
    outcomes: dict[str, dict[str, float]]
    states: dict[str, float]
    indicators: dict[str, str]
    evidence: dict[str, str]
    events: list[WeekEvent] = field(default_factory=list)
    more_events: int = 0
    conflict: Conflict = field(default_factory=lambda: Conflict(0.0, {}, 0.0, None, 0.0))
    dated: dict[str, float] = field(default_factory=dict)

    @property
    def observed(self) -> list[str]:
        """Indicators observed this week."""
        return [i for i, s in self.indicators.items() if s == "observed"]


@dataclass(frozen=True)
class TimelineAlert:
    """A fired alert rule of the time model.

    Attributes:
        week: when it fired.
        start: that week's Monday.
        rule: the rule's id.
        variable: the variable the rule watches.
        state: its state.
        p: P(variable = state) that week (``None`` when not a drawn outcome).
        message: the alert line.
        indicators: indicators observed in the weeks that triggered it.
    """

    week: str
    start: dt.date
    rule: str
    variable: str
    state: str
    p: float | None
    message: str
    indicators: list[str]


@dataclass(frozen=True)
class TimelineView(Tabular):
    """The timeline of a model from an events store, over a display window.

    Attributes:
        status: ``ok``, or why there is no timeline (``no_store``, ``no_events``,
            ``no_timeline``, ``unavailable``).
        reason: the empty-state sentence, ``None`` when ``ok``.
        store: the events store's file name (never its folder).
        events: events in the store, all sources.
        span: first and last stored event day.
        start: Monday of the first week shown.
        end: Sunday of the last week shown.
        clipped: True when the shown record was cut to its last weeks.
        smooth: whether beliefs use all weeks (smoothing) or the past only.
        graded: whether observed indicators were weighted by their sources' gradings.
        fitted: whether the time model carries numbers fitted to data (its ``fitted:``
            block, from ``secondfront fit``): its fitted emissions weigh each week.
        series: the outcomes drawn, in their headline states.
        hidden_states: (name, label) of each escalation state.
        indicator_labels: indicator -> label.
        weeks: the weeks shown.
        alerts: alerts that fired in the weeks shown: with ``dated_weeks``, the early
            warning of the dated forecast (:mod:`secondfront.forecasting.warning`: its
            P(within ``dated_weeks``) reached a threshold chosen by rolling origin);
            otherwise the time model's own rules on the chain.
        log_evidence: log P(all stored weeks' evidence) under the time model.
        dated_weeks: the horizon of each week's ``dated`` forecast (None: not computed).
        dated_refit: whether each week's dated forecast used the chain refitted on the
            store up to its day (out of sample) rather than the analyst's chain.
        rule_alerts: the time model's own alert rules (``alerts:``) on the chain's
            network numbers in the weeks shown, what ``timeline --network`` prints; the
            same as ``alerts`` when no dated forecast was computed.
        record: the weekly evidence of every stored week that the chain was filtered
            over (None in an empty state): a caller that goes on from the view (the
            dated forecast) uses it instead of reading the store again. Not part of
            ``as_json`` or of equality.
    """

    status: Status
    reason: str | None = None
    store: str | None = None
    events: int = 0
    span: tuple[dt.date, dt.date] | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    clipped: bool = False
    smooth: bool = False
    graded: bool = False
    fitted: bool = False
    series: list[TimelineSeries] = field(default_factory=list)
    hidden_states: list[tuple[str, str]] = field(default_factory=list)
    indicator_labels: dict[str, str] = field(default_factory=dict)
    weeks: list[TimelineWeek] = field(default_factory=list)
    alerts: list[TimelineAlert] = field(default_factory=list)
    log_evidence: float = 0.0
    dated_weeks: int | None = None
    dated_refit: bool = False
    rule_alerts: list[TimelineAlert] = field(default_factory=list)
    record: WeeklyEvidence | None = field(default=None, repr=False, compare=False)

    def table(self) -> Rows:
        """One row per week shown: P of each outcome's headline state, what was observed."""
        heads = [f"P({s.variable}={s.state})" for s in self.series]
        dated = [s for s in self.series if self.dated_weeks is not None]
        dated_heads = [f"P({s.variable}={s.state} within {self.dated_weeks}w)" for s in dated]
        return Rows(
            f"Timeline ({self.status}): {len(self.weeks)} weeks",
            ("week", "start", *heads, *dated_heads, "observed", "not_observed"),
            [
                (
                    w.week,
                    w.start,
                    *[w.p.get(s.variable) for s in self.series],
                    *[w.dated.get(s.variable) for s in dated],
                    w.observed,
                    [i for i, st in w.indicators.items() if st == "not_observed"],
                )
                for w in self.weeks
            ],
        )

    def as_json(self) -> JSONObject:
        """Plain data (the workbench's JSON shape): dates as ISO strings, ``from``/``to``."""
        return {
            "status": self.status,
            "reason": self.reason,
            "store": self.store,
            "events": self.events,
            "span": [d.isoformat() for d in self.span] if self.span else None,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "clipped": self.clipped,
            "smooth": self.smooth,
            "graded": self.graded,
            "fitted": self.fitted,
            "series": [vars(s) for s in self.series],
            "hidden_states": [{"name": n, "label": label} for n, label in self.hidden_states],
            "indicator_labels": self.indicator_labels,
            "weeks": [
                {
                    "week": w.week,
                    "start": w.start.isoformat(),
                    "p": w.p,
                    "outcomes": w.outcomes,
                    "states": w.states,
                    "evidence": w.evidence,
                    "indicators": w.indicators,
                    "observed": w.observed,
                    "events": [vars(e) for e in w.events],
                    "more_events": w.more_events,
                    "conflict": w.conflict.summary(),
                    "dated": w.dated,
                }
                for w in self.weeks
            ],
            "dated_weeks": self.dated_weeks,
            "dated_refit": self.dated_refit,
            "alerts": [_alert_json(a) for a in self.alerts],
            "rule_alerts": [_alert_json(a) for a in self.rule_alerts],
        }


def _alert_json(a: TimelineAlert) -> JSONObject:
    return {**vars(a), "start": a.start.isoformat(), "indicators": list(a.indicators)}


def shown_conflicts(
    time_model: TimelineModel,
    record: WeeklyEvidence,
    result: TimelineResult,
    shown: list[int],
) -> list[Conflict]:
    """The conflict of each shown week's findings (indices into the record), in one
    batched engine call: the evidence the engine was given (softened when graded),
    weighted by the chain's prediction for the week."""
    if not shown or result.predicted is None:
        return [Conflict(0.0, {}, 0.0, None, 0.0) for _ in shown]
    rows = engine_evidence(
        time_model,
        [result.evidence[t] for t in shown],
        [record.weights[t] for t in shown],
    )
    return week_conflicts(
        time_model.model,
        rows,
        [s.network for s in time_model.spec.states],
        result.predicted[shown],
    )


@dataclass(frozen=True)
class TimelineMove:
    """A week that moved the headline outcome, with what moved it.

    Attributes:
        week: ISO week label.
        start: its Monday.
        p: outcome variable -> P(headline state) that week.
        change: change of the headline outcome from the week before.
        alerts: ids of the alert rules that fired that week.
        observed: indicators observed that week.
        indicators: indicator statuses of the week (unknown not listed).
        events: the week's listed events.
        more_events: events beyond those listed.
        conflict: the conflict of the week's findings (see :class:`TimelineWeek`).
    """

    week: str
    start: dt.date
    p: dict[str, float]
    change: float
    alerts: list[str]
    observed: list[str]
    indicators: dict[str, str]
    events: list[WeekEvent]
    more_events: int
    conflict: Conflict


def timeline_moves(view: TimelineView, n: int = 12) -> list[TimelineMove]:
    """The ``n`` weeks whose events moved the headline outcome most, in week order.

    A week qualifies when it has an observed indicator or an alert; its move is the
    change of the first series (the headline outcome) from the week before. Weeks with
    an alert come first, then the largest moves.
    """
    if not view.weeks or not view.series:
        return []
    head = view.series[0].variable
    fired: dict[str, list[str]] = {}
    for a in view.alerts:
        fired.setdefault(a.week, []).append(a.rule)
    rows = []
    for t, w in enumerate(view.weeks):
        if not (w.observed or w.week in fired):
            continue
        before = view.weeks[t - 1].p[head] if t else w.p[head]
        rows.append(
            TimelineMove(
                w.week,
                w.start,
                w.p,
                w.p[head] - before,
                fired.get(w.week, []),
                w.observed,
                w.indicators,
                w.events,
                w.more_events,
                w.conflict,
            )
        )
    rows.sort(key=lambda r: (-bool(r.alerts), -abs(r.change)))
    return sorted(rows[:n], key=lambda r: r.week)


def check_window(
    start: dt.date | None, end: dt.date | None, max_weeks: int | None = TIMELINE_MAX_WEEKS
) -> None:
    """Refuse a reversed, out-of-bounds or too long window of weeks (QueryError, a 422):
    the plausible dates by the one date-range check
    (:func:`secondfront.evidence.weeks.check_range`), then the window's order and length.

    Args:
        start: first day asked for, or None.
        end: last day asked for, or None.
        max_weeks: the most weeks one window may show; ``None`` for no bound.
    """
    check_range(start, end, ("from", "to"), QueryError)
    if start is not None and end is not None:
        if start > end:
            raise QueryError(f"from {start} is after to {end}")
        weeks = (end - start).days // 7 + 1
        if max_weeks is not None and weeks > max_weeks:
            raise QueryError(
                f"from {start} to {end} spans {weeks} weeks; at most {max_weeks} weeks at a time"
            )


def _companions(
    model: Model, rules: MappingRules | None, time_model: TimelineModel | None
) -> tuple[MappingRules, TimelineModel] | None:
    """The mapping rules and time model: as given, else the model's companion files."""
    files = model.companions
    if rules is None:
        if files.mapping is None:
            return None
        rules = load_rules(files.mapping, model)
    if time_model is None:
        if files.timeline is None:
            return None
        time_model = load_timeline(files.timeline, model)
    return rules, time_model


def _count_events(con: duckdb.DuckDBPyConnection) -> int:
    counted = con.execute(
        "SELECT (SELECT count(*) FROM acled_events) + (SELECT count(*) FROM gdelt_events) "
        "+ (SELECT count(*) FROM text_items)"
    ).fetchone()
    return int(counted[0]) if counted else 0


def timeline_view(
    model: Model,
    store: str | Path | duckdb.DuckDBPyConnection | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    smooth: bool = False,
    *,
    rules: MappingRules | None = None,
    time_model: TimelineModel | None = None,
    events_per_week: int = EVENTS_PER_WEEK,
    max_weeks: int | None = TIMELINE_MAX_WEEKS,
) -> TimelineView:
    """Weekly outcome probabilities from the events store, over a display window.

    Args:
        model: the model; its time model and mapping rules are its companion files
            unless given.
        store: the DuckDB events store: a path (opened for writing for this call and
            closed, never created; a store mapped with other rules is remapped once, see
            :func:`~secondfront.evidence.mapping.open_mapped`), an open connection (left
            open, only read: it must be mapped with ``rules``), or ``None`` for the
            evidence commands' default (``$SECONDFRONT_DB`` or ``./secondfront.duckdb``).
        start: first day shown; default the first stored event (or, when neither end
            is given and the record is longer than ``max_weeks``, the last
            ``max_weeks`` weeks: ``clipped``).
        end: last day shown; default the last stored event.
        smooth: beliefs from all stored weeks instead of the past only.
        rules: mapping rules instead of the model's ``NAME.mapping.yaml``.
        time_model: time model instead of the model's ``NAME.timeline.yaml``.
        events_per_week: how many of each shown week's events to list (0: none).
        max_weeks: the most weeks shown at once; ``None`` for no bound.

    Raises:
        QueryError: a reversed, out-of-bounds or too long date range.
    """
    check_window(start, end, max_weeks)
    found = _companions(model, rules, time_model)
    if isinstance(store, duckdb.DuckDBPyConnection):
        name = "(open store)"
    else:
        db = Path(store) if store is not None else events_store.default_db_path()
        # Only the file's name leaves this function: where a server keeps its files is
        # its business.
        name = db.name
    if found is None:
        return TimelineView(
            "no_timeline",
            f"model {model.name} has no time model and mapping rules beside it "
            f"({model.name}.timeline.yaml, {model.name}.mapping.yaml)",
            store=name,
        )
    rules, time_model = found
    hint = INGEST_HINT.format(store=name)
    ask = _Request(
        model, name, hint, start, end, smooth, rules, time_model, events_per_week, max_weeks
    )
    if isinstance(store, duckdb.DuckDBPyConnection):
        return _view(ask, store)
    if not db.is_file():
        # Opening would create an empty store; a view must not leave files behind.
        return TimelineView(
            "no_store",
            f"no events store {name} yet: ingest events with `secondfront ingest FILE... "
            f"--db {name}` (the shipped history: `{hint}`)",
            store=name,
        )
    try:
        con = open_mapped(db, rules)
    except StoreError as e:
        return TimelineView(
            "unavailable",
            f"the events store {name} cannot be opened now ({str(e).replace(str(db), name)})",
            store=name,
        )
    # Closed before returning so that `secondfront ingest` can write the store while the
    # workbench runs (DuckDB allows one writing process per file).
    try:
        return _view(ask, con)
    finally:
        con.close()


@dataclass(frozen=True)
class _Request:
    """What :func:`timeline_view` was asked, with the companions resolved."""

    model: Model
    name: str
    hint: str
    start: dt.date | None
    end: dt.date | None
    smooth: bool
    rules: MappingRules
    time_model: TimelineModel
    events_per_week: int
    max_weeks: int | None


def _view(ask: _Request, con: duckdb.DuckDBPyConnection) -> TimelineView:
    """The view of an open store: the whole record filtered, the window shown."""
    name, time_model, max_weeks = ask.name, ask.time_model, ask.max_weeks
    span = data_span(con)
    if span is None:
        return TimelineView(
            "no_events",
            f"the events store {name} holds no events: ingest events with "
            f"`secondfront ingest FILE... --db {name}` (the shipped history: `{ask.hint}`)",
            store=name,
        )
    start, end, clipped = ask.start, ask.end, False
    if start is None and end is None and max_weeks is not None:
        if (span[1] - span[0]).days // 7 + 1 > max_weeks:
            start, clipped = span[1] - dt.timedelta(weeks=max_weeks - 1), True
    start = start or span[0]
    end = end or span[1]
    check_window(start, end, max_weeks)
    record = weekly_evidence(con, ask.rules)
    result = filter_record(time_model, record, ask.smooth)
    # The window selects weeks by their Monday: a week is shown when it overlaps it.
    first_monday = week_start(iso_week(start))
    shown = [t for t, w in enumerate(result.weeks) if first_monday <= week_start(w) <= end]
    first = week_start(result.weeks[shown[0]]) if shown else start
    last = week_end(result.weeks[shown[-1]]) if shown else end
    events: dict[str, list[WeekEvent]] = {}
    totals: dict[str, int] = {}
    if ask.events_per_week > 0 and shown:
        events, totals = week_events(con, first, last, ask.events_per_week)
    net = ask.model.network
    series = [
        TimelineSeries(o.variable, o.label, o.state)
        for o in ask.model.outcomes()
        if o.variable in result.outcomes
    ]
    conflicts = shown_conflicts(time_model, record, result, shown)
    return TimelineView(
        "ok",
        None,
        store=name,
        events=_count_events(con),
        span=span,
        start=first,
        end=last,
        clipped=clipped,
        smooth=ask.smooth,
        graded=time_model.spec.evidence.graded,
        fitted=time_model.spec.fitted is not None,
        series=series,
        hidden_states=[(s.name, s.label) for s in time_model.spec.states],
        indicator_labels={i: net.variables[i].label or i for i in ask.rules.indicators},
        weeks=_shown_weeks(net, record, result, shown, series, conflicts, events, totals),
        alerts=(alerts := _shown_alerts(net, time_model, result, shown)),
        log_evidence=result.log_evidence,
        rule_alerts=alerts,
        record=record,
    )


def _shown_weeks(
    net: Network,
    record: WeeklyEvidence,
    result: TimelineResult,
    shown: list[int],
    series: list[TimelineSeries],
    conflicts: list[Conflict],
    events: dict[str, list[WeekEvent]],
    totals: dict[str, int],
) -> list[TimelineWeek]:
    """The shown weeks (positions ``shown`` of the filtered record), typed."""
    by_week: dict[str, dict[str, str]] = {}
    for st in record.statuses:
        if st.status != "unknown":
            by_week.setdefault(st.week, {})[st.indicator] = st.status
    weeks = []
    for t, conflict in zip(shown, conflicts, strict=True):
        w = result.weeks[t]
        listed = events.get(w, [])
        weeks.append(
            TimelineWeek(
                week=w,
                start=week_start(w),
                p={
                    s.variable: float(
                        result.outcomes[s.variable][t, net.variables[s.variable].index(s.state)]
                    )
                    for s in series
                },
                outcomes={
                    v: {
                        state: float(x)
                        for state, x in zip(net.variables[v].states, m[t], strict=True)
                    }
                    for v, m in result.outcomes.items()
                },
                states={s: float(x) for s, x in zip(result.states, result.beliefs[t], strict=True)},
                indicators=by_week.get(w, {}),
                evidence=dict(result.evidence[t]),
                events=list(listed),
                more_events=totals.get(w, 0) - len(listed),
                conflict=conflict,
            )
        )
    return weeks


def _shown_alerts(
    net: Network, time_model: TimelineModel, result: TimelineResult, shown: list[int]
) -> list[TimelineAlert]:
    """The alerts fired in the shown weeks, with the probability that fired each."""
    index = {w: t for t, w in enumerate(result.weeks)}
    shown_weeks = {result.weeks[t] for t in shown}
    rule_of = {a.id: a for a in time_model.spec.alerts}
    alerts = []
    for a in result.alerts:
        if a.week not in shown_weeks:
            continue
        rule = rule_of[a.rule]
        p = None
        if rule.variable in result.outcomes:
            k = net.variables[rule.variable].index(rule.state)
            p = float(result.outcomes[rule.variable][index[a.week], k])
        alerts.append(
            TimelineAlert(
                a.week,
                week_start(a.week),
                a.rule,
                rule.variable,
                rule.state,
                p,
                a.message,
                list(a.indicators),
            )
        )
    return alerts


__all__ = [
    "EVENTS_PER_WEEK",
    "TIMELINE_MAX_WEEKS",
    "TimelineAlert",
    "TimelineMove",
    "TimelineSeries",
    "TimelineView",
    "TimelineWeek",
    "WeekEvent",
    "WeeklyEvidence",
    "check_window",
    "filter_record",
    "timeline_moves",
    "timeline_view",
    "weekly_evidence",
]
