"""Key assumptions and the sources they rest on.

Two questions an analyst asks of a model before trusting it (Heuer's key assumptions
check; ICD 203's standard that assumptions be identified and their effect stated):

* **Which assumptions carry the forecast?** ``key_assumptions`` groups every parameter
  by what it rests on (each distinct assumption text, and each claim it cites), and
  gives the group's swing on each outcome: the largest one-at-a-time swing among its
  parameters, each moved to the ends of its central prior interval (the sensitivity
  machinery of ``sensitivity``: the same sweep ends, all rows in one batched
  evaluation). For each group it names the indicator that would best expose the
  assumption if it were wrong: the watchlist indicator with the most mutual
  information with the variable whose table the parameters shape (for an indicator's
  own likelihood, the indicator itself: how often it shows).
* **What if a source were false?** ``source_influence`` gives, for each source, the
  range of each outcome in "the model without this source": every parameter resting on
  it moves to its fallback range (its stated ``without``, or the no-source interval
  ``without.NO_SOURCE``; see :mod:`secondfront.analysis.without`). A parameter rests on
  a source when it cites one of the source's claims, or when its assumption names the
  source's id in parentheses (the flagship's convention for figures taken from a listed
  report). A uniform table is not used: it is maximal ignorance about every parent
  configuration, not the model without one reason.
* **Does each claim push the way it says?** ``direction_checks`` compares each claim's
  stated direction (``direction`` in the spec: it raises or lowers P(variable = state))
  with the model's effect, P as written minus P without the claim, a range; a
  disagreement is reported, never silently redrawn.

Gradings do not enter the model's numbers; they enter the influence ranking only as
the *at-risk* figure (1 - weight) x swing, with the package's grading weights
(``Grading.weight``), so re-grading a source moves it in that column and says so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from secondfront.analysis.without import FALLBACK_UNCERTAINTY, NO_SOURCE, fallback, without_ranges
from secondfront.inference.query import Evidence, posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.model import Model, ModelLike, as_model
from secondfront.model.parameters import Parameter, ParameterSpace, prior_for
from secondfront.model.schema import Claim, ScenarioSpec

__all__ = [
    "DIRECTION_TOLERANCE",
    "FALLBACK_UNCERTAINTY",
    "NO_SOURCE",
    "AssumptionsCheck",
    "DirectionCheck",
    "KeyAssumption",
    "OutcomeSwing",
    "SourceInfluence",
    "SourceInfluenceResult",
    "direction_checks",
    "key_assumptions",
    "outcome_probabilities",
    "source_influence",
]

#: Smallest change of a probability that counts as an effect when a stated direction
#: is checked against the model (probability units).
DIRECTION_TOLERANCE = 1e-6


@dataclass(frozen=True)
class OutcomeSwing:
    """How far one outcome moves.

    Attributes:
        outcome: outcome variable.
        state: its headlined state.
        baseline: P(outcome = state) with the model as written.
        low: P(outcome = state) at one end (the low sweep end, or the altered model).
        high: P(outcome = state) at the other end (equal to ``low`` for a single change).
    """

    outcome: str
    state: str
    baseline: float
    low: float
    high: float

    @property
    def swing(self) -> float:
        """The largest distance from the baseline or between the ends."""
        return max(
            abs(self.high - self.low), abs(self.low - self.baseline), abs(self.high - self.baseline)
        )


@dataclass(frozen=True)
class KeyAssumption:
    """One assumption, or one claim, and what rests on it.

    Attributes:
        kind: ``assumption`` (a stated assumption text) or ``claim``.
        text: the assumption, or the claim's paraphrase.
        claim: claim id (claims only).
        locator: the claim's locator (claims only).
        grading: the claim's grading (claims only).
        parameters: paths of the parameters resting on it.
        swings: per outcome, the largest one-at-a-time swing among those parameters.
        indicator: the indicator that would best expose it if wrong (None: none informs).
        indicator_information: mutual information (bits) of that indicator with the
            variable the parameters shape.
        exposes: that variable.
    """

    kind: Literal["assumption", "claim"]
    text: str
    claim: str | None
    locator: str | None
    grading: str | None
    parameters: tuple[str, ...]
    swings: tuple[OutcomeSwing, ...]
    indicator: str | None
    indicator_information: float
    exposes: str

    @property
    def max_swing(self) -> float:
        """Largest swing over the outcomes."""
        return max((s.swing for s in self.swings), default=0.0)

    @property
    def largest(self) -> OutcomeSwing | None:
        """The outcome it moves most (the first such outcome on a tie); None without outcomes."""
        return max(self.swings, key=lambda s: s.swing, default=None)


@dataclass(frozen=True)
class AssumptionsCheck:
    """Every assumption and claim of a model, largest swing first.

    Attributes:
        model: model name.
        confidence: the central prior interval each parameter is swept over.
        fallback: parameters swept with ``FALLBACK_UNCERTAINTY`` (they state none).
        items: the groups.
    """

    model: str
    confidence: float
    fallback: tuple[str, ...]
    items: tuple[KeyAssumption, ...]

    def as_json(self) -> JSONObject:
        """Plain data for ``--json`` and the API."""
        return {
            "model": self.model,
            "confidence": self.confidence,
            "fallback_uncertainty": {
                "ess": FALLBACK_UNCERTAINTY.ess,
                "sd": FALLBACK_UNCERTAINTY.sd,
                "parameters": list(self.fallback),
            },
            "items": [{**dataclasses.asdict(i), "max_swing": i.max_swing} for i in self.items],
        }


# -- batched outcome evaluation ------------------------------------------------------


def outcome_probabilities(
    model: ModelLike,
    values: Mapping[str, np.ndarray],
    batch: int,
    evidence: Evidence | None = None,
) -> dict[str, np.ndarray]:
    """P(outcome = headlined state) for each of ``batch`` parameter sets, in one call.

    Args:
        model: a model loaded from a spec.
        values: parameter path -> values, shape ``(batch,)`` or ``(batch, k)``; the rest
            keep their written values.
        batch: number of parameter sets.
        evidence: observations applied to every set.

    Returns:
        outcome variable -> probabilities, shape ``(batch,)``.
    """
    m = as_model(model)
    space = ParameterSpace(m)
    tables = space.tables(values, batch) if values else {}
    rows = [dict(evidence or {})] * batch
    post = posterior_batch(m, rows, cpts=tables or None, on_impossible="nan")
    out: dict[str, np.ndarray] = {}
    for o in m.outcomes():
        k = m.variables[o.variable].index(o.state)
        out[o.variable] = post.marginals[o.variable][:, k]
    return out


def _sweep_ends(
    space: ParameterSpace, p: Parameter, confidence: float
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Sweep ends of ``p``; a parameter without a prior gets the fallback one."""
    if p.prior is not None:
        lo, hi = space.sweep(p, confidence)
        return lo, hi, False
    prior, _ = prior_for(p.kind, p.value, None, FALLBACK_UNCERTAINTY)
    lo, hi = space.sweep(dataclasses.replace(p, prior=prior), confidence)
    return lo, hi, True


