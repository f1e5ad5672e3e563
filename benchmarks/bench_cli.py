"""Benchmark: what a user waits for at the command line, in CPU and wall seconds.

Each command runs in a fresh process (``python -m secondfront ...``), as a user runs
it, and is timed from start to exit: the CPU seconds of the process (user + system,
from ``getrusage`` of the children) and the wall seconds. Each figure is the median of
``--runs`` runs (5 by default), with the load average before and after, since on a
shared machine the wall time depends on it.

Two caches, two columns:

* **warm**: the compiled passes and kernels are in numba's on-disk cache, where the
  installed package keeps it (an untimed run of each command fills it first);
* **cold**: every run starts from an empty cache folder, as the first run after an
  install does (``NUMBA_CACHE_DIR`` points at a new folder each time; Python's own
  bytecode is compiled by pip at install, so it is warm in both).

The goals are the project's: ``--help`` 0.4, ``explain`` 0.8 and ``forecast`` 1.0 CPU
seconds warm, the first ``forecast`` after an install 4 CPU seconds, and the first
run of the README's ``simulate`` example after an install 10 CPU seconds (its workers'
CPU time included).

Usage::

    python benchmarks/bench_cli.py              # 5 runs each, warm and cold
    python benchmarks/bench_cli.py --quick      # 1 run each, warm only, no compiled
                                                # passes (the CI smoke size)
    python benchmarks/bench_cli.py --json FILE  # also write the figures as JSON
    python benchmarks/bench_cli.py --only 'simulate (README example)'  # one row
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYCACHE = Path(tempfile.gettempdir()) / "secondfront-bench-cli-pycache"

QUESTIONS = ROOT / "models" / "belarus-second-front.questions.yaml"
# (label, arguments, CPU-seconds goal warm, CPU-seconds goal cold); None: no goal set.
# ``forecast --uncertainty`` (10,000 parameter sets) is the one command here large
# enough for the compiled passes: its cold column is what compiling them costs.
COMMANDS: list[tuple[str, list[str], float | None, float | None]] = [
    ("--help", ["--help"], 0.4, None),
    ("--version", ["--version"], 0.4, None),
    ("explain belarus_entry", ["explain", "belarus_entry"], 0.8, None),
    ("forecast", ["forecast"], 1.0, 4.0),
    ("forecast --argument-only", ["forecast", "--argument-only"], 1.0, 4.0),
    ("forecast --uncertainty", ["forecast", "--uncertainty"], None, None),
    # The whole shipped history: the timeline reads a store ingested once before timing
    # ({db}); the questions read the shipped history in memory.
    ("timeline (whole history)", ["timeline", "--db", "{db}"], 2.0, None),
    (
        "questions score",
        ["questions", "score", str(ROOT / "models" / "belarus-second-front.questions.yaml")],
        None,
        None,
    ),
    ("backtest --generated", ["backtest", "--generated"], None, None),
    # The README's simulation example: four runs of 20,000 agents in two worker
    # processes; cold, it compiles the simulation kernels.
    (
        "simulate (README example)",
        "simulate --model belarus --scenario entry --agents 20000 --runs 4 --json".split(),
        None,
        10.0,
    ),
]
"""``forecast`` is the dated forecast (it reads the shipped history); the argument view
alone is ``forecast --argument-only``, the command the 1.0 goal was first set for."""


def timed_run(args: list[str], cache: Path | None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ``python -m secondfront ARGS`` process.

    ``cache``: numba's cache folder for the run; ``None`` keeps the installed one.
    """
    env = _env()
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "secondfront", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"secondfront {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _env() -> dict[str, str]:
    """The environment of a timed process: this tree's sources first."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        # Python's bytecode as an install has it (pip compiles it): written by the untimed
        # first run into a folder of the benchmark's own, read by the timed ones. With
        # PYTHONDONTWRITEBYTECODE set and no bytecode beside the sources (a checkout),
        # every run would compile every module it imports, about 0.15 CPU s a command.
        "PYTHONPYCACHEPREFIX": str(PYCACHE),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(args: list[str], runs: int, cold: bool, scratch: Path) -> dict[str, float]:
    """Median CPU and wall seconds over ``runs`` runs, warm or cold cache."""
    cpu: list[float] = []
    wall: list[float] = []
    if not cold:
        timed_run(args, None)  # fills the cache; not timed
    for i in range(runs):
        cache = scratch / f"cold-{'-'.join(args)}-{i}" if cold else None
        c, w = timed_run(args, cache)
        cpu.append(c)
        wall.append(w)
    return {
        "cpu_s": statistics.median(cpu),
        "wall_s": statistics.median(wall),
        "cpu_min_s": min(cpu),
        "cpu_max_s": max(cpu),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--quick", action="store_true", help="1 run each, warm only")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument(
        "--only",
        action="append",
        metavar="COMMAND",
        help="time only this command, named as in the table (repeatable), e.g. "
        "--only 'explain belarus_entry' --only forecast",
    )
    parser.add_argument("--warm-only", action="store_true", help="skip the cold column")
    opts = parser.parse_args(argv)
    runs = 1 if opts.quick else opts.runs
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        scratch = Path(tmp)
        db = scratch / "history.duckdb"
        history = ROOT / "data" / "belarus-events.csv"
        chosen = COMMANDS[:4] if opts.quick else COMMANDS
        if opts.only:
            unknown = set(opts.only) - {c[0] for c in chosen}
            if unknown:
                parser.error(f"no such command in the table: {sorted(unknown)}")
            chosen = [c for c in chosen if c[0] in opts.only]
        if any("{db}" in c[1] for c in chosen):
            subprocess.run(
                [sys.executable, "-m", "secondfront", "ingest", str(history), "--db", str(db)],
                check=True,
                capture_output=True,
                env=_env(),
                cwd=ROOT,
            )
        for label, raw, goal, cold_goal in chosen:
            args = [str(db) if a == "{db}" else a for a in raw]
            warm = measure(args, runs, cold=False, scratch=scratch)
            row: dict[str, Any] = {"command": label, "goal_cpu_s": goal, "warm": warm}
            if not (opts.quick or opts.warm_only):
                row["cold"] = measure(args, runs, cold=True, scratch=scratch)
                row["goal_cold_cpu_s"] = cold_goal
            rows.append(row)
    load_after = os.getloadavg()
    figures = {
        "runs": runs,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": load_after,
        "python": sys.version.split()[0],
        "results": rows,
    }
    print(render(figures))
    if opts.json is not None:
        opts.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def render(figures: dict[str, Any]) -> str:
    """The figures as a table, one row per command, with each goal met or not."""
    lines = [
        f"secondfront at the command line: median of {figures['runs']} runs, "
        f"{figures['cpus']} CPUs, load average {figures['load_before'][0]:.2f} before, "
        f"{figures['load_after'][0]:.2f} after",
        f"{'command':26s} {'CPU s':>7s} {'wall s':>7s} {'goal':>6s}{'':8s}"
        f"{'cold CPU s':>10s} {'cold wall s':>11s} {'goal':>6s}",
    ]
    for row in figures["results"]:
        warm = row["warm"]
        line = f"{row['command']:26s} {warm['cpu_s']:7.2f} {warm['wall_s']:7.2f} "
        line += _verdict(warm["cpu_s"], row["goal_cpu_s"])
        cold = row.get("cold")
        if cold is not None:
            line += f" {cold['cpu_s']:10.2f} {cold['wall_s']:11.2f} "
            line += _verdict(cold["cpu_s"], row.get("goal_cold_cpu_s"))
        lines.append(line.rstrip())
    return "\n".join(lines)


def _verdict(cpu: float, goal: float | None) -> str:
    """``"  1.0 met"``, ``"  1.0 NOT met"``, or blanks where no goal is set."""
    if goal is None:
        return " " * 14
    return f"{goal:6.1f} {'met' if cpu <= goal else 'NOT met':7s}"


if __name__ == "__main__":
    main()
