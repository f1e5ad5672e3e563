"""The timeline's dated view: its alerts are the early warning of the one dated forecast,
and refitted, each week's number is the refitted forecast of its day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from secondfront.evidence.mapping import MappingRules
from secondfront.forecasting.dated import dated_timeline
from secondfront.forecasting.outlook import outlook
from secondfront.forecasting.warning import early_warning
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.view import TimelineView
from tests.forecasting.test_forecast import _store_until


def whole_dated_view(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> TimelineView:
    """The dated timeline over every stored week, without events listed."""
    return dated_timeline(
        timeline.model,
        history,
        rules=rules,
        time_model=timeline,
        events_per_week=0,
        max_weeks=None,
    )


def test_timeline_alerts_are_the_early_warning_onsets(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    view = whole_dated_view(history, timeline, rules)
    card = early_warning(timeline, history, rules, view.dated_weeks or 0)
    expected = set()
    for t, p in card.p.items():
        on = [x >= tau for x, tau in zip(p, card.threshold, strict=True)]
        for k, day in enumerate(card.days):
            if on[k] and (k == 0 or not on[k - 1]):
                expected.add((day.isocalendar()[:2], t.split("=")[0], round(p[k], 12)))
    got = {(a.start.isocalendar()[:2], a.variable, round(a.p or 0.0, 12)) for a in view.alerts}
    assert got == expected and len(view.alerts) == len(expected) > 0
    assert {a.rule for a in view.alerts} == {f"dated-{card.horizon}w"}
    # Each Sunday's dated number is the early warning's number for that Sunday.
    by_week = {w.start.isocalendar()[:2]: w for w in view.weeks}
    for t, p in card.p.items():
        for k, day in enumerate(card.days):
            assert by_week[day.isocalendar()[:2]].dated[t.split("=")[0]] == p[k]
    # The time model's own rules on the chain stay available, as the network view's alerts.
    rules_ids = {a.id for a in timeline.spec.alerts}
    assert view.rule_alerts and {a.rule for a in view.rule_alerts} <= rules_ids


def test_the_refitted_timeline_gives_each_week_the_refitted_forecast_of_its_day(
    tmp_path: Path, timeline: TimelineModel, rules: MappingRules
) -> None:
    # A store cut on a Thursday keeps the test short (one refit per Sunday after the
    # burn-in, about 30) and ends on a week under way, forecast apart.
    last = dt.date(2021, 10, 14)
    con = _store_until(tmp_path, last)
    calls: list[tuple[int, int]] = []
    view = dated_timeline(
        timeline.model,
        con,
        rules=rules,
        time_model=timeline,
        events_per_week=0,
        max_weeks=None,
        refit=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert view.dated_refit and view.as_json()["dated_refit"] is True
    dated = [w for w in view.weeks if w.dated]
    assert len(dated) >= 20 and calls and calls[-1][0] == calls[-1][1] == len(dated)
    # Each week's number is `forecast --as-of DAY --refit`'s, the week under way's included
    # (the view runs to the store's last event day).
    assert view.span is not None
    end = view.span[1]
    for w in (dated[0], dated[len(dated) // 2], dated[-2], dated[-1]):
        day = min(w.start + dt.timedelta(days=6), end)
        ahead = outlook(timeline, con, rules, day, view.dated_weeks or 0, refit=True)
        for f in ahead.forecasts:
            assert w.dated[f.target.split("=")[0]] == pytest.approx(f.p, abs=1e-12), (day, f.target)
    assert dated[-1].start + dt.timedelta(days=6) > end  # the last one is the week under way
    # The analyst's chain gives other numbers: the refit is not a label alone.
    plain = whole_dated_view(con, timeline, rules)
    assert not plain.dated_refit
    moved = [
        abs(a.dated[v] - b.dated[v])
        for a, b in zip(plain.weeks, view.weeks, strict=True)
        for v in a.dated
    ]
    assert max(moved) > 1e-3


def test_a_refitted_window_shows_what_the_whole_refitted_timeline_shows_there(
    tmp_path: Path, timeline: TimelineModel, rules: MappingRules
) -> None:
    # The refit of a window forecasts only the Sundays up to its end; its numbers and
    # alerts must be those of the whole refitted timeline in the same weeks.
    con = _store_until(tmp_path, dt.date(2021, 10, 14))

    def view(start: dt.date | None, end: dt.date | None) -> TimelineView:
        return dated_timeline(
            timeline.model,
            con,
            start,
            end,
            rules=rules,
            time_model=timeline,
            events_per_week=0,
            max_weeks=None,
            refit=True,
        )

    whole = view(None, None)
    part = view(dt.date(2021, 3, 22), dt.date(2021, 8, 15))
    by_week = {w.week: w for w in whole.weeks}
    assert sum(bool(w.dated) for w in part.weeks) >= 15
    for w in part.weeks:
        assert w.dated == by_week[w.week].dated
    shown = {w.week for w in part.weeks}
    # The window holds an alert (integration steps, week 13 of 2021).
    assert part.alerts and part.alerts == [a for a in whole.alerts if a.week in shown]