def _indicator_information(model: Model, spec: ScenarioSpec) -> dict[str, tuple[str, float]]:
    """For every variable, the indicator with most mutual information with it (bits).

    One batched call: one evidence row per indicator state; P(state) and the posterior
    of every variable come from it.
    """
    names = [i.name for i in spec.indicators]
    if not names:
        return {}
    requests = [(n, s) for n in names for s in model.variables[n].states]
    post = posterior_batch(model, [{}] + [{n: s} for n, s in requests], on_impossible="nan")
    p_obs = np.exp(post.log_evidence[1:] - post.log_evidence[0])
    best: dict[str, tuple[str, float]] = {}
    for var in model.names:
        prior = post.marginals[var][0]
        scores: dict[str, float] = {}
        for r, (n, _) in enumerate(requests, start=1):
            pi = float(p_obs[r - 1])
            q = post.marginals[var][r]
            if pi <= 0 or not np.all(np.isfinite(q)):
                continue
            nz = (q > 0) & (prior > 0)
            scores[n] = scores.get(n, 0.0) + pi * float(np.sum(q[nz] * np.log2(q[nz] / prior[nz])))
        # An indicator's own likelihood is best checked by watching the indicator
        # itself (how often it shows): its information with itself is its entropy.
        if scores:
            name = max(scores, key=lambda k: scores[k])
            best[var] = (name, max(scores[name], 0.0))
    return best


