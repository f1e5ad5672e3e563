"""Who may do what: the role each request needs, and who a request is made as.

The rule is written once, here, and applied to every request by the guard
(:mod:`secondfront.service.guard`) before any route runs, so a new route is safe by
default: a request that can change state (POST, PUT, PATCH, DELETE) needs the
``analyst`` role unless it is listed below as a computation that stores nothing, and
the admin's routes are listed too.

==========================================  =========
request                                     role
==========================================  =========
GET, HEAD, OPTIONS (pages, answers, log)    viewer
POST of a computation (forecast, marginals,  viewer
batch, What-if, overlay text, pooling)
any other POST, PUT, PATCH, DELETE           analyst
DELETE /api/ach/ID (a whole matrix)          admin
anything under /api/users                    admin
==========================================  =========
"""

from __future__ import annotations

import re

from fastapi import Request

from secondfront.analysis.ach import DEFAULT_ANALYST
from secondfront.service.errors import ForbiddenError
from secondfront.service.users import LOCAL_USER, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: POST routes that compute an answer and store nothing.
COMPUTATIONS = re.compile(
    r"^/api/models/[^/]+/(?:forecast|marginals|marginals/batch|overlay|pool)$"
    r"|^/models/[^/]+/whatif/outcomes$"
)
ADMIN_ONLY = re.compile(r"^/api/users(?:/.*)?$")
MATRIX = re.compile(r"^/api/ach/[^/]+$")


def required_role(method: str, path: str) -> str:
    """The least role that may make request ``method path`` (see the module table)."""
    if ADMIN_ONLY.match(path) or (method == "DELETE" and MATRIX.match(path)):
        return "admin"
    if method in SAFE_METHODS or (method == "POST" and COMPUTATIONS.match(path)):
        return "viewer"
    return "analyst"


def refuse(user: User, role: str, what: str) -> ForbiddenError:
    """The 403 for ``user`` lacking ``role``."""
    return ForbiddenError(
        f"{user.name} is a {user.role}: {what} needs the {role} role; ask an admin"
    )


def current_user(request: Request) -> User:
    """The user the guard found for this request (the local user when there are none)."""
    user = getattr(request.state, "user", None)
    return user if isinstance(user, User) else LOCAL_USER


def require(request: Request, role: str, what: str) -> User:
    """The request's user, or the 403 when their role is below ``role``.

    The guard has already applied :func:`required_role`; routes call this too, so a
    route's own rule holds even if the path table were wrong.
    """
    user = current_user(request)
    if not user.can(role):
        raise refuse(user, role, what)
    return user


def rating_analyst(user: User, asked: str | None, with_users: bool) -> str:
    """Whose rating a write is.

    With users, always the user's own: a request naming another analyst is refused
    (403) rather than stored under a name the writer does not own. Without users (one
    person on loopback), the name asked for, as a panel's ratings are typed in by one
    person; the audit log still names the writer (``local``).
    """
    if not with_users:
        return asked or DEFAULT_ANALYST
    if asked is not None and asked != user.name:
        raise ForbiddenError(
            f"{user.name} cannot rate as {asked!r}: a rating is always its writer's own"
        )
    return user.name


__all__ = [
    "COMPUTATIONS",
    "SAFE_METHODS",
    "current_user",
    "rating_analyst",
    "refuse",
    "require",
    "required_role",
]
