"""The ACH routes of the workbench API: matrices, ratings, rows, scores and CSV.

Analysis of competing hypotheses (Heuer): the hypotheses are the states of one model
variable, the rows are indicators or claims, and every answer carries the scores and
the model's own ratings beside the analyst's (:mod:`secondfront.analysis.ach`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from secondfront.analysis import ach
from secondfront.errors import QueryError, unknown_name
from secondfront.service.access import current_user, rating_analyst, require
from secondfront.service.errors import NotFoundError
from secondfront.service.schemas import (
    ANALYST_PATTERN,
    Deleted,
    ItemChange,
    ItemId,
    MatrixId,
    MatrixOut,
    MatrixSummary,
    NewItem,
    NewMatrix,
    Rating,
)
from secondfront.service.store import matrix_csv
from secondfront.service.workbench import Workbench

Analyst = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=ANALYST_PATTERN,
        description="Whose own ratings the answer's `mine` fields show "
        "(default: the user's own; without users, the default analyst).",
    ),
]


def viewer_analyst(request: Request, bench: Workbench, asked: str | None) -> str:
    """Whose own ratings a view shows: the one asked for, else the user's own."""
    if asked is not None:
        return asked
    return current_user(request).name if bench.settings.auth == "users" else ach.DEFAULT_ANALYST


def _changed_item(
    bench: Workbench, matrix_id: int, item_id: str, body: ItemChange
) -> ach.EvidenceItem:
    """Row ``item_id`` of the matrix with ``body``'s grading or observed state.

    Raises:
        NotFoundError: the matrix has no such row.
        QueryError: a state given for a claim, or one the row's indicator does not have.
    """
    m = bench.store.get(matrix_id)
    found = {i.id: i for i in m.items}
    if item_id not in found:
        raise NotFoundError(f"matrix {matrix_id} has no item {item_id!r}")
    old = found[item_id]
    state = body.state or old.state
    if body.state is not None:
        if old.variable is None:
            raise QueryError(f"{item_id} is a claim; only indicators have a state")
        states = bench.model(m.model).variables[old.variable].states
        if body.state not in states:
            raise unknown_name(f"state of {old.variable}", body.state, states)
    return ach.EvidenceItem(
        old.id, old.label, old.kind, body.grading or old.grading, old.variable, state
    )


def _matrix_csv_text(bench: Workbench, matrix_id: int) -> str:
    """The matrix as CSV text: the consensus, each row's diagnosticity and weight, the
    model's and each analyst's ratings, and a last row of weighted inconsistency."""
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
    return text


def _matrix_routes(api: APIRouter, bench: Workbench) -> None:
    """List, create, read, delete and rate matrices."""

    @api.get("/ach", response_model=list[MatrixSummary], tags=["ach"])
    def ach_list(model: Annotated[str | None, Query(max_length=100)] = None) -> list[MatrixSummary]:
        """Saved matrices, newest first."""
        return [MatrixSummary.of(m) for m in bench.store.list(model)]

    @api.post("/ach", response_model=MatrixOut, status_code=201, tags=["ach"])
    def ach_create(request: Request, body: NewMatrix) -> MatrixOut:
        """Create a matrix whose hypotheses are the states of one variable."""
        who = require(request, "analyst", "creating a matrix").name
        m = bench.model(body.model)
        if body.hypothesis not in m.variables:
            raise unknown_name("variable", body.hypothesis, m.names)
        items = ach.indicator_items(m, body.hypothesis) if body.items == "indicators" else []
        # An indicator that is the hypothesis itself would be rated against itself.
        items = [i for i in items if i.variable != body.hypothesis]
        matrix = bench.store.create(body.model, body.hypothesis, body.title, items, who=who)
        return bench.matrix_out(matrix, viewer_analyst(request, bench, None))

    @api.get("/ach/{matrix_id}", response_model=MatrixOut, tags=["ach"])
    def ach_get(request: Request, matrix_id: MatrixId, analyst: Analyst = None) -> MatrixOut:
        """A matrix scored on the consensus, with ``analyst``'s own ratings and the model's view."""
        return bench.matrix_out(bench.store.get(matrix_id), viewer_analyst(request, bench, analyst))

    @api.delete("/ach/{matrix_id}", response_model=Deleted, tags=["ach"])
    def ach_delete(request: Request, matrix_id: MatrixId) -> Deleted:
        """Delete a matrix (admins only; its audit rows stay)."""
        who = require(request, "admin", "deleting a matrix").name
        bench.store.delete(matrix_id, who=who)
        return Deleted(ok=True, deleted=matrix_id)

    @api.put("/ach/{matrix_id}/ratings", response_model=MatrixOut, tags=["ach"])
    def ach_rate(request: Request, matrix_id: MatrixId, body: Rating) -> MatrixOut:
        """Set your rating of one cell (CC, C, N, I, II, NA; null clears yours).

        Each analyst keeps their own ratings; the answer is scored on the consensus.
        With users, the rating is the signed-in user's: an ``analyst`` naming anyone
        else is refused (403). Without users (one person on loopback), ``analyst``
        names whose rating it is.
        """
        user = require(request, "analyst", "rating")
        asked = body.analyst if "analyst" in body.model_fields_set else None
        analyst = rating_analyst(user, asked, bench.settings.auth == "users")
        m = bench.store.get(matrix_id)
        if body.item not in {i.id for i in m.items}:
            raise unknown_name("item", body.item, [i.id for i in m.items])
        hyps = bench.model(m.model).variables[m.hypothesis].states
        if body.hypothesis not in hyps:
            raise unknown_name("hypothesis", body.hypothesis, hyps)
        rating = body.rating or None
        bench.store.rate(matrix_id, body.item, body.hypothesis, rating, analyst, who=user.name)
        return bench.matrix_out(bench.store.get(matrix_id), analyst)


