"""The JSON API: models, forecasts, marginals, explanations, sources, ACH and reports.

Every route answers with a documented pydantic model, or with the one error shape
(:func:`secondfront.service.errors.error_body`). Request bodies are validated
declaratively with bounds on every list and mapping, so a request cannot ask for
unbounded work; batches are further bounded by ``Settings.max_batch``.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

import secondfront
from secondfront.analysis import ach
from secondfront.analysis.explain import explain
from secondfront.analysis.forecast import Basis, forecast
from secondfront.analysis.language import icd203
from secondfront.errors import QueryError, SecondfrontError, SpecError, unknown_name
from secondfront.inference.query import infer, posterior_batch
from secondfront.model.grading import parse_grading
from secondfront.model.network import Network
from secondfront.report import capabilities
from secondfront.report.adapters import TIMELINE_MAX_WEEKS
from secondfront.report.build import (
    build_report,
    declared_outcomes,
    headline_states,
    indicator_names,
    source_rows,
)
from secondfront.report.render import render_html, render_pdf
from secondfront.service.catalog import ModelCatalog
from secondfront.service.errors import (
    NotFoundError,
    ServiceError,
    UnavailableError,
    messages_for,
)
from secondfront.service.settings import Settings
from secondfront.service.store import AchStore, Matrix, matrix_csv

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
ItemId = Annotated[str, Path(min_length=1, max_length=200)]


def _assignments(items: list[str] | None, what: str) -> dict[str, str]:
    """``["A=x", "B=y"]`` -> ``{"A": "x", "B": "y"}``; a variable given twice is an error.

    The items are already checked against ``Assignment``; unknown names and states are
    left to the forecast, which names the valid ones.
    """
    out: dict[str, str] = {}
    for item in items or []:
        name, _, value = item.partition("=")
        if name in out and out[name] != value:
            raise QueryError(f"{what}: {name} given twice ({out[name]!r} and {value!r})")
        out[name] = value
    return out


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
        description="Also sample the parameters for 90% intervals (when the uncertainty "
        "capability is installed; otherwise its empty state is returned).",
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
        (401, "a token is configured and the request lacks it"),
        (403, "a Host or Origin this instance does not serve"),
        (404, "no such model, variable or matrix"),
        (413, "request body too large"),
        (415, "request body is not JSON"),
        (422, "the request names something the model does not have, or is invalid"),
        (503, "the events store is busy (another process is writing it); try again"),
    )
}


class Health(BaseModel):
    ok: bool
    version: str


class CapabilityOut(BaseModel):
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


class TimelineEvent(BaseModel):
    """A stored event mapped to one or more indicators in its week."""

    id: str
    source: Literal["acled", "gdelt", "text"]
    date: str
    weight: float
    indicators: list[str]
    gradings: list[str]
    kind: str
    summary: str
    origin: str


class TimelineWeek(BaseModel):
    """One ISO week: outcome probabilities, hidden-state beliefs and what moved them."""

    week: str = Field(description="ISO week, e.g. 2022-W08.")
    start: str = Field(description="Its Monday, YYYY-MM-DD.")
    p: dict[str, float] = Field(description="Outcome variable -> P(headlined state).")
    states: dict[str, float] = Field(description="Hidden escalation state -> belief.")
    indicators: dict[str, Literal["observed", "not_observed"]] = Field(
        description="Indicator statuses of the week; indicators not listed are unknown."
    )
    observed: list[str]
    events: list[TimelineEvent] = Field(description="The events behind the statuses.")
    more_events: int = Field(description="Events of the week beyond those listed.")


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
    series: list[TimelineSeries]
    hidden_states: list[dict[str, str]]
    indicator_labels: dict[str, str]
    weeks: list[TimelineWeek]
    alerts: list[TimelineAlert]


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
    def fields_of(m: Matrix) -> dict[str, Any]:
        """The summary's fields, read from a stored matrix."""
        return {k: getattr(m, k) for k in MatrixSummary.model_fields}


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
    ratings: dict[str, str]
    diagnosticity: float
    model_ratings: dict[str, str] | None
    likelihoods: dict[str, float] | None


