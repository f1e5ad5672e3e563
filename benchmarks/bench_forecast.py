"""The dated forecast on generated questions: scores against every baseline, by horizon.

    python benchmarks/bench_forecast.py            # every 4th week from 2021, h = 4, 8, 13, 26
    python benchmarks/bench_forecast.py --small    # two horizons, every 26th week (CI smoke)
    python benchmarks/bench_forecast.py --network-hazard within_state   # the other reading
    python benchmarks/bench_forecast.py --refit    # the chain refitted up to each day

Out of sample: each question is forecast from the store read up to its day, with
coefficients learned from windows closed by that day; with ``--refit`` the escalation
chain's numbers are fitted up to that day too, instead of the analyst's. Prints mean
Brier and log scores of the model and each baseline, the difference to the best baseline
with its moving-block bootstrap 90% interval, and how many independent windows each row
rests on.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import time

import numpy as np

from secondfront.evidence.mapping import load_rules
from secondfront.forecasting.backtest import history_store
from secondfront.forecasting.generated import BASELINES, score_generated
from secondfront.forecasting.outlook import forecast_at, history_as_of
from secondfront.forecasting.parameters import parameters_as_of
from secondfront.forecasting.warning import WarningCard, early_warning
from secondfront.timeline.chain import TimelineModel, load_timeline


def time_model(hazard: str | None) -> TimelineModel:
    """The flagship time model, with ``outlook.network_hazard`` replaced when given."""
    tm = load_timeline()
    if hazard is None:
        return tm
    outlook = tm.spec.outlook.model_copy(update={"network_hazard": hazard})
    return dataclasses.replace(tm, spec=tm.spec.model_copy(update={"outlook": outlook}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a few questions only")
    parser.add_argument(
        "--network-hazard",
        choices=["within_state", "spread"],
        help="replace the time model's outlook.network_hazard (how the network's 12-month "
        "numbers become h-week ones)",
    )
    parser.add_argument(
        "--refit",
        action="store_true",
        help="refit the escalation chain up to each question's day (out of sample "
        "throughout) instead of the analyst's numbers",
    )
    args = parser.parse_args(argv)
    tm = time_model(args.network_hazard)
    print(
        f"outlook.network_hazard: {tm.spec.outlook.network_hazard}; the chain's numbers: "
        + ("refitted up to each question's day" if args.refit else "the analyst's")
    )
    horizons = (8, 13) if args.small else (4, 8, 13, 26)
    step = 26 if args.small else 4
    t0 = time.perf_counter()
    card = score_generated(
        tm,
        history_store(),
        load_rules(),
        horizons,
        dt.date(2021, 1, 4),
        step,
        refit=args.refit,
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
        loo = "; ".join(
            f"{t.split('=')[0]} {h.by_outcome[t][0]:.3f}->{v:.3f}"
            for t, v in h.leave_one_out.items()
        )
        print(f"h={h.horizon} leave one outcome out (Brier pooled -> without its own rows): {loo}")
    for h in card.horizons:
        r = h.reliability
        bins = ", ".join(f"{b.forecast:.2f}->{b.observed:.2f} (n={b.n})" for b in r.bins)
        print(
            f"h={h.horizon}: reliability {r.reliability:.4f}, resolution {r.resolution:.4f}, "
            f"uncertainty {r.uncertainty:.4f}; diagram (mean forecast -> observed): {bins}"
        )
    for h in card.horizons:
        a, b = h.slope_in_sample
        print(
            f"h={h.horizon}: one recalibration slope, fitted knowing the outcomes (in sample):"
            f" a = {a:.2f}, Brier {h.brier['model']:.4f} -> {b:.4f}; coefficients fitted on"
            f" every window (in sample): {h.in_sample:.4f}"
        )
    for h in card.horizons:
        worst = sorted(h.by_outcome.items(), key=lambda kv: kv[1][1] - kv[1][0])[:2]
        print(
            f"h={h.horizon}: outcomes where the model trails its best baseline most: "
            + "; ".join(f"{t} {m:.3f} vs {b:.3f}" for t, (m, b) in worst)
        )
    t1 = time.perf_counter()
    card_w = early_warning(tm, history_store(), load_rules(), 8, refit=args.refit)
    print("\nearly warning: P(within 8 weeks) >= a threshold chosen by rolling origin")
    print(
        f"{'outcome':40s} onsets  warned  mean lead (weeks)  false alarms/yr"
        "  of them raised while quiet/yr"
    )
    for o in card_w.outcomes:
        warned = [x for x in o.lead_weeks if x]
        lead = f"{np.mean(warned):.1f}" if warned else "-"
        print(
            f"{o.target:40s} {len(o.onsets):6d}  {len(warned):6d}  {lead:>17}  {o.per_year:15.2f}"
            f"  {o.quiet_per_year:29.2f}"
        )
    print(f"(wall {time.perf_counter() - t1:.1f} s)")
    goals(card_w, tm)
    print(f"wall {wall:.1f} s")
    return 0


def goals(card: WarningCard, tm: TimelineModel) -> None:
    """The issue's goals that the warning record can check, each with its figure."""
    ops, entry = "russian_operations_from_belarus=present", "belarus_entry=entered"
    jan27 = dt.date(2022, 1, 23)  # the last Sunday on or before 27 January 2022
    i = card.days.index(jan27)
    p_ops = card.p[ops][i]
    # The day itself, its week under way read for what it had reported by then; with the
    # analyst's chain, and with the chain refitted on the store up to that day (the
    # forecast with no number written or fitted knowing the outcome but the network's).
    day = dt.date(2022, 1, 27)
    con, rules = history_store(), load_rules()
    p_day = forecast_at(tm, con, rules, ops, day, card.horizon).p
    refitted = parameters_as_of(tm, con, rules, day, True).model
    p_refit = forecast_at(refitted, con, rules, ops, day, card.horizon).p
    print(
        f"\nP(Russian operations from Belarus within 8 weeks) as of {jan27} (Sunday):"
        f" {p_ops:.3f}; as of {day}: {p_day:.3f} with the analyst's chain"
        f" (goal >= 0.5: {'met' if p_day >= 0.5 else 'NOT met'}), {p_refit:.3f} with the"
        f" chain refitted up to that day (goal: {'met' if p_refit >= 0.5 else 'NOT met'})"
    )
    rec = next(o for o in card.outcomes if o.target == ops)
    fa = rec.per_year
    print(
        f"false alarms per year, Russian operations: {fa:.2f} (goal <= 0.5:"
        f" {'met' if fa <= 0.5 else 'NOT met'}); of them raised while the outcome had not"
        f" been reported in the {card.horizon} weeks before: {rec.quiet_per_year:.2f} a year"
    )
    history = history_as_of(tm, history_store(), load_rules(), card.days[-1])
    recent, high = 0, 0
    below: list[str] = []
    for target, ps in card.p.items():
        series = history.series[target]
        for day, p in zip(card.days, ps, strict=True):
            o = day.toordinal()
            # The goal excepts windows where coverage is declared unknown.
            inside = series.inside(np.array([o]), np.array([o + 7 * card.horizon]))[0]
            if inside and series.count(np.array([o - 28]), np.array([o]))[0] > 0:
                recent += 1
                high += p >= 0.5
                if p < 0.5:
                    below.append(f"{target.split('=')[0]} {day} {p:.2f}")
    print(
        f"Sundays with the outcome reported in the previous 4 weeks (window inside the declared"
        f" coverage): {recent}; P(within 8"
        f" weeks) >= 0.5 on {high} ({high / max(recent, 1):.0%}; goal: all)"
    )
    if below:
        print("  below 0.5: " + "; ".join(below))
    entry_alerts = next(o for o in card.outcomes if o.target == entry).alert_weeks
    bad = [d for d in entry_alerts if (d.year, d.month) in ((2022, 10), (2025, 9))]
    print(
        f"entry alerts in October 2022 or September 2025: {len(bad)} (goal 0:"
        f" {'met' if not bad else 'NOT met'})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
