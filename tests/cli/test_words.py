"""Words that mean one thing on the command line.

A misspelt command is one line naming the closest; ``--help`` shows defaults and no
type for a flag; the timeline never cuts a name, at any terminal width; a read of an
empty store says so; a failed ingest leaves no new store behind; ``questions score``
keeps the baselines' probabilities apart from the scores; a bad value is one error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.evidence import store
from tests.conftest import HISTORY

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "models" / "belarus-second-front.questions.yaml"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize(
    ("args", "wrong", "closest"),
    [
        (["forcast"], "No such command 'forcast'", "'forecast'"),
        (["questions", "scroe", "x"], "No such command 'scroe'", "'score'"),
        (["forecast", "--jsn"], "No such option: --jsn", "--json"),
    ],
)
def test_a_misspelt_command_or_option_is_one_line_naming_the_closest(
    args: list[str], wrong: str, closest: str
) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    (line,) = err.splitlines()  # not a usage line, a hint and a box
    assert line.startswith(f"error: {wrong}") and closest in line.removeprefix(f"error: {wrong}")


def test_help_shows_defaults_and_flags_take_no_type() -> None:
    for args in (["serve"], ["forecast"], ["questions", "score"], []):
        code, out, _ = run(*args, "--help")
        assert code == 0 and "--help" in out
        assert "<bool>" not in out, args
    code, out, _ = run("serve", "--help")
    words = " ".join(re.sub(r"[│╭╮╰╯─]", " ", out).split())
    assert "TCP port. Default: 8000." in words
    assert "Default: 127.0.0.1." in words


@pytest.fixture(scope="module")
def history_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("words") / "history.duckdb"
    assert run("ingest", str(HISTORY), "--db", str(db), "--json")[0] == 0
    return db


def _timeline(db: Path, columns: int, *extra: str) -> str:
    """``secondfront timeline`` in a fresh process whose terminal is ``columns`` wide."""
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT / "src")}
    args = ["timeline", "--db", str(db), "--from", "2022-01-20", "--to", "2022-03-10", *extra]
    done = subprocess.run(
        [sys.executable, "-m", "secondfront", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [200, 80])
def test_timeline_prints_every_name_whole(history_store: Path, columns: int) -> None:
    text = _timeline(history_store, columns)
    data = json.loads(_timeline(history_store, columns, "--json"))
    assert "…" not in text and "..." not in text
    lines = text.splitlines()
    names = {v for w in data["weeks"] for v in w["outcomes"]}
    names |= {i for w in data["weeks"] for i, s in w["evidence"].items() if s == "present"}
    names |= {
        w["conflict"]["culprit"]
        for w in data["weeks"]
        if w["conflict"]["culprit"] and w["conflict"]["value"] > 0
    }
    assert len(names) > 10
    for name in names:  # whole, on one line, as a word of its own
        assert any(re.search(rf"(?<![\w]){name}(?![\w])", line) for line in lines), name
    # Each week's observed indicators are listed under it, in full.
    for w in data["weeks"]:
        seen = [i for i, s in w["evidence"].items() if s == "present"]
        if seen:
            row = lines.index(next(line for line in lines if line.startswith(w["week"])))
            assert lines[row + 1].strip() == f"observed: {', '.join(seen)}"


def test_reading_an_empty_store_says_so(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    store.connect(db).close()
    for command in ("timeline", "indicators"):
        code, out, err = run(command, "--db", str(db))
        assert code == 2 and out == "", command
        (line,) = err.splitlines()
        assert line.startswith(f"error: the events store {db} holds no events")
        assert f"secondfront ingest data/belarus-events.csv --db {db}" in line


@pytest.mark.parametrize("bad", ["missing.csv", "unknown.bin"])
def test_a_failed_ingest_leaves_no_new_store(tmp_path: Path, bad: str) -> None:
    (tmp_path / "unknown.bin").write_bytes(b"\x00\x01 not an event file")
    db = tmp_path / "new.duckdb"
    code, _, err = run("ingest", str(tmp_path / bad), "--db", str(db))
    assert code == 2 and err.startswith("error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unknown.bin"]


def test_a_failed_ingest_keeps_a_store_that_was_there(history_store: Path, tmp_path: Path) -> None:
    code, _, _ = run("ingest", str(tmp_path / "missing.csv"), "--db", str(history_store))
    assert code == 2 and history_store.is_file()
    assert run("timeline", "--db", str(history_store), "--json")[0] == 0


def test_questions_score_keeps_baseline_probabilities_apart_from_scores() -> None:
    code, out, err = run("questions", "score", str(QUESTIONS))
    assert code == 0, err
    scores = out.split("scores of the model")[1].split("the baselines' forecasts")[0]
    header = next(line for line in scores.splitlines() if line.startswith("┃"))
    assert re.findall(r"\w+", header) == ["question", "P", "yes", "outcome", "Brier", "log"]
    baselines = out.split("the baselines' forecasts: P(yes) of each, not scores")[1]
    header = next(line for line in baselines.splitlines() if line.startswith("┃"))
    columns = re.findall(r"\w+", header)
    assert columns[:2] == ["question", "model"] and columns[-1] == "crowd"
    assert {"climatology", "persistence"} <= set(columns) and not {"Brier", "log"} & set(columns)
    rows = [line for line in baselines.splitlines() if re.match(r"│ \w+-\d{4}", line)]
    assert len(rows) >= 20
    for row in rows:  # probabilities, each in [0, 1]
        assert all(0 <= float(x) <= 1 for x in re.findall(r"\d\.\d+", row))


def test_questions_score_on_a_missing_store_suggests_a_command_that_works(
    tmp_path: Path,
) -> None:
    db = tmp_path / "missing.duckdb"
    code, _, err = run("questions", "score", str(QUESTIONS), "--db", str(db))
    assert code == 2
    (line,) = err.splitlines()
    suggested = re.search(r"`secondfront (ingest [^`]+)`", line)
    assert suggested is not None, line
    # The suggestion, run as given, fills the store.
    code, _, err = run(*suggested.group(1).split())
    assert code == 0, err
    assert db.is_file()


def test_a_bad_date_in_a_questions_file_is_one_error(tmp_path: Path) -> None:
    text = QUESTIONS.read_text(encoding="utf-8")
    first = re.search(r"asked: (\d{4}-\d\d-\d\d)", text)
    assert first is not None
    bad = tmp_path / "bad.questions.yaml"
    bad.write_text(text.replace(first.group(0), "asked: 2022-02-31", 1), encoding="utf-8")
    code, _, err = run("questions", "forecast", str(bad))
    assert code == 2
    (line,) = err.splitlines()
    assert "invalid date or time '2022-02-31'" in line and line.startswith(f"{bad}:")
