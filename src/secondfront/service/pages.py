"""Server-rendered pages of the workbench (Jinja2), and the fragments they swap in.

Each view has one renderer: the page template includes a fragment template, and the
script on the page asks the server for that fragment again after a change (a new
piece of evidence, a new rating) and swaps it in place. So the HTML is produced in
one place and the script stays small (``static/workbench.js``).

Pages are left out of the OpenAPI document: they are for people, the API is for
programs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from secondfront.analysis.ach import RATING_WORDS, RATINGS
from secondfront.analysis.availability import Analysis, unavailable
from secondfront.analysis.language import ICD203
from secondfront.analysis.provenance import source_rows
from secondfront.defaults import FLAGSHIP
from secondfront.errors import QueryError
from secondfront.forecasting.outlook import DEFAULT_HORIZON, MAX_HORIZON
from secondfront.model.grading import CREDIBILITY, RELIABILITY
from secondfront.report.graphics import colour, network_svg
from secondfront.report.render import environment
from secondfront.service import audit
from secondfront.service.access import current_user
from secondfront.service.ach_api import viewer_analyst
from secondfront.service.api import ANALYSES, analysis_out
from secondfront.service.schemas import ANALYST_PATTERN, Query_
from secondfront.service.workbench import Workbench
from secondfront.timeline.view import timeline_moves

# Whose own ratings the ACH page shows and edits (a name, not an account: the workbench
# is a local tool; the consensus is everyone's).
Analyst = Annotated[str | None, Query(min_length=1, max_length=64, pattern=ANALYST_PATTERN)]

_ENV = environment("secondfront.service")
_ENV.filters["colour"] = colour
_ENV.globals["GRADINGS"] = [f"{r}{c}" for r in RELIABILITY for c in CREDIBILITY]
_ENV.globals["RATINGS"] = RATINGS
_ENV.globals["RATING_WORDS"] = RATING_WORDS
_ENV.globals["ICD203"] = ICD203

ModelName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]


def script_json(data: object) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``.

    Event summaries come from ingested files, which anyone may have written: a
    ``</script>`` in one must not end the element, so ``<``, ``>`` and ``&`` are escaped
    as JSON unicode escapes (the parsed value is unchanged).
    """
    text = json.dumps(data)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(template: str, **context: object) -> str:
    """Render ``template`` with ``context``."""
    return _ENV.get_template(template).render(**context)


def error_page(status: int, message: str, errors: Sequence[str]) -> str:
    """A plain page for an error a browser asked for."""
    return render("error.html", status=status, message=message, errors=list(errors))


def _base(bench: Workbench, model: str, page: str) -> dict[str, Any]:
    """What every model page shows around its content: the model, its summary, the page
    and the models to switch to."""
    summary = bench.summary(model)
    return {
        "model": model,
        "summary": summary,
        "page": page,
        "models": [s.name for s in bench.summaries() if s.error is None],
    }


def _team_context(bench: Workbench, request: Request, matrix_id: int) -> dict[str, Any]:
    """Who is looking, whether they may rate, and every cell's history from the log."""
    rows = audit.read(bench.settings.workbench_db, matrix_id, limit=None)
    return {
        "me": current_user(request),
        "with_users": bench.settings.auth == "users",
        "history": {f"{i}|{h}": r for (i, h), r in audit.cell_history(rows).items()},
    }


def _timeline_page(
    bench: Workbench,
    model: str,
    start: dt.date | None,
    end: dt.date | None,
    smooth: bool,
    refit: bool = False,
) -> str:
    """The Timeline page over ``start``..``end``; a bad range is shown on the page over
    the whole record."""
    problem = None
    try:
        view = bench.timeline(model, start, end, smooth, refit)
    except QueryError as e:
        # A bad range is shown on the page, beside the form that can fix it, over the
        # whole record (a 200: the page is useful; the JSON API answers 422).
        problem = str(e)
        view = bench.timeline(model, smooth=smooth, refit=refit)
    data = view.as_json()
    ok = view.status == "ok"
    return render(
        "timeline.html",
        **_base(bench, model, "timeline"),
        result=view,
        data=data,
        ok=ok,
        problem=problem,
        asked={"from": start, "to": end, "smooth": smooth, "refit": refit},
        moves=timeline_moves(view, n=len(view.weeks)) if ok else [],
        data_json=script_json(data) if ok else "null",
    )


def _model_pages(pages: APIRouter, bench: Workbench) -> None:
    """The index and each model's pages: the network, What-if, sources and timeline."""

    @pages.get("/")
    def index() -> Response:
        names = [s.name for s in bench.summaries() if s.error is None]
        if not names:
            return HTMLResponse(error_page(404, "no models found in the model folder", []), 404)
        target = FLAGSHIP if FLAGSHIP in names else names[0]
        return RedirectResponse(f"/models/{target}", status_code=303)

    @pages.get("/models/{model}")
    def model_page(model: ModelName) -> str:
        m = bench.model(model)
        svg = network_svg(
            m.network,
            bench.baseline(model).headlines,
            m.headlines(),
            m.declared_outcomes(),
            m.indicators() if m.spec is not None else [],
        )
        return render(
            "model.html", **_base(bench, model, "model"), svg=svg, description=m.description
        )

    @pages.get("/models/{model}/whatif")
    def whatif_page(model: ModelName) -> str:
        m = bench.model(model)
        inds = m.indicators()
        indicators = [m.variables[n] for n in inds]
        others = [v for v in m if v.name not in inds]
        # The page offers the watchlist even without indicators: it lists none then.
        shown: tuple[Analysis, ...] = ("uncertainty", "sensitivity", "watchlist")
        optional = {
            n: analysis_out(n, reason=None if n == "watchlist" else unavailable(m, n))
            for n in shown
            if n in ANALYSES
        }
        intervals = optional["uncertainty"].available
        return render(
            "whatif.html",
            **_base(bench, model, "whatif"),
            indicators=indicators,
            others=others,
            optional=optional,
            intervals=intervals,
            **outcomes_context(bench, model, Query_(uncertainty=intervals)),
        )

    @pages.post("/models/{model}/whatif/outcomes")
    def whatif_fragment(model: ModelName, query: Annotated[Query_, Body()]) -> str:
        return render("_outcomes.html", model=model, **outcomes_context(bench, model, query))

    @pages.get("/models/{model}/sources")
    def sources_page(model: ModelName) -> str:
        m = bench.model(model)
        srcs, claims = source_rows(m)
        return render(
            "sources.html",
            **_base(bench, model, "sources"),
            sources=srcs,
            claims=claims,
            not_modelled=m.spec.not_modelled if m.spec is not None else [],
        )


