"""Simulation speed, side by side with Mesa where Mesa has an equivalent, in one run.

One command per simulation row of the speed goals (run from the repository root)::

    .venv/bin/python benchmarks/bench_simulation.py epstein      # 1 M agents, 1 run, vs Mesa
    .venv/bin/python benchmarks/bench_simulation.py belarus      # 7.5 M agents: s per day
    .venv/bin/python benchmarks/bench_simulation.py calibrate    # calibrate mass_mobilisation
    .venv/bin/python benchmarks/bench_simulation.py all --quick  # tiny sizes (the smoke test)
    .venv/bin/python benchmarks/bench_simulation.py epstein --json out.json

Every timing is wall-clock seconds with the process CPU seconds next to it (CPU time
adds up the threads), and the load average is printed before and after: on a shared
machine wall time measures the share of the cores this process got, CPU time the work.
Ratios to Mesa are given both ways: in wall time (what a user waits, all cores) and in
CPU time (work per core; for a run on several cores it leaves out the parallel gain).

``epstein`` times Mesa's Epstein example (Mesa 3.3.1) at 1,238 and 7,700 agents, then
the library call ``secondfront simulate --model epstein --agents N --runs 1`` makes
(``run_ensemble``: set-up included, tiled over every core from 250,000 agents), and
the kernel alone per step counting neighbourhoods by scanning and with strip sums
(``Lattice.incremental``), at Mesa's size and tiled at a million agents. ``belarus``
runs the Belarus model in a fresh process (so that its peak resident memory is its
own) and splits a day into the kernel's step, the daily counts and the rest (army,
partisans, rail). ``calibrate`` times ``calibrate_spec`` with the command's defaults.
Mesa is a benchmark dependency only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from secondfront.simulation.epstein import EpsteinParams, init_epstein, side_for_agents

ROOT = Path(__file__).resolve().parents[1]


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


def mesa(n_agents: int, steps: int) -> dict[str, Any]:
    """Seconds per step of Mesa's example at about ``n_agents`` agents, set-up excluded."""
    warnings.simplefilter("ignore")
    from secondfront.simulation.reference import _mesa_model

    base = EpsteinParams()
    side = side_for_agents(n_agents, base.citizen_density, base.cop_density)
    model = _mesa_model(replace(base, width=side, height=side), 0)
    model.step()  # warm Mesa's caches of neighbourhoods
    start = _clock()
    for _ in range(steps):
        model.step()
    wall, cpu = _since(start)
    agents = len(model.agents)
    return {
        "impl": "mesa",
        "agents": agents,
        "s_per_step": wall / steps,
        "cpu_s_per_step": cpu / steps,
        "rate": agents * steps / wall,
        "cpu_rate": agents * steps / cpu,
    }


def cli_run(n_agents: int, steps: int) -> dict[str, Any]:
    """What ``simulate --model epstein --agents N --runs 1`` runs, set-up included."""
    from secondfront.simulation.ensemble import RunSpec, kernel_tile, run_ensemble, run_one

    run_one(RunSpec("epstein", 2_000, 2, 0))  # load the compiled kernels
    if kernel_tile(n_agents):
        run_one(RunSpec("epstein", 250_000, 1, 0))
    start = _clock()
    run_ensemble([RunSpec("epstein", n_agents, steps, 1)])
    wall, cpu = _since(start)
    base = EpsteinParams()
    side = side_for_agents(n_agents, base.citizen_density, base.cop_density)
    agents = round(side * side * (base.citizen_density + base.cop_density))
    how = "tiled, all cores" if kernel_tile(n_agents) else "1 core"
    return {
        "impl": f"secondfront simulate ({how})",
        "agents": agents,
        "s_per_step": wall / steps,
        "cpu_s_per_step": cpu / steps,
        "rate": agents * steps / wall,
        "cpu_rate": agents * steps / cpu,
    }


