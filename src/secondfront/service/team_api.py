"""The team's routes: users (admins only) and the audit log (everyone).

``/api/users`` lists, adds (the answer carries the new token, once) and revokes users;
the guard lets only admins reach it (:mod:`secondfront.service.access`).
``/api/audit`` pages through the log oldest first (``after`` = the last id seen);
``/api/audit/csv`` is the same rows as CSV.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from secondfront.service import audit
from secondfront.service.access import require
from secondfront.service.schemas import ERROR_RESPONSES, Strict
from secondfront.service.users import NAME_PATTERN, ROLES, UserStore
from secondfront.service.workbench import Workbench

UserName = Annotated[str, Field(min_length=1, max_length=64, pattern=NAME_PATTERN)]


class UserOut(BaseModel):
    """A user as listed: never their token or its hash."""

    name: str
    role: str
    created: str
    revoked: str | None = None


class NewUser(Strict):
    """A user to add."""

    name: UserName
    role: Annotated[str, Field(pattern="^(" + "|".join(ROLES) + ")$")]


class NewUserOut(UserOut):
    """The added user with their token: shown this once, stored only as a hash."""

    token: str


class AuditRowOut(BaseModel):
    """One row of the audit log (see :mod:`secondfront.service.audit`)."""

    id: int
    at: str
    who: str
    action: str
    matrix: int | None
    target: str
    before: str | None
    after: str | None


class AuditPage(BaseModel):
    """A page of the log: ``next`` is the ``after`` of the next page, null at the end."""

    rows: list[AuditRowOut]
    next: int | None


After = Annotated[int, Query(ge=0, le=2**62, description="Rows after this id.")]
Limit = Annotated[int, Query(ge=1, le=audit.MAX_PAGE, description="Rows per page.")]
MatrixFilter = Annotated[int | None, Query(ge=1, le=2**62, description="Only this matrix.")]


def router(bench: Workbench) -> APIRouter:
    """The ``/api/users`` and ``/api/audit`` routes bound to ``bench``."""
    api = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
    users = UserStore(bench.settings.workbench_db)

    @api.get("/users", response_model=list[UserOut], tags=["team"])
    def users_list(request: Request, revoked: bool = False) -> list[UserOut]:
        """Users by name (with ``revoked``, the revoked ones too). Admins only."""
        require(request, "admin", "listing users")
        return [UserOut(**u.__dict__) for u in users.list(include_revoked=revoked)]

    @api.post("/users", response_model=NewUserOut, status_code=201, tags=["team"])
    def users_add(request: Request, body: NewUser) -> NewUserOut:
        """Add a user; the answer's token is shown this once. Admins only."""
        admin = require(request, "admin", "adding users")
        token = users.add(body.name, body.role, who=admin.name)
        found = next(u for u in users.list() if u.name == body.name)
        return NewUserOut(**found.__dict__, token=token)

    @api.delete("/users/{name}", response_model=UserOut, tags=["team"])
    def users_revoke(request: Request, name: str) -> UserOut:
        """Revoke a user: their token stops working at once. Admins only."""
        admin = require(request, "admin", "revoking users")
        users.revoke(name, who=admin.name)
        gone = [u for u in users.list(include_revoked=True) if u.name == name]
        return UserOut(**gone[-1].__dict__)

    @api.get("/audit", response_model=AuditPage, tags=["team"])
    def audit_page(matrix: MatrixFilter = None, after: After = 0, limit: Limit = 100) -> AuditPage:
        """Who changed what, oldest first, a page at a time."""
        rows = audit.read(bench.settings.workbench_db, matrix, after, limit)
        return AuditPage(
            rows=[AuditRowOut(**r.__dict__) for r in rows],
            next=rows[-1].id if len(rows) == limit else None,
        )

    @api.get("/audit/csv", tags=["team"], responses={200: {"content": {"text/csv": {}}}})
    def audit_export(matrix: MatrixFilter = None, after: After = 0) -> Response:
        """Every row (of ``matrix``, after ``after``) as CSV: a header, then one line each."""
        rows = audit.read(bench.settings.workbench_db, matrix, after, None)
        name = f"audit-{matrix}.csv" if matrix is not None else "audit.csv"
        return Response(
            audit.audit_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    return api


__all__ = ["AuditPage", "AuditRowOut", "NewUser", "NewUserOut", "UserOut", "router"]
