"""The workbench API's request and response models (pydantic), and the one error shape.

Request bodies are validated declaratively with bounds on every list and mapping, so a
request cannot ask for unbounded work. Response models document every route's JSON in
the OpenAPI document; they are filled from the library's typed results by the routes
(:mod:`secondfront.service.api`, :mod:`secondfront.service.ach_api`), which only render.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from secondfront.analysis.ach import CONSENSUS_RULE, DEFAULT_ANALYST
from secondfront.analysis.forecast import Basis
from secondfront.evidence.weeks import WeekEvent
from secondfront.service.store import Matrix

# -- request models ------------------------------------------------------------------

Assignment = Annotated[
    str, Field(max_length=201, pattern=r"^[A-Za-z0-9_.:-]{1,100}=[A-Za-z0-9_.:-]{1,100}$")
]
"""``VAR=STATE`` in a query string (the report's scenario)."""

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
ModelName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
Likelihood = Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]
EvidenceValue = str | Annotated[list[Likelihood], Field(min_length=1, max_length=100)]
EvidenceMap = Annotated[dict[Name, EvidenceValue], Field(max_length=500)]
DoMap = Annotated[dict[Name, Name], Field(max_length=500)]
MatrixId = Annotated[int, Path(ge=1, le=2**62)]
#: An analyst's name as ACH ratings carry it: letters, digits, spaces and . ' _ -,
#: no leading or trailing space, at most 64 characters.
ANALYST_PATTERN = r"^\w(?:[\w .'-]{0,62}[\w.])?$"
AnalystName = Annotated[str, Field(min_length=1, max_length=64, pattern=ANALYST_PATTERN)]
ItemId = Annotated[str, Path(min_length=1, max_length=200)]


class Strict(BaseModel):
    """Request models refuse unknown keys: a misspelt key must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Query_(Strict):
    """Evidence and interventions.

    Attributes:
        evidence: variable -> observed state, or one likelihood per state (soft evidence).
        do: variable -> state set by intervention (its causes are cut).
    """

    evidence: EvidenceMap = Field(default_factory=dict)
    do: DoMap = Field(default_factory=dict)
    uncertainty: bool = Field(
        default=False,
        description="Also sample the parameters for 90% intervals (a model with a scenario "
        "spec; for a bare network the empty state says why).",
    )


class BatchQuery(Strict):
    """Several evidence sets, evaluated in one vectorised call."""

    rows: Annotated[list[EvidenceMap], Field(min_length=1, max_length=10_000)]
    do: DoMap = Field(default_factory=dict)


class NewMatrix(Strict):
    """A new ACH matrix: hypotheses are the states of ``hypothesis``."""

    model: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    hypothesis: Name
    title: Annotated[str, Field(min_length=1, max_length=200)] = "ACH"
    items: Literal["indicators", "none"] = "indicators"


class Rating(Strict):
    """One cell: ``rating`` null or empty clears it."""

    item: Annotated[str, Field(min_length=1, max_length=200)]
    hypothesis: Name
    rating: Literal["CC", "C", "N", "I", "II", "NA", ""] | None
    analyst: AnalystName = DEFAULT_ANALYST


class NewItem(Strict):
    """A new row: an indicator of the model (observed in ``state``) or a claim."""

    kind: Literal["indicator", "claim"]
    ref: Name
    state: Name | None = None
    grading: Annotated[str, Field(pattern=r"^[A-F][1-6]$")] | None = None


class ItemChange(Strict):
    """Change a row's grading or observed state."""

    grading: Annotated[str, Field(pattern=r"^[A-F][1-6]$")] | None = None
    state: Name | None = None


# -- response models -----------------------------------------------------------------


class ErrorOut(BaseModel):
    """The one shape of every error response."""

    ok: Literal[False]
    error: str
    errors: list[str]
    status: int


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": what}
    for status, what in (
        (400, "bad request"),
        (401, "the request lacks a valid token (a user's, or the shared one)"),
        (
            403,
            "a Host or Origin this instance does not serve, a role below the one the "
            "request needs, or a rating in another analyst's name",
        ),
        (404, "no such model, variable or matrix"),
        (413, "request body too large"),
        (415, "request body is not JSON"),
        (422, "the request names something the model does not have, or is invalid"),
        (429, "too many failed tokens from this address; wait Retry-After seconds"),
        (503, "the events store is busy (another process is writing it); try again"),
    )
}


class Health(BaseModel):
    ok: bool
    version: str


class CapabilityOut(BaseModel):
    """An analysis beside the forecast: its result, or why it is not available."""

    capability: str
    title: str
    module: str
    available: bool
    reason: str | None
    data: Any = None


