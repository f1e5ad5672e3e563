"""Benchmark: the server's time per What-if update on the flagship (goal: at most 20 ms).

A What-if update is the page's request for a new outcome table after the analyst sets
a piece of evidence: ``POST /models/NAME/whatif/outcomes``. Three timings, in one run:

* **request**: the whole update through the ASGI app (routing, validation, the
  library call, the fragment's template), in process, without a network, client
  included;
* **handler**: the route's own work, the library call and the fragment's template,
  without the HTTP plumbing;
* **library**: ``secondfront.analysis.forecast.whatif`` with the baseline the server
  keeps per model: one engine call with one row;
* **four passes** (the reference, in the same run): what the page did before the
  redesign, ``forecast`` then ``infer`` for the scenario and again for the baseline,
  each a junction-tree pass.

Before timing, the scenario and baseline of ``whatif`` are checked against separate
``forecast`` calls (to 1e-12). Each figure is the median over the scenarios, which
set one to three indicators and sometimes an intervention.

Usage::

    python benchmarks/bench_whatif.py              # 200 updates per timing
    python benchmarks/bench_whatif.py --quick      # 10 updates (the CI smoke size)
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import secondfront as sf
from secondfront.analysis.forecast import forecast, whatif
from secondfront.inference.query import infer

GOAL_MS = 20.0
TOLERANCE = 1e-12


def scenarios(model: sf.Model, n: int, seed: int) -> list[tuple[dict[str, str], dict[str, str]]]:
    """``n`` (evidence, interventions) pairs: 1-3 indicators set, every fourth with a do."""
    rng = np.random.default_rng(seed)
    indicators = model.indicators()
    others = [v.name for v in model if v.name not in indicators]
    out = []
    for i in range(n):
        chosen = rng.choice(indicators, size=int(rng.integers(1, 4)), replace=False)
        evidence = {str(v): str(rng.choice(model.variables[str(v)].states)) for v in chosen}
        do = {}
        if i % 4 == 3:
            v = str(rng.choice(others))
            do = {v: str(rng.choice(model.variables[v].states))}
        out.append((evidence, do))
    return out


def _median_ms(fn: Callable[[Any], object], cases: list[Any]) -> float:
    fn(cases[0])  # warm: the model's query and the baseline exist once a server runs
    times = []
    for case in cases:
        start = time.perf_counter()
        fn(case)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="belarus-second-front")
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="10 updates")
    parser.add_argument("--json", type=Path, help="also write the figures to FILE")
    args = parser.parse_args(argv)
    if args.quick:
        args.updates = 10

    from fastapi.testclient import TestClient

    from secondfront.service import Settings, create_app

    model = sf.load(args.model)
    cases = scenarios(model, args.updates, args.seed)
    baseline = forecast(model)

    worst = 0.0
    for evidence, do in cases[:5]:
        pair = whatif(model, evidence, do)
        for got, want in (
            (pair.scenario, forecast(model, evidence, do)),
            (pair.baseline, baseline),
        ):
            for a, b in zip(got.outcomes, want.outcomes, strict=True):
                worst = max(worst, abs(a.probability - b.probability))
    if worst > TOLERANCE:
        raise SystemExit(f"whatif and separate forecasts differ by {worst:.1e}: not timing it")

    def library(case: tuple[dict[str, str], dict[str, str]]) -> object:
        return whatif(model, case[0], case[1], baseline=baseline)

    def four_passes(case: tuple[dict[str, str], dict[str, str]]) -> object:
        evidence, do = case
        return (
            forecast(model, evidence, do),
            infer(model, evidence, do),
            forecast(model),
            infer(model),
        )

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            workbench_db=Path(tmp) / "w.sqlite3", events_db=Path(tmp) / "none.duckdb"
        )
        client = TestClient(create_app(settings), base_url="http://127.0.0.1")
        url = f"/models/{model.name}/whatif/outcomes"

        from secondfront.service.pages import outcomes_context, render
        from secondfront.service.schemas import Query_

        bench = client.app.state.bench  # type: ignore[attr-defined]

        def handler(case: tuple[dict[str, str], dict[str, str]]) -> object:
            query = Query_(evidence=case[0], do=case[1])
            return render(
                "_outcomes.html", model=model.name, **outcomes_context(bench, model.name, query)
            )

        def request(case: tuple[dict[str, str], dict[str, str]]) -> object:
            r = client.post(url, json={"evidence": case[0], "do": case[1]})
            assert r.status_code == 200, r.text
            return r

        figures = {
            "updates": float(len(cases)),
            "request_ms": _median_ms(request, cases),
            "handler_ms": _median_ms(handler, cases),
            "library_ms": _median_ms(library, cases),
            "four_passes_ms": _median_ms(four_passes, cases),
            "goal_ms": GOAL_MS,
            "max_abs_diff": worst,
        }
    print(f"model {model.name}: {len(cases)} What-if updates, medians")
    print(f"request (ASGI app, fragment rendered): {figures['request_ms']:.2f} ms")
    print(f"handler (library call and template):   {figures['handler_ms']:.2f} ms")
    print(f"library (whatif, cached baseline):     {figures['library_ms']:.2f} ms")
    print(f"four passes (before the redesign):     {figures['four_passes_ms']:.2f} ms")
    verdict = "meets" if figures["handler_ms"] <= GOAL_MS else "misses"
    print(f"the handler {verdict} the goal of {GOAL_MS:.0f} ms per update; agreement {worst:.1e}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
