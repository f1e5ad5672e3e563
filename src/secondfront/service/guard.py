"""The safety layer in front of every request, as one ASGI middleware.

What it enforces, and why:

* **Host check** (no token configured): the service is then reachable only from this
  machine, but a web page in the user's browser could still reach it through DNS
  rebinding (a hostile name that resolves to 127.0.0.1). Requests whose ``Host``
  header is not a loopback name are refused (403).
* **Who is asking** (:attr:`Settings.auth`): with users (``--users``, and always
  beyond loopback) every request must carry a user's token
  (:mod:`secondfront.service.users`); on loopback a request carries the shared token
  when one is set (:mod:`secondfront.service.token`), or nothing. A token comes as
  ``Authorization: Bearer TOKEN``, the cookie set after a first visit with
  ``?token=TOKEN``, or that query parameter itself. Otherwise 401. The user found is
  put in the request's state (``request.state.user``); without users it is the
  local user, an admin.
* **Guessing is slowed**: after :data:`FAILED_LIMIT` failed tokens from one client
  address within :data:`FAILED_WINDOW_S` seconds, every request from it is answered
  429 with ``Retry-After`` until the oldest failure ages out, before any token is
  checked (so a right guess in that time is not confirmed either).
* **Roles**: the request's method and path need the role
  :func:`secondfront.service.access.required_role` says; less is a 403.
* **The session cookie** is ``HttpOnly`` (no script reads it), ``SameSite=Strict``
  (no other site's page sends it) and ``Secure`` when the request came over https.
* **Redirects stay on this site**: a GET with ``?token=`` is answered with a redirect
  to the same address without the token (the cookie set when the token was the right
  one). The target is the request's path *normalised*: backslashes read as slashes,
  empty, ``.`` and ``..`` segments removed, every segment percent-encoded. So it is
  always one ``/`` followed by a path on this site: ``//evil.example/x`` or
  ``/%5Cevil.example`` (which browsers read as another site) become
  ``/evil.example/x`` and ``/evil.example``, and a path of any characters can be
  written in a ``Location`` header.
* **Cross-site writes**: a request that changes state (POST, PUT, PATCH, DELETE)
  with an ``Origin`` header from another origin (scheme, host or port) is refused
  (403), and its body must be ``application/json`` (415); a plain HTML form on
  another site can send neither, so it cannot act on the user's behalf.
* **Body size**: a declared ``Content-Length`` above the limit is refused before
  reading (413); a body without one is counted as it streams and cut at the limit.
* **Headers**: a Content-Security-Policy that allows only this origin (the pages
  need ``'unsafe-eval'`` because Vega compiles its expressions), no framing, no
  MIME sniffing, no referrer.

Refusals use the one error shape of :mod:`secondfront.service.errors`.
"""

from __future__ import annotations

import hmac
import json
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit

import anyio
from starlette.exceptions import HTTPException

from secondfront.service.access import refuse, required_role
from secondfront.service.errors import (
    ForbiddenHostError,
    PayloadTooLargeError,
    ServiceError,
    TooManyRequestsError,
    UnauthorizedError,
    UnsupportedMediaError,
    error_body,
)
from secondfront.service.settings import Settings, is_loopback
from secondfront.service.users import LOCAL_USER, User, UserStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "secondfront_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        b"form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


FAILED_LIMIT = 5
FAILED_WINDOW_S = 60.0


