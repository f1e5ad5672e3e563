"""The forecast: outcome probabilities with the claims and assumptions they rest on.

An outcome's probability depends on every table upstream of it, so "the claims it
rests on" are the claims cited by the parameters of the outcome variable *and of its
ancestors*; ``direct`` marks those cited by the outcome's own table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from secondfront.analysis.language import describe, icd203
from secondfront.inference.query import Evidence, Query, intervene, posterior_batch
from secondfront.model.model import Model, ModelLike, as_model, network_of
from secondfront.tabular import Rows, Tabular

if TYPE_CHECKING:
    from secondfront.analysis.uncertainty import UncertaintyResult


@dataclass(frozen=True)
class Basis:
    """A claim an outcome rests on.

    Attributes:
        claim: claim id.
        locator: where in the source (``P3.S2``).
        source: source id.
        grading: Admiralty grading of the claim (``C3``).
        says: the project's paraphrase.
        variable: the variable whose parameter cites it.
        direct: True when cited by the outcome's own table.
    """

    claim: str
    locator: str
    source: str
    grading: str
    says: str
    variable: str
    direct: bool


@dataclass(frozen=True)
class OutcomeForecast:
    """One outcome: its distribution, the headlined state, its basis and wording.

    Attributes:
        variable: the outcome variable.
        label: the outcome in words.
        state: the headline state (:meth:`Model.headline`).
        distribution: state -> probability.
        basis: the claims it rests on (see the module docstring).
        assumptions: stated assumptions upstream.
        interval: central interval of P(state) over sampled parameters, when asked for.
    """

    variable: str
    label: str
    state: str
    distribution: dict[str, float]
    basis: list[Basis] = field(default_factory=list)
    assumptions: int = 0
    interval: tuple[float, float] | None = None

    @property
    def probability(self) -> float:
        """Probability of the headlined state."""
        return self.distribution[self.state]

    @property
    def words(self) -> str:
        """ICD 203 wording with the number beside it."""
        return describe(self.probability)

    @property
    def term(self) -> str:
        """The ICD 203 term with its range, e.g. ``"very unlikely (5–20%)"``."""
        return str(icd203(self.probability))


@dataclass(frozen=True)
class Forecast(Tabular):
    """A forecast of a model's outcomes under some evidence and interventions.

    Attributes:
        model: the model's name.
        horizon: its horizon in words.
        outcomes: one per outcome, in the model's order.
        evidence: the evidence applied (soft evidence as lists).
        do: the interventions applied.
        headlines: every variable -> probability of its headline state (what the
            network picture shades).
        uncertainty: the parameter sampling behind the intervals, when asked for.
    """

    model: str
    horizon: str
    outcomes: list[OutcomeForecast]
    evidence: dict[str, object]
    do: dict[str, str]
    headlines: dict[str, float] = field(default_factory=dict)
    uncertainty: UncertaintyResult | None = None

    def as_json(self) -> dict[str, object]:
        """``{"model": str, "outcomes": {var: {state: p}}}`` plus context keys."""
        data: dict[str, object] = {
            "model": self.model,
            "horizon": self.horizon,
            "evidence": self.evidence,
            "do": self.do,
            "outcomes": {o.variable: o.distribution for o in self.outcomes},
        }
        if self.uncertainty is not None:
            data["uncertainty"] = self.uncertainty.as_json()
            data["samples"] = self.uncertainty.n_samples
            data["seed"] = self.uncertainty.seed
        return data

    def table(self) -> Rows:
        """One row per outcome: headline state, probability, ICD 203 words, interval."""
        return Rows(
            f"{self.model}: forecast" + (f" ({self.horizon})" if self.horizon else ""),
            ("variable", "label", "state", "probability", "in_words", "low_90", "high_90"),
            [
                (
                    o.variable,
                    o.label,
                    o.state,
                    o.probability,
                    o.term,
                    o.interval[0] if o.interval else None,
                    o.interval[1] if o.interval else None,
                )
                for o in self.outcomes
            ],
        )


@dataclass(frozen=True)
class WhatIf:
    """A scenario beside the baseline, as the What-if page shows them.

    Attributes:
        scenario: the forecast under the evidence and interventions.
        baseline: the forecast with neither.
    """

    scenario: Forecast
    baseline: Forecast


def ancestors(network: ModelLike, name: str) -> list[str]:
    """All ancestors of ``name``, nearest first (breadth-first)."""
    net = network_of(network)
    seen: list[str] = []
    frontier = list(net.variables[name].parents)
    while frontier:
        nxt: list[str] = []
        for p in frontier:
            if p not in seen:
                seen.append(p)
                nxt.extend(net.variables[p].parents)
        frontier = nxt
    return seen


def outcome_basis(model: ModelLike, name: str) -> tuple[list[Basis], int]:
    """Claims behind ``name`` and its ancestors, and the number of assumptions among them."""
    spec = as_model(model).spec
    if spec is None:
        return [], 0
    claims = spec.claims_by_id
    basis: list[Basis] = []
    seen: set[str] = set()
    n_assumptions = 0
    for var in [name, *ancestors(model, name)]:
        n_assumptions += len(spec.assumptions_for_variable(var))
        for claim in spec.claims_for_variable(var):
            if claim.id in seen:
                continue
            seen.add(claim.id)
            c = claims[claim.id]
            basis.append(
                Basis(
                    claim=c.id,
                    locator=str(c.locator),
                    source=c.source,
                    grading=str(c.grading),
                    says=c.says,
                    variable=var,
                    direct=var == name,
                )
            )
    return basis, n_assumptions


def _assemble(
    model: Model,
    marginals: Mapping[str, np.ndarray],
    row: int,
    evidence: Evidence | None,
    do: Mapping[str, str] | None,
    spread: UncertaintyResult | None = None,
    like: Forecast | None = None,
) -> Forecast:
    """The typed forecast from one row of batched marginals.

    The basis of each outcome depends on the model alone: ``like`` (another forecast of
    the same model, e.g. its baseline) lends its own instead of walking the claims again.
    """
    intervals = {u.variable: u.interval for u in spread.outcomes} if spread is not None else {}
    lent = {o.variable: (o.basis, o.assumptions) for o in like.outcomes} if like else {}
    outcomes = []
    for o in model.outcomes():
        basis, n_assumptions = lent.get(o.variable) or outcome_basis(model, o.variable)
        states = model.network.variables[o.variable].states
        outcomes.append(
            OutcomeForecast(
                variable=o.variable,
                label=o.label,
                state=o.state,
                distribution={
                    s: float(x) for s, x in zip(states, marginals[o.variable][row], strict=True)
                },
                basis=basis,
                assumptions=n_assumptions,
                interval=intervals.get(o.variable),
            )
        )
    net = model.network
    return Forecast(
        model=model.name,
        horizon=model.horizon,
        outcomes=outcomes,
        evidence={k: v if isinstance(v, str) else list(v) for k, v in (evidence or {}).items()},
        do=dict(do or {}),
        headlines={
            v: float(marginals[v][row][net.variables[v].index(state)])
            for v, state in model.headlines().items()
        },
        uncertainty=spread,
    )


def forecast(
    model: ModelLike,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    samples: int = 0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    query: Query | None = None,
) -> Forecast:
    """Forecast the model's outcomes.

    Args:
        model: the model (a bare network forecasts every variable).
        evidence: variable -> state (hard) or likelihood vector (soft).
        do: variable -> state, interventions.
        samples: when positive, also sample that many parameter sets (seeded by
            ``seed``) for each outcome's 90% interval; only a scenario spec states
            priors, so a bare network is a UsageError then.
        seed: seed of the parameter sampler.
        progress: told ``(done, total)`` parameter sets while sampling (for a bar).
        query: the model compiled for evidence on any variable, kept by a caller that
            answers many requests (:func:`~secondfront.inference.query.compile_query`);
            None compiles one for this call.
    """
    m = as_model(model)
    post = posterior_batch(query or m, [evidence or {}], do=do)
    spread = None
    if samples > 0:
        from secondfront.analysis.uncertainty import forecast_uncertainty

        spread = forecast_uncertainty(m, samples, seed, evidence, do, progress=progress)
    return _assemble(m, post.marginals, 0, evidence, do, spread)


def whatif(
    model: ModelLike,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    baseline: Forecast | None = None,
    query: Query | None = None,
    samples: int = 0,
) -> WhatIf:
    """A scenario and the baseline, from one batched engine call.

    With ``baseline`` given (a caller that keeps the model's baseline), the call has one
    row, the scenario's. Otherwise it has two: the baseline (no evidence, the model's
    own tables) and the scenario (its evidence; each intervention enters as a second
    parameter set of the intervened table, the first set being the table itself), so
    both come out of one calibration of the junction tree.

    Args:
        model: the model.
        evidence: the scenario's evidence.
        do: the scenario's interventions.
        baseline: the model's baseline forecast, when the caller has it already.
        query: the model compiled for evidence on any variable (as for :func:`forecast`).
        samples: with a scenario spec, the scenario's 90% intervals from this many
            parameter sets (:func:`forecast`); the scenario is then that one forecast,
            not a point forecast computed beside it.
    """
    m = as_model(model)
    if samples and m.spec is not None:
        scenario = forecast(m, evidence, do, samples=samples, query=query)
        return WhatIf(scenario, baseline or forecast(m, query=query))
    if baseline is not None:
        post = posterior_batch(query or m, [evidence or {}], do=do)
        return WhatIf(_assemble(m, post.marginals, 0, evidence, do, like=baseline), baseline)
    cpts = {
        name: np.stack([m.network.cpts[name], table])
        for name, table in intervene(m.network, do or {}).cpts.items()
        if name in (do or {})
    }
    post = posterior_batch(query or m, [{}, evidence or {}], cpts=cpts or None)
    base = _assemble(m, post.marginals, 0, None, None)
    return WhatIf(scenario=_assemble(m, post.marginals, 1, evidence, do, like=base), baseline=base)