def _dated_pages(pages: APIRouter, bench: Workbench) -> None:
    """The dated forecast's pages: the forecast now and the timeline of it."""

    @pages.get("/models/{model}/dated")
    def dated_page(
        model: ModelName,
        as_of: Annotated[dt.date | None, Query()] = None,
        horizon: Annotated[int, Query(ge=1, le=MAX_HORIZON)] = DEFAULT_HORIZON,
        refit: Annotated[bool, Query()] = False,
    ) -> str:
        problem = None
        try:
            found, why = bench.dated(model, as_of, horizon, refit)
        except QueryError as e:
            # A day past the store's end is shown on the page, beside the form that can
            # fix it, with the store's last day (the JSON API answers 422).
            problem = str(e)
            found, why = bench.dated(model, None, horizon, refit)
        return render(
            "dated.html",
            **_base(bench, model, "dated"),
            o=found,
            reason=why,
            problem=problem,
            asked={"as_of": as_of, "horizon": horizon, "refit": refit},
            max_horizon=MAX_HORIZON,
        )

    @pages.get("/models/{model}/timeline")
    def timeline_page(
        model: ModelName,
        start: Annotated[dt.date | None, Query(alias="from")] = None,
        end: Annotated[dt.date | None, Query(alias="to")] = None,
        smooth: Annotated[bool, Query()] = False,
        refit: Annotated[bool, Query()] = False,
    ) -> str:
        return _timeline_page(bench, model, start, end, smooth, refit)


def _ach_pages(pages: APIRouter, bench: Workbench) -> None:
    """The ACH pages and fragments, and the report's redirect."""

    @pages.get("/models/{model}/ach")
    def ach_list_page(model: ModelName) -> str:
        m = bench.model(model)
        inds = set(m.indicators())
        candidates = [v for v in m if v.name not in inds]
        outs = m.declared_outcomes()
        return render(
            "ach_list.html",
            **_base(bench, model, "ach"),
            matrices=bench.store.list(model),
            candidates=candidates,
            default=outs[0] if outs else m.names[-1],
        )

    @pages.get("/ach/{matrix_id}")
    def ach_page(
        request: Request, matrix_id: Annotated[int, Path(ge=1, le=2**62)], analyst: Analyst = None
    ) -> str:
        matrix = bench.store.get(matrix_id)
        out = bench.matrix_out(matrix, viewer_analyst(request, bench, analyst))
        m = bench.model(matrix.model)
        present = {i.variable for i in out.items if i.variable}
        claims_present = {i.id for i in out.items if i.kind == "claim"}
        return render(
            "ach.html",
            **_base(bench, matrix.model, "ach"),
            **_team_context(bench, request, matrix_id),
            m=out,
            free_indicators=[
                m.variables[n]
                for n in m.indicators()
                if n not in present and n != matrix.hypothesis
            ],
            free_claims=[
                c
                for c in (m.spec.claims if m.spec is not None else [])
                if f"claim:{c.id}" not in claims_present
            ],
        )

    @pages.get("/ach/{matrix_id}/matrix")
    def ach_fragment(
        request: Request, matrix_id: Annotated[int, Path(ge=1, le=2**62)], analyst: Analyst = None
    ) -> str:
        out = bench.matrix_out(bench.store.get(matrix_id), viewer_analyst(request, bench, analyst))
        return render("_matrix.html", m=out, **_team_context(bench, request, matrix_id))

    @pages.get("/models/{model}/report")
    def report_page(model: ModelName) -> Response:
        return RedirectResponse(f"/api/models/{model}/report?format=html", status_code=303)


def router(bench: Workbench) -> APIRouter:
    """The page routes bound to ``bench``."""
    pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    _model_pages(pages, bench)
    _dated_pages(pages, bench)
    _ach_pages(pages, bench)
    return pages


def outcomes_context(bench: Workbench, model: str, query: Query_) -> dict[str, object]:
    """The scenario beside the (cached) baseline, for the outcome table and chart."""
    result = bench.whatif(model, query.evidence, query.do, intervals=query.uncertainty)
    now = result.scenario
    intervals = (
        {o.variable: o.interval for o in now.outcomes if o.interval is not None}
        if now.uncertainty is not None
        else None
    )
    baseline = {o.variable: o.probability for o in result.baseline.outcomes}
    chart = [
        {"outcome": o.label, "scenario": scenario, "p": p}
        for o in now.outcomes
        for scenario, p in (
            ("baseline", baseline[o.variable]),
            ("with your evidence", o.probability),
        )
    ]
    return {
        "forecast": now,
        "baseline": baseline,
        "chart_json": json.dumps(chart),
        "interval": intervals,
    }


__all__ = ["error_page", "outcomes_context", "render", "router"]
