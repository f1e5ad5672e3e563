"""The JSON API: models, forecasts, marginals, explanations, sources, timeline, reports.

Every route calls one library function (through :class:`~.workbench.Workbench`) and
renders its typed result as a documented pydantic model (:mod:`.schemas`), or answers
with the one error shape (:func:`secondfront.service.errors.error_body`). Batches are
bounded by ``Settings.max_batch``. The ACH routes are in :mod:`.ach_api`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import HTMLResponse, Response

import secondfront
from secondfront.analysis.assignments import parse_assignments
from secondfront.analysis.availability import unavailable
from secondfront.analysis.explain import explain
from secondfront.analysis.forecast import Forecast
from secondfront.analysis.language import icd203
from secondfront.analysis.provenance import source_rows
from secondfront.analysis.report_data import TOP_ROWS, report_data
from secondfront.analysis.sensitivity import Target, one_at_a_time
from secondfront.analysis.watchlist import watchlist
from secondfront.errors import QueryError
from secondfront.forecasting.outlook import DEFAULT_HORIZON, MAX_HORIZON
from secondfront.inference.query import posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.model import Model
from secondfront.report.render import WorkbenchLink, render_html, render_pdf
from secondfront.service import ach_api, argument_api
from secondfront.service.errors import UnavailableError
from secondfront.service.schemas import (
    ERROR_RESPONSES,
    Assignment,
    BatchOut,
    BatchQuery,
    CapabilityOut,
    ClaimOut,
    ErrorOut,
    ExplanationOut,
    ForecastOut,
    Health,
    MarginalsOut,
    ModelDetail,
    ModelName,
    ModelSummary,
    OutcomeOut,
    Query_,
    SourceOut,
    SourcesOut,
    TimelineData,
    TimelineOut,
)
from secondfront.service.workbench import Workbench
from secondfront.timeline.view import TIMELINE_MAX_WEEKS, TimelineView

# The analyses the workbench shows beside a forecast: name -> (title, module, what it adds).
ANALYSES: dict[str, tuple[str, str, str]] = {
    "uncertainty": (
        "Uncertainty intervals",
        "secondfront.analysis.uncertainty",
        "90% intervals on every outcome probability",
    ),
    "sensitivity": (
        "Sensitivity (top drivers)",
        "secondfront.analysis.sensitivity",
        "which assumptions drive each outcome most",
    ),
    "watchlist": (
        "Watchlist",
        "secondfront.analysis.watchlist",
        "which indicator would change the forecast most if observed",
    ),
    "timeline": (
        "Timeline",
        "secondfront.timeline.view",
        "weekly probabilities from ingested events, with alerts",
    ),
    "simulation": (
        "Simulation summaries",
        "secondfront.simulation",
        "agent-based runs of public, police, army and partisans",
    ),
}
# Shown by the command line (`secondfront simulate`), not yet by the workbench.
NOT_IN_WORKBENCH = {
    "simulation": "not available yet: the workbench does not show simulation summaries; "
    "run `secondfront simulate`"
}


def analysis_out(
    name: str, data: JSONObject | None = None, reason: str | None = None
) -> CapabilityOut:
    """The envelope of one analysis: its data, or the reason it is not available."""
    title, module, _ = ANALYSES[name]
    reason = reason or NOT_IN_WORKBENCH.get(name)
    return CapabilityOut(
        capability=name,
        title=title,
        module=module,
        available=reason is None,
        reason=reason,
        data=data if reason is None else None,
    )


def uncertainty_out(m: Model, fc: Forecast) -> CapabilityOut:
    """The forecast's intervals in the uncertainty envelope."""
    u = fc.uncertainty
    if u is None:
        return analysis_out(
            "uncertainty", reason=unavailable(m, "uncertainty") or "intervals were not asked for"
        )
    return analysis_out(
        "uncertainty",
        {
            "samples": u.n_samples,
            "seed": u.seed,
            "confidence": u.confidence,
            "intervals": {o.variable: [o.interval[0], o.interval[1]] for o in u.outcomes},
            "outcomes": u.as_json(),
            "uncertain_parameters": len(u.uncertain),
            "exact_parameters": len(u.exact),
        },
    )


