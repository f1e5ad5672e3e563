"""The dated forecast on generated questions: scores against every baseline, by horizon.

    python benchmarks/bench_forecast.py            # every 4th week from 2021, h = 4, 8, 13, 26
    python benchmarks/bench_forecast.py --small    # two horizons, every 26th week (CI smoke)

Out of sample: each question is forecast from the store read up to its day, with
coefficients learned from windows closed by that day. Prints mean Brier and log scores
of the model and each baseline, the difference to the best baseline with its
moving-block bootstrap 90% interval, and how many independent windows each row rests on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from secondfront.evidence.mapping import load_rules
from secondfront.forecasting.backtest import history_store
from secondfront.forecasting.generated import BASELINES, score_generated
from secondfront.timeline.chain import load_timeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a few questions only")
    args = parser.parse_args(argv)
    horizons = (8, 13) if args.small else (4, 8, 13, 26)
    step = 26 if args.small else 4
    t0 = time.perf_counter()
    card = score_generated(
        load_timeline(),
        history_store(),
        load_rules(),
        horizons,
        dt.date(2021, 1, 4),
        step,
    )
    wall = time.perf_counter() - t0
    names = ["model", *BASELINES]
    print(f"generated questions, every {step} weeks from {card.start} to {card.end}")
    print("h   n    indep  " + "  ".join(f"{n:>11}" for n in names) + "  best-baseline diff [90%]")
    for h in card.horizons:
        cells = "  ".join(f"{h.brier[n]:.3f}/{h.log[n]:.2f}" for n in names)
        print(
            f"{h.horizon:<3} {h.n:<4} {h.independent:<6} {cells}  {h.best}: "
            f"{h.diff:+.3f} [{h.low:+.3f}, {h.high:+.3f}]"
        )
    print("(cells: mean Brier / mean log score; lower is better)")
    for h in card.horizons:
        worst = sorted(h.by_outcome.items(), key=lambda kv: kv[1][1] - kv[1][0])[:2]
        print(
            f"h={h.horizon}: outcomes where the model trails its best baseline most: "
            + "; ".join(f"{t} {m:.3f} vs {b:.3f}" for t, (m, b) in worst)
        )
    print(f"wall {wall:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
