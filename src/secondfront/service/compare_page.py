"""The Compare page: two arguments about one question, and what would decide between them.

It renders :func:`secondfront.analysis.compare.compare` (the same result as
``secondfront compare A B`` and ``GET /api/compare``); nothing is recomputed here.
Models are chosen by name from the model folder.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from secondfront.analysis.compare import compare
from secondfront.analysis.language import icd203
from secondfront.defaults import FLAGSHIP
from secondfront.errors import UsageError
from secondfront.service.pages import render
from secondfront.service.workbench import Workbench

# The second argument shipped about the flagship's question: the default to compare with.
SECOND = "isw-belarus-restraint"
# Rows shown per table of differences (the API returns them all), and the smallest
# distance shown: below it two numbers agree to the precision they are written with.
SHOWN = 8
FLOOR = 0.0005

ModelQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]


def router(bench: Workbench) -> APIRouter:
    """The ``/compare`` page bound to ``bench``."""
    pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

    @pages.get("/compare")
    def compare_page(a: ModelQuery = None, b: ModelQuery = None) -> HTMLResponse:
        a = a or FLAGSHIP
        b = b or (SECOND if a != SECOND else FLAGSHIP)
        ma, mb = bench.model(a), bench.model(b)
        context: dict[str, Any] = {
            "model": a,
            "b": b,
            "summary": bench.summary(a),
            "summary_b": bench.summary(b),
            "page": "compare",
            "models": [s.name for s in bench.summaries() if s.error is None],
            "shown": SHOWN,
            "words": lambda p: icd203(p).words,
        }
        try:
            result = compare(ma, mb)
        except UsageError as e:
            # Shown beside the form that can fix it: two models that share no outcome.
            return HTMLResponse(render("compare.html", **context, c=None, problem=str(e)), 422)
        labels = {o.outcome: ma.variables[o.outcome].label or o.outcome for o in result.outcomes}
        return HTMLResponse(
            render(
                "compare.html",
                **context,
                c=result,
                problem=None,
                labels=labels,
                floor=FLOOR,
                differ={
                    key: [d for d in getattr(result, key) if d.distance > FLOOR]
                    for key in ("variables", "parameters", "tables")
                },
                wiring=[d for d in result.links if d.ends_shared],
                scope=sum(1 for d in result.links if not d.ends_shared),
            )
        )

    return pages


__all__ = ["SECOND", "router"]
