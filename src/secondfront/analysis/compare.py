"""Two arguments about the same question, compared: where they differ and what decides.

Two scenario models answer the same question when they share outcome variables (same
name and states; the spec convention is to reuse a name only where the meaning is the
same). ``compare`` reports:

* per shared outcome, both forecasts;
* the shared variables whose marginals differ most (total variation distance); for
  variables with the same parents in both, the tables (largest row distance) and the
  parameters (same path, table rows excepted) that differ most; and the links
  (parent -> child) that only one model draws;
* the shared indicators that would best discriminate between the two arguments.

For an indicator I seen with probability a = P_A(I present) under model A and
b = P_B(I present) under B, the Bayes factor for A over B is a / b if it is seen and
(1 - a) / (1 - b) if not. The expected log Bayes factor if A is right is the
Kullback-Leibler divergence KL(A || B) = a ln(a / b) + (1 - a) ln((1 - a) / (1 - b)),
and if B is right it is KL(B || A); their sum (Jeffreys' divergence, in nats) ranks the
indicators: the larger it is, the faster observing I tells the two arguments apart.
Each row also says what each model would then forecast for the first shared outcome.
Indicators are treated as independent reports; a model's own indicators move only
through its own network.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from secondfront.errors import UsageError
from secondfront.inference.query import BatchPosterior, Evidence, posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.model import Model, ModelLike, as_model
from secondfront.model.parameters import ParameterSpace

__all__ = [
    "Comparison",
    "DiscriminatingIndicator",
    "LinkDifference",
    "OutcomeComparison",
    "ParameterDifference",
    "TableDifference",
    "VariableDifference",
    "compare",
]

_EPS = 1e-12


@dataclass(frozen=True)
class OutcomeComparison:
    """One shared outcome under both models.

    Attributes:
        outcome: variable name.
        state: headlined state.
        p_a: P(state) under model A.
        p_b: P(state) under model B.
    """

    outcome: str
    state: str
    p_a: float
    p_b: float

    @property
    def difference(self) -> float:
        """p_a - p_b."""
        return self.p_a - self.p_b


@dataclass(frozen=True)
class VariableDifference:
    """A shared variable's marginal under both models (states in order)."""

    variable: str
    states: tuple[str, ...]
    a: tuple[float, ...]
    b: tuple[float, ...]
    distance: float  # total variation, in [0, 1]


@dataclass(frozen=True)
class ParameterDifference:
    """A parameter path both files set, with both values.

    ``distance`` is |a - b| for a number and the total variation for a distribution.
    """

    path: str
    a: float | tuple[float, ...]
    b: float | tuple[float, ...]
    distance: float
    basis_a: str
    basis_b: str


@dataclass(frozen=True)
class TableDifference:
    """A variable with the same parents in both models: how far its tables differ.

    ``distance`` is the largest total variation between the two rows for one parent
    configuration, ``given`` that configuration.
    """

    variable: str
    parents: tuple[str, ...]
    given: dict[str, str]
    distance: float


@dataclass(frozen=True)
class LinkDifference:
    """A parent -> child link drawn by only one model (``in_model`` is "A" or "B").

    ``ends_shared`` is True when both models have both variables, so the difference is
    one of wiring (a cause one argument sees and the other does not), not of scope.
    """

    parent: str
    child: str
    in_model: str
    ends_shared: bool


@dataclass(frozen=True)
class DiscriminatingIndicator:
    """How well one shared indicator separates the two arguments.

    Attributes:
        indicator: name.
        p_a: P(present) under A.
        p_b: P(present) under B.
        bf_if_seen: Bayes factor for A over B if it is seen (a / b).
        bf_if_not_seen: Bayes factor if it is not seen ((1 - a) / (1 - b)).
        expected_log_bf_a: KL(A || B), nats: expected log Bayes factor if A is right.
        expected_log_bf_b: KL(B || A), nats: expected log Bayes factor for B if B is right.
        outcome: the first shared outcome.
        a_if_seen: P_A(outcome | seen).
        b_if_seen: P_B(outcome | seen).
        a_if_not_seen: P_A(outcome | not seen).
        b_if_not_seen: P_B(outcome | not seen).
    """

    indicator: str
    p_a: float
    p_b: float
    bf_if_seen: float
    bf_if_not_seen: float
    expected_log_bf_a: float
    expected_log_bf_b: float
    outcome: str
    a_if_seen: float
    b_if_seen: float
    a_if_not_seen: float
    b_if_not_seen: float

    @property
    def jeffreys(self) -> float:
        """KL(A || B) + KL(B || A), nats: the ranking key."""
        return self.expected_log_bf_a + self.expected_log_bf_b

    @property
    def favours_if_seen(self) -> str:
        """Which model a sighting favours ("A", "B" or "neither")."""
        if abs(math.log(self.bf_if_seen)) < 1e-9:
            return "neither"
        return "A" if self.bf_if_seen > 1 else "B"