def forecast_out(m: Model, fc: Forecast, intervals: bool) -> ForecastOut:
    """A forecast as the API's JSON."""
    return ForecastOut(
        model=m.name,
        horizon=fc.horizon,
        evidence=fc.evidence,
        do=fc.do,
        outcomes=[
            OutcomeOut(
                variable=o.variable,
                label=o.label,
                state=o.state,
                probability=o.probability,
                words=icd203(o.probability).words,
                term=o.term,
                distribution=o.distribution,
                basis=list(o.basis),
                assumptions=o.assumptions,
            )
            for o in fc.outcomes
        ],
        headline=fc.headlines,
        uncertainty=uncertainty_out(m, fc) if intervals else None,
    )


def timeline_out(view: TimelineView) -> TimelineOut:
    """A timeline view in its envelope; a store that cannot be opened is a 503."""
    if view.status == "unavailable":
        raise UnavailableError(view.reason or "the events store cannot be opened now")
    return TimelineOut(
        **analysis_out("timeline").model_dump(exclude={"data"}),
        data=TimelineData.model_validate(view.as_json()),
    )


def _batch_out(bench: Workbench, model: str, query: BatchQuery) -> BatchOut:
    """Marginals for each evidence row of ``query`` in one vectorised call; a row with
    P(e) = 0 gets ``null`` log evidence and empty marginals.

    Raises:
        QueryError: more rows than ``Settings.max_batch``.
    """
    limit = bench.settings.max_batch
    if len(query.rows) > limit:
        raise QueryError(f"{len(query.rows)} rows is over the batch limit of {limit}")
    found = bench.loaded(model)
    m = found.model
    post = posterior_batch(found.query, query.rows, do=query.do, on_impossible="nan")
    rows: list[dict[str, dict[str, float]]] = []
    logs: list[float | None] = []
    for r in range(len(query.rows)):
        ok = math.isfinite(float(post.log_evidence[r]))
        logs.append(float(post.log_evidence[r]) if ok else None)
        rows.append(
            {
                v: dict(zip(m.variables[v].states, map(float, p[r]), strict=True))
                for v, p in post.marginals.items()
            }
            if ok
            else {}
        )
    return BatchOut(model=model, rows=rows, log_evidence=logs)


def sensitivity_out(m: Model) -> CapabilityOut:
    """Top drivers of the headline outcome, in the sensitivity envelope (``TOP_ROWS``
    one-at-a-time swings, largest first)."""
    if (why := unavailable(m, "sensitivity")) is not None:
        return analysis_out("sensitivity", reason=why)
    target = Target.headline(m)
    return analysis_out("sensitivity", one_at_a_time(m, target).top(TOP_ROWS))


def watchlist_out(m: Model) -> CapabilityOut:
    """Indicators ranked by mutual information with the headline outcome, in the
    watchlist envelope (``TOP_ROWS`` rows)."""
    if (why := unavailable(m, "watchlist")) is not None:
        return analysis_out("watchlist", reason=why)
    target = Target.headline(m)
    return analysis_out("watchlist", watchlist(m, target, top_pairs=0).top(TOP_ROWS))


def _report_response(
    bench: Workbench,
    model: str,
    format: Literal["html", "pdf"],
    evidence: list[Assignment] | None,
    do: list[Assignment] | None,
    appendix: bool,
) -> Response:
    """The model's report as HTML, or as a PDF attachment, at baseline or for a scenario;
    its link back goes to the What-if page when the scenario sets anything."""
    m = bench.model(model)
    observed = parse_assignments(evidence, "evidence")
    forced = parse_assignments(do, "intervention")
    data = report_data(m, observed, forced, events_db=bench.settings.events_db)
    page = "whatif" if observed or forced else ""
    back = WorkbenchLink(
        f"/models/{model}/{page}".rstrip("/"),
        "the What-if page" if page else "the model's page",
    )
    html = render_html(data, appendix=appendix, workbench=back)
    if format == "pdf":
        name = f"{model}-scenario" if observed or forced else model
        return Response(
            render_pdf(html),
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}.pdf"'},
        )
    return HTMLResponse(html)


