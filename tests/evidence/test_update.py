"""``update``: GDELT 2.0 file lists and exports and ACLED API pages served from 127.0.0.1.

The server is a standard-library ``http.server`` in a thread; it serves a folder laid
out like GDELT's ``gdeltv2/`` and answers ``/acled/read`` like the ACLED API (JSON
pages filtered by ``timestamp`` and cut by ``limit``/``page``). Nothing leaves the
machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.evidence import store
from secondfront.evidence import update as up
from tests.evidence.conftest import FIXTURES, gdelt_generator


@dataclass
class Site:
    """The served folder and the ACLED API's state."""

    root: Path
    url: str = ""
    acled: list[dict[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)  # paths answered with HTTP 500


def _handler(site: Site) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):  # type: ignore[no-untyped-def]
            super().__init__(*a, directory=str(site.root), **kw)

        def log_message(self, *args: object) -> None:  # keep the test output clean
            return None

        def do_GET(self) -> None:  # the name http.server dispatches to
            site.requests.append(self.path)
            parts = urllib.parse.urlsplit(self.path)
            if parts.path in site.fail:
                self.send_error(500, "scripted failure")
                return
            if parts.path == "/acled/read":
                self._acled(dict(urllib.parse.parse_qsl(parts.query)))
                return
            super().do_GET()

        def _acled(self, q: dict[str, str]) -> None:
            if q.get("key") != "k3y" or q.get("email") != "me@example.org":
                body = {"status": 403, "success": False, "error": {"message": "bad key"}}
            else:
                after = int(q.get("timestamp", "0"))
                rows = [
                    r
                    for r in site.acled
                    if r["country"] == q["country"] and int(r["timestamp"]) > after
                ]
                limit, page = int(q["limit"]), int(q["page"])
                chunk = rows[(page - 1) * limit : page * limit]
                body = {"status": 200, "success": True, "count": len(chunk), "data": chunk}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    root = tmp_path / "site"
    (root / "gdeltv2").mkdir(parents=True)
    s = Site(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(s))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv(up.ENV_GDELT, s.url + "/gdeltv2/")
    monkeypatch.setenv(up.ENV_ACLED, s.url + "/acled/read")
    monkeypatch.setenv(up.ENV_ACLED_KEY, "k3y")
    monkeypatch.setenv(up.ENV_ACLED_EMAIL, "me@example.org")
    yield s
    server.shutdown()
    server.server_close()
    thread.join()


STAMPS = ["20260301000000", "20260301001500", "20260301003000", "20260301004500"]


def _export(site: Site, stamp: str, n: int, seed: int) -> tuple[int, str, str]:
    """Write one export zip; return (size, md5, url) as the lists give them."""
    name = f"{stamp}.export.CSV.zip"
    path = site.root / "gdeltv2" / name
    lines = gdelt_generator().rows(n, seed=seed, first_id=int(stamp[-6:]) * 1000 + 1)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name.removesuffix(".zip"), "".join(line + "\n" for line in lines))
    data = path.read_bytes()
    return len(data), hashlib.md5(data).hexdigest(), f"{site.url}/gdeltv2/{name}"


def _publish(site: Site, stamps: list[str], bad_md5: str | None = None) -> None:
    """Write the exports, the master list (with mentions lines as GDELT has) and the
    last-update list naming the newest."""
    master = []
    for i, st in enumerate(stamps):
        size, md5, url = _export(site, st, 30, seed=i)
        if st == bad_md5:
            md5 = "0" * 32
        master.append(f"{size} {md5} {url}")
        master.append(f"1234 {'a' * 32} {site.url}/gdeltv2/{st}.mentions.CSV.zip")
    (site.root / "gdeltv2" / "masterfilelist.txt").write_text("\n".join(master) + "\n")
    (site.root / "gdeltv2" / "lastupdate.txt").write_text("\n".join(master[-2:]) + "\n")


