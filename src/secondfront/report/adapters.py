"""Adapters that run the optional analyses for pages and reports.

Each takes ``(network, params)`` with ``params = {"evidence": ..., "do": ...}`` and
returns plain JSON-able data. They import their analysis module when called, so the
workbench starts and works when that module is absent (the capability then shows its
empty state, see :mod:`secondfront.report.capabilities`).

The headline target of sensitivity and the watchlist is the model's first outcome
in its headlined state (for the flagship: ``belarus_entry=entered``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secondfront.analysis.forecast import outcomes_of
from secondfront.spec.network import Network

# Interactive use: 2,000 parameter sets keep a what-if update well under a second on
# the flagship; the command line's default (10,000) is for the record.
UNCERTAINTY_SAMPLES = 2000
TOP_ROWS = 10


def _first_target(network: Network) -> tuple[str, str]:
    var, _, state = outcomes_of(network)[0]
    return var, state


def uncertainty(network: Network, params: Mapping[str, Any]) -> dict[str, Any]:
    """90% intervals of every outcome from sampled parameter sets (seed 0)."""
    from secondfront.analysis.uncertainty import forecast_uncertainty

    result = forecast_uncertainty(
        network,
        n_samples=UNCERTAINTY_SAMPLES,
        seed=0,
        evidence=params.get("evidence") or None,
        do=params.get("do") or None,
    )
    return {
        "samples": result.n_samples,
        "seed": result.seed,
        "confidence": result.confidence,
        "intervals": {o.variable: [o.interval[0], o.interval[1]] for o in result.outcomes},
        "outcomes": result.as_json(),
        "uncertain_parameters": len(result.uncertain),
        "exact_parameters": len(result.exact),
    }


def sensitivity(network: Network, params: Mapping[str, Any]) -> dict[str, Any]:
    """One-at-a-time swings of the headline outcome, largest first (top rows)."""
    from secondfront.analysis.sensitivity import Target, one_at_a_time

    var, state = _first_target(network)
    result = one_at_a_time(
        network, Target(var, state), params.get("evidence") or None, params.get("do") or None
    )
    return {
        "target": f"{var}={state}",
        "baseline": result.baseline,
        "rows": [
            {
                "parameter": s.parameter,
                "variable": s.variable,
                "p_low": s.p_low,
                "p_high": s.p_high,
                "swing": s.swing,
            }
            for s in result.swings[:TOP_ROWS]
        ],
    }


def watchlist(network: Network, params: Mapping[str, Any]) -> dict[str, Any]:
    """Indicators ranked by mutual information with the headline outcome (top rows)."""
    from secondfront.analysis.sensitivity import Target
    from secondfront.analysis.watchlist import watchlist as run_watchlist

    var, state = _first_target(network)
    result = run_watchlist(
        network,
        Target(var, state),
        params.get("evidence") or None,
        params.get("do") or None,
        top_pairs=0,
    )
    return {
        "target": f"{var}={state}",
        "baseline": result.baseline,
        "rows": [
            {
                "indicator": " + ".join(w.indicators),
                "mutual_information": w.mutual_information,
                "expected_change": w.expected_change,
                "if_seen": w.if_seen(),
                "if_not_seen": w.if_not_seen(),
            }
            for w in result.singles[:TOP_ROWS]
        ],
    }


__all__ = ["UNCERTAINTY_SAMPLES", "sensitivity", "uncertainty", "watchlist"]
