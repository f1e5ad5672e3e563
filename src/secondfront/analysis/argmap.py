"""A model as an argument map, written in Argdown.

Argument-mapping tools (Argdown, Rationale, Kialo) show which reasons support or attack
a conclusion but carry no probabilities; a Bayesian network carries probabilities but
no visible reasons. ``argument_map`` joins the two: each outcome is a conclusion, each
claim a reason with its source, locator and grading, and the relation between them is
read off the model:

    moves(claim, outcome) = P(outcome) as written - P(outcome) without the claim,

where "without the claim" sets every parameter citing it to the uninformative value of
``assumptions.UNINFORMATIVE`` (no effect for a causal link or weight, uniform
otherwise), all claims in one batched evaluation. A claim *supports* an outcome when
dropping it lowers the outcome (moves > 0) and *undermines* it when dropping it raises
it; claims that move an outcome by less than ``threshold`` are not drawn against it.

``render_argdown`` writes the map in Argdown syntax (https://argdown.org): statements
in ``[...]``, arguments in ``<...>``, ``+``/``-`` for support and attack, and each
element's data (locator, grading, how far it moves each outcome) in a ``{...}``
metadata block, which ``secondfront new --from-argdown`` reads back.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from secondfront.analysis.assumptions import outcome_probabilities, uninformative_value
from secondfront.model.model import ModelLike, as_model
from secondfront.model.parameters import ParameterSpace

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
        moves: outcome -> P as written minus P without this claim.
    """

    id: str
    says: str
    source: str
    locator: str
    grading: str
    moves: dict[str, float]


@dataclass(frozen=True)
class MapOutcome:
    """A conclusion: an outcome, its forecast, and the claims for and against it."""

    variable: str
    label: str
    state: str
    probability: float
    supports: tuple[str, ...]
    undermines: tuple[str, ...]


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

    def as_json(self) -> dict[str, Any]:
        """Plain data for ``--json`` and the API."""
        return dataclasses.asdict(self)


def argument_map(model: ModelLike, threshold: float = 0.001) -> ArgumentMap:
    """Read the argument off a model: which claim supports or undermines which outcome.

    Args:
        model: a model loaded from a spec.
        threshold: smallest |moves| drawn as a relation (probability units).

    Raises:
        UsageError: the model is a bare network (no spec, so no claims).
    """
    m = as_model(model)
    spec = m.require_spec("an argument map")
    space = ParameterSpace(m)
    claims = spec.claims
    batch = max(len(claims), 1)
    values: dict[str, np.ndarray] = {}
    for j, claim in enumerate(claims):
        for p in space.parameters:
            if claim.id in p.claims:
                if p.path not in values:
                    values[p.path] = np.broadcast_to(p.value, (batch, *p.value.shape)).copy()
                values[p.path][j] = uninformative_value(p)[0]
    base = outcome_probabilities(m, {}, 1)
    without = outcome_probabilities(m, values, batch) if values else {}
    outcomes = m.outcomes()
    mapped = []
    for j, c in enumerate(claims):
        moves = {
            o.variable: float(
                base[o.variable][0] - (without[o.variable][j] if values else base[o.variable][0])
            )
            for o in outcomes
        }
        mapped.append(MapClaim(c.id, c.says, c.source, str(c.locator), str(c.grading), moves))
    result_outcomes = []
    for o in outcomes:
        var = o.variable
        ranked = sorted(mapped, key=lambda c: -abs(c.moves[var]))
        result_outcomes.append(
            MapOutcome(
                var,
                o.label,
                o.state,
                float(base[var][0]),
                tuple(c.id for c in ranked if c.moves[var] >= threshold),
                tuple(c.id for c in ranked if c.moves[var] <= -threshold),
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
    )


def _meta(data: dict[str, Any]) -> str:
    """A metadata block in YAML flow style (JSON values are valid YAML)."""
    return (
        "{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()) + "}"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_argdown(amap: ArgumentMap) -> str:
    """The map in Argdown syntax; ``secondfront new --from-argdown`` reads it back."""
    lines = [
        "===",
        f"title: {json.dumps(amap.title, ensure_ascii=False)}",
        f"model: {amap.model}",
        f"horizon: {json.dumps(amap.horizon, ensure_ascii=False)}",
        "===",
        "",
        f"// The argument of scenario model {amap.model}, read off the model: a claim",
        "// supports (+) an outcome when dropping it lowers the forecast, and undermines (-)",
        "// it when dropping it raises it; 'moves' is P(outcome) as written minus P without",
        f"// the claim (parameters citing it set uninformative); |moves| < {amap.threshold}",
        "// is not drawn.",
        "",
        "# Outcomes",
        "",
    ]
    for o in amap.outcomes:
        meta = _meta({"variable": o.variable, "state": o.state, "p": round(o.probability, 4)})
        lines.append(f"[{o.variable}]: {_one_line(o.label)} #outcome {meta}")
        lines += [f"  + <{c}>" for c in o.supports]
        lines += [f"  - <{c}>" for c in o.undermines]
        lines.append("")
    lines += ["# Claims", ""]
    for c in amap.claims:
        moves = {k: round(v, 4) for k, v in c.moves.items() if abs(v) >= amap.threshold}
        meta = _meta(
            {"source": c.source, "locator": c.locator, "grading": c.grading, "moves": moves}
        )
        lines.append(f"<{c.id}>: {_one_line(c.says)} {meta}")
        lines.append("")
    lines += ["# Sources", ""]
    lines += [f"// {sid}: {_one_line(text)}" for sid, text in amap.sources.items()]
    return "\n".join(lines) + "\n"