def _gdelt_rows(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM gdelt_events").fetchone()
    assert row is not None
    return int(row[0])


def test_gdelt_first_run_takes_the_newest_then_only_new_files(site: Site, tmp_path: Path) -> None:
    _publish(site, STAMPS[:2])
    con = store.connect(tmp_path / "s.duckdb")
    dl = tmp_path / "dl"
    dl.mkdir()
    first = up.update(con, dl, sources=["gdelt"])
    (g,) = first.sources
    assert g.fetched == 1 and g.counts.read == 30 and not g.failed
    assert not any("masterfilelist" in r for r in site.requests)  # not needed
    # Two more exports appear: the gap needs the master list; both are fetched.
    _publish(site, STAMPS)
    site.requests.clear()
    (g,) = up.update(con, dl, sources=["gdelt"]).sources
    assert g.fetched == 2 and g.skipped == 0
    assert any("masterfilelist" in r for r in site.requests)
    fetched = {
        r[0] for r in con.execute("SELECT key FROM fetched WHERE status='ingested'").fetchall()
    }
    assert fetched == {STAMPS[1], STAMPS[2], STAMPS[3]}
    n = _gdelt_rows(con)
    # Idempotent: nothing new, nothing fetched, nothing changed.
    site.requests.clear()
    (g,) = up.update(con, dl, sources=["gdelt"]).sources
    assert g.fetched == 0 and _gdelt_rows(con) == n
    assert [r for r in site.requests if r.endswith(".zip")] == []
    assert list(dl.iterdir()) == []  # downloads removed once ingested


def test_gdelt_since_and_checksum_failure_then_retry(site: Site, tmp_path: Path) -> None:
    _publish(site, STAMPS, bad_md5=STAMPS[1])
    con = store.connect(tmp_path / "s.duckdb")
    dl = tmp_path / "dl"
    dl.mkdir()
    since = dt.datetime(2026, 3, 1, 0, 0)
    (g,) = up.update(con, dl, sources=["gdelt"], since=since).sources
    assert g.fetched == 3
    assert [k for k, _ in g.failed] == [STAMPS[1]]
    assert "MD5" in g.failed[0][1]
    assert not list(dl.glob("*.part"))
    # The list is corrected; the next run fetches only the file that failed.
    _publish(site, STAMPS)
    site.requests.clear()
    (g,) = up.update(con, dl, sources=["gdelt"]).sources
    assert g.fetched == 1 and not g.failed
    assert [r for r in site.requests if r.endswith(".zip")] == [
        f"/gdeltv2/{STAMPS[1]}.export.CSV.zip"
    ]
    # Every row of the four files is in, each once.
    assert _gdelt_rows(con) == 4 * 30


def _acled_rows() -> list[dict[str, str]]:
    with (FIXTURES / "acled_current.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for i in range(12):
        r = dict(rows[0])
        r["event_id_cnty"] = f"LIVE{i:04d}"
        r["timestamp"] = str(1_800_000_000 + i)
        r["notes"] = f"Fixture event {i}."
        out.append(r)
    out[5]["event_date"] = "2022-13-45"  # a bad row: quarantined, not lost
    return out


def test_acled_pages_cursor_and_quarantine(site: Site, tmp_path: Path) -> None:
    site.acled = _acled_rows()
    con = store.connect(tmp_path / "s.duckdb")
    dl = tmp_path / "dl"
    dl.mkdir()
    a = up.update_acled(con, dl, page_size=5)
    assert a.fetched == 3 and not a.failed  # 5 + 5 + 2 rows
    assert a.counts.read == 12 and a.counts.rejected == 1 and a.counts.accepted == 11
    pages = [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r).query)) for r in site.requests]
    assert [p["page"] for p in pages] == ["1", "2", "3"]
    assert {p["timestamp"] for p in pages} == {"0"}
    stored = con.execute("SELECT url FROM fetched WHERE source = 'acled'").fetchall()
    assert all("k3y" not in r[0] and "me%40example.org" not in r[0] for r in stored)
    # The next run asks only for events edited after the newest seen.
    site.requests.clear()
    a = up.update_acled(con, dl, page_size=5)
    assert a.fetched == 0
    (p,) = [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r).query)) for r in site.requests]
    assert p["timestamp"] == "1800000011"
    # An edited event comes back with a later timestamp.
    edited = dict(site.acled[0], notes="Edited.", timestamp="1800000100")
    site.acled.append(edited)
    a = up.update_acled(con, dl, page_size=5)
    assert a.counts.accepted == 1
    row = con.execute("SELECT notes FROM acled_events WHERE event_id_cnty = 'LIVE0000'").fetchone()
    assert row == ("Edited.",)


def test_acled_failure_mid_query_keeps_the_cursor_and_resumes(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.acled = _acled_rows()
    con = store.connect(tmp_path / "s.duckdb")
    dl = tmp_path / "dl"
    dl.mkdir()
    calls = {"n": 0}
    real = up._acled_page

    def flaky(url: str):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise up.FetchError("connection reset (scripted)")
        return real(url)

    monkeypatch.setattr(up, "_acled_page", flaky)
    a = up.update_acled(con, dl, page_size=5)
    monkeypatch.setattr(up, "_acled_page", real)
    assert a.fetched == 1 and len(a.failed) == 1
    assert con.execute("SELECT count(*) FROM update_cursors").fetchone() == (0,)
    a = up.update_acled(con, dl, page_size=5)
    assert not a.failed and a.counts.read == 12
    assert a.counts.duplicates == 5  # page 1 again: already stored, not doubled
    assert con.execute("SELECT count(*) FROM acled_events").fetchone() == (11,)


def test_acled_without_credentials_is_skipped_and_bad_key_is_an_error(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = store.connect(tmp_path / "s.duckdb")
    monkeypatch.delenv(up.ENV_ACLED_KEY)
    a = up.update_acled(con, tmp_path)
    assert a.fetched == 0 and "ACLED_KEY" in a.note
    a = up.update_acled(con, tmp_path, key="wrong", email="me@example.org")
    assert len(a.failed) == 1 and "bad key" in a.failed[0][1]
    assert "wrong" not in a.failed[0][1]  # credentials never printed


def test_update_command_json_and_exit_status(site: Site, tmp_path: Path) -> None:
    _publish(site, STAMPS[:1])
    site.acled = _acled_rows()[:3]
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    r = runner.invoke(app, ["update", "--db", str(db), "--json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    by = {s["source"]: s for s in data["sources"]}
    assert by["gdelt"]["fetched"] == 1 and by["gdelt"]["read"] == 30
    assert by["acled"]["accepted"] == 3
    assert (tmp_path / "s.duckdb.downloads").is_dir()
    site.fail.add("/acled/read")
    site.acled.append(dict(site.acled[0], event_id_cnty="LIVE9999", timestamp="1900000000"))
    r = runner.invoke(app, ["update", "--db", str(db), "--source", "acled"])
    assert r.exit_code == 1 and "HTTP 500" in r.stderr
    r = runner.invoke(app, ["update", "--db", str(db), "--since", "March"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --since 'March'")