def _exposed_variable(variables: Sequence[str], indicators: set[str]) -> str:
    """The variable a group of parameters is mostly about, deterministically.

    A mechanism (a variable) is preferred to an indicator's own likelihood; among
    equals, the most frequent, then the first in file order.
    """
    pool = [v for v in variables if v not in indicators] or list(variables)
    return max(dict.fromkeys(pool), key=lambda v: (pool.count(v), -pool.index(v)))


def key_assumptions(
    model: ModelLike, confidence: float = 0.9, evidence: Evidence | None = None
) -> AssumptionsCheck:
    """Group every parameter by the assumption or claim it rests on, with its swings.

    Args:
        model: a model loaded from a spec.
        confidence: central prior interval each parameter is swept over.
        evidence: observations applied throughout.

    Returns:
        the groups, largest swing over the outcomes first.

    Raises:
        UsageError: the model is a bare network (no spec, so no assumptions or claims).
    """
    m = as_model(model)
    spec = m.require_spec("the key assumptions check")
    space = ParameterSpace(m)
    params = space.parameters
    base = outcome_probabilities(m, {}, 1, evidence)
    batch = 2 * len(params)
    values: dict[str, np.ndarray] = {}
    fallback: list[str] = []
    for i, p in enumerate(params):
        lo, hi, fell_back = _sweep_ends(space, p, confidence)
        if fell_back:
            fallback.append(p.path)
        col = np.broadcast_to(p.value, (batch, *p.value.shape)).copy()
        col[2 * i], col[2 * i + 1] = lo, hi
        values[p.path] = col
    y = outcome_probabilities(m, values, batch, evidence) if params else {}
    outcomes = m.outcomes()

    def swings(indices: Sequence[int]) -> tuple[OutcomeSwing, ...]:
        out = []
        for o in outcomes:
            b = float(base[o.variable][0])
            pairs = [
                (float(y[o.variable][2 * i]), float(y[o.variable][2 * i + 1])) for i in indices
            ]
            lo, hi = max(pairs, key=lambda ab: abs(ab[1] - ab[0]), default=(b, b))
            out.append(OutcomeSwing(o.variable, o.state, b, lo, hi))
        return tuple(out)

    groups: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(params):
        if p.assumption is not None:
            groups.setdefault(("assumption", p.assumption), []).append(i)
        for cid in p.claims:
            groups.setdefault(("claim", cid), []).append(i)
    best = _indicator_information(m, spec)
    indicator_names = {i.name for i in spec.indicators}
    claims = spec.claims_by_id
    items: list[KeyAssumption] = []
    for (kind, key), indices in groups.items():
        exposes = _exposed_variable([params[i].variable for i in indices], indicator_names)
        indicator, info = best.get(exposes, (None, 0.0))
        if kind == "claim":
            c = claims[key]
            items.append(
                KeyAssumption(
                    "claim", c.says, c.id, str(c.locator), str(c.grading),
                    tuple(params[i].path for i in indices), swings(indices),
                    indicator, info, exposes,
                )
            )  # fmt: skip
        else:
            items.append(
                KeyAssumption(
                    "assumption", key, None, None, None,
                    tuple(params[i].path for i in indices), swings(indices),
                    indicator, info, exposes,
                )
            )  # fmt: skip
    items.sort(key=lambda k: (-k.max_swing, k.kind, k.text))
    return AssumptionsCheck(m.name, confidence, tuple(fallback), tuple(items))


# -- if a source were false ----------------------------------------------------------


