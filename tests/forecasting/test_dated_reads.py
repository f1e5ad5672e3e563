"""The dated timeline reads the store's weekly evidence once: the view's record goes on
to the dated forecast, which would otherwise read the same weeks again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pytest

from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.weeks import data_span
from secondfront.forecasting import dated, outlook
from secondfront.timeline import view as timeline_view_module
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.view import weekly_evidence
from tests.forecasting.test_dated import whole_dated_view


def test_the_weekly_evidence_is_read_once(
    history: duckdb.DuckDBPyConnection,
    timeline: TimelineModel,
    rules: MappingRules,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("end"))
        return weekly_evidence(*args, **kwargs)

    # Both readers: the timeline view's and the dated forecast's history.
    monkeypatch.setattr(timeline_view_module, "weekly_evidence", counted)
    monkeypatch.setattr(outlook, "weekly_evidence", counted)
    view = whole_dated_view(history, timeline, rules)
    assert view.dated_weeks is not None and any(w.dated for w in view.weeks)
    assert calls == [None]
    assert view.record is not None


def test_the_record_passed_on_is_the_one_the_forecast_would_read(
    history: duckdb.DuckDBPyConnection,
    timeline: TimelineModel,
    rules: MappingRules,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    span = data_span(history)
    assert span is not None
    # Every stored week read whole is the record read through the last stored day.
    assert weekly_evidence(history, rules) == weekly_evidence(history, rules, end=span[1])
    once = whole_dated_view(history, timeline, rules)
    original: Callable[..., Any] = outlook.history_as_of

    def reread(*args: Any, **kwargs: Any) -> Any:
        kwargs["record"] = None  # the forecast reads the store again, as before
        return original(*args, **kwargs)

    monkeypatch.setattr(dated, "history_as_of", reread)
    twice = whole_dated_view(history, timeline, rules)
    assert once.as_json() == twice.as_json()
    assert once.alerts == twice.alerts and once.weeks == twice.weeks
