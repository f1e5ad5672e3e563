"""Property-based fuzzing of the JSON API against its own OpenAPI document."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from secondfront.service import Settings, create_app  # noqa: E402

# The schema is loaded when the module is collected, before fixtures exist. The events
# store is left absent: the fuzzer exercises the timeline's parameters and empty state
# quickly, and the API tests cover it with data.
TMP = Path(tempfile.mkdtemp(prefix="secondfront-fuzz-"))
APP = create_app(Settings(workbench_db=TMP / "workbench.sqlite3", events_db=TMP / "events.duckdb"))
# The app answers only requests addressed to a loopback name (see guard.py).
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, headers={"host": "127.0.0.1"})


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case) -> None:  # type: ignore[no-untyped-def]
    """No server errors; every status, content type and body is the documented one."""
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        headers={"host": "127.0.0.1"},
    )