class MatrixOut(MatrixSummary):
    hypotheses: list[str]
    ratings_allowed: list[str]
    items: list[ItemOut]
    inconsistency: dict[str, float]
    weighted_inconsistency: dict[str, float]
    ranking: list[str]
    model_prior: dict[str, float]
    model_posterior: dict[str, float] | None
    disagreements: list[tuple[str, str, str, str]]


class Deleted(BaseModel):
    ok: bool
    deleted: int


# -- the routes ----------------------------------------------------------------------


class Workbench:
    """State shared by the routes: settings, the model catalog and the ACH store.

    Args:
        settings: the instance's configuration.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = ModelCatalog(settings.models_dir)
        self.store = AchStore(settings.db)
        # Networks cache compiled plans in dicts; one lock keeps two request threads
        # from building the same plan at once. Queries take milliseconds.
        self.lock = threading.Lock()

    def network(self, name: str) -> Network:
        """The model called ``name`` (NotFoundError when unknown).

        A file with problems is a 422 whose messages name the file, not its full path:
        where the server keeps its models is none of the client's business.
        """
        try:
            return self.catalog.load(name)
        except SpecError as e:
            path = self.catalog.path(name)
            lines = [str(d).replace(str(path), path.name) for d in e.diagnostics]
            raise ServiceError(f"model {name!r} has problems: {lines[0]}", lines) from None

    def summaries(self) -> list[ModelSummary]:
        """Every model file of the folder; one that does not load says why, in ``error``.

        The model folder may hold other YAML files (data that travels with a model);
        listing them with their error beats failing the whole list.
        """
        out = []
        for name in self.catalog.entries():
            try:
                out.append(self.summary(name))
            except SecondfrontError as e:
                first = messages_for(e)[0]
                out.append(
                    ModelSummary(
                        name=name,
                        title="",
                        horizon="",
                        variables=0,
                        indicators=0,
                        outcomes=[],
                        error=first,
                    )
                )
        return out

    def summary(self, name: str) -> ModelSummary:
        """Name, title, horizon and counts of model ``name``."""
        net = self.network(name)
        spec = net.meta.get("spec")
        return ModelSummary(
            name=name,
            title=spec.model.title if spec is not None else net.name,
            horizon=spec.model.horizon if spec is not None else "",
            variables=len(net),
            indicators=len(indicator_names(net)),
            outcomes=declared_outcomes(net),
        )

    def detail(self, name: str) -> ModelDetail:
        """Summary plus every variable of model ``name``."""
        net = self.network(name)
        spec = net.meta.get("spec")
        heads = headline_states(net)
        outs = set(declared_outcomes(net))
        inds = set(indicator_names(net))
        return ModelDetail(
            **self.summary(name).model_dump(),
            description=spec.model.description if spec is not None else "",
            nodes=[
                VariableOut(
                    name=v.name,
                    label=v.label,
                    states=list(v.states),
                    parents=list(v.parents),
                    kind="indicator" if v.name in inds else "variable",
                    outcome=v.name in outs,
                    headline=heads[v.name],
                )
                for v in net
            ],
        )

    def forecast(self, name: str, query: Query_) -> ForecastOut:
        """Outcome probabilities with ICD 203 words and basis."""
        net = self.network(name)
        with self.lock:
            fc = forecast(net, query.evidence, query.do)
            marg = infer(net, query.evidence, do=query.do)
        heads = headline_states(net)
        outcomes = [
            OutcomeOut(
                variable=o.variable,
                label=o.label,
                state=o.state,
                probability=o.probability,
                words=icd203(o.probability).words,
                term=str(icd203(o.probability)),
                distribution=o.distribution,
                basis=list(o.basis),
                assumptions=o.assumptions,
            )
            for o in fc.outcomes
        ]
        return ForecastOut(
            model=name,
            horizon=fc.horizon,
            evidence=fc.evidence,
            do=fc.do,
            outcomes=outcomes,
            headline={v: marg[v][heads[v]] for v in marg},
            uncertainty=CapabilityOut(
                **capabilities.run("uncertainty", net, {"evidence": query.evidence, "do": query.do})
            )
            if query.uncertainty
            else None,
        )

    def timeline(
        self,
        name: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        smooth: bool = False,
    ) -> dict[str, Any]:
        """The timeline capability's result for model ``name`` on the configured store.

        Raises:
            QueryError: a reversed, out-of-bounds or too long date range (422).
        """
        net = self.network(name)
        params = {"events_db": self.settings.events_db, "from": start, "to": end, "smooth": smooth}
        # The timeline runs the network's plans like any query, and holding the lock
        # for the store's few hundred milliseconds also keeps two requests from
        # mapping new events into it at the same time.
        with self.lock:
            return capabilities.run("timeline", net, params)

    # -- ACH ---------------------------------------------------------------------------

    def matrix_out(self, m: Matrix) -> MatrixOut:
        """A saved matrix with its scores and the model's view beside them."""
        net = self.network(m.model)
        if m.hypothesis not in net.variables:
            raise unknown_name("variable", m.hypothesis, net.names)
        hyps = list(net.variables[m.hypothesis].states)
        with self.lock:
            view = ach.model_view(net, m.hypothesis, m.items)
        scores = ach.score(m.items, hyps, m.ratings, view)
        items = [
            ItemOut(
                id=i.id,
                label=i.label,
                kind=i.kind,
                grading=i.grading,
                grading_words=parse_grading(i.grading).describe(),
                weight=i.weight,
                variable=i.variable,
                state=i.state,
                states=list(net.variables[i.variable].states) if i.variable else [],
                ratings={h: r for h in hyps if (r := m.ratings.get((i.id, h)))},
                diagnosticity=scores.diagnosticity[i.id],
                model_ratings=view.ratings.get(i.id),
                likelihoods=view.likelihoods.get(i.id),
            )
            for i in m.items
        ]
        return MatrixOut(
            **MatrixSummary.fields_of(m),
            hypotheses=hyps,
            ratings_allowed=list(ach.RATINGS),
            items=items,
            inconsistency=scores.inconsistency,
            weighted_inconsistency=scores.weighted,
            ranking=scores.ranking,
            model_prior=view.prior,
            model_posterior=view.posterior,
            disagreements=scores.disagreements,
        )

    def new_item(self, net: Network, body: NewItem) -> ach.EvidenceItem:
        """The row a NewItem describes, checked against the model."""
        if body.kind == "claim":
            item = ach.claim_item(net, body.ref)
            if body.grading:
                item = ach.EvidenceItem(item.id, item.label, item.kind, body.grading)
            return item
        inds = indicator_names(net)
        if body.ref not in inds:
            raise unknown_name("indicator", body.ref, inds)
        var = net.variables[body.ref]
        state = body.state or var.states[-1]
        if state not in var.states:
            raise unknown_name(f"state of {var.name}", state, var.states)
        return ach.EvidenceItem(
            f"ind:{var.name}",
            var.label or var.name,
            "indicator",
            body.grading or "F6",
            var.name,
            state,
        )


