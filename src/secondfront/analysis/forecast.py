"""The forecast: outcome probabilities with the claims and assumptions they rest on.

An outcome's probability depends on every table upstream of it, so "the claims it
rests on" are the claims cited by the parameters of the outcome variable *and of its
ancestors*; ``direct`` marks those cited by the outcome's own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from secondfront.analysis.language import describe
from secondfront.inference.query import Evidence, infer
from secondfront.model.network import Network


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
    """One outcome: its distribution, the headlined state, and its basis."""

    variable: str
    label: str
    state: str
    distribution: dict[str, float]
    basis: list[Basis] = field(default_factory=list)
    assumptions: int = 0

    @property
    def probability(self) -> float:
        """Probability of the headlined state."""
        return self.distribution[self.state]

    @property
    def words(self) -> str:
        """ICD 203 wording with the number beside it."""
        return describe(self.probability)


@dataclass(frozen=True)
class Forecast:
    """A forecast of a model's outcomes under some evidence and interventions."""

    model: str
    horizon: str
    outcomes: list[OutcomeForecast]
    evidence: dict[str, object]
    do: dict[str, str]

    def as_json(self) -> dict[str, object]:
        """``{"model": str, "outcomes": {var: {state: p}}}`` plus context keys."""
        return {
            "model": self.model,
            "horizon": self.horizon,
            "evidence": self.evidence,
            "do": self.do,
            "outcomes": {o.variable: o.distribution for o in self.outcomes},
        }


def ancestors(network: Network, name: str) -> list[str]:
    """All ancestors of ``name``, nearest first (breadth-first)."""
    seen: list[str] = []
    frontier = list(network.variables[name].parents)
    while frontier:
        nxt: list[str] = []
        for p in frontier:
            if p not in seen:
                seen.append(p)
                nxt.extend(network.variables[p].parents)
        frontier = nxt
    return seen


def _default_state(states: tuple[str, ...]) -> str:
    """Headline the last state: by the spec convention ranked states run lowest first."""
    return states[-1]


def outcome_basis(network: Network, name: str) -> tuple[list[Basis], int]:
    """Claims behind ``name`` and its ancestors, and the number of assumptions among them."""
    spec = network.meta.get("spec")
    if spec is None:
        return [], 0
    claims = spec.claims_by_id
    basis: list[Basis] = []
    seen: set[str] = set()
    n_assumptions = 0
    for var in [name, *ancestors(network, name)]:
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


def outcomes_of(network: Network) -> list[tuple[str, str, str]]:
    """(variable, label, headlined state) for each outcome the model declares.

    A network without a spec (BIF, XMLBIF) declares none; then every variable is one.
    """
    spec = network.meta.get("spec")
    if spec is not None and spec.outcomes:
        return [
            (o.variable, o.label, o.state or _default_state(network.variables[o.variable].states))
            for o in spec.outcomes
        ]
    return [(v.name, v.label or v.name, _default_state(v.states)) for v in network]


def forecast(
    network: Network,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
) -> Forecast:
    """Forecast the model's outcomes.

    Args:
        network: the model.
        evidence: variable -> state (hard) or likelihood vector (soft).
        do: variable -> state, interventions.
    """
    marginals = infer(network, evidence, do=do)
    spec = network.meta.get("spec")
    outcomes = []
    for var, label, state in outcomes_of(network):
        basis, n_assumptions = outcome_basis(network, var)
        outcomes.append(
            OutcomeForecast(
                variable=var,
                label=label,
                state=state,
                distribution=marginals[var],
                basis=basis,
                assumptions=n_assumptions,
            )
        )
    return Forecast(
        model=network.name,
        horizon=spec.model.horizon if spec is not None else "",
        outcomes=outcomes,
        evidence={k: v if isinstance(v, str) else list(v) for k, v in (evidence or {}).items()},
        do=dict(do or {}),
    )
