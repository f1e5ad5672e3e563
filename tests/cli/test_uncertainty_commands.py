"""forecast --uncertainty, sensitivity and watchlist on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from secondfront.cli.app import app

runner = CliRunner()


def test_forecast_uncertainty_json_is_reproducible() -> None:
    args = ["forecast", "--uncertainty", "--samples", "400", "--seed", "7", "--json"]
    first = runner.invoke(app, args)
    second = runner.invoke(app, args)
    assert first.exit_code == 0
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    for var, u in data["uncertainty"].items():
        lo, hi = u["interval"]
        assert u["samples"] == 400
        assert 0 <= lo <= u["median"] <= hi <= 1
        assert var in data["outcomes"]


def test_forecast_uncertainty_table_says_what_was_sampled() -> None:
    result = runner.invoke(app, ["forecast", "--uncertainty", "--samples", "200"])
    assert result.exit_code == 0
    assert "90% interval" in result.stdout
    assert "200 parameter sets, seed 0" in result.stdout


def test_sensitivity_oat_writes_charts(tmp_path: Path) -> None:
    plot = tmp_path / "tornado.png"
    result = runner.invoke(
        app, ["sensitivity", "-t", "belarus_entry=entered", "--plot", str(plot), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert rows[0]["swing"] >= rows[-1]["swing"]
    assert plot.exists() and plot.with_suffix(".svg").exists()


def test_sensitivity_sobol_small(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sensitivity",
            "-t",
            "belarus_entry=entered",
            "--method",
            "sobol",
            "--samples",
            "256",
            "--json",
            "--plot",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["n_base"] == 256 and data["rows"]
    assert (tmp_path / "s.png").exists()


def test_watchlist_json() -> None:
    result = runner.invoke(app, ["watchlist", "-t", "belarus_entry=entered", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["pairs"]) == 10
    first = data["indicators"][0]
    assert first["if_seen"] is not None and first["mutual_information_bits"] > 0


def test_target_that_is_not_a_variable_exits_2() -> None:
    for command in ("sensitivity", "watchlist"):
        result = runner.invoke(app, [command, "-t", "nosuch=yes"])
        assert result.exit_code == 2
        assert "unknown variable 'nosuch'" in result.stderr
        assert "Traceback" not in result.stderr


def test_sobol_confidence_columns_repeat_with_the_seed() -> None:
    # Two runs in one process: the second starts from another NumPy global state, so
    # a bootstrap not seeded by --seed would change the "±" columns.
    args = ["sensitivity", "-t", "belarus_entry=entered", "--method", "sobol"]
    args += ["--samples", "64", "--json"]
    first = runner.invoke(app, args)
    second = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    rows = json.loads(first.stdout)["rows"]
    assert any(r["s1_conf"] > 0 for r in rows)
    table = [runner.invoke(app, args[:-1]).stdout for _ in range(2)]
    assert table[0] == table[1] and "±" in table[0]


def test_report_and_cli_intervals_use_one_default_sample_count() -> None:
    from secondfront.analysis.report_data import report_data
    from secondfront.analysis.uncertainty import DEFAULT_SAMPLES
    from secondfront.model.formats import load

    cli = runner.invoke(app, ["forecast", "--uncertainty", "--json"])
    assert cli.exit_code == 0, cli.stderr
    data = json.loads(cli.stdout)["uncertainty"]
    report = report_data(load("belarus-second-front")).forecast
    assert report.uncertainty is not None and report.uncertainty.n_samples == DEFAULT_SAMPLES
    for o in report.outcomes:
        assert data[o.variable]["samples"] == DEFAULT_SAMPLES
        assert o.interval is not None
        assert list(o.interval) == data[o.variable]["interval"]
