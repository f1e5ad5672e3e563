"""The timeline with the dated forecast of every week: one function, every renderer.

:func:`dated_timeline` is :func:`secondfront.timeline.view.timeline_view` with, for each
shown week, each outcome's :func:`~secondfront.forecasting.outlook.forecast_from` as of
the week's last day (its Sunday, or the store's last day for a week under way):
P(the outcome happens in the next ``horizon`` weeks). The command line, the API, the
workbench's Timeline page and the report show this view, so the number of a week is
the number ``forecast --as-of`` prints for that day.

Weeks before the first training window closed (the time model's burn-in plus one
horizon, to about April 2021 on the shipped history) carry no dated number: the
forecast there would be the priors' alone. The store is read once, through its last
day; each week's forecast reads only the part up to its own day (the cut-store test in
``tests/forecasting/test_outlook.py`` pins that this equals reading the store cut at the
day).

With ``refit`` (``timeline --refit``) each week's number is instead the one ``forecast
--as-of DAY --refit`` prints, under the chain refitted on the store up to that day
(:func:`~secondfront.forecasting.warning.refitted_forecasts`), and the view says so
(``dated_refit``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from secondfront.errors import QueryError, StoreError, UsageError
from secondfront.evidence import store as events_store
from secondfront.evidence.mapping import MappingRules, load_rules, open_mapped
from secondfront.evidence.weeks import data_span
from secondfront.forecasting.outlook import (
    DEFAULT_HORIZON,
    Outlook,
    check_as_of,
    check_horizon,
    forecasts_on,
    history_as_of,
    outlook,
)
from secondfront.forecasting.warning import (
    WarningCard,
    alert_days,
    refitted_forecasts,
    warning_from,
)
from secondfront.model.model import Model
from secondfront.timeline.chain import TimelineModel, load_timeline
from secondfront.timeline.view import (
    EVENTS_PER_WEEK,
    TIMELINE_MAX_WEEKS,
    TimelineAlert,
    TimelineView,
    timeline_view,
)

DATED_WEEKS = 8


def _with_dated(
    view: TimelineView,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    time_model: TimelineModel,
    horizon: int,
    refit: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TimelineView:
    if view.status != "ok" or not time_model.spec.reports or view.span is None:
        return view
    last = view.span[1]
    # The view read every stored week, through the store's last event day (``last``):
    # the record history_as_of would read again with ``end=last``; it is passed on, so
    # the weekly evidence is read once.
    history = history_as_of(time_model, con, rules, last, record=view.record)
    targets = {f"{s.variable}={s.state}": s.variable for s in view.series}
    targets = {t: v for t, v in targets.items() if t in history.series}
    days = [min(w.start + dt.timedelta(days=6), last) for w in view.weeks]
    # The early warning forecasts every Sunday from the first one after the burn-in and
    # one horizon (before that the forecast would be the priors' alone: no dated number
    # is shown there); the shown weeks take its numbers, and only a week still under way
    # (its last day is not a Sunday) is forecast apart, by the same function.
    sundays = alert_days(history, time_model, horizon)
    sunday = {d: i for i, d in enumerate(sundays)}
    ready = sundays[0] if sundays else last + dt.timedelta(days=1)
    apart = [d for d in days if d >= ready and d not in sunday]
    if refit:
        # Every day's forecast under the chain refitted up to that day (what ``forecast
        # --as-of DAY --refit`` prints), one fit a day, so only the days the shown weeks
        # need: their own, and the Sundays before them, whose windows set each shown
        # Sunday's threshold (a threshold reads only windows closed by its own Sunday, so
        # a later Sunday changes no alert shown).
        through = max(days, default=last)
        sundays = [d for d in sundays if d <= through]
        p = refitted_forecasts(time_model, con, rules, [*sundays, *apart], horizon, None, progress)
        n = len(sundays)
        shown = history if through == last else history_as_of(time_model, con, rules, through)
        card = warning_from(shown, time_model, horizon, {t: v[:n] for t, v in p.items()})
        card = dataclasses.replace(card, refit=True)
        p_apart = {t: v[n:] for t, v in p.items()}
    else:
        card = warning_from(history, time_model, horizon)
        p_apart = forecasts_on(history, time_model, list(targets), apart, horizon) if apart else {}
    weeks = list(view.weeks)
    for i, day in enumerate(days):
        if day < ready:
            continue
        if day in sunday:
            dated = {v: float(card.p[t][sunday[day]]) for t, v in targets.items()}
        else:
            j = apart.index(day)
            dated = {v: float(p_apart[t][j]) for t, v in targets.items()}
        weeks[i] = dataclasses.replace(weeks[i], dated=dated)
    return dataclasses.replace(
        view,
        weeks=weeks,
        dated_weeks=horizon,
        dated_refit=refit,
        alerts=_warning_alerts(view, card, targets),
        rule_alerts=view.alerts,
    )


def _warning_alerts(
    view: TimelineView, card: WarningCard, targets: dict[str, str]
) -> list[TimelineAlert]:
    """The early warning's alert onsets in the weeks shown, one line each, with the
    week's observed indicators."""
    shown = {w.start + dt.timedelta(days=6): w for w in view.weeks}
    index = {d: k for k, d in enumerate(card.days)}
    rule = f"dated-{card.horizon}w"
    order = {t: n for n, t in enumerate(targets)}
    found = []
    for o in card.outcomes:
        if o.target not in targets:
            continue
        variable = targets[o.target]
        for day in o.alert_onsets:
            week = shown.get(day)
            if week is None:
                continue
            k = index[day]
            p, tau = card.p[o.target][k], card.threshold[k]
            line = (
                f"{week.week} ALERT {rule}: P({o.target} within {card.horizon} weeks) = {p:.3f}"
                f" reached {tau:.2f} (threshold chosen by rolling origin); indicators: "
                + (", ".join(week.observed) or "none observed")
            )
            alert = TimelineAlert(
                week.week,
                week.start,
                rule,
                variable,
                o.target.split("=", 1)[1],
                float(p),
                line,
                list(week.observed),
            )
            found.append((k, order[o.target], alert))
    # Week order, then the view's outcome order, as the lines were written before.
    return [a for _, _, a in sorted(found, key=lambda x: (x[0], x[1]))]