def _model_routes(api: APIRouter, bench: Workbench) -> None:
    """The service's health and capabilities, and each model's forecast, marginals,
    variables and sources."""

    @api.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """Liveness and the package version."""
        return Health(ok=True, version=secondfront.__version__)

    @api.get("/capabilities", response_model=list[CapabilityOut], tags=["service"])
    def list_capabilities() -> list[CapabilityOut]:
        """The analyses beside a forecast and whether the workbench shows each."""
        return [analysis_out(name) for name in ANALYSES]

    @api.get("/models", response_model=list[ModelSummary], tags=["models"])
    def models() -> list[ModelSummary]:
        """Models in the configured model folder (not their companion files)."""
        return bench.summaries()

    @api.get("/models/{model}", response_model=ModelDetail, tags=["models"])
    def model_detail(model: ModelName) -> ModelDetail:
        """A model's variables, indicators and outcomes."""
        return bench.detail(model)

    @api.post("/models/{model}/forecast", response_model=ForecastOut, tags=["models"])
    def model_forecast(model: ModelName, query: Annotated[Query_, Body()]) -> ForecastOut:
        """Outcome probabilities under evidence and interventions, in ICD 203 words."""
        fc = bench.forecast(model, query.evidence, query.do, intervals=query.uncertainty)
        return forecast_out(bench.model(model), fc, query.uncertainty)

    @api.post("/models/{model}/marginals", response_model=MarginalsOut, tags=["models"])
    def marginals(model: ModelName, query: Annotated[Query_, Body()]) -> MarginalsOut:
        """Posterior marginals of every variable."""
        compiled = bench.loaded(model).query
        return MarginalsOut(model=model, marginals=compiled.infer(query.evidence, do=query.do))

    @api.post("/models/{model}/marginals/batch", response_model=BatchOut, tags=["models"])
    def marginals_batch(model: ModelName, query: Annotated[BatchQuery, Body()]) -> BatchOut:
        """Marginals for many evidence sets in one vectorised call (rows with P(e) = 0
        get ``null`` log evidence and empty marginals)."""
        return _batch_out(bench, model, query)

    @api.get("/models/{model}/variables/{variable}", response_model=ExplanationOut, tags=["models"])
    def variable(
        model: ModelName, variable: Annotated[str, Path(max_length=100)]
    ) -> ExplanationOut:
        """A variable's parents, table, claims, sources and assumptions."""
        found = bench.loaded(model)
        ex = explain(found.model, variable)
        return ExplanationOut(**asdict(ex), marginal=found.query.infer()[variable])

    @api.get("/models/{model}/sources", response_model=SourcesOut, tags=["models"])
    def sources(model: ModelName) -> SourcesOut:
        """Every source and claim, with locators, gradings and the variables each supports."""
        m = bench.model(model)
        srcs, claims = source_rows(m)
        nm = [
            {"locator": str(n.locator), "reason": n.reason}
            for n in (m.spec.not_modelled if m.spec is not None else [])
        ]
        return SourcesOut(
            model=model,
            sources=[SourceOut(**s) for s in srcs],
            claims=[ClaimOut(**c) for c in claims],
            not_modelled=nm,
        )


def _optional_routes(api: APIRouter, bench: Workbench) -> None:
    """The analyses beside a forecast: sensitivity, watchlist, simulation."""

    @api.get("/models/{model}/sensitivity", response_model=CapabilityOut, tags=["optional"])
    def sensitivity(model: ModelName) -> CapabilityOut:
        """Top drivers: one-at-a-time swings of the headline outcome, largest first."""
        return sensitivity_out(bench.model(model))

    @api.get("/models/{model}/watchlist", response_model=CapabilityOut, tags=["optional"])
    def watch(model: ModelName) -> CapabilityOut:
        """Indicators ranked by mutual information with the headline outcome."""
        return watchlist_out(bench.model(model))

    @api.get("/models/{model}/simulation", response_model=CapabilityOut, tags=["optional"])
    def simulation(model: ModelName) -> CapabilityOut:
        """Simulation summaries (an empty state: `secondfront simulate` runs them)."""
        bench.model(model)
        return analysis_out("simulation")


