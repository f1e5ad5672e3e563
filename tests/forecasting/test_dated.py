"""The timeline's dated view: its alerts are the early warning of the one dated forecast."""

from __future__ import annotations

import duckdb

from secondfront.evidence.mapping import MappingRules
from secondfront.forecasting.dated import dated_timeline
from secondfront.forecasting.warning import early_warning
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.view import TimelineView


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