def router(bench: Workbench) -> APIRouter:
    """The ``/api`` routes bound to ``bench``."""
    api = APIRouter(prefix="/api", responses=ERROR_RESPONSES)

    @api.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """Liveness and the package version."""
        return Health(ok=True, version=secondfront.__version__)

    @api.get("/capabilities", response_model=list[CapabilityOut], tags=["service"])
    def list_capabilities() -> list[CapabilityOut]:
        """Optional analyses and whether each is available (with the reason when not)."""
        out = []
        for cap in capabilities.capabilities():
            st = capabilities.status(cap.name)
            out.append(
                CapabilityOut(
                    capability=st.name,
                    title=st.title,
                    module=st.module,
                    available=st.available,
                    reason=st.reason,
                )
            )
        return out

    @api.get("/models", response_model=list[ModelSummary], tags=["models"])
    def models() -> list[ModelSummary]:
        """Models in the configured model folder."""
        return bench.summaries()

    @api.get("/models/{model}", response_model=ModelDetail, tags=["models"])
    def model_detail(model: ModelName) -> ModelDetail:
        """A model's variables, indicators and outcomes."""
        return bench.detail(model)

    @api.post("/models/{model}/forecast", response_model=ForecastOut, tags=["models"])
    def model_forecast(model: ModelName, query: Annotated[Query_, Body()]) -> ForecastOut:
        """Outcome probabilities under evidence and interventions, in ICD 203 words."""
        return bench.forecast(model, query)

    @api.post("/models/{model}/marginals", response_model=MarginalsOut, tags=["models"])
    def marginals(model: ModelName, query: Annotated[Query_, Body()]) -> MarginalsOut:
        """Posterior marginals of every variable."""
        net = bench.network(model)
        with bench.lock:
            return MarginalsOut(model=model, marginals=infer(net, query.evidence, do=query.do))

    @api.post("/models/{model}/marginals/batch", response_model=BatchOut, tags=["models"])
    def marginals_batch(model: ModelName, query: Annotated[BatchQuery, Body()]) -> BatchOut:
        """Marginals for many evidence sets in one vectorised call (rows with P(e) = 0
        get ``null`` log evidence and empty marginals)."""
        limit = bench.settings.max_batch
        if len(query.rows) > limit:
            raise QueryError(f"{len(query.rows)} rows is over the batch limit of {limit}")
        net = bench.network(model)
        with bench.lock:
            post = posterior_batch(net, query.rows, do=query.do, on_impossible="nan")
        rows: list[dict[str, dict[str, float]]] = []
        logs: list[float | None] = []
        for r in range(len(query.rows)):
            ok = math.isfinite(float(post.log_evidence[r]))
            logs.append(float(post.log_evidence[r]) if ok else None)
            rows.append(
                {
                    v: dict(zip(net.variables[v].states, map(float, m[r]), strict=True))
                    for v, m in post.marginals.items()
                }
                if ok
                else {}
            )
        return BatchOut(model=model, rows=rows, log_evidence=logs)

    @api.get("/models/{model}/variables/{variable}", response_model=ExplanationOut, tags=["models"])
    def variable(
        model: ModelName, variable: Annotated[str, Path(max_length=100)]
    ) -> ExplanationOut:
        """A variable's parents, table, claims, sources and assumptions."""
        net = bench.network(model)
        ex = explain(net, variable)
        with bench.lock:
            marginal = infer(net)[variable]
        data = asdict(ex)
        return ExplanationOut(**data, marginal=marginal)

    @api.get("/models/{model}/sources", response_model=SourcesOut, tags=["models"])
    def sources(model: ModelName) -> SourcesOut:
        """Every source and claim, with locators, gradings and the variables each supports."""
        net = bench.network(model)
        srcs, claims = source_rows(net)
        spec = net.meta.get("spec")
        nm = [
            {"locator": str(n.locator), "reason": n.reason}
            for n in (spec.not_modelled if spec is not None else [])
        ]
        return SourcesOut(
            model=model,
            sources=[SourceOut(**s) for s in srcs],
            claims=[ClaimOut(**c) for c in claims],
            not_modelled=nm,
        )

    def optional_route(name: str) -> None:
        cap = capabilities.get(name)

        def handler(model: ModelName) -> CapabilityOut:
            return CapabilityOut(**capabilities.run(name, bench.network(model)))

        handler.__doc__ = f"{cap.title}: {cap.provides} (an empty state until {cap.module} lands)."
        api.add_api_route(
            f"/models/{{model}}/{name}",
            handler,
            methods=["GET"],
            response_model=CapabilityOut,
            tags=["optional"],
            name=name,
        )

    for name in ("sensitivity", "watchlist", "simulation"):
        optional_route(name)

    @api.get(
        "/models/{model}/timeline",
        response_model=TimelineOut,
        tags=["optional"],
        description="Weekly outcome probabilities from the events store (`serve "
        "--events-db`), with alerts and, per week, the indicator statuses and the events "
        f"behind them. At most {TIMELINE_MAX_WEEKS} weeks per request; without `from` and "
        f"`to`, the last {TIMELINE_MAX_WEEKS} weeks of the stored record. A store that is "
        "missing or empty, or a model without a time model, is an empty state "
        "(`data.status` and `data.reason` say which).",
    )
    def timeline(
        model: ModelName,
        start: Annotated[
            dt.date | None,
            Query(alias="from", description="First day, YYYY-MM-DD (default: the first event)."),
        ] = None,
        end: Annotated[
            dt.date | None,
            Query(alias="to", description="Last day, YYYY-MM-DD (default: the last event)."),
        ] = None,
        smooth: Annotated[
            bool, Query(description="Use every week of the range, not only the past.")
        ] = False,
    ) -> TimelineOut:
        """The timeline of ``model`` over a bounded range (see the route's description)."""
        out = bench.timeline(model, start, end, smooth)
        data = out["data"]
        if data is not None and data["status"] == "unavailable":
            raise UnavailableError(data["reason"])
        return TimelineOut(**out)

    @api.get(
        "/models/{model}/report",
        tags=["reports"],
        responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
    )
    def report(
        model: ModelName,
        format: Annotated[Literal["html", "pdf"], Query()] = "html",
        evidence: Annotated[
            list[Assignment] | None,
            Query(max_length=500, description="VAR=STATE, repeatable: an observed state."),
        ] = None,
        do: Annotated[
            list[Assignment] | None,
            Query(max_length=500, description="VAR=STATE, repeatable: an intervention."),
        ] = None,
    ) -> Response:
        """The model's report as self-contained HTML or as PDF, at baseline or for a
        scenario (the What-if page links here with its evidence and interventions)."""
        net = bench.network(model)
        observed = _assignments(evidence, "evidence")
        forced = _assignments(do, "do")
        with bench.lock:
            data = build_report(
                net, evidence=observed, do=forced, events_db=bench.settings.events_db
            )
            html = render_html(data)
        if format == "pdf":
            name = f"{model}-scenario" if observed or forced else model
            return Response(
                render_pdf(html),
                media_type="application/pdf",
                headers={"content-disposition": f'attachment; filename="{name}.pdf"'},
            )
        return HTMLResponse(html)

    # -- ACH ---------------------------------------------------------------------------

    @api.get("/ach", response_model=list[MatrixSummary], tags=["ach"])
    def ach_list(model: Annotated[str | None, Query(max_length=100)] = None) -> list[MatrixSummary]:
        """Saved matrices, newest first."""
        return [MatrixSummary(**MatrixSummary.fields_of(m)) for m in bench.store.list(model)]

    @api.post("/ach", response_model=MatrixOut, status_code=201, tags=["ach"])
    def ach_create(body: NewMatrix) -> MatrixOut:
        """Create a matrix whose hypotheses are the states of one variable."""
        net = bench.network(body.model)
        if body.hypothesis not in net.variables:
            raise unknown_name("variable", body.hypothesis, net.names)
        items = ach.indicator_items(net, body.hypothesis) if body.items == "indicators" else []
        # An indicator that is the hypothesis itself would be rated against itself.
        items = [i for i in items if i.variable != body.hypothesis]
        return bench.matrix_out(bench.store.create(body.model, body.hypothesis, body.title, items))

    @api.get("/ach/{matrix_id}", response_model=MatrixOut, tags=["ach"])
    def ach_get(matrix_id: MatrixId) -> MatrixOut:
        """A matrix with weighted inconsistency, diagnosticity and the model's view."""
        return bench.matrix_out(bench.store.get(matrix_id))

    @api.delete("/ach/{matrix_id}", response_model=Deleted, tags=["ach"])
    def ach_delete(matrix_id: MatrixId) -> Deleted:
        """Delete a matrix."""
        bench.store.delete(matrix_id)
        return Deleted(ok=True, deleted=matrix_id)

    @api.put("/ach/{matrix_id}/ratings", response_model=MatrixOut, tags=["ach"])
    def ach_rate(matrix_id: MatrixId, body: Rating) -> MatrixOut:
        """Rate one cell (CC, C, N, I, II, NA; null clears it); returns the new scores."""
        m = bench.store.get(matrix_id)
        if body.item not in {i.id for i in m.items}:
            raise unknown_name("item", body.item, [i.id for i in m.items])
        hyps = bench.network(m.model).variables[m.hypothesis].states
        if body.hypothesis not in hyps:
            raise unknown_name("hypothesis", body.hypothesis, hyps)
        bench.store.rate(matrix_id, body.item, body.hypothesis, body.rating or None)
        return bench.matrix_out(bench.store.get(matrix_id))

    @api.post("/ach/{matrix_id}/items", response_model=MatrixOut, tags=["ach"])
    def ach_add_item(matrix_id: MatrixId, body: NewItem) -> MatrixOut:
        """Add an indicator (observed in a state) or a claim as a row."""
        m = bench.store.get(matrix_id)
        net = bench.network(m.model)
        item = bench.new_item(net, body)
        if item.variable == m.hypothesis:
            raise QueryError(f"{item.variable} is the hypothesis variable; it cannot be evidence")
        bench.store.add_item(matrix_id, item)
        return bench.matrix_out(bench.store.get(matrix_id))

    @api.patch("/ach/{matrix_id}/items/{item_id}", response_model=MatrixOut, tags=["ach"])
    def ach_change_item(matrix_id: MatrixId, item_id: ItemId, body: ItemChange) -> MatrixOut:
        """Change a row's grading or observed state."""
        m = bench.store.get(matrix_id)
        found = {i.id: i for i in m.items}
        if item_id not in found:
            raise NotFoundError(f"matrix {matrix_id} has no item {item_id!r}")
        old = found[item_id]
        state = body.state or old.state
        if body.state is not None:
            if old.variable is None:
                raise QueryError(f"{item_id} is a claim; only indicators have a state")
            states = bench.network(m.model).variables[old.variable].states
            if body.state not in states:
                raise unknown_name(f"state of {old.variable}", body.state, states)
        new = ach.EvidenceItem(
            old.id, old.label, old.kind, body.grading or old.grading, old.variable, state
        )
        bench.store.add_item(matrix_id, new)
        return bench.matrix_out(bench.store.get(matrix_id))

    @api.delete("/ach/{matrix_id}/items/{item_id}", response_model=MatrixOut, tags=["ach"])
    def ach_remove_item(matrix_id: MatrixId, item_id: ItemId) -> MatrixOut:
        """Remove a row and its ratings."""
        bench.store.remove_item(matrix_id, item_id)
        return bench.matrix_out(bench.store.get(matrix_id))

    @api.get("/ach/{matrix_id}/csv", tags=["ach"], responses={200: {"content": {"text/csv": {}}}})
    def ach_csv(matrix_id: MatrixId) -> Response:
        """The matrix as CSV, with diagnosticity and the model's ratings per row."""
        m = bench.store.get(matrix_id)
        out = bench.matrix_out(m)
        extra: dict[str, dict[str, object]] = {}
        for item in out.items:
            cols: dict[str, object] = {
                "diagnosticity": f"{item.diagnosticity:.4f}",
                "weight": f"{item.weight:.4f}",
            }
            for h in out.hypotheses:
                cols[f"model:{h}"] = (item.model_ratings or {}).get(h, "")
            extra[item.id] = cols
        text = matrix_csv(m, out.hypotheses, extra)
        text += "\n" + ",".join(
            [
                "weighted inconsistency",
                "",
                "",
                "",
                "",
                *[f"{out.weighted_inconsistency[h]:.4f}" for h in out.hypotheses],
            ]
        )
        return Response(
            text + "\n",
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="ach-{matrix_id}.csv"'},
        )

    return api


__all__ = ["ERROR_RESPONSES", "ErrorOut", "TimelineOut", "Workbench", "router"]
