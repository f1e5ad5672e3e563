"""A model as an argument map, written in Argdown.

Argument-mapping tools (Argdown, Rationale, Kialo) show which reasons support or attack
a conclusion but carry no probabilities; a Bayesian network carries probabilities but
no visible reasons. ``argument_map`` joins the two: each outcome is a conclusion, each
claim a reason with its source, locator and grading.

The sign of a relation comes first from the claim's **stated direction**
(``direction`` in the spec: the claim raises or lowers P(variable = state)): a claim
whose direction is stated on an outcome supports it when it says "raises" and attacks
it when it says "lowers". That statement is checked against the model's effect,

    moves(claim, outcome) = P(outcome) as written - P(outcome) without the claim,

a range, where "without the claim" puts every parameter citing it at its fallback
range (its stated ``without`` or the no-source interval; see
:mod:`secondfront.analysis.without`); the check's verdict (agrees, disagrees, unclear)
travels with the claim and a disagreement is drawn as stated and flagged, never
silently redrawn. Against an outcome the claim states nothing about, a relation is
drawn only where the whole range of ``moves`` lies beyond ``threshold`` on one side,
and marked as read off the model.

``render_argdown`` writes the map in Argdown syntax (https://argdown.org): statements
in ``[...]``, arguments in ``<...>``, ``+``/``-`` for support and attack, and each
element's data (locator, grading, direction, verdict, how far it moves each outcome) in
a ``{...}`` metadata block, which ``secondfront new --from-argdown`` reads back.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import yaml

from secondfront.analysis.assumptions import DirectionCheck, direction_checks
from secondfront.jsontypes import JSONObject
from secondfront.model.argdown import CANNOT_TRAVEL, model_data
from secondfront.model.model import ModelLike, as_model

__all__ = ["ArgumentMap", "MapClaim", "MapOutcome", "argument_map", "render_argdown"]


@dataclass(frozen=True)
class MapClaim:
    """A claim as a reason in the map.

    Attributes:
        id: claim id.
        says: the project's paraphrase.
        source: source id.
        locator: where in the source.
        grading: Admiralty grading.
        moves: outcome -> (lowest, highest) of P as written minus P without this claim.
        direction: the stated direction and its check against the model.
    """

    id: str
    says: str
    source: str
    locator: str
    grading: str
    moves: dict[str, tuple[float, float]]
    direction: DirectionCheck


@dataclass(frozen=True)
class MapOutcome:
    """A conclusion: an outcome, its forecast, and the claims for and against it.

    Attributes:
        supports: claims drawn as support (stated, or read off the model).
        undermines: claims drawn as attack.
        stated: the claims among those whose relation is the claim's stated direction
            (the others are read off the model's effect).
    """

    variable: str
    label: str
    state: str
    probability: float
    supports: tuple[str, ...]
    undermines: tuple[str, ...]
    stated: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArgumentMap:
    """A model's argument: outcomes as conclusions, claims as reasons."""

    model: str
    title: str
    horizon: str
    threshold: float
    outcomes: tuple[MapOutcome, ...]
    claims: tuple[MapClaim, ...]
    sources: dict[str, str]
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_json(self) -> JSONObject:
        """Plain data for ``--json`` and the API."""
        return dataclasses.asdict(self)


def _relation(claim: MapClaim, variable: str, state: str, threshold: float) -> tuple[int, bool]:
    """(+1 support / -1 attack / 0 none, stated?) of a claim against one outcome."""
    d = claim.direction
    if d.stated is not None and (d.variable, d.state) == (variable, state):
        return (1 if d.stated == "raises" else -1), True
    lo, hi = claim.moves[variable]
    if lo >= threshold:
        return 1, False
    if hi <= -threshold:
        return -1, False
    return 0, False


def argument_map(model: ModelLike, threshold: float = 0.001) -> ArgumentMap:
    """Read the argument off a model: which claim supports or undermines which outcome.

    Args:
        model: a model loaded from a spec.
        threshold: smallest |moves| drawn as a relation read off the model
            (probability units); a stated relation is always drawn.

    Raises:
        UsageError: the model is a bare network (no spec, so no claims).
    """
    m = as_model(model)
    spec = m.require_spec("an argument map")
    checks, targets, base, ranges = direction_checks(m)
    outcomes = m.outcomes()
    mapped = []
    for j, c in enumerate(spec.claims):
        moves = {}
        for o in outcomes:
            k = targets.index((o.variable, o.state))
            b = float(base[k])
            moves[o.variable] = (b - float(ranges[j, k, 1]), b - float(ranges[j, k, 0]))
        mapped.append(
            MapClaim(c.id, c.says, c.source, str(c.locator), str(c.grading), moves, checks[j])
        )
    result_outcomes = []
    for o in outcomes:
        var = o.variable
        ranked = sorted(mapped, key=lambda c: -max(abs(x) for x in c.moves[var]))
        rel = {c.id: _relation(c, var, o.state, threshold) for c in ranked}
        result_outcomes.append(
            MapOutcome(
                var,
                o.label,
                o.state,
                float(base[targets.index((var, o.state))]),
                tuple(c.id for c in ranked if rel[c.id][0] > 0),
                tuple(c.id for c in ranked if rel[c.id][0] < 0),
                tuple(c.id for c in ranked if rel[c.id][0] != 0 and rel[c.id][1]),
            )
        )
    return ArgumentMap(
        m.name,
        spec.model.title,
        spec.model.horizon,
        threshold,
        tuple(result_outcomes),
        tuple(mapped),
        {s.id: f"{s.author}: {s.title} ({s.date}, graded {s.grading})" for s in spec.sources},
        model_data(spec),
    )


def _meta(data: dict[str, Any]) -> str:
    """A metadata block in YAML flow style (JSON values are valid YAML)."""
    return (
        "{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()) + "}"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _claim_meta(c: MapClaim, claim: dict[str, Any], threshold: float) -> dict[str, Any]:
    """A claim's inline data: what the spec says of it, then the map's reading."""
    meta = {k: v for k, v in claim.items() if k not in ("id", "says")}
    d = c.direction
    if d.stated is not None:
        meta["verdict"] = d.verdict
    meta["moves"] = {
        k: [round(lo, 4), round(hi, 4)]
        for k, (lo, hi) in c.moves.items()
        if max(abs(lo), abs(hi)) >= threshold
    }
    return meta


def render_argdown(amap: ArgumentMap) -> str:
    """The map in Argdown syntax; ``secondfront new --from-argdown`` reads it back.

    The front matter carries the whole model except its claims (sources and their
    gradings, ``not_modelled``, variables with states and numbers, indicators,
    outcomes) under ``secondfront``; each claim carries its own data inline.
    """
    data = dict(amap.data)
    claims = {c["id"]: c for c in data.pop("claims", [])}
    front = yaml.safe_dump(
        {"title": amap.title, "model": amap.model, "horizon": amap.horizon, "secondfront": data},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    lines = ["===", front.rstrip("\n"), "===", ""]
    lines += [
        f"// The argument of scenario model {amap.model}. A claim supports (+) or attacks (-)",
        "// an outcome as its stated direction says ('direction', checked against the model:",
        "// 'verdict'); against an outcome it states nothing about, a relation is read off",
        "// the model and drawn only when the whole range of 'moves' (P as written minus P",
        "// without the claim, its parameters at their fallback ranges) lies beyond",
        f"// {amap.threshold} on one side.",
        "// Not carried by this file: " + "; ".join(CANNOT_TRAVEL) + ".",
        "",
        "# Outcomes",
        "",
    ]
    for o in amap.outcomes:
        meta = _meta({"variable": o.variable, "state": o.state, "p": round(o.probability, 4)})
        lines.append(f"[{o.variable}]: {_one_line(o.label)} #outcome {meta}")
        for sign, ids in (("+", o.supports), ("-", o.undermines)):
            for cid in ids:
                how = "stated" if cid in o.stated else "read off the model"
                lines.append(f"  {sign} <{cid}> // {how}")
        lines.append("")
    lines += ["# Claims", ""]
    for c in amap.claims:
        meta = _meta(_claim_meta(c, claims.get(c.id, {}), amap.threshold))
        lines.append(f"<{c.id}>: {_one_line(c.says)} {meta}")
        lines.append("")
    lines += ["# Sources", ""]
    lines += [f"// {sid}: {_one_line(text)}" for sid, text in amap.sources.items()]
    return "\n".join(lines) + "\n"