class TimelineSeries(BaseModel):
    """One outcome drawn on the timeline, in its headlined state."""

    variable: str
    label: str
    state: str


class TimelineConflict(BaseModel):
    """Hugin's conflict measure of a week's findings under the chain's prediction."""

    value: float | Literal["inf", "-inf"] = Field(
        description="conf(e) = log(prod_i P(e_i) / P(e)) in nats; positive: the findings "
        "fit the model badly together; 0 with fewer than two findings."
    )
    culprit: str | None = Field(
        description="The finding whose removal lowers the conflict most (None: fewer than two)."
    )
    without_culprit: float | Literal["inf", "-inf"] = Field(
        description="conf(e) without the culprit."
    )


class TimelineWeek(BaseModel):
    """One ISO week: outcome probabilities, hidden-state beliefs and what moved them."""

    week: str = Field(description="ISO week, e.g. 2022-W08.")
    start: str = Field(description="Its Monday, YYYY-MM-DD.")
    p: dict[str, float] = Field(description="Outcome variable -> P(headlined state).")
    outcomes: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Outcome variable -> state -> probability."
    )
    states: dict[str, float] = Field(description="Hidden escalation state -> belief.")
    evidence: dict[str, Literal["present", "absent"]] = Field(
        default_factory=dict,
        description="What the engine was given: indicator -> present / absent.",
    )
    indicators: dict[str, Literal["observed", "not_observed"]] = Field(
        description="Indicator statuses of the week; indicators not listed are unknown."
    )
    observed: list[str]
    events: list[WeekEvent] = Field(description="The events behind the statuses.")
    more_events: int = Field(description="Events of the week beyond those listed.")
    conflict: TimelineConflict = Field(description="The conflict of the week's findings.")
    dated: dict[str, float] = Field(
        default_factory=dict,
        description="Outcome variable -> the dated forecast as of the week's last day: "
        "P(headlined state in the next dated_weeks weeks), as `forecast --as-of` gives it.",
    )


class TimelineAlert(BaseModel):
    """A fired alert rule of the time model."""

    week: str
    start: str
    rule: str
    variable: str
    state: str
    p: float | None
    message: str
    indicators: list[str]


class TimelineData(BaseModel):
    """The timeline from the events store, or the reason there is none."""

    model_config = ConfigDict(populate_by_name=True)

    status: Literal["ok", "no_store", "no_events", "no_timeline", "unavailable"]
    reason: str | None
    store: str | None = Field(description="The events store's file name.")
    events: int = Field(description="Events in the store, all sources.")
    span: list[str] | None = Field(description="First and last stored event day.")
    from_: str | None = Field(alias="from", description="Monday of the first week shown.")
    to: str | None = Field(description="Sunday of the last week shown.")
    clipped: bool = Field(description="True when the record was cut to its last weeks.")
    smooth: bool
    graded: bool = Field(
        description="Observed indicators weighted by their sources' Admiralty gradings."
    )
    fitted: bool = Field(
        default=False,
        description="The time model's numbers were fitted to data (secondfront fit); its "
        "fitted emission probabilities weigh each week's evidence.",
    )
    series: list[TimelineSeries]
    hidden_states: list[dict[str, str]]
    indicator_labels: dict[str, str]
    weeks: list[TimelineWeek]
    alerts: list[TimelineAlert] = Field(
        description="Alerts in the weeks shown: the dated forecast's early warning (its "
        "P(within dated_weeks) reached a threshold chosen by rolling origin) when dated_weeks "
        "is set, else the time model's own rules on the chain."
    )
    dated_weeks: int | None = Field(
        default=None, description="Horizon in weeks of each week's dated forecast."
    )
    dated_refit: bool = Field(
        default=False,
        description="Whether each week's dated forecast used the escalation chain refitted "
        "on the store up to that week (out of sample) instead of the analyst's chain.",
    )
    rule_alerts: list[TimelineAlert] = Field(
        default_factory=list,
        description="The time model's own alert rules on the chain's network numbers.",
    )


class TimelineOut(CapabilityOut):
    data: TimelineData | None = None


class ModelSummary(BaseModel):
    name: str
    title: str
    horizon: str
    variables: int
    indicators: int
    outcomes: list[str]
    error: str | None = Field(
        default=None, description="Why the file could not be loaded (then the counts are 0)."
    )


class VariableOut(BaseModel):
    name: str
    label: str
    states: list[str]
    parents: list[str]
    kind: Literal["variable", "indicator"]
    outcome: bool
    headline: str


