"""Request and response models of the Compare and overlay routes (pydantic).

The responses are filled from the library's typed results
(:class:`secondfront.analysis.compare.Comparison`,
:class:`secondfront.analysis.overlay.PoolResult`) by validating their ``as_json()``;
the routes (:mod:`secondfront.service.argument_api`) only render. Every list and
mapping of a request is bounded, on top of the body size limit of the guard.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from secondfront.service.schemas import EvidenceMap, Strict

# -- Compare -------------------------------------------------------------------------

Value = float | list[float]
"""A parameter value: a number, or a distribution over a variable's states."""


class OutcomeComparisonOut(BaseModel):
    """One shared outcome under both models."""

    outcome: str
    state: str = Field(description="The headlined state.")
    p_a: float = Field(description="P(state) under model A.")
    p_b: float = Field(description="P(state) under model B.")
    difference: float = Field(description="p_a - p_b.")


class VariableDifferenceOut(BaseModel):
    """A shared variable's marginal under both models (states in order)."""

    variable: str
    states: list[str]
    a: list[float]
    b: list[float]
    distance: float = Field(description="Total variation distance, in [0, 1].")


class ParameterDifferenceOut(BaseModel):
    """A parameter path both models set, with both values and what each rests on."""

    path: str
    a: Value
    b: Value
    distance: float = Field(description="|a - b|, or the total variation of distributions.")
    basis_a: str
    basis_b: str


class TableDifferenceOut(BaseModel):
    """A variable with the same parents in both: its largest row distance and where."""

    variable: str
    parents: list[str]
    given: dict[str, str]
    distance: float


class LinkDifferenceOut(BaseModel):
    """A parent -> child link drawn by only one model."""

    parent: str
    child: str
    in_model: Literal["A", "B"]
    ends_shared: bool = Field(description="Both models have both variables (a wiring difference).")


class DiscriminatingIndicatorOut(BaseModel):
    """How well one shared indicator separates the two arguments, and what it would say."""

    indicator: str
    p_a: float = Field(description="P(present) under A.")
    p_b: float = Field(description="P(present) under B.")
    bf_if_seen: float = Field(description="Bayes factor for A over B if it is seen.")
    bf_if_not_seen: float = Field(description="Bayes factor for A over B if it is not seen.")
    expected_log_bf_a: float = Field(description="KL(A || B), nats.")
    expected_log_bf_b: float = Field(description="KL(B || A), nats.")
    jeffreys: float = Field(description="KL(A || B) + KL(B || A), nats: the ranking key.")
    favours_if_seen: Literal["A", "B", "neither"]
    outcome: str = Field(description="The first shared outcome, which the four below are of.")
    a_if_seen: float
    b_if_seen: float
    a_if_not_seen: float
    b_if_not_seen: float


class CompareOut(BaseModel):
    """Two models of one question side by side (``secondfront compare A B --json``)."""

    model_a: str
    model_b: str
    outcomes: list[OutcomeComparisonOut]
    only_a: list[str] = Field(description="Outcomes only A headlines.")
    only_b: list[str] = Field(description="Outcomes only B headlines.")
    variables: list[VariableDifferenceOut] = Field(description="Largest difference first.")
    parameters: list[ParameterDifferenceOut] = Field(description="Largest difference first.")
    tables: list[TableDifferenceOut] = Field(description="Largest difference first.")
    links: list[LinkDifferenceOut]
    indicators: list[DiscriminatingIndicatorOut] = Field(description="Most telling first.")


# -- overlays ------------------------------------------------------------------------

ParameterPath = Annotated[
    str, Field(min_length=1, max_length=300, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
]
Number = Annotated[float, Field(allow_inf_nan=False)]
EditValue = Number | Annotated[list[Number], Field(min_length=1, max_length=100)]


class ParameterEdit(Strict):
    """One parameter as the analyst sets it."""

    value: EditValue = Field(
        description="A probability or a logistic weight, or a distribution (one "
        "probability per state)."
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why this number.")


class OverlayRequest(Strict):
    """Parameter edits (path -> value and reason) to be written as an overlay file."""

    analyst: str = Field(min_length=1, max_length=200)
    weight: float = Field(default=1.0, gt=0, le=1e6, allow_inf_nan=False)
    parameters: Annotated[dict[ParameterPath, ParameterEdit], Field(min_length=1, max_length=500)]


class OverlayOut(BaseModel):
    """An overlay file, checked against the model (``parse_overlay`` accepts it)."""

    model: str
    analyst: str
    filename: str = Field(description="A name to save it under.")
    parameters: int = Field(description="How many parameters it sets.")
    text: str = Field(description="The overlay file (YAML).")


OverlayText = Annotated[str, Field(min_length=1, max_length=200_000)]


class PoolRequest(Strict):
    """Several analysts' overlay files for one model, and optional shared evidence."""

    overlays: Annotated[list[OverlayText], Field(min_length=1, max_length=20)]
    evidence: EvidenceMap = Field(default_factory=dict)


class PooledOutcomeOut(BaseModel):
    """One outcome across analysts."""

    outcome: str
    state: str
    model: float = Field(description="P(state) in the model as written.")
    analysts: list[float] = Field(description="P(state) under each overlay, in order.")
    linear: float
    logarithmic: float
    spread: float = Field(description="max - min of the analysts' P(state).")
    sd: float = Field(description="Weighted standard deviation of the analysts' P(state).")


class DisputedOut(BaseModel):
    """A parameter at least one analyst set: the model's value and each analyst's."""

    model: Value
    analysts: dict[str, Value | None]
    reasons: dict[str, str | None]


class PoolOut(BaseModel):
    """Overlays pooled per outcome (linear and logarithmic), with the disagreement."""

    model: str
    analysts: list[str]
    weights: list[float] = Field(description="Normalised pooling weights.")
    pooling: dict[str, str] = Field(description="The pooling rules, stated.")
    outcomes: list[PooledOutcomeOut]
    disputed: dict[str, DisputedOut]


class ParameterOut(BaseModel):
    """A parameter of a model that an overlay can set."""

    path: str
    variable: str
    kind: Literal["probability", "distribution", "real"]
    value: Value
    claims: list[str]
    assumption: str | None


__all__ = [
    "CompareOut",
    "DiscriminatingIndicatorOut",
    "DisputedOut",
    "LinkDifferenceOut",
    "OutcomeComparisonOut",
    "OverlayOut",
    "OverlayRequest",
    "ParameterDifferenceOut",
    "ParameterEdit",
    "ParameterOut",
    "PoolOut",
    "PoolRequest",
    "PooledOutcomeOut",
    "TableDifferenceOut",
    "VariableDifferenceOut",
]
