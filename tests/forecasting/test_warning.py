"""Lead times and false alarms from a list of alerts, by hand; the alerts command."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.forecasting.warning import false_alarms, lead_time

ALERTS = [
    ("2020-W36", "ops", "m"),
    ("2022-W06", "ops", "m"),
    ("2022-W07", "entry", "m"),
    ("2022-W08", "ops", "m"),
]
INVASION = dt.date(2022, 2, 24)  # Thursday of 2022-W08


def test_lead_time_counts_weeks_from_the_first_alert_in_the_lookback() -> None:
    lt = lead_time(ALERTS, "ops", INVASION)
    assert (lt.first_alert, lt.weeks) == ("2022-W06", 2)
    assert lead_time(ALERTS, "ops", INVASION, lookback_weeks=1).weeks == 0
    assert lead_time(ALERTS, "nothing", INVASION).weeks is None


def test_false_alarms_are_alerts_without_an_event_after_them() -> None:
    assert false_alarms(ALERTS, "ops", [INVASION]) == ["2020-W36"]
    assert false_alarms(ALERTS, "entry", []) == ["2022-W07"]


def test_alerts_command_reports_lead_times_and_false_alarms() -> None:
    r = CliRunner().invoke(
        app,
        ["questions", "alerts", "--event", "russian-operations-above-25pc=2022-02-24", "--json"],
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    rules = {x["rule"]: x for x in data["rules"]}
    (lt,) = rules["russian-operations-above-25pc"]["lead_times"]
    assert lt["event"] == "2022-02-24"
    # Whatever the figure, it is consistent with the listed alerts.
    weeks = [a["week"] for a in data["alerts"] if a["rule"] == "russian-operations-above-25pc"]
    assert (lt["first_alert"] in weeks) or lt["first_alert"] is None
    bad = CliRunner().invoke(app, ["questions", "alerts", "--event", "nope=2022-02-24"])
    assert bad.exit_code == 2 and "no such alert rule" in bad.stderr