def _item_routes(api: APIRouter, bench: Workbench) -> None:
    """Add, change and remove a matrix's rows; the matrix as CSV."""

    @api.post("/ach/{matrix_id}/items", response_model=MatrixOut, tags=["ach"])
    def ach_add_item(request: Request, matrix_id: MatrixId, body: NewItem) -> MatrixOut:
        """Add an indicator (observed in a state) or a claim as a row."""
        who = require(request, "analyst", "adding a row").name
        m = bench.store.get(matrix_id)
        item = bench.new_item(bench.model(m.model), body)
        if item.variable == m.hypothesis:
            raise QueryError(f"{item.variable} is the hypothesis variable; it cannot be evidence")
        bench.store.add_item(matrix_id, item, who=who)
        return bench.matrix_out(bench.store.get(matrix_id), viewer_analyst(request, bench, None))

    @api.patch("/ach/{matrix_id}/items/{item_id}", response_model=MatrixOut, tags=["ach"])
    def ach_change_item(
        request: Request, matrix_id: MatrixId, item_id: ItemId, body: ItemChange
    ) -> MatrixOut:
        """Change a row's grading or observed state."""
        who = require(request, "analyst", "changing a row").name
        new = _changed_item(bench, matrix_id, item_id, body)
        bench.store.add_item(matrix_id, new, who=who)
        return bench.matrix_out(bench.store.get(matrix_id), viewer_analyst(request, bench, None))

    @api.delete("/ach/{matrix_id}/items/{item_id}", response_model=MatrixOut, tags=["ach"])
    def ach_remove_item(request: Request, matrix_id: MatrixId, item_id: ItemId) -> MatrixOut:
        """Remove a row and its ratings."""
        who = require(request, "analyst", "removing a row").name
        bench.store.remove_item(matrix_id, item_id, who=who)
        return bench.matrix_out(bench.store.get(matrix_id), viewer_analyst(request, bench, None))

    @api.get("/ach/{matrix_id}/csv", tags=["ach"], responses={200: {"content": {"text/csv": {}}}})
    def ach_csv(matrix_id: MatrixId) -> Response:
        """The matrix as CSV: consensus, diagnosticity, the model's and each analyst's ratings."""
        text = _matrix_csv_text(bench, matrix_id)
        return Response(
            text + "\n",
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="ach-{matrix_id}.csv"'},
        )


def register(api: APIRouter, bench: Workbench) -> None:
    """Add the ``/ach`` routes to ``api``, bound to ``bench``."""
    _matrix_routes(api, bench)
    _item_routes(api, bench)


__all__ = ["register"]
