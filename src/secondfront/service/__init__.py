"""The analyst's workbench: a local web service with pages, an API, ACH and reports.

``secondfront serve`` runs it; :func:`create_app` builds the ASGI application for
tests or another server. Safe by default: it answers only on localhost unless a
token is configured (see :mod:`secondfront.service.guard`).

The names below are imported on first use, so that the command line can read the
settings table (:mod:`secondfront.service.settings`) without importing FastAPI.
"""

from typing import TYPE_CHECKING

from secondfront.lazy import lazy_exports

if TYPE_CHECKING:
    from secondfront.service.app import create_app, serve
    from secondfront.service.settings import SETTINGS, Settings

__getattr__, __dir__ = lazy_exports(
    globals(),
    {
        "SETTINGS": "secondfront.service.settings",
        "Settings": "secondfront.service.settings",
        "create_app": "secondfront.service.app",
        "serve": "secondfront.service.app",
    },
)

__all__ = ["SETTINGS", "Settings", "create_app", "serve"]
