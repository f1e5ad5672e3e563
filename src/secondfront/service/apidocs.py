"""The API documentation page (Swagger UI), served from the package.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN and starts it with an inline
script; the workbench works offline and its content-security policy allows neither.
So Swagger UI is vendored under ``static/vendor/`` (see its README) and started by a
small same-origin script, and FastAPI's default page is switched off
(``docs_url=None``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>secondfront workbench: API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script>
<script src="/static/apidocs.js"></script>
</body>
</html>
"""


def router() -> APIRouter:
    """``GET /docs``: the OpenAPI document of ``/openapi.json`` in Swagger UI."""
    r = APIRouter()

    @r.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(PAGE)

    return r