def dated_timeline(
    model: Model,
    store: str | Path | duckdb.DuckDBPyConnection | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    smooth: bool = False,
    *,
    horizon: int = DATED_WEEKS,
    rules: MappingRules | None = None,
    time_model: TimelineModel | None = None,
    events_per_week: int = EVENTS_PER_WEEK,
    max_weeks: int | None = TIMELINE_MAX_WEEKS,
    refit: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TimelineView:
    """:func:`~secondfront.timeline.view.timeline_view` with each week's dated forecast.

    Arguments as for ``timeline_view``; ``horizon``: weeks ahead of each week's forecast.
    ``refit``: each week's forecast under the chain refitted on the store up to its day
    (out of sample) instead of the analyst's chain: one fit per week up to the last
    week shown (about 40 s for the whole shipped history), ``progress`` called after
    each. A store path that does not exist, cannot be opened or holds no events gives
    the plain view's empty state.
    """
    files = model.companions
    if rules is None and files.mapping is not None:
        rules = load_rules(files.mapping, model)
    if time_model is None and files.timeline is not None:
        time_model = load_timeline(files.timeline, model)

    def plain(at: str | Path | duckdb.DuckDBPyConnection | None) -> TimelineView:
        return timeline_view(
            model,
            at,
            start,
            end,
            smooth,
            rules=rules,
            time_model=time_model,
            events_per_week=events_per_week,
            max_weeks=max_weeks,
        )

    if rules is None or time_model is None:
        return plain(store)
    if isinstance(store, duckdb.DuckDBPyConnection):
        return _with_dated(plain(store), store, rules, time_model, horizon, refit, progress)
    db = Path(store) if store is not None else events_store.default_db_path()
    if not db.is_file():
        return plain(store)
    try:
        # Opened for writing: a store mapped with other rules is remapped once here, so
        # the reads below (which never write) see observations of these rules.
        con = open_mapped(db, rules)
    except StoreError:
        return plain(store)
    try:
        view = plain(con)
        if view.status == "ok":
            view = dataclasses.replace(
                _with_dated(view, con, rules, time_model, horizon, refit, progress), store=db.name
            )
    finally:
        con.close()
    # The plain view's empty-state sentences name the file, not "(open store)".
    return view if view.status == "ok" else plain(store)


@dataclass
class DatedStore:
    """An events store file opened for a model's dated forecast; close it (or use
    ``with``).

    Attributes:
        path: the store's file.
        con: the connection, mapped with ``rules`` (:func:`open_mapped`).
        rules: the model's mapping rules; time_model: its time model.
        span: the store's first and last event days.
    """

    path: Path
    con: duckdb.DuckDBPyConnection
    rules: MappingRules
    time_model: TimelineModel
    span: tuple[dt.date, dt.date]

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> DatedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_dated_store(model: Model, store: str | Path | None) -> DatedStore | str:
    """The events store file (``None``: the evidence commands' default) opened for the
    dated forecast of ``model``, or why it cannot be: the model has no time model or
    mapping rules beside it, or the store is missing, cannot be opened or holds no
    events (the empty states of :func:`dated_timeline`)."""
    files = model.companions
    db = Path(store) if store is not None else events_store.default_db_path()
    if files.timeline is None or files.mapping is None:
        return "the dated forecast needs the model's time model and mapping rules"
    if not db.is_file():
        return (
            f"no events store {db.name}: the dated forecast reads it "
            "(secondfront ingest data/belarus-events.csv --db FILE)"
        )
    rules = load_rules(files.mapping, model)
    try:
        con = open_mapped(db, rules)
    except StoreError as e:
        return str(e)
    try:
        span = data_span(con)
        if span is None:
            con.close()
            return f"the events store {db.name} holds no events"
        return DatedStore(db, con, rules, load_timeline(files.timeline, model), span)
    except BaseException:
        con.close()
        raise


def dated_outlook(
    model: Model,
    store: str | Path | None = None,
    as_of: dt.date | None = None,
    horizon: int = DEFAULT_HORIZON,
    refit: bool = False,
) -> tuple[Outlook | None, str | None]:
    """Every outcome's dated forecast from the events store file, as ``secondfront
    forecast --db FILE [--as-of DAY] [--horizon H] [--refit]`` makes it (default: as of
    the store's last event day, :data:`~secondfront.forecasting.outlook.DEFAULT_HORIZON`
    weeks). ``(None, why)`` where :func:`open_dated_store` says why not.

    Raises:
        QueryError: a horizon outside 1 to 520 weeks, or ``as_of`` after the store's last
            event day (the weeks after it would count as quiet).
    """
    try:
        check_horizon(horizon)
    except UsageError as e:
        raise QueryError(str(e)) from None
    opened = open_dated_store(model, store)
    if isinstance(opened, str):
        return None, opened
    with opened:
        check_as_of(as_of, opened.span[1])
        found = outlook(opened.time_model, opened.con, opened.rules, as_of, horizon, refit=refit)
    return found, None


__all__ = ["DATED_WEEKS", "DatedStore", "dated_outlook", "dated_timeline", "open_dated_store"]
