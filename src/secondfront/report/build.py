"""The content of a report: what a colleague needs to read a forecast and question it.

:func:`build_report` gathers, for one model and one set of evidence and
interventions: the key judgements in ICD 203 words, the outcome table (with
intervals when the uncertainty capability is installed), the indicators' likelihood
ratios for the headline outcome, the optional analyses (top drivers, watchlist,
timeline from the events store) as available or as an explicit empty state, the
network picture, every stated assumption and every source and claim. Rendering is separate
(:mod:`secondfront.report.render`), so pages and tests can use the data directly.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secondfront.analysis.ach import indicator_items, model_view
from secondfront.analysis.forecast import Forecast, forecast, outcomes_of
from secondfront.analysis.language import icd203
from secondfront.inference.query import Evidence, infer
from secondfront.model.network import Network
from secondfront.report import capabilities
from secondfront.report.graphics import bars_svg, network_svg, timeline_svg

# The report lists the weeks that moved the headline outcome most, not all of them:
# years of weekly rows would bury the few that matter.
TIMELINE_WEEKS_LISTED = 12


def headline_states(network: Network) -> dict[str, str]:
    """Variable -> the state whose probability pictures show: the outcome's, else the last."""
    heads = {v.name: v.states[-1] for v in network}
    heads.update({var: state for var, _, state in outcomes_of(network)})
    return heads


def indicator_names(network: Network) -> list[str]:
    """Names of the spec's indicators (observables); none for BIF/XMLBIF models."""
    spec = network.meta.get("spec")
    return [i.name for i in spec.indicators] if spec is not None else []


def declared_outcomes(network: Network) -> list[str]:
    """The outcome variables a spec declares (none for a model without a spec)."""
    spec = network.meta.get("spec")
    return spec.outcome_variables() if spec is not None else []


@dataclass(frozen=True)
class Judgement:
    """One key judgement: an outcome in ICD 203 words.

    Attributes:
        variable: outcome variable.
        label: the outcome in words.
        state: headlined state.
        probability: its probability.
        term: the ICD 203 term with its range, e.g. ``"very unlikely (5–20%)"``.
        claims: number of claims it rests on.
        assumptions: number of stated assumptions upstream.
        interval: (low, high) when uncertainty is available, else ``None``.
    """

    variable: str
    label: str
    state: str
    probability: float
    term: str
    claims: int
    assumptions: int
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class IndicatorRatio:
    """How observing an indicator bears on the headline outcome, from the model.

    Attributes:
        indicator: variable name.
        label: what is observed.
        state: the observed state.
        ratio: P(seen | outcome state) / P(seen | any other state, averaged).
        if_seen: P(outcome state | seen).
    """

    indicator: str
    label: str
    state: str
    ratio: float
    if_seen: float


@dataclass
class ReportData:
    """Everything a report shows.

    Attributes:
        model: model name.
        title: model title.
        horizon: forecast horizon.
        description: the model's own description (what it is and is not).
        generated: ISO timestamp (UTC).
        evidence: the evidence applied.
        do: the interventions applied.
        judgements: one per outcome.
        forecast: the full forecast.
        indicators: likelihood ratios for the first outcome.
        optional: capability name -> result or empty state (see ``capabilities.run``).
        assumptions: rows (variable, parameter, assumption, claims).
        sources: the spec's sources as dicts.
        claims: the spec's claims as dicts, with the variables citing each.
        network_svg: the graph picture.
        bars_svg: the outcome chart.
        timeline_svg: the weekly timeline chart, or ``""`` when the events store has
            no data for it (the section then says why).
        timeline_moves: the weeks that moved the headline outcome most (see
            :func:`timeline_moves`).
    """

    model: str
    title: str
    horizon: str
    description: str
    generated: str
    evidence: dict[str, object]
    do: dict[str, str]
    judgements: list[Judgement]
    forecast: Forecast
    indicators: list[IndicatorRatio]
    optional: dict[str, dict[str, Any]]
    assumptions: list[tuple[str, str, str, str]] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    network_svg: str = ""
    bars_svg: str = ""
    timeline_svg: str = ""
    timeline_moves: list[dict[str, Any]] = field(default_factory=list)


def assumption_rows(network: Network) -> list[tuple[str, str, str, str]]:
    """(variable, parameter path, assumption, claims) for every stated assumption."""
    spec = network.meta.get("spec")
    if spec is None:
        return []
    rows = []
    for entry in [*spec.variables, *spec.indicators]:
        for path, basis in entry.parameters():
            if basis.assumption is not None:
                where = ".".join(str(p) for p in path)
                rows.append((entry.name, where, basis.assumption, ", ".join(basis.claims)))
    return rows


def source_rows(network: Network) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The spec's sources and claims as plain dicts (claims with the variables citing them)."""
    spec = network.meta.get("spec")
    if spec is None:
        return [], []
    sources = [
        {
            "id": s.id,
            "author": s.author,
            "title": s.title,
            "date": str(s.date),
            "kind": s.kind,
            "grading": str(s.grading),
            "grading_words": s.grading.describe(),
            "url": s.url or "",
        }
        for s in spec.sources
    ]
    claims = [
        {
            "id": c.id,
            "source": c.source,
            "locator": str(c.locator),
            "grading": str(c.grading),
            "grading_words": c.grading.describe(),
            "says": c.says,
            "note": c.note or "",
            "variables": spec.citing(c.id),
        }
        for c in spec.claims
    ]
    return sources, claims


