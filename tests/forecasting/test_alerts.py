"""The questions alerts command: lead times and false alarms of the timeline's alerts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.errors import UsageError
from secondfront.evidence.coverage import coverage_for_store
from secondfront.evidence.mapping import load_rules
from secondfront.forecasting.alerts import alert_record
from secondfront.forecasting.backtest import history_store
from secondfront.forecasting.leadtime import record_for
from secondfront.timeline.chain import load_timeline

RULE = "russian-operations-above-25pc"


def test_alerts_command_reports_lead_times_consistent_with_its_alerts() -> None:
    r = CliRunner().invoke(app, ["questions", "alerts", "--event", f"{RULE}=2022-02-24", "--json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    rules = {x["rule"]: x for x in data["rules"]}
    (ev,) = rules[RULE]["events"]
    assert ev["event"] == "2022-W08"  # the invasion's week
    weeks = [a["week"] for a in data["alerts"] if a["rule"] == RULE]
    assert rules[RULE]["alerts"] == len(weeks)
    # The lead time is the one computed from the listed alert weeks (window 12).
    if ev["first_alert"] is None:
        assert not [w for w in weeks if "2021-W48" <= w <= "2022-W08"]
    else:
        assert ev["first_alert"] in weeks and "2021-W48" <= ev["first_alert"] <= "2022-W08"
        assert ev["first_alert"] == min(w for w in weeks if w >= "2021-W48")
    # Week indices: the invasion week minus the first alert's week.
    all_weeks = [f"2022-W{n:02d}" for n in range(1, 9)]
    if ev["first_alert"] in all_weeks:
        assert ev["lead_weeks"] == 7 - all_weeks.index(ev["first_alert"])


def test_lead_time_by_hand() -> None:
    weeks = [f"2022-W{n:02d}" for n in range(1, 11)]
    rec = record_for(weeks, ["2022-W02", "2022-W06", "2022-W07"], ["2022-W08"], window=3)
    (e,) = rec.events
    assert e.first_alert == 5 and e.lead_weeks == 2  # W06 is in [W05, W08]
    assert rec.onsets == (1, 5) and rec.false_alarms == 1  # W02 had no event by W05


def test_alerts_command_refuses_an_unknown_rule() -> None:
    bad = CliRunner().invoke(app, ["questions", "alerts", "--event", "nope=2022-02-24"])
    assert bad.exit_code == 2 and "give RULE=YYYY-MM-DD" in bad.stderr


def test_alerts_with_parameters_fitted_before_the_event_say_so() -> None:
    r = CliRunner().invoke(
        app,
        ["questions", "alerts", "--event", f"{RULE}=2022-02-24", "--fit-through", "2021-12-02"],
    )
    assert r.exit_code == 0, r.stderr
    assert "parameters fitted on data up to 2021-12-02" in r.stdout
    assert "alerts after that day are out of sample" in r.stdout
    plain = CliRunner().invoke(app, ["questions", "alerts", "--json"])
    data = json.loads(plain.stdout)
    assert data["in_sample"] is True and data["fitted_through"] is None


def test_the_command_prints_the_librarys_alert_record() -> None:
    tm = load_timeline(None)
    rules = load_rules(None, tm.model)
    con = history_store(rules=rules)
    result = alert_record(
        tm, con, rules, coverage_for_store(con), {RULE: [dt.date(2022, 2, 24)]}, 12
    )
    r = CliRunner().invoke(app, ["questions", "alerts", "--event", f"{RULE}=2022-02-24", "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == result.as_json()
    # One record per rule of the time model, each scored from the alerts it fired.
    assert [x.rule for x in result.rules] == [a.id for a in tm.spec.alerts]
    for x in result.rules:
        weeks = [f.week for f in result.fired if f.rule == x.rule]
        assert x.alerts == len(weeks)
        events = ["2022-W08"] if x.rule == RULE else []
        assert x.record == record_for(result.weeks, weeks, events, 12)
    with pytest.raises(UsageError, match="no alert rule 'nope'"):
        alert_record(tm, con, rules, None, {"nope": [dt.date(2022, 2, 24)]}, 12)
