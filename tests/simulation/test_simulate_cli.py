"""``secondfront simulate``: JSON shape, ensembles on Dask, --calibrate, the benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondfront.analysis.calibration import calibrate_spec
from secondfront.cli.app import app
from secondfront.model.scenario import check_spec, load_spec
from secondfront.simulation import __all__ as public
from secondfront.simulation.ensemble import RunSpec, run_ensemble, spawn_seeds

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "models" / "belarus-second-front.yaml"
runner = CliRunner()


def test_public_surface_is_sorted_and_complete() -> None:
    # Sorted the way ruff's RUF022 sorts: constants, then classes, then functions.
    key = [(not n.isupper(), not n[0].isupper(), n) for n in public]
    assert key == sorted(key) and len(set(public)) == len(public)
    assert {"run_epstein", "run_belarus", "run_ensemble"} <= set(public)
    # Calibrating a spec's table is an analysis feature; the simulation only simulates.
    assert "calibrate_spec" not in public and "CALIBRATORS" not in public


def test_json_has_runs_and_percentile_bands_per_week() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--model",
            "belarus",
            "--agents",
            "3000",
            "--steps",
            "21",
            "--runs",
            "3",
            "--workers",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runs"] == 3 and data["period_steps"] == 7
    assert set(data["series"]) == {
        "expressing_share",
        "detentions",
        "detentions_total",
        "jailed_share",
        "refusals_total",
        "rail_capacity",
    }
    for bands in data["series"].values():
        assert len(bands) == 3
        for lo, mid, hi in bands:
            assert lo <= mid <= hi


def test_epstein_table_output() -> None:
    result = runner.invoke(
        app, ["simulate", "--model", "epstein", "--steps", "5", "--runs", "2", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "active_share" in result.stdout and "median" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "nope"], "unknown model 'nope'; models: epstein, belarus"),
        (["--scenario", "war", "--agents", "1000"], "unknown scenario 'war'"),
        (["--runs", "0"], "--runs must be at least 1"),
        (["--calibrate", "mass_mobilisation"], "--calibrate needs -o/--output"),
    ],
)
def test_user_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["simulate", *args, "--workers", "1"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_local_processes_and_serial_agree_for_a_seed() -> None:
    specs = [RunSpec("belarus", 2000, 14, s, "entry") for s in spawn_seeds(7, 2)]
    serial = run_ensemble(specs, workers=1)
    pooled = run_ensemble(specs, workers=2)
    for name in serial.runs:
        assert (serial.runs[name] == pooled.runs[name]).all(), name


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dask_local_cluster_gives_the_same_ensemble() -> None:
    distributed = pytest.importorskip("dask.distributed")
    specs = [RunSpec("epstein", 0, 10, s) for s in spawn_seeds(3, 3)]
    local = run_ensemble(specs, workers=1)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            on_dask = run_ensemble(specs, scheduler=client)
        address_run = run_ensemble(specs, scheduler=cluster.scheduler_address)
    for name in local.runs:
        assert (local.runs[name] == on_dask.runs[name]).all(), name
        assert (local.runs[name] == address_run.runs[name]).all(), name


def test_unreachable_scheduler_is_a_user_error() -> None:
    pytest.importorskip("dask.distributed")
    result = runner.invoke(
        app,
        [
            "simulate",
            "--model",
            "epstein",
            "--steps",
            "2",
            "--runs",
            "1",
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler" in result.stderr


def test_calibrate_writes_a_checked_copy_and_leaves_the_original(tmp_path: Path) -> None:
    before = FLAGSHIP.read_bytes()
    out = tmp_path / "sub" / "calibrated.yaml"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--calibrate",
            "mass_mobilisation",
            "--agents",
            "1500",
            "--steps",
            "21",
            "--runs",
            "1",
            "--seed",
            "4",
            "--workers",
            "2",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert FLAGSHIP.read_bytes() == before
    assert check_spec(out) == []
    data = json.loads(result.stdout)
    assert len(data["rows"]) == 2 * 3 * 3 * 2
    spec = load_spec(out).spec
    var = next(v for v in spec.variables if v.name == "mass_mobilisation")
    assert var.table is not None
    assert "simulated, 1 runs per row, seed 4" in str(var.table.assumption)
    ok = runner.invoke(app, ["check", str(out)])
    assert ok.exit_code == 0 and ok.stdout.startswith("ok")


def test_calibrate_logistics_from_partisans_and_rail(tmp_path: Path) -> None:
    out = tmp_path / "logistics.yaml"
    result = calibrate_spec(
        FLAGSHIP, "logistics_disruption", out, runs=4, seed=2, agents=1500, steps=84, workers=2
    )
    assert check_spec(out) == []
    rows = {
        (r.given["partisan_capacity"], r.given["belarus_entry"],
         r.given["russian_military_presence"]): r
        for r in result.rows
    }  # fmt: skip
    assert len(rows) == 8
    # Without entry and without a heavy Russian presence no military traffic runs, so
    # partisans do not act: the row keeps only the smoothing floor, 0.5 / (runs + 1).
    for capacity in ("low", "high"):
        quiet = rows[(capacity, "not_entered", "low")]
        assert quiet.counts == {"absent": 4, "present": 0}
        assert quiet.p == pytest.approx([0.9, 0.1])
    # Forty groups against the war traffic disrupt it in every run.
    assert rows[("high", "entered", "high")].counts["present"] == 4
    assert rows[("high", "not_entered", "high")].counts["present"] == 4
    spec = load_spec(out).spec
    var = next(v for v in spec.variables if v.name == "logistics_disruption")
    assert var.table is not None and "4/40 partisan groups" in str(var.table.assumption)


def test_calibrate_refuses_to_overwrite_the_original() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "--calibrate",
            "mass_mobilisation",
            "-o",
            str(FLAGSHIP),
            "--spec",
            str(FLAGSHIP),
        ],
    )
    assert result.exit_code == 2
    assert "must not overwrite the original" in result.stderr


def test_calibrate_unknown_variable_lists_the_available() -> None:
    result = runner.invoke(app, ["simulate", "--calibrate", "belarus_entry", "-o", "x.yaml"])
    assert result.exit_code == 2
    assert (
        "no calibrator for 'belarus_entry'; available: logistics_disruption, mass_mobilisation"
        in result.stderr
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_benchmark_quick_mode_runs(tmp_path: Path) -> None:
    """Every simulation row of the benchmark runs at tiny size and prints its load."""
    pytest.importorskip("mesa")
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_simulation.py"),
            "all",
            "--quick",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "load average before" in done.stdout and "x cpu" in done.stdout
    data = json.loads(out.read_text())
    rows = data["epstein"]["rows"]
    impls = {r["impl"] for r in rows}
    assert "mesa" in impls and "secondfront simulate (1 core)" in impls
    assert {"kernel, scan, 1 tile", "kernel, strips, 1 tile"} <= impls
    assert all(
        r["rate"] > 0 and r["ratio_to_mesa"] > 0 and r["cpu_ratio_to_mesa"] > 0 for r in rows
    )
    assert data["belarus"]["days"] == 3 and data["belarus"]["s_per_day"] > 0
    assert data["belarus"]["peak_rss_mb"] > 0
    assert data["calibrate"]["ticks"] == data["calibrate"]["rows"] == 36
