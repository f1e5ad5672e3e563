"""``fit --trace``: the log posterior of every Baum-Welch iteration, on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from secondfront.cli.app import app
from tests.conftest import HISTORY


def test_fit_trace_prints_the_log_posterior_per_iteration(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(HISTORY), "--db", str(db), "--json"]).exit_code == 0
    out = tmp_path / "fit.yaml"
    args = ["fit", "--db", str(db), "--until", "2022-06-30", "-o", str(out), "--max-iter", "5"]
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.stderr
    trace = json.loads(r.stdout)["log_posterior_trace"]
    assert len(trace) >= 2 and trace == sorted(trace)  # EM never lowers it
    r = runner.invoke(app, [*args, "--trace"])
    assert r.exit_code == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("iteration ")]
    assert len(lines) == len(trace) and lines[0] == f"iteration 0: log posterior {trace[0]:.6f}"
