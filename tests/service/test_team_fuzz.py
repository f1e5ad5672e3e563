"""The API fuzzed against its OpenAPI document with each role's token: a viewer, an
analyst and an admin each get documented answers, never a server error, and a viewer
never changes the file."""

from __future__ import annotations

import sqlite3
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
from secondfront.service.users import UserStore  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="secondfront-team-fuzz-"))
DB = TMP / "workbench.sqlite3"
_users = UserStore(DB)
TOKENS = {
    role: _users.add(f"fuzz-{role}", role, who="setup") for role in ("viewer", "analyst", "admin")
}
APP = create_app(Settings(users=True, workbench_db=DB, events_db=TMP / "events.duckdb"))
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, headers={"authorization": f"Bearer {TOKENS['viewer']}"}
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _writes() -> int:
    with sqlite3.connect(DB) as db:
        return int(db.execute("SELECT COUNT(*) FROM audit").fetchone()[0])


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_route_answers_each_role_as_documented(case, role: str) -> None:  # type: ignore[no-untyped-def]
    before = _writes()
    response = case.call(headers={"authorization": f"Bearer {TOKENS[role]}"})
    case.validate_response(response, checks=CHECKS)
    if role == "viewer":
        assert _writes() == before, (case.method, case.path, response.status_code)
        writes = case.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes and "/models/" not in case.path:  # /models/ POSTs only compute
            assert response.status_code == 403, (case.method, case.path)