def indicator_ratios(network: Network, outcome: str, state: str) -> list[IndicatorRatio]:
    """Each indicator's likelihood ratio for ``outcome = state``, strongest first.

    ``ratio = P(seen | state) / mean_{s' != state} P(seen | s')``, and
    ``if_seen = P(state | seen)``, both exact from the network.
    """
    items = indicator_items(network, outcome)
    if not items:
        return []
    view = model_view(network, outcome, items)
    post = {
        item.id: infer(network, {item.variable: item.state})[outcome][state]
        for item in items
        if item.variable is not None and item.state is not None
    }
    out = []
    for item in items:
        lik = view.likelihoods[item.id]
        rivals = [v for h, v in lik.items() if h != state]
        rest = sum(rivals) / len(rivals) if rivals else 0.0
        ratio = lik[state] / rest if rest > 0 else float("inf")
        out.append(
            IndicatorRatio(item.variable or "", item.label, item.state or "", ratio, post[item.id])
        )
    out.sort(key=lambda r: -abs(_log(r.ratio)))
    return out


def _log(x: float) -> float:
    import math

    return math.log(x) if 0 < x < float("inf") else 50.0


def timeline_moves(data: Mapping[str, Any], n: int = TIMELINE_WEEKS_LISTED) -> list[dict[str, Any]]:
    """The ``n`` weeks whose events moved the first series most, in week order.

    A week qualifies when it has an observed indicator or an alert; its move is the
    change of the first series (the headline outcome) from the week before.

    Args:
        data: the timeline adapter's result with ``status == "ok"``.
        n: how many weeks to keep.

    Returns:
        the week dicts of ``data`` with ``change`` (float) and ``alerts`` (rule ids) added.
    """
    weeks = data.get("weeks") or []
    series = data.get("series") or []
    if not weeks or not series:
        return []
    head = series[0]["variable"]
    fired: dict[str, list[str]] = {}
    for a in data.get("alerts") or []:
        fired.setdefault(a["week"], []).append(a["rule"])
    rows = []
    for t, w in enumerate(weeks):
        if not (w["observed"] or w["week"] in fired):
            continue
        before = weeks[t - 1]["p"][head] if t else w["p"][head]
        rows.append({**w, "change": w["p"][head] - before, "alerts": fired.get(w["week"], [])})
    rows.sort(key=lambda r: (-bool(r["alerts"]), -abs(r["change"])))
    return sorted(rows[:n], key=lambda r: r["week"])


def build_report(
    network: Network,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    events_db: str | Path | None = None,
) -> ReportData:
    """Gather the content of a report on ``network`` under ``evidence`` and ``do``.

    Args:
        network: the model.
        evidence: observed states or likelihood vectors.
        do: interventions.
        events_db: the DuckDB events store for the timeline section; ``None`` means the
            evidence commands' default (``$SECONDFRONT_DB`` or ``./secondfront.duckdb``).
            The timeline comes from the events alone: evidence and interventions do not
            change it.
    """
    spec = network.meta.get("spec")
    fc = forecast(network, evidence, do)
    params: dict[str, Any] = {"evidence": dict(evidence or {}), "do": dict(do or {})}
    optional = {
        name: capabilities.run(
            name,
            network,
            {**params, "events_db": events_db} if name == "timeline" else params,
        )
        for name in ("uncertainty", "sensitivity", "watchlist", "timeline")
    }
    intervals: dict[str, Any] = {}
    unc = optional["uncertainty"]
    if unc["available"] and isinstance(unc["data"], dict):
        intervals = unc["data"].get("intervals", {})
    judgements = []
    for o in fc.outcomes:
        iv = intervals.get(o.variable)
        judgements.append(
            Judgement(
                variable=o.variable,
                label=o.label,
                state=o.state,
                probability=o.probability,
                term=str(icd203(o.probability)),
                claims=len(o.basis),
                assumptions=o.assumptions,
                interval=(float(iv[0]), float(iv[1])) if iv else None,
            )
        )
    ratios: list[IndicatorRatio] = []
    if fc.outcomes and indicator_names(network):
        first = fc.outcomes[0]
        ratios = indicator_ratios(network, first.variable, first.state)
    heads = headline_states(network)
    marginals = infer(network, evidence, do=do)
    probs = {v: marginals[v][heads[v]] for v in marginals}
    sources, claims = source_rows(network)
    line = optional["timeline"]
    has_timeline = bool(line["available"] and line["data"] and line["data"]["status"] == "ok")
    return ReportData(
        model=spec.model.name if spec is not None else network.name,
        title=spec.model.title if spec is not None else network.name,
        horizon=fc.horizon,
        description=spec.model.description if spec is not None else "",
        generated=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        evidence=fc.evidence,
        do=fc.do,
        judgements=judgements,
        forecast=fc,
        indicators=ratios,
        optional=optional,
        assumptions=assumption_rows(network),
        sources=sources,
        claims=claims,
        network_svg=network_svg(
            network, probs, heads, declared_outcomes(network), indicator_names(network)
        ),
        bars_svg=bars_svg(
            [(o.label, o.probability, icd203(o.probability).words) for o in fc.outcomes]
        ),
        timeline_svg=timeline_svg(line["data"]) if has_timeline else "",
        timeline_moves=timeline_moves(line["data"]) if has_timeline else [],
    )


__all__ = [
    "IndicatorRatio",
    "Judgement",
    "ReportData",
    "assumption_rows",
    "build_report",
    "declared_outcomes",
    "headline_states",
    "indicator_names",
    "indicator_ratios",
    "source_rows",
    "timeline_moves",
]
