"""Adapters that run the optional analyses for pages and reports.

Each takes ``(network, params)`` with ``params = {"evidence": ..., "do": ...}`` and
returns plain JSON-able data. They import their analysis module when called, so the
workbench starts and works when that module is absent (the capability then shows its
empty state, see :mod:`secondfront.report.capabilities`).

The headline target of sensitivity and the watchlist is the model's first outcome
in its headlined state (for the flagship: ``belarus_entry=entered``).

The timeline adapter reads the evidence store named in ``params["events_db"]`` (the
workbench's ``--events-db``; else ``$SECONDFRONT_DB`` or ``./secondfront.duckdb``) and
the time model and mapping rules beside the model's file (``NAME.timeline.yaml``,
``NAME.mapping.yaml``). A missing store, an empty one or a model without a time model
is not an error: the result says so in ``status`` and ``reason``, which pages and
reports show as the section's empty state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from secondfront.analysis.forecast import outcomes_of
from secondfront.errors import QueryError
from secondfront.model.network import Network

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


# -- timeline ---------------------------------------------------------------------------

# About ten years of weeks: a year of weeks costs ~0.1 s of inference, so this bounds
# one request to about a second and the page's data to a few hundred kilobytes.
TIMELINE_MAX_WEEKS = 522
# GDELT can put thousands of rows in one week; the page lists the strongest few.
EVENTS_PER_WEEK = 25
# Dates outside this span are typing mistakes, not history (and ISO week arithmetic
# near year 1 or 9999 overflows).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
INGEST_HINT = "secondfront ingest data/belarus-events.csv --db {store}"


def timeline_files(network: Network) -> tuple[Path, Path] | None:
    """The time model and mapping rules beside ``network``'s file, or None when absent."""
    where = network.meta.get("path")
    if not where:
        return None
    model_file = Path(str(where))
    stem = model_file.name.split(".")[0]
    timeline_file = model_file.with_name(f"{stem}.timeline.yaml")
    rules_file = model_file.with_name(f"{stem}.mapping.yaml")
    if not (timeline_file.is_file() and rules_file.is_file()):
        return None
    return timeline_file, rules_file