@dataclass(frozen=True)
class Comparison:
    """Two models of one question, side by side."""

    model_a: str
    model_b: str
    outcomes: tuple[OutcomeComparison, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    variables: tuple[VariableDifference, ...]
    parameters: tuple[ParameterDifference, ...]
    tables: tuple[TableDifference, ...]
    links: tuple[LinkDifference, ...]
    indicators: tuple[DiscriminatingIndicator, ...]

    def as_json(self) -> JSONObject:
        """Plain data for ``--json`` and the API."""
        data = dataclasses.asdict(self)
        for row, ind in zip(data["indicators"], self.indicators, strict=True):
            row["jeffreys"] = ind.jeffreys
            row["favours_if_seen"] = ind.favours_if_seen
        for row, out in zip(data["outcomes"], self.outcomes, strict=True):
            row["difference"] = out.difference
        return data


def _kl(p: float, q: float) -> float:
    p, q = min(max(p, _EPS), 1 - _EPS), min(max(q, _EPS), 1 - _EPS)
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def _value(v: np.ndarray) -> float | tuple[float, ...]:
    return float(v) if v.ndim == 0 else tuple(float(x) for x in v)


def _basis(claims: tuple[str, ...], assumption: str | None) -> str:
    parts = []
    if claims:
        parts.append("claims: " + ", ".join(claims))
    if assumption:
        parts.append(assumption)
    return "; ".join(parts)


def compare(model_a: ModelLike, model_b: ModelLike, evidence: Evidence | None = None) -> Comparison:
    """Compare two scenario models of the same question.

    Args:
        model_a: model A.
        model_b: model B.
        evidence: observations applied to both (only names both models know).

    Raises:
        UsageError: the models share no outcome, or are not scenario specs.
    """
    a, b = as_model(model_a), as_model(model_b)
    spec_a, spec_b = a.require_spec("compare"), b.require_spec("compare")
    ev = dict(evidence or {})
    for name in ev:
        if name not in a.variables or name not in b.variables:
            raise UsageError(f"evidence on {name!r}: both models must have it")
    out_a = {o.variable: o.state for o in a.outcomes()}
    out_b = {o.variable: o.state for o in b.outcomes()}
    shared = [
        v
        for v in out_a
        if v in out_b and out_a[v] == out_b[v] and a.variables[v].states == b.variables[v].states
    ]
    if not shared:
        raise UsageError(
            f"{a.name} and {b.name} share no outcome (same variable name, states and "
            "headlined state); name an outcome alike in both where the meaning is the same"
        )
    indicators = [
        i.name
        for i in spec_a.indicators
        if i.name in {j.name for j in spec_b.indicators}
        and a.variables[i.name].states == b.variables[i.name].states
        and i.name not in ev
    ]
    first = shared[0]
    rows = [ev] + [{**ev, n: s} for n in indicators for s in a.variables[n].states]
    post_a = posterior_batch(a, rows, on_impossible="nan")
    post_b = posterior_batch(b, rows, on_impossible="nan")

    outcomes = tuple(
        OutcomeComparison(
            v,
            out_a[v],
            float(post_a.marginals[v][0, a.variables[v].index(out_a[v])]),
            float(post_b.marginals[v][0, b.variables[v].index(out_b[v])]),
        )
        for v in shared
    )
    common = [v.name for v in a if v.name in b.variables and v.states == b.variables[v.name].states]
    variables = _variable_differences(a, common, post_a, post_b)
    same_parents = {
        n
        for n in common
        if a.variables[n].parents == b.variables[n].parents
        and all(a.variables[p].states == b.variables[p].states for p in a.variables[n].parents)
    }
    params = _parameter_differences(a, b, same_parents)
    tables = _table_differences(a, b, same_parents)
    links = _link_differences(a, b)
    found = _discriminating(a, b, indicators, first, (out_a, out_b), (post_a, post_b))
    return Comparison(
        a.name,
        b.name,
        outcomes,
        tuple(v for v in out_a if v not in shared),
        tuple(v for v in out_b if v not in shared),
        tuple(variables),
        tuple(params),
        tuple(tables),
        links,
        tuple(found),
    )


def _variable_differences(
    a: Model, common: list[str], post_a: BatchPosterior, post_b: BatchPosterior
) -> list[VariableDifference]:
    """Each common variable's marginals under the evidence (row 0) in both models, with
    their total variation distance, largest first."""
    return sorted(
        (
            VariableDifference(
                n,
                a.variables[n].states,
                tuple(float(x) for x in post_a.marginals[n][0]),
                tuple(float(x) for x in post_b.marginals[n][0]),
                float(0.5 * np.abs(post_a.marginals[n][0] - post_b.marginals[n][0]).sum()),
            )
            for n in common
        ),
        key=lambda d: -d.distance,
    )


def _parameter_differences(a: Model, b: Model, same_parents: set[str]) -> list[ParameterDifference]:
    """The stated parameters both models have for a variable with the same parents,
    largest difference first (table rows are compared by :func:`_table_differences`)."""
    space_a, space_b = ParameterSpace(a), ParameterSpace(b)
    params = []
    for path, pa in space_a.by_path.items():
        pb = space_b.by_path.get(path)
        # Table rows are numbered in file order, so the same index can mean another
        # parent configuration: rows are compared through the compiled tables instead.
        if (
            pb is None
            or pa.variable not in same_parents
            or ".table" in path
            or pa.value.shape != pb.value.shape
        ):
            continue
        diff = np.abs(pa.value - pb.value)
        distance = float(diff) if pa.value.ndim == 0 else float(0.5 * diff.sum())
        params.append(
            ParameterDifference(
                path,
                _value(pa.value),
                _value(pb.value),
                distance,
                _basis(pa.claims, pa.assumption),
                _basis(pb.claims, pb.assumption),
            )
        )
    params.sort(key=lambda d: -d.distance)
    return params


def _table_differences(a: Model, b: Model, same_parents: set[str]) -> list[TableDifference]:
    """Per variable with the same parents, the row where the compiled tables differ most
    (total variation), largest first."""
    tables = []
    for n in sorted(same_parents):
        ta, tb = a.cpts[n], b.cpts[n]
        tv = 0.5 * np.abs(ta - tb).sum(axis=-1)
        idx = np.unravel_index(int(np.argmax(tv)), tv.shape) if tv.ndim else ()
        given = {
            p: a.variables[p].states[i] for p, i in zip(a.variables[n].parents, idx, strict=True)
        }
        tables.append(TableDifference(n, a.variables[n].parents, given, float(np.max(tv))))
    tables.sort(key=lambda d: -d.distance)
    return tables


def _link_differences(a: Model, b: Model) -> tuple[LinkDifference, ...]:
    """The links one model has and the other lacks, those between shared variables first."""
    edges_a = {(p, v.name) for v in a for p in v.parents}
    edges_b = {(p, v.name) for v in b for p in v.parents}
    both = set(a.variables) & set(b.variables)
    return tuple(
        sorted(
            [LinkDifference(p, c, "A", {p, c} <= both) for p, c in edges_a - edges_b]
            + [LinkDifference(p, c, "B", {p, c} <= both) for p, c in edges_b - edges_a],
            key=lambda d: (not d.ends_shared, d.in_model, d.child, d.parent),
        )
    )


def _discriminating(
    a: Model,
    b: Model,
    indicators: list[str],
    first: str,
    outcomes: tuple[dict[str, str], dict[str, str]],
    posts: tuple[BatchPosterior, BatchPosterior],
) -> list[DiscriminatingIndicator]:
    """How well each shared indicator tells the models apart, best (Jeffreys) first.

    ``posts`` are the batch posteriors of rows ``[evidence]`` then, per indicator, one
    row per state (absent, present), as :func:`compare` builds them.
    """
    (out_a, out_b), (post_a, post_b) = outcomes, posts
    k_a = a.variables[first].index(out_a[first])
    k_b = b.variables[first].index(out_b[first])
    log_a = post_a.log_evidence - post_a.log_evidence[0]
    log_b = post_b.log_evidence - post_b.log_evidence[0]
    found = []
    r = 1
    for n in indicators:
        # Indicator states: first "absent", last "present" (spec convention).
        absent, present = r, r + 1
        r += 2
        qa, qb = float(np.exp(log_a[present])), float(np.exp(log_b[present]))
        found.append(
            DiscriminatingIndicator(
                n,
                qa,
                qb,
                max(qa, _EPS) / max(qb, _EPS),
                max(1 - qa, _EPS) / max(1 - qb, _EPS),
                _kl(qa, qb),
                _kl(qb, qa),
                first,
                float(post_a.marginals[first][present, k_a]),
                float(post_b.marginals[first][present, k_b]),
                float(post_a.marginals[first][absent, k_a]),
                float(post_b.marginals[first][absent, k_b]),
            )
        )
    found.sort(key=lambda d: -d.jeffreys)
    return found
