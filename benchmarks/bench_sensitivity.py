"""Benchmark: a Sobol sensitivity run on the flagship model, beside a pyAgrum loop.

Ours: ``secondfront.analysis.sensitivity.sobol`` with N base samples (SALib's design,
N (G + 2) evaluations for G uncertain parameters upstream of the target), sampling,
table building, batched evaluation and SALib's analysis all included.

Reference, in the same run: pyAgrum's LazyPropagation evaluating P(target) for a few
hundred of the same parameter sets one at a time (refill the varying tables, recompute),
which is what a user without a batched engine would write; its time per evaluation is
scaled to the same number of evaluations. Before timing, the two are checked to agree
to 1e-9 on the first sets.

Usage::

    python benchmarks/bench_sensitivity.py                 # N = 4096 (2^12), 300 pyAgrum sets
    python benchmarks/bench_sensitivity.py --quick         # N = 256, 20 pyAgrum sets
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import secondfront as sf
from secondfront.analysis.sensitivity import Target, TargetFunction, sobol
from secondfront.testing import to_pyagrum

ROOT = Path(__file__).resolve().parents[1]


def pyagrum_loop(
    fn: TargetFunction, values: dict[str, np.ndarray], n: int
) -> tuple[float, np.ndarray]:
    """Seconds and P(target) for ``n`` parameter sets evaluated one by one in pyAgrum."""
    import pyagrum as gum

    bn = to_pyagrum(fn.network)
    tables = fn.space.tables({k: v[:n] for k, v in values.items()}, n)
    aligned = {}
    for name, t in tables.items():
        var = fn.network.variables[name]
        ours = (*var.parents, name)
        theirs = list(reversed(bn.cpt(name).names))
        aligned[name] = np.ascontiguousarray(
            np.transpose(t, [0, *(1 + ours.index(x) for x in theirs)])
        ).reshape(n, -1)
    out = np.empty(n)
    k = fn.network.variables[fn.target.variable].index(fn.target.state)
    start = time.perf_counter()
    for i in range(n):
        for name, flat in aligned.items():
            bn.cpt(name).fillWith(flat[i].tolist())
        ie = gum.LazyPropagation(bn)  # a fresh engine: pyAgrum does not see in-place edits
        ie.makeInference()
        out[i] = ie.posterior(fn.target.variable).toarray()[k]
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "belarus-second-front.yaml"))
    parser.add_argument("--target", default="belarus_entry=entered")
    parser.add_argument("--base", type=int, default=4096, help="Sobol base sample size N")
    parser.add_argument("--reference-sets", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="N = 256, 20 reference sets")
    parser.add_argument("--json", type=Path, help="also write the figures to FILE")
    args = parser.parse_args(argv)
    if args.quick:
        args.base, args.reference_sets = 256, 20

    model = sf.load(args.model)
    target = Target.parse(args.target, model)
    fn = TargetFunction(model, target)
    draws = fn.space.sample(np.random.default_rng(args.seed), args.reference_sets, fn.parameters)
    ref_seconds, ref_values = pyagrum_loop(fn, draws, args.reference_sets)
    ours_values = fn(draws, args.reference_sets)
    diff = float(np.max(np.abs(ref_values - ours_values)))
    if diff > 1e-9:
        raise SystemExit(f"ours and pyAgrum disagree by {diff:.2e}: not timing wrong answers")

    start = time.perf_counter()
    result = sobol(model, target, n_base=args.base, seed=args.seed)
    ours_seconds = time.perf_counter() - start
    per_eval_ref = ref_seconds / args.reference_sets
    ref_scaled = per_eval_ref * result.evaluations
    figures = {
        "base_samples": args.base,
        "parameters": len(fn.parameters),
        "evaluations": result.evaluations,
        "ours_seconds": ours_seconds,
        "pyagrum_seconds_per_evaluation": per_eval_ref,
        "pyagrum_seconds_scaled": ref_scaled,
        "speedup": ref_scaled / ours_seconds,
        "max_abs_diff_first_sets": diff,
    }
    print(
        f"model {model.name}, target {target}: {len(fn.parameters)} uncertain parameters upstream"
    )
    print(
        f"Sobol, N = {args.base}: {result.evaluations} evaluations in {ours_seconds:.2f} s "
        "(ours, all included)"
    )
    print(
        f"pyAgrum LazyPropagation, one set at a time: {per_eval_ref * 1e3:.2f} ms per evaluation "
        f"({args.reference_sets} sets timed), {ref_scaled:.0f} s scaled to {result.evaluations}"
    )
    print(f"ratio: {figures['speedup']:.0f}x; agreement on the timed sets: max |diff| = {diff:.1e}")
    top = ", ".join(f"{i.name} (ST {i.st:.2f})" for i in result.indices[:3])
    print(f"largest total indices: {top}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
