"""A workbench a team shares: users and roles, no forged writer, an audit row per write,
slowed guessing, a session cookie that stays on this site over TLS.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from secondfront.cli.app import app as cli
from secondfront.errors import UsageError
from secondfront.service import Settings, compare_page, create_app, pages, questions_api
from secondfront.service.access import COMPUTATIONS, required_role
from secondfront.service.guard import COOKIE, FAILED_LIMIT, FailedTokens
from secondfront.service.users import SCRYPT, UserStore

MODEL = "belarus-second-front"
ITEM = "ind:troops_toward_southern_border"
LOCAL = "http://127.0.0.1"


class Team:
    """A users-mode workbench with one admin, one analyst and one viewer."""

    def __init__(self, path: Path, base_url: str = LOCAL) -> None:
        self.path = path
        store = UserStore(path)
        self.tokens = {
            name: store.add(name, role, who="setup")
            for name, role in (("ada", "admin"), ("ana", "analyst"), ("vic", "viewer"))
        }
        self.client = TestClient(
            create_app(Settings(users=True, workbench_db=path)), base_url=base_url
        )

    def as_(self, name: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[name]}"}

    def audit(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.client.get(
            "/api/audit", params={"limit": 1000}, headers=self.as_("vic")
        ).json()["rows"]
        return rows


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = Team(tmp_path / "team.sqlite3")
    with t.client:
        yield t


def _matrix(team: Team, who: str = "ana") -> int:
    r = team.client.post(
        "/api/ach", json={"model": MODEL, "hypothesis": "belarus_entry"}, headers=team.as_(who)
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


# -- users ---------------------------------------------------------------------------


def test_users_add_prints_a_token_once_and_keeps_only_its_scrypt_hash(tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite3"
    runner = CliRunner()
    r = runner.invoke(cli, ["users", "add", "Ana B.", "--role", "analyst", "--workbench-db", db])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"sf\.1\.[A-Za-z0-9_-]{43}", token)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert token.encode() not in raw and token.split(".")[2].encode() not in raw
    with sqlite3.connect(db) as con:
        salt, stored = con.execute("SELECT salt, hash FROM users").fetchone()
    assert stored == hashlib.scrypt(token.split(".")[2].encode(), salt=salt, **SCRYPT)  # type: ignore[arg-type]
    listed = runner.invoke(cli, ["users", "list", "--workbench-db", db])
    assert "Ana B." in listed.stdout and "analyst" in listed.stdout and token not in listed.stdout
    again = runner.invoke(cli, ["users", "add", "Ana B.", "--workbench-db", db])
    assert again.exit_code == 2 and "already a user 'Ana B.'" in again.output
    bad = runner.invoke(cli, ["users", "add", "bo", "--role", "boss", "--workbench-db", db])
    assert bad.exit_code == 2 and "role 'boss' is not one of viewer, analyst, admin" in bad.output
    assert runner.invoke(cli, ["users", "revoke", "Ana B.", "--workbench-db", db]).exit_code == 0
    gone = runner.invoke(cli, ["users", "revoke", "Ana B.", "--workbench-db", db])
    assert gone.exit_code == 2 and "no active user" in gone.output
    assert UserStore(db).authenticate(token) is None
    actions = [r[0] for r in sqlite3.connect(db).execute("SELECT action FROM audit ORDER BY id")]
    assert actions == ["user.add", "user.revoke"]


def test_every_request_is_made_as_a_user_and_a_revoked_token_stops_at_once(team: Team) -> None:
    c = team.client
    assert c.get("/api/health").status_code == 401
    assert c.get("/api/health", headers={"authorization": "Bearer sf.1.nope"}).status_code == 401
    assert c.get("/api/health", headers=team.as_("vic")).status_code == 200
    UserStore(team.path).revoke("vic", who="test")
    assert c.get("/api/health", headers=team.as_("vic")).status_code == 401


def test_without_users_the_loopback_workbench_needs_no_token(client: TestClient) -> None:
    assert client.get("/api/health").status_code == 200
    mid = client.post("/api/ach", json={"model": MODEL, "hypothesis": "belarus_entry"}).json()
    assert client.get("/api/audit").json()["rows"][0]["who"] == "local"
    assert client.delete(f"/api/ach/{mid['id']}").status_code == 200


def test_users_mode_needs_at_least_one_user(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no users yet"):
        create_app(Settings(users=True, workbench_db=tmp_path / "empty.sqlite3"))


# -- roles -------------------------------------------------------------------------------


def _write_calls(mid: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """One request per write route (method, path, body), in an order that succeeds."""
    return [
        ("POST", "/api/ach", {"model": MODEL, "hypothesis": "belarus_entry"}),
        ("PUT", f"/api/ach/{mid}/ratings", {"item": ITEM, "hypothesis": "entered", "rating": "C"}),
        ("POST", f"/api/ach/{mid}/items", {"kind": "claim", "ref": "pretext-plans"}),
        ("PATCH", f"/api/ach/{mid}/items/{ITEM}", {"grading": "A1"}),
        ("DELETE", f"/api/ach/{mid}/items/claim:pretext-plans", None),
        ("DELETE", f"/api/ach/{mid}", None),
        ("POST", "/api/users", {"name": "newbie", "role": "viewer"}),
        ("DELETE", "/api/users/newbie", None),
    ]


def _route_template(path: str, mid: int) -> str:
    return path.replace(str(mid), "{matrix_id}").replace(ITEM, "{item_id}")


def test_the_write_list_covers_every_route_that_stores(team: Team) -> None:
    """A new storing route must join _write_calls, and so the tests below."""
    covered = {(m, _route_template(p, 7)) for m, p, _ in _write_calls(7)}
    covered = {
        (m, p.replace("claim:pretext-plans", "{item_id}").replace("newbie", "{name}"))
        for m, p in covered
    }
    stores = set()
    for path, operations in team.client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method in operations:
            if method != "get" and not COMPUTATIONS.match(path.replace("{model}", MODEL)):
                stores.add((method.upper(), path))
    assert stores == covered
    # The pages are left out of the schema: the one they post to only computes.
    bench = team.client.app.state.bench  # type: ignore[attr-defined]
    page_routes = [
        *pages.router(bench).routes,
        *compare_page.router(bench).routes,
        *[r for router in questions_api.routers(bench) for r in router.routes],
    ]
    posted = [
        (m, r.path) for r in page_routes if isinstance(r, APIRoute) for m in r.methods - {"GET"}
    ]
    assert posted == [("POST", "/models/{model}/whatif/outcomes")]
    assert all(COMPUTATIONS.match(p.replace("{model}", MODEL)) for _, p in posted)


def test_a_viewer_cannot_write_and_only_an_admin_deletes_or_manages_users(team: Team) -> None:
    mid = _matrix(team)
    c = team.client
    for method, path, body in _write_calls(mid):
        r = c.request(method, path, json=body, headers=team.as_("vic"))
        assert r.status_code == 403, (method, path, r.text)
        assert "vic is a viewer" in r.json()["error"]
        needed = required_role(method, path)
        r = c.request(method, path, json=body, headers=team.as_("ana"))
        if needed == "admin":
            assert r.status_code == 403 and "needs the admin role" in r.json()["error"], path
        else:
            assert r.status_code in (200, 201), (method, path, r.text)
    # A viewer reads and computes.
    assert c.get(f"/api/ach/{mid}", headers=team.as_("vic")).status_code == 200
    assert c.get(f"/ach/{mid}", headers=team.as_("vic")).status_code == 200
    r = c.post(f"/api/models/{MODEL}/forecast", json={}, headers=team.as_("vic"))
    assert r.status_code == 200
    # The admin does what the analyst could not.
    assert c.delete(f"/api/ach/{mid}", headers=team.as_("ada")).status_code == 200
    added = c.post("/api/users", json={"name": "cy", "role": "viewer"}, headers=team.as_("ada"))
    assert added.status_code == 201 and added.json()["token"].startswith("sf.")
    cy = {"authorization": f"Bearer {added.json()['token']}"}
    assert c.get("/api/health", headers=cy).status_code == 200
    names = [u["name"] for u in c.get("/api/users", headers=team.as_("ada")).json()]
    assert names == ["ada", "ana", "cy", "vic"]
    assert all(
        "token" not in u and "hash" not in u
        for u in c.get("/api/users", headers=team.as_("ada")).json()
    )
    assert c.delete("/api/users/cy", headers=team.as_("ada")).status_code == 200
    assert c.get("/api/health", headers=cy).status_code == 401


def test_the_body_cannot_choose_the_writer_and_every_write_has_its_audit_row(
    team: Team,
) -> None:
    mid = _matrix(team, "ada")
    c = team.client
    # A rating naming anyone else is refused, not stored.
    before = len(team.audit())
    forged = {"item": ITEM, "hypothesis": "entered", "rating": "II", "analyst": "ada"}
    r = c.put(f"/api/ach/{mid}/ratings", json=forged, headers=team.as_("ana"))
    assert r.status_code == 403 and "ana cannot rate as 'ada'" in r.json()["error"]
    assert len(team.audit()) == before
    assert c.get(f"/api/ach/{mid}", headers=team.as_("ana")).json()["analysts"] == []
    # Naming oneself, or nobody, rates as oneself.
    own = {"item": ITEM, "hypothesis": "entered", "rating": "CC", "analyst": "ana"}
    assert c.put(f"/api/ach/{mid}/ratings", json=own, headers=team.as_("ana")).status_code == 200
    plain = {"item": ITEM, "hypothesis": "not_entered", "rating": "I"}
    out = c.put(f"/api/ach/{mid}/ratings", json=plain, headers=team.as_("ada")).json()
    row = next(i for i in out["items"] if i["id"] == ITEM)
    assert row["cells"]["entered"]["ratings"] == {"ana": "CC"}
    assert row["cells"]["not_entered"]["ratings"] == {"ada": "I"}
    assert out["analyst"] == "ada" and row["mine"] == {"not_entered": "I"}
    # Every write route, as the admin (who may make them all): one row each, naming her.
    for method, path, body in _write_calls(mid):
        n = len(team.audit())
        r = c.request(method, path, json=body, headers=team.as_("ada"))
        assert r.status_code in (200, 201), (method, path, r.text)
        rows = team.audit()
        assert len(rows) == n + 1, (method, path)
        assert rows[-1]["who"] == "ada", (method, path)
    actions = [r["action"] for r in team.audit()]
    assert actions[-8:] == [
        "matrix.create",
        "rating.set",
        "item.add",
        "item.change",
        "item.remove",
        "matrix.delete",
        "user.add",
        "user.revoke",
    ]


def test_the_audit_log_is_append_only_paged_exported_and_shown_per_cell(team: Team) -> None:
    mid = _matrix(team)
    c = team.client
    for rating in ("C", "I", None, "II"):
        body = {"item": ITEM, "hypothesis": "entered", "rating": rating}
        assert c.put(f"/api/ach/{mid}/ratings", json=body, headers=team.as_("ana")).is_success
    rows = team.audit()
    cell = [r for r in rows if r["target"] == f"{ITEM}|entered|ana"]
    assert [(r["before"], r["after"]) for r in cell] == [
        (None, "C"),
        ("C", "I"),
        ("I", None),
        (None, "II"),
    ]
    assert [r["action"] for r in cell] == ["rating.set", "rating.set", "rating.clear", "rating.set"]
    # Paging: two at a time, in id order, ending with next = null.
    seen, after = [], 0
    while True:
        page = c.get(
            "/api/audit",
            params={"matrix": mid, "after": after, "limit": 2},
            headers=team.as_("vic"),
        ).json()
        seen += page["rows"]
        if page["next"] is None:
            break
        after = page["next"]
    assert [r["id"] for r in seen] == [r["id"] for r in rows if r["matrix"] == mid]
    # CSV: the same rows.
    text = c.get("/api/audit/csv", params={"matrix": mid}, headers=team.as_("vic")).text
    table = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in table] == [r["id"] for r in seen]
    assert table[-1]["who"] == "ana" and table[-1]["after"] == "II"
    # The page shows the cell's history.
    html = c.get(f"/ach/{mid}", headers=team.as_("vic")).text
    history = html.split(f'class="history" data-item="{ITEM}" data-hypothesis="entered"')[1]
    history = history.split("</details>")[0]
    assert "4 changes" in history and history.count("<li>") == 4
    assert "ana: I → –" in history and "ana: – → II" in history
    assert "Signed in as <strong>vic</strong> (viewer)" in html
    # Append-only, whoever opens the file.
    with sqlite3.connect(team.path) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE audit SET who = 'someone else'")
    with sqlite3.connect(team.path) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("DELETE FROM audit")


# -- guessing and sessions -----------------------------------------------------------------


def test_failed_tokens_are_slowed_with_429_and_retry_after(team: Team) -> None:
    c = team.client
    for _ in range(FAILED_LIMIT):
        assert c.get("/api/health", headers={"authorization": "Bearer wrong"}).status_code == 401
    r = c.get("/api/health", headers={"authorization": "Bearer wrong"})
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert "too many failed tokens" in r.json()["error"]
    # While slowed, even a right guess is not confirmed.
    assert c.get("/api/health", headers=team.as_("vic")).status_code == 429


def test_failures_age_out_of_the_window() -> None:
    now = [0.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    slow = FailedTokens(limit=3, window_s=60, clock=clock)
    for t in (0.0, 10.0, 20.0):
        now[0] = t
        assert slow.retry_after("1.2.3.4") == 0
        slow.failed("1.2.3.4")
    assert slow.retry_after("1.2.3.4") == 40 and slow.retry_after("5.6.7.8") == 0
    now[0] = 60.5
    assert slow.retry_after("1.2.3.4") == 0


@pytest.mark.parametrize(("base", "secure"), [("https://127.0.0.1", True), (LOCAL, False)])
def test_the_session_cookie_is_httponly_strict_and_secure_over_tls(
    tmp_path: Path, base: str, secure: bool
) -> None:
    team = Team(tmp_path / "tls.sqlite3", base_url=base)
    r = team.client.get(f"/models/{MODEL}?token={team.tokens['vic']}", follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=sf.") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and ("Secure" in cookie) == secure


def test_serve_takes_a_certificate_and_key_together(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(UsageError, match="--certfile and --keyfile go together"):
        Settings(certfile=cert).check()
    with pytest.raises(UsageError, match="no such file"):
        Settings(certfile=cert, keyfile=tmp_path / "missing.pem").check()


def test_serve_speaks_tls_with_certfile_and_keyfile(tmp_path: Path) -> None:
    """The real server over https: the token's redirect sets a Secure cookie."""
    import shutil
    import socket
    import subprocess
    import sys
    import time

    import httpx

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to serve")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    db = tmp_path / "tls.sqlite3"
    token = UserStore(db).add("ada", "admin", who="setup")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "secondfront",
        "serve",
        "--users",
        "--port",
        str(port),
        "--workbench-db",
        str(db),
        "--certfile",
        str(cert),
        "--keyfile",
        str(key),
    ]
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"https://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"{url}/models/{MODEL}?token={token}", verify=False)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.2)
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert httpx.get(f"{url}/api/health", verify=False).status_code == 401
        with pytest.raises(httpx.TransportError):  # plain http is not served
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=10)
