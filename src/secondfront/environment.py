"""Every environment variable the library reads outside the workbench, in one table.

Three tables, one per kind, each the only place its variables are named: this one (the
events store, model folders, the event-date window, the update sources),
:data:`secondfront.model.limits.LIMITS` (the size limits on untrusted input) and
:data:`secondfront.service.settings.SETTINGS` (the workbench's settings, with their
``serve`` flags). Library code reads a variable through :func:`env_value`, never
``os.environ`` by name, and ``docs/settings.md`` is generated from all three
(``tests/service/test_settings.py`` compares it, and ``tests/test_environment.py`` fails
when a module reads an environment variable the tables do not list).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvVar:
    """One environment variable the library reads.

    Attributes:
        name: the variable.
        help: what it sets, one line.
        default: what is used when it is unset or empty, in words (``""``: nothing).
    """

    name: str
    help: str
    default: str = ""


ENVIRONMENT: tuple[EnvVar, ...] = (
    EnvVar(
        "SECONDFRONT_DB",
        "The DuckDB events store of the evidence commands when --db is not given.",
        "secondfront.duckdb",
    ),
    EnvVar(
        "SECONDFRONT_MODELS",
        "More folders to find models in by name, separated as in PATH; searched first.",
    ),
    EnvVar(
        "SECONDFRONT_EVENT_DATES",
        "The plausible event days, FIRST..LAST (ISO dates, either side may be empty); "
        "an event outside is quarantined.",
        "1900-01-01 to a year after today",
    ),
    EnvVar(
        "SECONDFRONT_GDELT_URL",
        "Base address of the GDELT 2.0 files `secondfront update` reads.",
        "http://data.gdeltproject.org/gdeltv2/",
    ),
    EnvVar(
        "SECONDFRONT_ACLED_URL",
        "The ACLED API endpoint `secondfront update --source acled` reads.",
        "https://api.acleddata.com/acled/read",
    ),
    EnvVar("ACLED_KEY", "Your ACLED API key (read from the environment only)."),
    EnvVar("ACLED_EMAIL", "The e-mail address registered with your ACLED key."),
)

_BY_NAME = {v.name: v for v in ENVIRONMENT}


def env_value(name: str, env: Mapping[str, str] | None = None) -> str:
    """The variable's value, stripped; ``""`` when unset.

    Raises:
        KeyError: ``name`` is not in :data:`ENVIRONMENT` (every variable read is listed).
    """
    _BY_NAME[name]
    return (os.environ if env is None else env).get(name, "").strip()


__all__ = ["ENVIRONMENT", "EnvVar", "env_value"]