class ModelDetail(ModelSummary):
    description: str
    nodes: list[VariableOut]


class OutcomeOut(BaseModel):
    variable: str
    label: str
    state: str
    probability: float
    words: str
    term: str
    distribution: dict[str, float]
    basis: list[Basis]
    assumptions: int


class ForecastOut(BaseModel):
    model: str
    horizon: str
    evidence: dict[str, Any]
    do: dict[str, str]
    outcomes: list[OutcomeOut]
    headline: dict[str, float]
    uncertainty: CapabilityOut | None


class MarginalsOut(BaseModel):
    model: str
    marginals: dict[str, dict[str, float]]


class BatchOut(BaseModel):
    model: str
    rows: list[dict[str, dict[str, float]]]
    log_evidence: list[float | None]


class ClaimRefOut(BaseModel):
    id: str
    locator: str
    grading: str
    says: str
    source: dict[str, str]


class ExplanationOut(BaseModel):
    variable: str
    label: str
    states: list[str]
    parents: list[str]
    form: str
    rows: list[tuple[dict[str, str], dict[str, float]]]
    claims: list[ClaimRefOut]
    assumptions: list[str]
    children: list[str]
    marginal: dict[str, float]


class SourceOut(BaseModel):
    id: str
    author: str
    title: str
    date: str
    kind: str
    grading: str
    grading_words: str
    url: str = ""


class ClaimOut(BaseModel):
    id: str
    source: str
    locator: str
    grading: str
    grading_words: str
    says: str
    note: str = ""
    variables: list[str]


class SourcesOut(BaseModel):
    model: str
    sources: list[SourceOut]
    claims: list[ClaimOut]
    not_modelled: list[dict[str, str]]


class MatrixSummary(BaseModel):
    id: int
    model: str
    hypothesis: str
    title: str
    created: str
    updated: str

    @staticmethod
    def of(m: Matrix) -> MatrixSummary:
        """The summary of a stored matrix (its fields read by name)."""
        return MatrixSummary.model_validate(m, from_attributes=True)


class CellOut(BaseModel):
    ratings: dict[str, str] = Field(description="Analyst -> their own rating of the cell.")
    consensus: str | None = Field(description="The consensus rating (scored); null when unrated.")


class ItemOut(BaseModel):
    id: str
    label: str
    kind: str
    grading: str
    grading_words: str
    weight: float
    variable: str | None
    state: str | None
    states: list[str]
    ratings: dict[str, str] = Field(
        description="Hypothesis -> the consensus rating of the cell, the one scored."
    )
    mine: dict[str, str] = Field(
        default_factory=dict, description="Hypothesis -> the current analyst's own rating."
    )
    cells: dict[str, CellOut] = Field(
        default_factory=dict, description="Hypothesis -> every analyst's rating and the consensus."
    )
    diagnosticity: float
    model_ratings: dict[str, str] | None
    likelihoods: dict[str, float] | None


class MatrixOut(MatrixSummary):
    analyst: str = Field(DEFAULT_ANALYST, description="The analyst whose own ratings are `mine`.")
    analysts: list[str] = Field(default_factory=list, description="Every analyst with a rating.")
    consensus_rule: str = CONSENSUS_RULE
    hypotheses: list[str]
    ratings_allowed: list[str]
    items: list[ItemOut]
    inconsistency: dict[str, float]
    weighted_inconsistency: dict[str, float]
    ranking: list[str]
    model_prior: dict[str, float]
    model_posterior: dict[str, float] | None
    disagreements: list[tuple[str, str, str, str]]
    rated_cells: int = Field(
        0, description="Cells with a rating; ranking and posterior use rated cells only."
    )


class Deleted(BaseModel):
    ok: bool
    deleted: int


__all__ = [
    "ANALYST_PATTERN",
    "ERROR_RESPONSES",
    "AnalystName",
    "Assignment",
    "BatchOut",
    "BatchQuery",
    "CapabilityOut",
    "CellOut",
    "ClaimOut",
    "Deleted",
    "DoMap",
    "ErrorOut",
    "ExplanationOut",
    "ForecastOut",
    "Health",
    "ItemChange",
    "ItemId",
    "ItemOut",
    "MarginalsOut",
    "MatrixId",
    "MatrixOut",
    "MatrixSummary",
    "ModelDetail",
    "ModelName",
    "ModelSummary",
    "NewItem",
    "NewMatrix",
    "OutcomeOut",
    "Query_",
    "Rating",
    "SourceOut",
    "SourcesOut",
    "TimelineData",
    "TimelineOut",
    "VariableOut",
]