@dataclass(frozen=True)
class DirectionCheck:
    """A claim's stated direction against the model's effect.

    Attributes:
        claim: claim id.
        variable: the variable the stated direction is about (None: none stated).
        state: its state.
        stated: ``raises``, ``lowers`` or None.
        baseline: P(variable = state) as written.
        without_low: lowest P(variable = state) without the claim (its parameters at
            their fallback ranges).
        without_high: highest.
        verdict: ``agrees`` (the whole effect range lies on the stated side),
            ``disagrees`` (it lies on the other side), ``unclear`` (it straddles zero:
            the fallback ranges allow either), ``no effect``, or ``unstated``.
    """

    claim: str
    variable: str | None
    state: str | None
    stated: str | None
    baseline: float
    without_low: float
    without_high: float
    verdict: str

    @property
    def effect(self) -> tuple[float, float]:
        """P as written minus P without the claim: (lowest, highest)."""
        return self.baseline - self.without_high, self.baseline - self.without_low


def _verdict(stated: str | None, low: float, high: float) -> str:
    """Compare a stated direction with an effect range (P with minus P without)."""
    if stated is None:
        return "unstated"
    tol = DIRECTION_TOLERANCE
    if abs(low) <= tol and abs(high) <= tol:
        return "no effect"
    sign = 1.0 if stated == "raises" else -1.0
    lo, hi = sorted((sign * low, sign * high))
    if lo >= -tol:
        return "agrees"
    if hi <= tol:
        return "disagrees"
    return "unclear"


@dataclass(frozen=True)
class SourceInfluence:
    """What a model's outcomes owe to one source.

    Attributes:
        source: source id.
        title: its title.
        grading: its Admiralty grading.
        weight: the grading's weight (``Grading.weight``, an assumption of the package).
        claims: ids of its claims.
        parameters: paths moved to their fallback, each with the range used and the
            rule that gave it (``stated`` or a key of ``NO_SOURCE``).
        swings: per outcome, P as written (``baseline``) and the range of P without the
            source (``low`` to ``high``).
        directions: the stated direction of each of its claims, checked.
    """

    source: str
    title: str
    grading: str
    weight: float
    claims: tuple[str, ...]
    parameters: tuple[tuple[str, str, str], ...]
    swings: tuple[OutcomeSwing, ...]
    directions: tuple[DirectionCheck, ...] = ()

    @property
    def influence(self) -> float:
        """Largest distance of an outcome without the source from its value as written."""
        return max((s.swing for s in self.swings), default=0.0)

    @property
    def largest(self) -> OutcomeSwing | None:
        """The outcome it moves most (the first such outcome on a tie); None without outcomes."""
        return max(self.swings, key=lambda s: s.swing, default=None)

    @property
    def at_risk(self) -> float:
        """(1 - weight) x influence: how much of the forecast a doubtful grading puts at risk."""
        return (1.0 - self.weight) * self.influence

    @property
    def disagreements(self) -> tuple[DirectionCheck, ...]:
        """Claims whose stated direction the model does not bear out (or cannot tell)."""
        return tuple(d for d in self.directions if d.verdict in ("disagrees", "unclear"))


@dataclass(frozen=True)
class SourceInfluenceResult:
    """Sources ranked by influence, and the rules used for "without this source"."""

    model: str
    rule: dict[str, str]
    sources: tuple[SourceInfluence, ...]

    def as_json(self) -> JSONObject:
        """Plain data for ``--json`` and the API."""
        return {
            "model": self.model,
            "without": self.rule,
            "sources": [
                {
                    **dataclasses.asdict(s),
                    "influence": s.influence,
                    "at_risk": s.at_risk,
                    "disagreements": [d.claim for d in s.disagreements],
                }
                for s in self.sources
            ],
        }


def _mentions(text: str | None, source_id: str) -> bool:
    if not text:
        return False
    return any(
        re.search(rf"(?<![A-Za-z0-9_-]){re.escape(source_id)}(?![A-Za-z0-9_-])", group)
        for group in re.findall(r"\(([^()]*)\)", text)
    )


