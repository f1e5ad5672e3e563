"""The Compare and overlay routes of the workbench API: arguments weighed against each other.

* ``GET /api/compare?a=&b=``: two models of one question side by side
  (:func:`secondfront.analysis.compare.compare`).
* ``GET /api/models/{model}/parameters``: the parameters an overlay can set.
* ``POST /api/models/{model}/overlay``: parameter edits, each with a reason, written as
  an overlay file (:func:`~secondfront.analysis.overlay.render_overlay`) and checked
  against the model (:func:`~secondfront.analysis.overlay.parse_overlay`).
* ``POST /api/models/{model}/pool``: several overlay files pooled
  (:func:`~secondfront.analysis.overlay.pool`).

Models are named from the model folder, never given by path; each route renders one
library result.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from secondfront.analysis.assignments import parse_assignments
from secondfront.analysis.compare import compare
from secondfront.analysis.overlay import parse_overlay, pool, render_overlay
from secondfront.errors import Diagnostic, SpecError
from secondfront.model.parameters import ParameterSpace
from secondfront.service.argument_schemas import (
    CompareOut,
    OverlayOut,
    OverlayRequest,
    ParameterOut,
    PoolOut,
    PoolRequest,
)
from secondfront.service.errors import ServiceError
from secondfront.service.schemas import Assignment, ModelName
from secondfront.service.workbench import Workbench

ModelQuery = Annotated[
    str,
    Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", description="A model of the folder."),
]

# Lines of render_overlay's header, in order; parameters start on the line after.
_HEADER = ("overlay", "model", "analyst", "weight", "parameters")


def _located(d: Diagnostic, paths: list[str]) -> str:
    """A problem of the rendered overlay, located in the request body instead.

    The file is rendered from the body, one parameter a line after the header, so the
    line says which field of the body it came from.
    """
    i = d.line - len(_HEADER) - 1
    if 0 <= i < len(paths):
        where = f"body.parameters.{paths[i]}"
    elif 1 <= d.line <= len(_HEADER):
        where = f"body.{_HEADER[d.line - 1]}"
    else:
        where = "body"
    return f"{where}: {d.message}"


def register(api: APIRouter, bench: Workbench) -> None:
    """Add the Compare and overlay routes to ``api``, bound to ``bench``."""

    @api.get("/compare", response_model=CompareOut, tags=["arguments"])
    def compare_models(
        a: ModelQuery,
        b: ModelQuery,
        evidence: Annotated[
            list[Assignment] | None,
            Query(max_length=500, description="VAR=STATE, repeatable: observed in both."),
        ] = None,
    ) -> CompareOut:
        """Per shared outcome both forecasts; where the models differ most (marginals,
        tables, parameters, links); the shared indicators that would best discriminate
        between them (expected log Bayes factors, nats) and what each would say if seen."""
        observed = parse_assignments(evidence, "evidence")
        result = compare(bench.model(a), bench.model(b), observed)
        return CompareOut.model_validate(result.as_json())

    @api.get("/models/{model}/parameters", response_model=list[ParameterOut], tags=["arguments"])
    def parameters(model: ModelName) -> list[ParameterOut]:
        """Every parameter path an overlay can set, with the value written in the file."""
        m = bench.model(model)
        m.require_spec("an overlay")
        return [
            ParameterOut(
                path=p.path,
                variable=p.variable,
                kind=p.kind,
                value=p.value.tolist() if p.value.ndim else float(p.value),
                claims=list(p.claims),
                assumption=p.assumption,
            )
            for p in ParameterSpace(m).by_path.values()
        ]

    @api.post("/models/{model}/overlay", response_model=OverlayOut, tags=["arguments"])
    def overlay(model: ModelName, body: OverlayRequest) -> OverlayOut:
        """Parameter edits as an overlay file (YAML), checked against the model: a path
        the model does not have or a number out of range is a 422 naming the field."""
        m = bench.model(model)
        filename = f"{model}.overlay.yaml"
        text = render_overlay(
            model,
            body.analyst,
            {path: (e.value, e.reason) for path, e in body.parameters.items()},
            weight=body.weight,
        )
        try:
            checked = parse_overlay(text, m, path=filename)
        except SpecError as e:
            paths = list(body.parameters)
            errors = [_located(d, paths) for d in e.diagnostics]
            raise ServiceError(f"the overlay has problems: {errors[0]}", errors) from None
        return OverlayOut(
            model=model,
            analyst=checked.analyst,
            filename=filename,
            parameters=len(checked.values),
            text=text,
        )

    @api.post("/models/{model}/pool", response_model=PoolOut, tags=["arguments"])
    def pool_overlays(model: ModelName, body: PoolRequest) -> PoolOut:
        """Several analysts' overlay files pooled per outcome, linearly and
        logarithmically, with the spread between analysts and the parameters they set.
        A problem in an overlay is a 422 located as ``overlay N:line:col``."""
        m = bench.model(model)
        overlays, problems = [], []
        for i, text in enumerate(body.overlays, 1):
            try:
                overlays.append(parse_overlay(text, m, path=f"overlay {i}"))
            except SpecError as e:
                problems += e.diagnostics  # every overlay's problems, not only the first's
        if problems:
            raise SpecError(problems)
        result = pool(m, overlays, body.evidence)
        return PoolOut.model_validate(result.as_json())


__all__ = ["register"]
