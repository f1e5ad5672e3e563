"""``secondfront calibrate VAR``: the command, standard errors, the shift warning."""

from __future__ import annotations

import json
import math
from pathlib import Path

from typer.testing import CliRunner

from secondfront.analysis.calibration import calibration_runs
from secondfront.cli.app import app
from secondfront.model.scenario import check_spec

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "models" / "belarus-second-front.yaml"
runner = CliRunner()

ARGS = ["--agents", "1500", "--steps", "21", "--runs", "2", "--seed", "4", "--workers", "2"]


def test_calibrate_command_writes_a_checked_copy_with_errors_and_shift(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    result = runner.invoke(app, ["calibrate", "mass_mobilisation", *ARGS, "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert check_spec(out) == []
    data = json.loads(result.stdout)
    assert len(data["rows"]) == calibration_runs(FLAGSHIP, "mass_mobilisation", 1) == 36
    for row in data["rows"]:
        # Two runs, three states, add-half smoothing: shares and their binomial errors.
        raw = [row["counts"][s] + 0.5 for s in ("none", "limited", "mass")]
        for p, se, r in zip(row["p"], row["se"], raw, strict=True):
            share = r / sum(raw)
            assert p == round(share, 6) or abs(p - share) < 2e-6
            assert se == round(math.sqrt(share * (1 - share) / 2), 6)
    shift = {s["state"]: s for s in data["shift"]}
    assert set(shift) == {"none", "limited", "mass"}
    largest_se = max(max(r["se"]) for r in data["rows"])
    for s in shift.values():
        assert 0 < s["half_width"] <= 1.96 * largest_se + 1e-9
        beyond = abs(s["after"] - s["before"]) > s["half_width"]
        assert bool(s["warning"]) == beyond
    assert abs(sum(s["after"] for s in shift.values()) - 1) < 1e-5  # each rounded to 1e-6
    # Each warning goes to stderr, and only the warnings (no progress bar under --json).
    assert data["warnings"] == [s["warning"] for s in data["shift"] if s["warning"]]
    assert result.stderr.splitlines() == [f"warning: {w}" for w in data["warnings"]]


def test_calibrate_table_output_shows_standard_errors(tmp_path: Path) -> None:
    out = tmp_path / "c.yaml"
    result = runner.invoke(app, ["calibrate", "logistics_disruption", *ARGS, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "standard errors" in result.stdout and "±" in result.stdout
    assert "P(logistics_disruption=present)" in result.stdout


def test_calibrate_needs_an_output() -> None:
    result = runner.invoke(app, ["calibrate", "mass_mobilisation"])
    assert result.exit_code == 2
    assert "calibrate needs -o/--output" in result.stderr


def test_simulate_calibrate_is_a_deprecated_alias(tmp_path: Path) -> None:
    out = tmp_path / "a.yaml"
    result = runner.invoke(
        app, ["simulate", "--calibrate", "logistics_disruption", *ARGS, "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "deprecated; use secondfront calibrate logistics_disruption" in result.stderr
    assert check_spec(out) == []