class FailedTokens:
    """Failed tokens per client address, to slow guessing (see the module docstring).

    Args:
        limit: failures allowed within ``window_s``.
        window_s: seconds a failure counts.
        clock: monotonic seconds (a test passes its own).
    """

    def __init__(
        self,
        limit: int = FAILED_LIMIT,
        window_s: float = FAILED_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Whole seconds ``client`` must wait before its next try; 0 when it may try now."""
        now = self.clock()
        with self._lock:
            times = self._seen.get(client)
            if times is None:
                return 0
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if not times:
                del self._seen[client]
                return 0
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[0] + self.window_s - now))

    def failed(self, client: str) -> None:
        """Count one failed token from ``client``."""
        now = self.clock()
        with self._lock:
            if len(self._seen) > 100_000:  # many addresses: forget those gone quiet
                self._seen = {
                    c: t for c, t in self._seen.items() if t and t[-1] > now - self.window_s
                }
            self._seen.setdefault(client, deque()).append(now)


class Guard:
    """ASGI middleware applying the rules of the module docstring.

    Args:
        app: the wrapped application.
        settings: token, limits and the bound host.
        users: the users of the workbench file (needed when ``settings.auth`` is users).
    """

    def __init__(self, app: ASGIApp, settings: Settings, users: UserStore | None = None) -> None:
        self.app = app
        self.settings = settings
        self.users = users
        self.failures = FailedTokens()
        if settings.auth == "users" and users is None:
            raise ValueError("a guard serving users needs their store")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            if self.settings.auth == "users":
                # Reading a user's row (and, once per token, a memory-hard hash) must
                # not hold up the event loop.
                redirect = await anyio.to_thread.run_sync(self._check, scope, headers)
            else:
                redirect = self._check(scope, headers)
        except ServiceError as e:
            await _send_error(send, e)
            return
        if redirect is not None:
            await _send_redirect(send, *redirect)
            return
        await self.app(scope, self._limited(receive), _with_headers(send))

    def _check(self, scope: Scope, headers: dict[str, str]) -> tuple[str, str | None] | None:
        """Raise a ServiceError for a refused request; a (location, cookie) to redirect."""
        method = scope["method"]
        host = headers.get("host", "")
        redirect = None
        user = LOCAL_USER
        if self.settings.auth == "local":
            if not is_loopback(_hostname(host)):
                raise ForbiddenHostError(
                    f"host {host!r} is not served: without a token this workbench answers "
                    "only requests addressed to localhost"
                )
        else:
            user, redirect = self._identify(scope, headers)
        needed = required_role(method, scope["path"])
        if not user.can(needed):
            raise refuse(user, needed, f"{method} {scope['path']}")
        scope.setdefault("state", {})["user"] = user
        if method in UNSAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and not same_origin(origin, scope.get("scheme", "http"), host):
                raise ForbiddenHostError(
                    f"cross-site request refused: origin {origin!r} is not this workbench"
                )
            length = headers.get("content-length")
            has_body = (length is not None and length != "0") or "transfer-encoding" in headers
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if has_body and ctype != "application/json":
                raise UnsupportedMediaError(
                    f"request body must be application/json, got {ctype or 'no content type'!r}"
                )
        length = headers.get("content-length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                raise ServiceError(f"invalid Content-Length {length!r}") from None
            if n > self.settings.max_body_bytes:
                raise PayloadTooLargeError(
                    f"request body of {n} bytes is over the limit of "
                    f"{self.settings.max_body_bytes} bytes"
                )
        return redirect

    def _identify(
        self, scope: Scope, headers: dict[str, str]
    ) -> tuple[User, tuple[str, str | None] | None]:
        """The request's user and, for a GET with ``?token=``, the redirect to make."""
        client = str((scope.get("client") or ("unknown",))[0])
        wait = self.failures.retry_after(client)
        if wait:
            raise TooManyRequestsError(
                f"too many failed tokens from {client}: try again in {wait} s", wait
            )
        raw_query = scope.get("query_string", b"")
        query = dict(parse_qsl(raw_query.decode("latin-1")))
        auth = headers.get("authorization", "")
        from_query = query.get("token", "")
        given = [
            auth[7:] if auth.lower().startswith("bearer ") else "",
            *_cookies(headers.get("cookie", ""), COOKIE),
            from_query,
        ]
        user = next((u for g in given if g and (u := self._user_of(g)) is not None), None)
        if user is None:
            if any(given):
                self.failures.failed(client)
            what = "a user's token" if self.settings.auth == "users" else "its token"
            raise UnauthorizedError(
                f"this workbench needs {what}: send 'Authorization: Bearer TOKEN', "
                "or open any page once with ?token=TOKEN"
            )
        redirect = None
        if scope["method"] == "GET" and "token" in query:
            # Move the secret out of the address bar (and history) into a cookie; a
            # wrong one beside a valid cookie or header is only removed.
            cookie_value = None
            if from_query and self._user_of(from_query) is not None:
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                cookie_value = f"{COOKIE}={from_query}; HttpOnly; SameSite=Strict; Path=/{secure}"
            redirect = (same_site_location(scope["path"], raw_query), cookie_value)
        return user, redirect

    def _user_of(self, given: str) -> User | None:
        """The user a presented token belongs to, or None."""
        if self.settings.auth == "users":
            assert self.users is not None  # checked in __init__
            return self.users.authenticate(given)
        token = self.settings.token or ""
        return LOCAL_USER if _same_secret(given, token) else None

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that raises a 413 HTTPException once the body passes the limit."""
        seen = 0
        limit = self.settings.max_body_bytes

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # An HTTPException, not our own error: FastAPI turns any other
                    # exception raised while it reads a body into a generic 400.
                    raise HTTPException(413, f"request body is over the limit of {limit} bytes")
            return message

        return wrapped


def _cookies(header: str, name: str) -> list[str]:
    """The values of every cookie called ``name`` in a ``Cookie`` header.

    Read by hand: ``http.cookies.SimpleCookie`` raises on some malformed headers (a
    500 for a request any client can send) and drops every cookie after a bad one.
    A browser may send two cookies of one name (set for different paths), so all are
    returned. The token's characters need no quoting (see
    :mod:`secondfront.service.token`).
    """
    found = []
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key.strip() == name:
            found.append(value.strip())
    return found


def _same_secret(given: str, token: str) -> bool:
    """Whether ``given`` is the token, compared in constant time."""
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _hostname(host: str) -> str:
    """The name in a ``Host`` header (no port, no brackets); "" when it does not parse."""
    try:
        return urlsplit(f"//{host}").hostname or ""
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return ""


# RFC 3986 ``pchar`` without "%": what may stay as it is in a path segment.
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~"
# In a query: the same, with the separators and "%", so existing escapes are kept.
_QUERY_SAFE = _SEGMENT_SAFE + "/?%"


def same_site_location(path: str, raw_query: bytes = b"") -> str:
    """A redirect target on this site: ``path`` normalised, and ``raw_query`` without
    its ``token`` parameters (see the module docstring).

    Args:
        path: the request path as the server decoded it (``scope["path"]``).
        raw_query: the query string as received, without ``?``.

    Returns:
        an absolute path beginning with exactly one ``/``, in ASCII.
    """
    segments: list[str] = []
    for seg in path.replace("\\", "/").split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segments:
                segments.pop()
            continue
        segments.append(quote(seg, safe=_SEGMENT_SAFE))
    location = "/" + "/".join(segments)
    if segments and path.endswith(("/", "\\")):
        location += "/"
    kept = [
        quote(part.decode("latin-1"), safe=_QUERY_SAFE, encoding="latin-1")
        for part in raw_query.split(b"&")
        if part and unquote_plus(part.split(b"=", 1)[0].decode("latin-1")) != "token"
    ]
    return location + ("?" + "&".join(kept) if kept else "")


_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, str] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if unparsable."""
    scheme = scheme.lower()
    try:
        parts = urlsplit(f"//{netloc}")
        name = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not name:
        return None
    return scheme, name, str(port) if port is not None else _DEFAULT_PORTS.get(scheme, "")