def kernel(n_agents: int, steps: int, tile: int | None, incremental: bool) -> dict[str, Any]:
    """Seconds per step of the kernel alone (``Lattice.run``), set-up excluded."""
    base = EpsteinParams()
    side = side_for_agents(n_agents, base.citizen_density, base.cop_density)
    params = replace(base, width=side, height=side)
    lattice = init_epstein(params, np.random.default_rng(0), tile=tile)
    lattice.incremental = incremental
    lattice.run(params.rules(), 2)  # compile or load the cached kernel
    start = _clock()
    lattice.run(params.rules(), steps)
    wall, cpu = _since(start)
    agents = int(lattice.pos.shape[0])
    how = "strips" if incremental else "scan"
    return {
        "impl": f"kernel, {how}, {'tiles ' + str(tile) if tile else '1 tile'}",
        "agents": agents,
        "s_per_step": wall / steps,
        "cpu_s_per_step": cpu / steps,
        "rate": agents * steps / wall,
        "cpu_rate": agents * steps / cpu,
    }


def epstein(quick: bool) -> dict[str, Any]:
    """Row 1: ``simulate --model epstein --agents 1000000 --runs 1`` against Mesa."""
    mesa_sizes, big, steps = ([1_238], 20_000, 3) if quick else ([1_238, 7_700], 1_000_000, 10)
    rows = [mesa(n, steps if quick else 30) for n in mesa_sizes]
    rows.append(cli_run(big, steps * 2))
    for incremental in (False, True):
        rows.append(kernel(1_238, 50 if quick else 1_000, None, incremental))
    for incremental in (False, True):
        rows.append(kernel(big, steps, 64, incremental))
    ref = rows[len(mesa_sizes) - 1]  # Mesa at 7,700 agents (1,238 if quick)
    print(f"reference: Mesa's rate at {ref['agents']:,} agents, in wall and in CPU time")
    header = (
        "implementation",
        "agents",
        "s/step",
        "cpu s/step",
        "agent-steps/s",
        "x wall",
        "x cpu",
    )
    print("{:40} {:>10} {:>9} {:>10} {:>14} {:>7} {:>7}".format(*header))
    for r in rows:
        r["ratio_to_mesa"] = r["rate"] / ref["rate"]
        r["cpu_ratio_to_mesa"] = r["cpu_rate"] / ref["cpu_rate"]
        print(
            f"{r['impl']:40} {r['agents']:>10,} {r['s_per_step']:>9.4f} "
            f"{r['cpu_s_per_step']:>10.4f} {r['rate']:>14,.0f} {r['ratio_to_mesa']:>7.0f} "
            f"{r['cpu_ratio_to_mesa']:>7.0f}"
        )
    scan, strips = rows[-4]["cpu_s_per_step"], rows[-3]["cpu_s_per_step"]
    scan_t, strips_t = rows[-2]["cpu_s_per_step"], rows[-1]["cpu_s_per_step"]
    print(
        f"kernel alone, strips vs scan (CPU time per step): x{scan / strips:.2f} at "
        f"{rows[-4]['agents']:,} agents, x{scan_t / strips_t:.2f} tiled at {rows[-1]['agents']:,}"
    )
    return {"rows": rows, "mesa_reference_rate": ref["rate"]}


