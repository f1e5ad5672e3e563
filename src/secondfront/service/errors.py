"""Errors of the workbench service, and the one JSON shape every error takes.

::

    SecondfrontError                (secondfront.errors)
    └── ServiceError                an HTTP error: carries its ``status`` (422 by default)
        ├── NotFoundError           404: no such model, variable, matrix or page
        ├── UnauthorizedError       401: a token is configured and the request lacks it
        ├── ForbiddenHostError      403: a Host or Origin this instance does not serve
        ├── PayloadTooLargeError    413: the body is larger than ``max_body_bytes``
        ├── UnsupportedMediaError   415: a body that is not JSON where JSON is expected
        └── UnavailableError        503: a resource is busy now (the events store, while
                                    another process writes it); retrying later can work

Library errors keep their own classes and are mapped to a status in
:func:`status_for`: a ``SpecError`` or ``QueryError`` is the client's request
naming something the model does not have (422), a ``UsageError`` is a bad request
(400). Every error response, whatever raised it, has the body::

    {"ok": false, "error": "one line", "errors": ["each problem", ...], "status": 422}

``errors`` lists every problem (one per diagnostic or validation failure) and
``error`` is the first of them or a summary; a test over every route pins this.

Pages are for people: an error on a page's address (anything outside ``/api/``, the
static files and the OpenAPI documents) is rendered as a page with the same message,
unless the client asks for JSON alone (:func:`wants_html`). The API always answers
JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

from secondfront.errors import QueryError, SecondfrontError, SpecError, UsageError


class ServiceError(SecondfrontError):
    """An error with an HTTP status (422 unless a subclass says otherwise).

    Attributes:
        status: the HTTP status code of the response.
        errors: every problem, one line each.
    """

    status = 422

    def __init__(self, message: str, errors: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.errors = list(errors) if errors else [message]


class NotFoundError(ServiceError):
    """No such model, variable, matrix or page."""

    status = 404


class UnauthorizedError(ServiceError):
    """A token is configured and the request does not carry it."""

    status = 401


class ForbiddenHostError(ServiceError):
    """The request's Host or Origin header is not one this instance serves."""

    status = 403


class ForbiddenError(ServiceError):
    """The request's user lacks the role, or asks to act as someone else."""

    status = 403


class TooManyRequestsError(ServiceError):
    """Too many failed tokens from one client; ``retry_after`` seconds to wait."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PayloadTooLargeError(ServiceError):
    """The request body is larger than the configured limit."""

    status = 413


class UnsupportedMediaError(ServiceError):
    """A request body that is not ``application/json`` on a JSON endpoint."""

    status = 415


class UnavailableError(ServiceError):
    """A resource the request needs is busy now (e.g. another process writes the events store)."""

    status = 503


def status_for(error: SecondfrontError) -> int:
    """The HTTP status for a library or service error."""
    if isinstance(error, ServiceError):
        return error.status
    if isinstance(error, SpecError | QueryError):
        return 422
    if isinstance(error, UsageError):
        return 400
    return 400


def messages_for(error: SecondfrontError) -> list[str]:
    """Every problem of ``error``, one line each."""
    if isinstance(error, ServiceError):
        return error.errors
    if isinstance(error, SpecError):
        return [str(d) for d in error.diagnostics]
    return [str(error)]


# Addresses whose errors are always JSON: the API, static files, the OpenAPI documents.
_MACHINE_PREFIXES = ("/api/", "/static/", "/openapi.json", "/docs", "/redoc")


def wants_html(path: str, accept: str) -> bool:
    """Whether an error for a request to ``path`` is rendered as a page.

    Args:
        path: the request path.
        accept: its ``Accept`` header ("" when absent).

    Returns:
        False for machine addresses (``/api/``, ``/static/``, the OpenAPI documents) and
        for clients that ask for JSON but not HTML; True otherwise, so a browser, or a
        client that accepts anything, sees the page's error.
    """
    if path == "/api" or path.startswith(_MACHINE_PREFIXES):
        return False
    accept = accept.lower()
    if "text/html" in accept:
        return True
    return "json" not in accept


def error_body(status: int, error: str, errors: Sequence[str] | None = None) -> dict[str, object]:
    """The one JSON shape of every error response."""
    return {
        "ok": False,
        "error": error,
        "errors": list(errors) if errors else [error],
        "status": status,
    }


__all__ = [
    "ForbiddenError",
    "ForbiddenHostError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ServiceError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnavailableError",
    "UnsupportedMediaError",
    "error_body",
    "messages_for",
    "status_for",
    "wants_html",
]