def same_origin(origin: str, scheme: str, host: str) -> bool:
    """Whether an ``Origin`` header names this server: same scheme, host and port.

    Args:
        origin: the header, e.g. ``"https://127.0.0.1:8000"`` (``"null"`` never matches).
        scheme: the scheme the request came in on (``scope["scheme"]``).
        host: the request's ``Host`` header.
    """
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme.lower() not in _DEFAULT_PORTS or parts.path not in ("", "/"):
        return False
    mine = _origin_key(scheme, host)
    return mine is not None and _origin_key(parts.scheme, parts.netloc) == mine


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return wrapped


async def _send_error(send: Send, error: ServiceError) -> None:
    body = json.dumps(error_body(error.status, str(error), error.errors)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if error.status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="secondfront"'))
    if isinstance(error, TooManyRequestsError):
        headers.append((b"retry-after", str(error.retry_after).encode()))
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [*headers, *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _send_redirect(send: Send, location: str, cookie: str | None) -> None:
    headers = [(b"location", location.encode("ascii")), (b"content-length", b"0")]
    if cookie is not None:
        headers.append((b"set-cookie", cookie.encode("ascii")))
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [*headers, *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": b""})


__all__ = [
    "COOKIE",
    "FAILED_LIMIT",
    "FAILED_WINDOW_S",
    "FailedTokens",
    "Guard",
    "same_origin",
    "same_site_location",
]
