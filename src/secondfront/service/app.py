"""The workbench application: JSON API, pages, static files, one error shape.

:func:`create_app` builds a FastAPI app from :class:`Settings`; ``secondfront serve``
runs it with uvicorn. Every error, whichever layer raises it (the safety guard,
request validation, routing, the library), leaves as the same JSON object, see
:mod:`secondfront.service.errors`. Page routes (``text/html``) show the same
message in a page when the browser asks for HTML.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

import secondfront
from secondfront.errors import SecondfrontError, UsageError
from secondfront.inference.junction_tree import warm_up
from secondfront.service import apidocs, compare_page, pages, questions_api, team_api
from secondfront.service.api import router
from secondfront.service.errors import error_body, messages_for, status_for, wants_html
from secondfront.service.guard import Guard
from secondfront.service.settings import Settings
from secondfront.service.users import UserStore
from secondfront.service.workbench import Workbench


def _wants_html(request: Request) -> bool:
    return wants_html(request.url.path, request.headers.get("accept", ""))


def _error(request: Request, status: int, errors: list[str]) -> Response:
    message = errors[0] if errors else "error"
    if _wants_html(request):
        return HTMLResponse(pages.error_page(status, message, errors), status_code=status)
    return JSONResponse(error_body(status, message, errors), status_code=status)


def _location(loc: tuple[object, ...] | list[object]) -> str:
    return ".".join(str(p) for p in loc)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The workbench as an ASGI application.

    Args:
        settings: configuration; ``Settings.from_env()`` when not given.
    """
    settings = settings or Settings.from_env()
    settings.check()
    bench = Workbench(settings)
    users = UserStore(settings.workbench_db) if settings.auth == "users" else None
    if users is not None and users.active() == 0:
        raise UsageError(
            f"{settings.workbench_db} has no users yet, and serving {settings.host} needs "
            "them: add one with `secondfront users add NAME --role admin`"
        )
    warm_up()  # the first What-if should not pay for loading the compiled engine
    app = FastAPI(
        docs_url=None,  # served from the package by service.apidocs, offline
        redoc_url=None,
        title="secondfront workbench",
        version=secondfront.__version__,
        description="Models, forecasts, explanations, sources and ACH matrices of "
        "secondfront scenario models. Every error has the shape "
        '`{"ok": false, "error": str, "errors": [str], "status": int}`.',
    )
    app.state.bench = bench

    @app.exception_handler(SecondfrontError)
    async def library_error(request: Request, exc: SecondfrontError) -> Response:
        return _error(request, status_for(exc), messages_for(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
        return _error(request, 422, errors or ["invalid request"])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response = _error(request, exc.status_code, [detail])
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # The detail stays in the server log; the client learns only that it failed.
        return _error(request, 500, ["internal error; see the workbench's log"])

    app.include_router(router(bench))
    app.include_router(pages.router(bench))
    app.include_router(compare_page.router(bench))
    app.include_router(apidocs.router())
    app.include_router(team_api.router(bench))
    for questions_router in questions_api.routers(bench):
        app.include_router(questions_router)
    # Package data, found through the package (importlib), not a path built from a file.
    app.mount("/static", StaticFiles(packages=[("secondfront.service", "static")]), name="static")
    app.add_middleware(Guard, settings=settings, users=users)
    return app


def serve(settings: Settings) -> None:
    """Run the workbench with uvicorn until interrupted."""
    import uvicorn

    settings.check()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        server_header=False,
        ssl_certfile=settings.certfile,
        ssl_keyfile=settings.keyfile,
    )


__all__ = ["create_app", "serve"]
