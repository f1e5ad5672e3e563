"""The backtest's early-warning record: lead times and false alarms of the alert rules
that watch each question, in the scores, the JSON and the table."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.evidence.mapping import load_rules
from secondfront.forecasting.backtest import HISTORY, backtest, history_store
from secondfront.forecasting.leadtime import WEEKS_PER_YEAR, lead_times
from secondfront.timeline.chain import Alert, load_timeline, run_timeline
from secondfront.timeline.view import weekly_evidence
from tests.conftest import FLAGSHIP

TIMELINE = FLAGSHIP.with_name("belarus-second-front.timeline.yaml")
RULE = Alert(id="sabotage-above-10pc", variable="logistics_disruption", state="present", above=0.1)
QUESTION = "rail-sabotage-12w"


@pytest.fixture(scope="module")
def watched():  # type: ignore[no-untyped-def]
    """The flagship time model with one more rule, watching the rail-sabotage question."""
    tm = load_timeline(TIMELINE)
    spec = tm.spec.model_copy(update={"alerts": [*tm.spec.alerts, RULE]})
    return replace(tm, spec=spec)


def _sabotage_weeks() -> set[str]:
    """ISO weeks of the shipped events that resolve the rail-sabotage question, read
    straight from the CSV (Belarus, notes naming the railway equipment)."""
    words = ("relay cabinet", "track circuit", "loading ramp")
    weeks = set()
    with HISTORY.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["country"] == "Belarus" and any(w in r["notes"].lower() for w in words):
                y, w, _ = dt.date.fromisoformat(r["event_date"]).isocalendar()
                weeks.add(f"{y}-W{w:02d}")
    return weeks


def test_lead_times_and_false_alarms_of_the_watching_rule(watched) -> None:  # type: ignore[no-untyped-def]
    con = history_store()
    scores = {s.question: s for s in backtest(con, load_rules(), watched)}
    s = scores[QUESTION]
    assert s.alert_rules == (RULE.id,) and s.warning is not None
    # The reference: the rule's condition on the filtered probability, and the event
    # weeks from the CSV.
    record = weekly_evidence(con, load_rules())
    run = run_timeline(
        watched,
        record.weeks,
        record.evidence,
        variables=["logistics_disruption"],
        weights=record.weights,
    )
    on = run.outcomes["logistics_disruption"][:, 1] > RULE.above
    events = np.array([w in _sabotage_weeks() for w in record.weeks])
    assert int(events.sum()) == s.event_weeks == 10
    W = watched.spec.backtest.window_weeks
    assert s.warning == lead_times(on, events, W)
    assert len(s.warning.events) == s.event_weeks and s.warning.detected >= 1
    for e in s.warning.events:
        if e.lead_weeks is not None:
            assert 0 <= e.lead_weeks <= W and on[e.event - e.lead_weeks]
            assert not on[max(0, e.event - W) : e.event - e.lead_weeks].any()
    judged = len(record.weeks) - W
    assert s.warning.false_alarms_per_year == pytest.approx(
        s.warning.false_alarms / (judged / WEEKS_PER_YEAR)
    )
    # The shipped entry rules watch the entry question, which never resolved: every
    # judged onset is a false alarm.
    entry = scores["belarus-entry-12w"]
    assert entry.alert_rules == ("entry-above-5pc", "entry-rising") and entry.warning is not None
    assert entry.warning.events == () and entry.warning.false_alarms >= 1
    assert entry.warning.false_alarms + entry.warning.pending == len(entry.warning.onsets)
    # The operations question is watched by the time model's operations alert; each of
    # its event weeks has a record (detected with its lead, or missed).
    ops = scores["russian-operations-from-belarus-12w"]
    assert ops.alert_rules == ("russian-operations-above-25pc",) and ops.warning is not None
    assert len(ops.warning.events) == ops.event_weeks


def test_backtest_json_and_table_show_the_warning_record(tmp_path: Path) -> None:
    text = TIMELINE.read_text(encoding="utf-8")
    rule = (
        f"alerts:\n  - id: {RULE.id}\n    variable: {RULE.variable}\n"
        f"    state: {RULE.state}\n    above: {RULE.above}\n"
    )
    assert text.count("\nalerts:\n") == 1
    copy = tmp_path / "watched.timeline.yaml"
    copy.write_text(text.replace("\nalerts:\n", "\n" + rule, 1), encoding="utf-8")
    runner = CliRunner()
    got = runner.invoke(app, ["backtest", "--timeline", str(copy), "--json"])
    assert got.exit_code == 0, got.output
    qs = {q["question"]: q for q in json.loads(got.stdout)["questions"]}
    warning = qs[QUESTION]["warning"]
    assert qs[QUESTION]["alert_rules"] == [RULE.id]
    assert warning["window_weeks"] == 12 and len(warning["events"]) == 10
    assert {e["event"] for e in warning["events"]} == _sabotage_weeks()  # week labels
    assert {"detected", "missed", "false_alarms", "false_alarms_per_year"} <= set(warning)
    assert qs["russian-operations-from-belarus-12w"]["warning"]["window_weeks"] == 12
    table = runner.invoke(app, ["backtest", "--timeline", str(copy)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "early warning" in table.stdout and f"{warning['false_alarms_per_year']:.2f}" in (
        table.stdout
    )
    first = warning["events"][0]
    lead = "missed" if first["lead_weeks"] is None else f"{first['lead_weeks']} wk"
    assert f"{first['event']}: {lead}" in table.stdout
