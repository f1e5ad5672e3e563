"""Hostile requests to the workbench: redirects stay on the site, odd paths and headers
get answers (never a 500), tokens must be real secrets, origins match in full, and a
page's error is a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from secondfront.errors import UsageError
from secondfront.service import Settings, create_app
from secondfront.service.errors import wants_html
from secondfront.service.guard import COOKIE, same_origin, same_site_location
from secondfront.service.token import token_problem

TOKEN = "s3cret-token-for-tests-0123456789"
SITE = "http://workbench.example"
MODEL = "belarus-second-front"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[TestClient]:
    """A workbench with the shared token, so every request needs it."""
    app = create_app(Settings(token=TOKEN, workbench_db=tmp_path / "t.sqlite3"))
    with TestClient(app, base_url=SITE) as c:
        yield c


# (request path and query as sent on the wire, the redirect target it must get)
REDIRECTS = [
    (f"//evil.example/x?token={TOKEN}", "/evil.example/x"),
    (f"/%5Cevil.example?token={TOKEN}", "/evil.example"),
    (f"/%5C%5Cevil.example/?token={TOKEN}", "/evil.example/"),
    (f"/%2F%2Fevil.example?token={TOKEN}", "/evil.example"),
    (f"///evil.example?token={TOKEN}", "/evil.example"),
    (f"/./../..//evil.example?token={TOKEN}", "/evil.example"),
    (f"/models/{MODEL}?token={TOKEN}&a=%C3%A9&b=1", f"/models/{MODEL}?a=%C3%A9&b=1"),
    (f"/models/%C3%BC%E2%82%AC?token={TOKEN}", "/models/%C3%BC%E2%82%AC"),
    (f"/x%0D%0ASet-Cookie:%20a=b?token={TOKEN}", "/x%0D%0ASet-Cookie:%20a=b"),
]


@pytest.mark.parametrize(("sent", "location"), REDIRECTS)
def test_token_redirect_stays_on_this_site(guarded: TestClient, sent: str, location: str) -> None:
    """Compared: the plain on-site path it is sent to redirects to itself, the same way."""
    r = guarded.get(SITE + sent, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == location
    assert urlsplit(urljoin(SITE + "/", r.headers["location"])).netloc == "workbench.example"
    assert f"{COOKIE}={TOKEN}" in r.headers["set-cookie"]
    plain, _, query = location.partition("?")
    again = guarded.get(
        SITE + plain + "?" + "&".join(filter(None, [f"token={TOKEN}", query])),
        follow_redirects=False,
    )
    assert again.status_code == 303 and again.headers["location"] == location
    assert again.headers["set-cookie"] == r.headers["set-cookie"]


def test_a_junk_query_token_beside_a_valid_cookie_sets_nothing(guarded: TestClient) -> None:
    guarded.cookies.set(COOKIE, TOKEN)
    r = guarded.get(SITE + "//evil.example/x?token=junk", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/evil.example/x"
    assert "set-cookie" not in r.headers


def test_a_junk_query_token_alone_is_refused(guarded: TestClient) -> None:
    r = guarded.get(SITE + "//evil.example/x?token=junk", follow_redirects=False)
    assert r.status_code == 401 and "location" not in r.headers


@settings(max_examples=300, deadline=None, database=None)
@given(path=st.text(max_size=60), query=st.binary(max_size=40))
def test_any_path_gives_an_ascii_same_site_location(path: str, query: bytes) -> None:
    location = same_site_location(path, query)
    location.encode("ascii")  # a Location header can carry it
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert not any(ch in location for ch in "\r\n\\ ")
    assert urlsplit(urljoin(SITE + "/", location)).netloc == "workbench.example"


@pytest.mark.parametrize(
    ("path", "plain"),
    [
        ("/models/ünïcode€", "/models/-unicode"),
        ("/ach/%F0%9F%92%A3", "/ach/bomb"),
        ("/models/%FF%FE", "/models/-fffe"),
        ("/\u2028x", "/x"),
    ],
)
def test_non_latin1_paths_with_a_token_are_answered(
    guarded: TestClient, path: str, plain: str
) -> None:
    """Compared: a plain ASCII path, wrong the same way, gets the same page and JSON error."""
    r = guarded.get(SITE + path + f"?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303
    r.headers["location"].encode("ascii")
    guarded.cookies.set(COOKIE, TOKEN)
    odd, inert = guarded.get(SITE + path), guarded.get(SITE + plain)
    assert odd.status_code in (404, 422)
    assert (odd.status_code, odd.headers["content-type"]) == (
        inert.status_code,
        inert.headers["content-type"],
    )
    as_json = {"accept": "application/json"}
    odd, inert = (
        guarded.get(SITE + path, headers=as_json),
        guarded.get(SITE + plain, headers=as_json),
    )
    assert odd.json() == inert.json() and odd.json()["ok"] is False


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (" " * 16, "characters a header or cookie cannot carry"),
        ("\t" * 20, "characters a header or cookie cannot carry"),
        ("a" * 64, "only 1 different characters"),
        ("abcdabcdabcdabcd", "only 4 different characters"),
        ("abcdefgh;ijklmnop", "cannot carry (';')"),
        ("ünïcödé-tökén-123", "cannot carry"),
        ("short-token", "it has 11 characters"),
    ],
)
def test_a_token_must_be_a_real_secret(token: str, problem: str) -> None:
    assert problem in str(token_problem(token))
    with pytest.raises(UsageError, match="at least 16 characters long") as info:
        Settings(token=token).check()
    assert problem in str(info.value) and "secrets.token_urlsafe" in str(info.value)


def test_generated_tokens_pass_the_rule() -> None:
    import secrets

    assert token_problem(TOKEN) is None
    assert all(token_problem(secrets.token_urlsafe(32)) is None for _ in range(200))


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://127.0.0.1", True),
        ("http://127.0.0.1:80", True),
        ("HTTP://127.0.0.1", True),
        ("https://127.0.0.1", False),  # same host and port, another scheme
        ("https://127.0.0.1:80", False),
        ("http://127.0.0.1:8000", False),
        ("http://evil.example", False),
        ("http://127.0.0.1.evil.example", False),
        ("null", False),
        ("http://[::1", False),  # does not parse
        ("file://", False),
        ("", False),
    ],
)
def test_origin_must_match_scheme_host_and_port(
    client: TestClient, origin: str, allowed: bool
) -> None:
    assert same_origin(origin, "http", "127.0.0.1") is allowed
    body = {"model": MODEL, "hypothesis": "belarus_entry"}
    r = client.post("/api/ach", json=body, headers={"origin": origin})
    assert r.status_code == (201 if allowed else 403), r.text


def test_https_origin_matches_an_https_request() -> None:
    assert same_origin("https://wb.example", "https", "wb.example:443")
    assert not same_origin("http://wb.example", "https", "wb.example")


@pytest.mark.parametrize("host", [b"[::1", b"[::1:80", b"", b"evil.example", b"\xc3\xa9.example"])
def test_unusable_host_headers_are_refused_not_crashed(client: TestClient, host: bytes) -> None:
    """Compared: the same request naming this host is answered."""
    r = client.get("/api/health", headers={"host": host})
    assert r.status_code == 403 and r.json()["status"] == 403
    assert client.get("/api/health", headers={"host": b"127.0.0.1"}).status_code == 200


@pytest.mark.parametrize(
    "cookie",
    [f'{COOKIE}="{TOKEN}', f"{COOKIE}=\x00", "a=b; $$$=x; ;;; =", f"{COOKIE}={'x' * 5000}"],
)
def test_malformed_cookies_are_a_401(guarded: TestClient, cookie: str) -> None:
    r = guarded.get(SITE + "/api/health", headers={"cookie": cookie})
    assert r.status_code == 401
    # The token is still found beside a malformed cookie.
    ok = guarded.get(SITE + "/api/health", headers={"cookie": f"{cookie}; {COOKIE}={TOKEN}"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/models/no-such-model", "text/html,application/xhtml+xml,*/*;q=0.8"),
        ("/models/no-such-model", "*/*"),
        ("/models/no-such-model", ""),
        ("/no/such/page", "*/*"),
        ("/ach/999", "text/html"),
    ],
)
def test_a_page_error_is_a_page(client: TestClient, path: str, accept: str) -> None:
    headers = {"accept": accept} if accept else {}
    r = client.get(path, headers=headers)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text.lower() and "404" in r.text


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/models/no-such-model", "text/html"),
        ("/api/nowhere", "*/*"),
        ("/models/no-such-model", "application/json"),
        ("/static/no-such.css", "*/*"),
    ],
)
def test_api_and_machine_errors_stay_json(client: TestClient, path: str, accept: str) -> None:
    r = client.get(path, headers={"accept": accept})
    assert r.status_code == 404
    body = r.json()
    assert body["ok"] is False and body["status"] == 404 and body["errors"]


def test_wants_html_rule() -> None:
    assert wants_html("/models/x", "text/html")
    assert wants_html("/models/x", "*/*")
    assert not wants_html("/models/x", "application/json")
    assert wants_html("/models/x", "application/json, text/html")
    assert not wants_html("/api/models/x", "text/html")
    assert not wants_html("/api", "text/html")
    assert not wants_html("/openapi.json", "*/*")