def _dated_routes(api: APIRouter, bench: Workbench) -> None:
    """The dated forecast from the events store: the timeline of it and the forecast now."""

    @api.get(
        "/models/{model}/timeline",
        response_model=TimelineOut,
        tags=["optional"],
        description="Weekly outcome probabilities from the events store (`serve --db`), "
        "with alerts and, per week, the indicator statuses and the events behind them. "
        "The chain is filtered over every stored week; `from` and `to` select the weeks "
        f"shown, at most {TIMELINE_MAX_WEEKS} per request; without them, the last "
        f"{TIMELINE_MAX_WEEKS} weeks of the stored record. A store that is missing or "
        "empty, or a model without a time model, is an empty state (`data.status` and "
        "`data.reason` say which).",
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
            bool, Query(description="Use every stored week, not only the past.")
        ] = False,
        refit: Annotated[
            bool,
            Query(
                description="Each week's dated forecast under the chain refitted on the "
                "store up to that week (out of sample; one fit a week up to the last one "
                "shown: seconds for a few months, about 40 s for the whole shipped history)."
            ),
        ] = False,
    ) -> TimelineOut:
        """The timeline of ``model`` over a bounded range (see the route's description)."""
        return timeline_out(bench.timeline(model, start, end, smooth, refit))

    @api.get(
        "/models/{model}/dated",
        response_model=CapabilityOut,
        tags=["optional"],
        description="The dated forecast from the events store (`serve --db`), what "
        "`secondfront forecast --db` prints: each outcome's P(it happens in the next "
        "`horizon` weeks after `as_of`), its 90% interval, the outside view, the "
        "decomposition and what its numbers rest on. Without `as_of`, the store's last "
        "event day. A store that is missing or empty, or a model without a time model, "
        "is an empty state (`available` false, `reason` says which).",
    )
    def dated(
        model: ModelName,
        as_of: Annotated[
            dt.date | None,
            Query(description="The forecast day, YYYY-MM-DD (default: the last event day)."),
        ] = None,
        horizon: Annotated[
            int, Query(ge=1, le=MAX_HORIZON, description="Weeks ahead.")
        ] = DEFAULT_HORIZON,
        refit: Annotated[
            bool,
            Query(
                description="The chain refitted on the store up to the day (out of sample) "
                "instead of the analyst's chain."
            ),
        ] = False,
    ) -> CapabilityOut:
        """The dated forecast of ``model`` (see the route's description)."""
        found, why = bench.dated(model, as_of, horizon, refit)
        return CapabilityOut(
            capability="dated",
            title="The dated forecast",
            module="secondfront.forecasting.outlook",
            available=found is not None,
            reason=why,
            data=found.as_json() if found is not None else None,
        )


def _report_route(api: APIRouter, bench: Workbench) -> None:
    """The model's report, HTML or PDF."""

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
        appendix: Annotated[
            bool,
            Query(
                description="Add the long tables (timeline weeks, every assumption, "
                "source and claim)."
            ),
        ] = False,
    ) -> Response:
        """The model's report as self-contained HTML or as PDF, at baseline or for a
        scenario (the What-if page links here with its evidence and interventions)."""
        return _report_response(bench, model, format, evidence, do, appendix)


def router(bench: Workbench) -> APIRouter:
    """The ``/api`` routes bound to ``bench``."""
    api = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
    _model_routes(api, bench)
    _optional_routes(api, bench)
    _dated_routes(api, bench)
    _report_route(api, bench)
    ach_api.register(api, bench)
    argument_api.register(api, bench)
    return api


__all__ = [
    "ANALYSES",
    "ERROR_RESPONSES",
    "ErrorOut",
    "TimelineOut",
    "Workbench",
    "analysis_out",
    "forecast_out",
    "router",
    "sensitivity_out",
    "timeline_out",
    "watchlist_out",
]
