"""Numbers say what they are: parameters in explain, evidence in words, hints that run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.cli.options import describe_assignments

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "evidence" / "fixtures"


def test_explain_shows_logistic_intercept_and_weights() -> None:
    result = runner.invoke(app, ["explain", "belarus_entry"])
    assert result.exit_code == 0, result.stderr
    assert "parameters (logistic)" in result.stdout
    assert "logistic.intercept = " in result.stdout
    assert "logistic.weights.army_loyalty = " in result.stdout
    data = json.loads(runner.invoke(app, ["explain", "belarus_entry", "--json"]).stdout)
    params = dict((path, value) for path, value in data["parameters"])
    assert set(params) >= {"logistic.intercept", "logistic.weights.offensive_preparation"}
    assert isinstance(params["logistic.intercept"], float)


def test_evidence_is_echoed_in_words_not_as_a_dict() -> None:
    result = runner.invoke(
        app,
        [
            "forecast",
            "-e",
            "reservist_callups=present",
            "--soft",
            "border_incident_blamed_on_ukraine=0.3,0.9",
            "--do",
            "belarus_entry=entered",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "{" not in result.stdout.split("given:")[1].splitlines()[0]
    assert "observed reservist_callups = present" in result.stdout
    assert "border_incident_blamed_on_ukraine (likelihoods 0.3, 0.9)" in result.stdout
    assert "set belarus_entry = entered (intervention)" in result.stdout
    assert describe_assignments({}, {}) == "no evidence (the model's baseline)"


def test_quarantine_hint_names_the_store(tmp_path: Path) -> None:
    db = tmp_path / "my events.duckdb"
    result = runner.invoke(app, ["ingest", str(FIXTURES / "acled_current.csv"), "--db", str(db)])
    assert result.exit_code == 0, result.stderr
    assert f"secondfront rejects --db '{db}'" in result.stdout


def test_simulation_counts_say_what_they_are_scaled_to() -> None:
    args = ["simulate", "--agents", "400", "--runs", "1", "--steps", "7", "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "counts per 7.5 million adults (scaled from 400 agents)" in result.stdout


def test_plot_says_every_file_it_wrote(tmp_path: Path) -> None:
    base = tmp_path / "tornado"
    result = runner.invoke(app, ["sensitivity", "-t", "belarus_entry=entered", "--plot", str(base)])
    assert result.exit_code == 0, result.stderr
    for suffix in (".png", ".svg"):
        path = base.with_suffix(suffix)
        assert path.is_file() and f"wrote {path}" in result.stderr