def _claim_targets(m: Model, claims: Sequence[Claim]) -> list[tuple[str, str]]:
    """Outcomes (headlined states) first, then each stated direction's target, each once."""
    out = [(o.variable, o.state) for o in m.outcomes()]
    for c in claims:
        if c.direction is not None:
            out.append((c.direction.variable, c.direction.state))
    return list(dict.fromkeys(out))


def _checks(
    claims: Sequence[Claim],
    targets: Sequence[tuple[str, str]],
    base: np.ndarray,
    ranges: np.ndarray,
) -> list[DirectionCheck]:
    """One DirectionCheck per claim from its row of ``ranges`` (claims x targets x 2)."""
    out = []
    for j, c in enumerate(claims):
        d = c.direction
        if d is None:
            out.append(DirectionCheck(c.id, None, None, None, 0.0, 0.0, 0.0, "unstated"))
            continue
        k = targets.index((d.variable, d.state))
        b, lo, hi = float(base[k]), float(ranges[j, k, 0]), float(ranges[j, k, 1])
        out.append(
            DirectionCheck(
                c.id, d.variable, d.state, d.effect, b, lo, hi, _verdict(d.effect, b - hi, b - lo)
            )
        )
    return out


def direction_checks(
    model: ModelLike, evidence: Evidence | None = None
) -> tuple[list[DirectionCheck], list[tuple[str, str]], np.ndarray, np.ndarray]:
    """Every claim's stated direction against the model's effect, all in two engine calls.

    Returns:
        the checks (one per claim, file order), the targets (outcomes first), P as
        written per target ``(T,)`` and the range without each claim ``(C, T, 2)``.

    Raises:
        UsageError: the model is a bare network (no spec, so no claims).
    """
    m = as_model(model)
    spec = m.require_spec("checking the claims' directions")
    space = ParameterSpace(m)
    claims = spec.claims
    targets = _claim_targets(m, claims)
    groups = [[p for p in space.parameters if c.id in p.claims] for c in claims]
    base, ranges = without_ranges(m, space, groups, targets, evidence)
    return _checks(claims, targets, base, ranges), targets, base, ranges


def source_influence(model: ModelLike, evidence: Evidence | None = None) -> SourceInfluenceResult:
    """Drop each source in turn (its parameters at their fallback ranges); rank by influence.

    Sources and claims are evaluated together in two batched engine calls.

    Raises:
        UsageError: the model is a bare network (no spec, so no sources).
    """
    m = as_model(model)
    spec = m.require_spec("source influence")
    space = ParameterSpace(m)
    sources, claims = spec.sources, spec.claims
    resting: list[list[Parameter]] = []
    for s in sources:
        own = {c.id for c in claims if c.source == s.id}
        resting.append(
            [p for p in space.parameters if own & set(p.claims) or _mentions(p.assumption, s.id)]
        )
    targets = _claim_targets(m, claims)
    by_claim = [[p for p in space.parameters if c.id in p.claims] for c in claims]
    base, ranges = without_ranges(m, space, [*resting, *by_claim], targets, evidence)
    checks = _checks(claims, targets, base, ranges[len(sources) :])
    outcomes = m.outcomes()
    results = []
    for j, s in enumerate(sources):
        swings = tuple(
            OutcomeSwing(o.variable, o.state, float(base[k]), *map(float, ranges[j, k]))
            for k, o in enumerate(outcomes)
        )
        fbs = [fallback(space, p) for p in resting[j]]
        results.append(
            SourceInfluence(
                s.id,
                s.title,
                str(s.grading),
                s.grading.weight(),
                tuple(c.id for c in claims if c.source == s.id),
                tuple((f.path, f.describe(), f.rule) for f in fbs),
                swings,
                tuple(d for d, c in zip(checks, claims, strict=True) if c.source == s.id),
            )
        )
    results.sort(key=lambda r: (-r.influence, r.source))
    return SourceInfluenceResult(m.name, dict(NO_SOURCE), tuple(results))
