"""Speed and memory of the vectorised Epstein kernel, side by side with Mesa's example.

Run from the repository root::

    .venv/bin/python benchmarks/bench_simulation.py            # Mesa 1,238 and 7,700; ours to 7.5 M
    .venv/bin/python benchmarks/bench_simulation.py --quick    # small sizes, a smoke run
    .venv/bin/python benchmarks/bench_simulation.py --json out.json

Each size reports agents, seconds per step and agent-steps per second; the 7.5-million
agent run also reports the peak resident memory of a fresh process that runs only it
(so earlier runs do not inflate it). Mesa is a benchmark dependency only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import replace

import numpy as np

from secondfront.simulation.epstein import EpsteinParams, init_epstein, side_for_agents


def ours(n_agents: int, steps: int, tile: int | None) -> dict[str, float]:
    """Seconds per step of the kernel at about ``n_agents`` agents (Mesa's densities)."""
    base = EpsteinParams()
    side = side_for_agents(n_agents, base.citizen_density, base.cop_density)
    params = replace(base, width=side, height=side)
    start = time.perf_counter()
    lattice = init_epstein(params, np.random.default_rng(0), tile=tile)
    setup = time.perf_counter() - start
    rules = params.rules()
    lattice.step(rules)  # compile or load the cached kernel
    start = time.perf_counter()
    for _ in range(steps):
        lattice.step(rules)
    per_step = (time.perf_counter() - start) / steps
    agents = int(lattice.pos.shape[0])
    return {
        "agents": agents,
        "side": side,
        "tile": tile or 0,
        "setup_s": round(setup, 3),
        "s_per_step": per_step,
        "agent_steps_per_s": agents / per_step,
        "state_mb": lattice.nbytes() / 2**20,
    }


def mesa(n_agents: int, steps: int) -> dict[str, float]:
    """Seconds per step of Mesa's example at about ``n_agents`` agents."""
    warnings.simplefilter("ignore")
    from secondfront.simulation.reference import mesa_speed

    base = EpsteinParams()
    side = side_for_agents(n_agents, base.citizen_density, base.cop_density)
    agents, per_step = mesa_speed(replace(base, width=side, height=side), steps)
    return {
        "agents": agents,
        "side": side,
        "s_per_step": per_step,
        "agent_steps_per_s": agents / per_step,
    }


def _isolated(n_agents: int, steps: int, tile: int) -> dict[str, float]:
    """Run ``ours`` in a fresh process and add its peak resident memory."""
    code = (
        "import json, resource, sys; sys.path.insert(0, 'benchmarks');"
        "from bench_simulation import ours;"
        f"r = ours({n_agents}, {steps}, {tile});"
        "r['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
        "print(json.dumps(r))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    if args.quick:
        mesa_sizes, our_sizes, big, steps = [1_238], [1_238, 20_000], None, 3
    else:
        mesa_sizes, our_sizes, big, steps = [1_238, 7_700], [1_238, 7_700, 1_000_000], 7_500_000, 10
    rows: list[dict[str, object]] = []
    for n in mesa_sizes:
        rows.append({"impl": "mesa", **mesa(n, steps if args.quick else 30)})
    for n in our_sizes:
        rows.append({"impl": "secondfront (1 tile, 1 core)", **ours(n, steps * 20, None)})
        if n >= 20_000:
            rows.append({"impl": "secondfront (tiles, all cores)", **ours(n, steps * 5, 32)})
    if big:
        rows.append({"impl": "secondfront (tiles, all cores)", **_isolated(big, steps, 32)})
    mesa_rate = max(r["agent_steps_per_s"] for r in rows if r["impl"] == "mesa")  # type: ignore[type-var]
    header = ("implementation", "agents", "s/step", "agent-steps/s", "x Mesa", "peak RSS MB")
    print("{:32} {:>10} {:>9} {:>14} {:>8} {:>12}".format(*header))
    for r in rows:
        ratio = float(r["agent_steps_per_s"]) / float(mesa_rate)  # type: ignore[arg-type]
        r["ratio_to_mesa"] = ratio
        rss = f"{r['peak_rss_mb']:.0f}" if "peak_rss_mb" in r else ""
        print(
            f"{r['impl']:32} {r['agents']:>10,} {r['s_per_step']:>9.4f} "
            f"{r['agent_steps_per_s']:>14,.0f} {ratio:>8.0f} {rss:>12}"
        )
    result = {
        "rows": rows,
        "mesa_agent_steps_per_s": mesa_rate,
        "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()