def check_range(start: dt.date | None, end: dt.date | None) -> None:
    """Refuse a reversed, out-of-bounds or too long date range (QueryError, a 422).

    Args:
        start: first day asked for, or None.
        end: last day asked for, or None.
    """
    for name, day in (("from", start), ("to", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise QueryError(f"{name} {day} is outside {EARLIEST} .. {LATEST}")
    if start is not None and end is not None:
        if start > end:
            raise QueryError(f"from {start} is after to {end}")
        weeks = (end - start).days // 7 + 1
        if weeks > TIMELINE_MAX_WEEKS:
            raise QueryError(
                f"from {start} to {end} spans {weeks} weeks; at most {TIMELINE_MAX_WEEKS} "
                "weeks at a time"
            )


def _empty(status: str, reason: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": status,
        "reason": reason,
        "store": extra.pop("store", None),
        "events": extra.pop("events", 0),
        "span": None,
        "from": None,
        "to": None,
        "clipped": False,
        "smooth": False,
        "series": [],
        "hidden_states": [],
        "indicator_labels": {},
        "weeks": [],
        "alerts": [],
        **extra,
    }


def timeline(network: Network, params: Mapping[str, Any]) -> dict[str, Any]:
    """Weekly outcome probabilities from the events store, with alerts and their evidence.

    Args:
        network: the model; its time model and mapping rules sit beside its file.
        params: ``events_db`` (path of the DuckDB store; default as the evidence CLI),
            ``from`` / ``to`` (``datetime.date`` or None: the stored events' span, cut
            to the last ``TIMELINE_MAX_WEEKS`` weeks), ``smooth`` (bool).

    Returns:
        ``{"status": "ok" | "no_store" | "no_events" | "no_timeline" | "unavailable",
        "reason", "store", "events", "span", "from", "to", "clipped", "smooth",
        "series": [{"variable", "label", "state"}], "hidden_states": [{"name", "label"}],
        "weeks": [{"week", "start", "p": {var: P(headline state)}, "states",
        "indicators": {name: status}, "observed", "events": [...], "more_events"}],
        "alerts": [{"week", "rule", "variable", "state", "p", "message", "indicators"}]}``.
        Only the ``ok`` status carries weeks; the others say why in ``reason``.

    Raises:
        QueryError: a reversed, out-of-bounds or too long date range.
    """
    from secondfront.errors import StoreError
    from secondfront.evidence import load_timeline, run_timeline, store
    from secondfront.evidence.mapping import (
        data_span,
        evidence_rows,
        load_rules,
        week_events,
        week_start,
        weekly_statuses,
    )

    start: dt.date | None = params.get("from")
    end: dt.date | None = params.get("to")
    smooth = bool(params.get("smooth"))
    check_range(start, end)
    db = Path(params.get("events_db") or store.default_db_path())
    # Only the file's name leaves the server: where it keeps its files is its business.
    name = db.name
    files = timeline_files(network)
    if files is None:
        return _empty(
            "no_timeline",
            f"model {network.name} has no time model and mapping rules beside it "
            f"({network.name}.timeline.yaml, {network.name}.mapping.yaml)",
            store=name,
        )
    hint = INGEST_HINT.format(store=name)
    if not db.is_file():
        # Opening would create an empty store; a page view must not leave files behind.
        return _empty(
            "no_store",
            f"no events store {name} yet: ingest events with `secondfront ingest FILE... "
            f"--db {name}` (the shipped history: `{hint}`)",
            store=name,
        )
    timeline_file, rules_file = files
    rules = load_rules(rules_file, network)
    model = load_timeline(timeline_file, network)
    try:
        con = store.connect(db)
    except StoreError as e:
        return _empty(
            "unavailable",
            f"the events store {name} cannot be opened now ({str(e).replace(str(db), name)})",
            store=name,
        )
    # The connection is closed before returning so that `secondfront ingest` can write
    # the store while the workbench runs (DuckDB allows one writing process per file).
    try:
        span = data_span(con)
        if span is None:
            return _empty(
                "no_events",
                f"the events store {name} holds no events: ingest events with "
                f"`secondfront ingest FILE... --db {name}` (the shipped history: `{hint}`)",
                store=name,
            )
        clipped = False
        if start is None and end is None:
            start, end = span
            if (end - start).days // 7 + 1 > TIMELINE_MAX_WEEKS:
                start, clipped = end - dt.timedelta(weeks=TIMELINE_MAX_WEEKS - 1), True
        start = start or span[0]
        end = end or span[1]
        check_range(start, end)
        statuses = weekly_statuses(con, rules, start, end)
        counted = con.execute(
            "SELECT (SELECT count(*) FROM acled_events) + (SELECT count(*) FROM gdelt_events) "
            "+ (SELECT count(*) FROM text_items)"
        ).fetchone()
        n_events = int(counted[0]) if counted else 0
        weeks, evidence = evidence_rows(statuses)
        first = week_start(weeks[0]) if weeks else start
        last = week_start(weeks[-1]) + dt.timedelta(days=6) if weeks else end
        events, totals = week_events(con, first, last, EVENTS_PER_WEEK)
    finally:
        con.close()
    result = run_timeline(model, weeks, evidence, smooth=smooth)
    series = [(v, label, s) for v, label, s in outcomes_of(network) if v in result.outcomes]
    column = {v: network.variables[v].index(s) for v, _, s in series}
    by_week: dict[str, dict[str, str]] = {}
    for st in statuses:
        if st.status != "unknown":
            by_week.setdefault(st.week, {})[st.indicator] = st.status
    out_weeks = []
    for t, w in enumerate(result.weeks):
        listed = events.get(w, [])
        statuses_w = by_week.get(w, {})
        out_weeks.append(
            {
                "week": w,
                "start": week_start(w).isoformat(),
                # Six decimals are far below what a chart or a reader resolves, and they
                # keep a ten-year page to a fraction of the size of full floats.
                "p": {v: round(float(result.outcomes[v][t, column[v]]), 6) for v, _, _ in series},
                "states": {
                    s: round(float(x), 6)
                    for s, x in zip(result.states, result.beliefs[t], strict=True)
                },
                "indicators": statuses_w,
                "observed": [i for i, s in statuses_w.items() if s == "observed"],
                "events": listed,
                "more_events": totals.get(w, 0) - len(listed),
            }
        )
    index = {w: t for t, w in enumerate(result.weeks)}
    rule_of = {a.id: a for a in model.spec.alerts}
    alerts = []
    for a in result.alerts:
        rule = rule_of[a.rule]
        p = None
        if rule.variable in result.outcomes:
            k = network.variables[rule.variable].index(rule.state)
            p = float(result.outcomes[rule.variable][index[a.week], k])
        alerts.append(
            {
                "week": a.week,
                "start": week_start(a.week).isoformat(),
                "rule": a.rule,
                "variable": rule.variable,
                "state": rule.state,
                "p": p,
                "message": a.message,
                "indicators": list(a.indicators),
            }
        )
    return {
        "status": "ok",
        "reason": None,
        "store": name,
        "events": n_events,
        "span": [span[0].isoformat(), span[1].isoformat()],
        "from": first.isoformat(),
        "to": last.isoformat(),
        "clipped": clipped,
        "smooth": smooth,
        "series": [{"variable": v, "label": label, "state": s} for v, label, s in series],
        "hidden_states": [{"name": s.name, "label": s.label} for s in model.spec.states],
        "indicator_labels": {i: network.variables[i].label or i for i in rules.indicators},
        "weeks": out_weeks,
        "alerts": alerts,
    }


__all__ = [
    "TIMELINE_MAX_WEEKS",
    "UNCERTAINTY_SAMPLES",
    "check_range",
    "sensitivity",
    "timeline",
    "timeline_files",
    "uncertainty",
    "watchlist",
]