_BELARUS = """
import json, resource, sys, time
from secondfront.simulation import lattice as L
from secondfront.simulation.belarus import run_belarus
from secondfront.simulation.ensemble import kernel_tile
from secondfront.simulation.params import load_society
agents, days = int(sys.argv[1]), int(sys.argv[2])
society = load_society()
run_belarus(society, "entry", 3_000, 2, 0, tile=None)
run_belarus(society, "entry", 300_000, 1, 0, tile=64)
spent = {"kernel": [0.0, 0.0], "counts": [0.0, 0.0]}
def timed(name, fn):
    def wrapper(*args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        spent[name][0] += time.perf_counter() - w
        spent[name][1] += time.process_time() - c
        return result
    return wrapper
L.Lattice.run = timed("kernel", L.Lattice.run)
L.Lattice.counts = timed("counts", L.Lattice.counts)
w, c = time.perf_counter(), time.process_time()
run = run_belarus(society, "entry", agents, days, 1, tile=kernel_tile(agents))
wall, cpu = time.perf_counter() - w, time.process_time() - c
print(json.dumps({
    "agents": run.n_citizens, "days": days, "wall_s": wall, "cpu_s": cpu,
    "kernel": spent["kernel"], "counts": spent["counts"],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def belarus(quick: bool, agents: int | None, days: int | None) -> dict[str, Any]:
    """Row 2: ``simulate --model belarus --agents 7500000``, seconds per simulated day."""
    agents = agents or (20_000 if quick else 7_500_000)
    days = days or (3 if quick else 21)
    done = subprocess.run(
        [sys.executable, "-c", _BELARUS, str(agents), str(days)],
        capture_output=True,
        text=True,
        check=True,
    )
    r = json.loads(done.stdout.strip().splitlines()[-1])
    n = r["days"]
    rest_wall = r["wall_s"] - r["kernel"][0] - r["counts"][0]
    rest_cpu = r["cpu_s"] - r["kernel"][1] - r["counts"][1]
    print(f"Belarus model, scenario entry, {r['agents']:,} citizens, {n} days (set-up included)")
    print(f"{'per day':24} {'wall s':>8} {'cpu s':>8}")
    print(f"{'whole day':24} {r['wall_s'] / n:>8.3f} {r['cpu_s'] / n:>8.3f}")
    print(f"{'  kernel step':24} {r['kernel'][0] / n:>8.3f} {r['kernel'][1] / n:>8.3f}")
    print(f"{'  daily counts':24} {r['counts'][0] / n:>8.3f} {r['counts'][1] / n:>8.3f}")
    print(f"{'  set-up, army, rail':24} {rest_wall / n:>8.3f} {rest_cpu / n:>8.3f}")
    print(f"peak resident memory: {r['peak_rss_mb']:.0f} MB")
    r["s_per_day"] = r["wall_s"] / n
    return r


def calibrate(quick: bool) -> dict[str, Any]:
    """Row 7: ``secondfront calibrate mass_mobilisation`` with the command's defaults."""
    from secondfront.analysis.calibration import calibrate_spec

    runs, agents, steps = (1, 1_500, 14) if quick else (8, 20_000, 56)
    spec = ROOT / "models" / "belarus-second-front.yaml"
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        start = _clock()
        result = calibrate_spec(
            spec,
            "mass_mobilisation",
            Path(tmp) / "c.yaml",
            runs=runs,
            seed=0,
            agents=agents,
            steps=steps,
            progress=tick,
        )
        wall, cpu = _since(start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    print(
        f"calibrate mass_mobilisation: {len(result.rows)} rows x {runs} runs of "
        f"{agents:,} agents, {steps} days, {os.cpu_count()} processes: {wall:.1f} s wall, "
        f"{workers:.1f} s CPU in the workers, {cpu:.1f} s in the parent; progress ticks {done}"
    )
    return {
        "wall_s": wall,
        "workers_cpu_s": workers,
        "rows": len(result.rows),
        "runs": runs,
        "ticks": done,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "work", nargs="?", default="epstein", choices=["epstein", "belarus", "calibrate", "all"]
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    ap.add_argument("--agents", type=int, help="belarus: citizens (default 7,500,000)")
    ap.add_argument("--days", type=int, help="belarus: days (default 21)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    print(f"load average before: {_load()}")
    result: dict[str, Any] = {"load_before": os.getloadavg()[0]}
    if args.work in ("epstein", "all"):
        result["epstein"] = epstein(args.quick)
    if args.work in ("belarus", "all"):
        result["belarus"] = belarus(args.quick, args.agents, args.days)
    if args.work in ("calibrate", "all"):
        result["calibrate"] = calibrate(args.quick)
    print(f"load average after: {_load()}")
    result["load_after"] = os.getloadavg()[0]
    result["self_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()
