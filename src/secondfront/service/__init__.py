"""The analyst's workbench: a local web service with pages, an API, ACH and reports.

``secondfront serve`` runs it; :func:`create_app` builds the ASGI application for
tests or another server. Safe by default: it answers only on localhost unless a
token is configured (see :mod:`secondfront.service.guard`).
"""

from secondfront.service.app import create_app, serve
from secondfront.service.settings import SETTINGS, Settings

__all__ = ["SETTINGS", "Settings", "create_app", "serve"]
