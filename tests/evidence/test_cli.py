"""The evidence commands: output shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from tests.evidence.conftest import FIXTURES

runner = CliRunner()
HISTORY = Path(__file__).resolve().parents[2] / "data" / "belarus-events.csv"


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_ingest_json_counts_and_rejects(db: Path) -> None:
    code, out, _ = run(
        "ingest",
        str(FIXTURES / "acled_current.csv"),
        str(FIXTURES / "uk.rss"),
        "--db",
        str(db),
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert {k: data[k] for k in ("read", "accepted", "rejected", "duplicates")} == {
        "read": 9,
        "accepted": 4,
        "rejected": 5,
        "duplicates": 0,
    }
    code, out, _ = run("rejects", "--db", str(db), "--json")
    rows = json.loads(out)["rejects"]
    assert code == 0 and len(rows) == 5
    assert {"path", "line", "format", "reason", "raw"} <= set(rows[0])
    code, out, _ = run("rejects", "--db", str(db))
    assert code == 0 and "acled_current.csv:5: acled: field 'event_date'" in out


def test_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECONDFRONT_DB", str(tmp_path / "env.duckdb"))
    code, _, _ = run("ingest", str(FIXTURES / "ru.html"), "--json")
    assert code == 0 and (tmp_path / "env.duckdb").exists()


def test_indicators_and_timeline_on_the_shipped_history(db: Path) -> None:
    assert run("ingest", str(HISTORY), "--db", str(db))[0] == 0
    code, out, _ = run(
        "indicators", "--db", str(db), "--from", "2022-02-21", "--to", "2022-02-27", "--json"
    )
    assert code == 0
    (week,) = json.loads(out)["weeks"]
    assert week["week"] == "2022-W08"
    assert week["indicators"]["russian_air_activity_from_belarus"]["status"] == "observed"
    code, out, _ = run(
        "timeline", "--db", str(db), "--from", "2022-01-01", "--to", "2022-03-31", "--json"
    )
    assert code == 0
    data = json.loads(out)
    # The view's own JSON, as the API serves it (not a shape of the command's own).
    assert {"status", "series", "weeks", "alerts", "rule_alerts", "dated_weeks"} <= set(data)
    weeks = {w["week"]: w for w in data["weeks"]}
    assert {"p", "outcomes", "states", "evidence", "indicators", "dated"} <= set(weeks["2022-W08"])
    entry = {w: v["outcomes"]["belarus_entry"]["entered"] for w, v in weeks.items()}
    # The reported build-up (an unscheduled joint exercise, Russian aircraft and troops
    # arriving, forces toward the south) raises entry weeks before the invasion ...
    assert entry["2022-W05"] > 5 * entry["2022-W02"]
    # ... and Minsk's statement of 24 February that its army takes no part lowers it.
    assert entry["2022-W08"] < entry["2022-W07"]
    # The time model's own rules on the chain: the operations rule fires before the attack
    # of 24 February 2022 (week W08).
    rule_alerts = data["rule_alerts"]
    ops = [a["week"] for a in rule_alerts if a["rule"] == "russian-operations-above-25pc"]
    assert ops and ops[0] < "2022-W08"
    # Which week first crosses the entry threshold is a property of the history file (the
    # reported build-up of January-February 2022); it must come no later than the invasion week,
    # and the network view's table prints the same alert as the JSON.
    first = next(a["week"] for a in rule_alerts if a["rule"] == "entry-above-5pc")
    assert first <= "2022-W08"
    span = ("--from", "2022-01-01", "--to", "2022-03-31")
    code, out, _ = run("timeline", "--db", str(db), *span, "--network")
    assert code == 0 and f"{first} ALERT entry-above-5pc" in out
    # The dated view's alerts are the early warning of the dated forecast: Russian
    # operations from Belarus from the week to 6 February, before the attack, and no rule
    # of the chain.
    dated = [(a["week"], a["rule"], a["variable"]) for a in data["alerts"]]
    assert ("2022-W05", "dated-8w", "russian_operations_from_belarus") in dated
    assert all(r == "dated-8w" for _, r, _ in dated)
    code, out, _ = run("timeline", "--db", str(db), *span)
    assert code == 0 and "2022-W05 ALERT dated-8w: P(russian_operations_from_belarus" in out
    assert "entry-above-5pc" not in out
    assert "the chain's numbers the analyst's" in out.splitlines()[0]
    # --refit refits the dated forecast's chain; the network view has none to refit.
    code, _, err = run("timeline", "--db", str(db), *span, "--network", "--refit")
    assert code == 2 and "--refit" in err and "--network" in err


def test_backtest_json() -> None:
    code, out, _ = run("backtest", "--json")
    assert code == 0
    qs = {q["question"]: q for q in json.loads(out)["questions"]}
    assert set(qs) == {
        "belarus-entry-12w",
        "russian-operations-from-belarus-12w",
        "rail-sabotage-12w",
    }
    assert qs["belarus-entry-12w"]["positives"] == 0
    for q in qs.values():
        assert set(q["brier"]) == set(q["log"]) == {"model", "climatology", "persistence"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "nope.csv"], "nope.csv: no such file"),
        (["indicators", "--from", "2022-13-01"], "--from '2022-13-01' is not a date"),
        (["ingest", str(FIXTURES / "uk.rss"), "--format", "icews"], "unknown format 'icews'"),
    ],
)
def test_user_errors_are_one_line_exit_2(args: list[str], message: str, db: Path) -> None:
    code, _, err = run(*args, "--db", str(db))
    assert code == 2
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "fixture"),
    [
        (["indicators", "--rules"], "onepass-bad.mapping.yaml"),
        (["timeline", "--timeline"], "onepass-bad.timeline.yaml"),
    ],
)
def test_every_problem_of_a_rules_file_printed_exit_2(
    args: list[str], fixture: str, db: Path
) -> None:
    from secondfront.errors import RulesError
    from secondfront.evidence.mapping import load_rules
    from secondfront.timeline.chain import load_timeline

    path = FIXTURES / fixture
    loader = load_rules if "mapping" in fixture else load_timeline
    with pytest.raises(RulesError) as info:
        loader(path)
    problems = str(info.value).splitlines()
    assert len(problems) >= 7
    code, _, err = run(*args, str(path), "--db", str(db))
    assert code == 2 and "Traceback" not in err
    # Each problem on a line of its own, in the compiler form, with no prefix added.
    assert [line for line in err.splitlines() if line.strip()] == problems
