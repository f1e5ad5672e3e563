"""Hostile and broken input to ingestion: nothing lost, nothing run, nothing unbounded.

Table-driven: each case is a file that an attacker or a careless user could hand to
``secondfront ingest``. A broken row is quarantined alone, with its line and field
named, and the good rows around it are stored (read = accepted + rejected +
duplicates); a file that cannot be read at all is a one-line located error with exit
status 2 and no traceback. Memory bombs run in a subprocess under ``RLIMIT_AS``, and a
full disk is played by ``RLIMIT_FSIZE``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.errors import InputFormatError, StoreError
from secondfront.evidence import acled, gdeltfile, store
from secondfront.evidence.acled import CURRENT_COLUMNS, LEGACY_COLUMNS
from secondfront.evidence.csvrecords import OVERSIZED_KEPT, short
from secondfront.evidence.ingest import ingest, rejects
from tests.evidence.conftest import FIXTURES, gdelt_generator

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _ingest_json(db: Path, *files: Path, fmt: str | None = None) -> dict:
    extra = ["--format", fmt] if fmt else []
    code, out, err = run("ingest", *map(str, files), "--db", str(db), "--no-map", "--json", *extra)
    assert code == 0, err
    assert "Traceback" not in out + err
    data = json.loads(out)
    assert data["read"] == data["accepted"] + data["rejected"] + data["duplicates"]
    return data


def _refused(db: Path, path: Path, *extra: str) -> str:
    """Ingest that must fail in one located line with exit status 2; returns the message."""
    code, out, err = run("ingest", str(path), "--db", str(db), "--no-map", *extra)
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) >= 1 and lines[0].startswith("error: "), err
    return " ".join(err.split())


def _rejects(db: Path) -> list[dict]:
    code, out, err = run("rejects", "--db", str(db), "--json")
    assert code == 0, err
    return json.loads(out)["rejects"]


# -- ACLED ---------------------------------------------------------------------------

GOOD = dict.fromkeys(CURRENT_COLUMNS, "")
GOOD.update(
    event_date="2022-02-07",
    year="2022",
    time_precision="1",
    disorder_type="Strategic developments",
    event_type="Strategic developments",
    sub_event_type="Change to group/activity",
    actor1="Military Forces of Russia (2000-)",
    country="Belarus",
    admin1="Gomel",
    latitude="52.43",
    longitude="30.97",
    geo_precision="1",
    source="Fixture",
    notes="Fixture: units moved south.",
    fatalities="0",
    timestamp="1700000000",
)


def _acled_row(eid: str, **over: str) -> str:
    rec = GOOD | {"event_id_cnty": eid} | over
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([rec[c] for c in CURRENT_COLUMNS])
    return buf.getvalue()


def _acled_file(path: Path, middle: str) -> Path:
    """Header, a good row, ``middle`` (one record), a good row."""
    path.write_text(
        ",".join(CURRENT_COLUMNS) + "\n" + _acled_row("GOOD1") + middle + _acled_row("GOOD2"),
        encoding="utf-8",
        newline="",
    )
    return path


def _long(n: int) -> str:
    return "9" * n


ACLED_CASES = [
    # (case, the middle record's overrides, the field or words the reason must name)
    ("fatalities-over-int32", {"fatalities": "99999999999"}, "field 'fatalities'"),
    ("fatalities-5000-digits", {"fatalities": _long(5000)}, "more than 19 digits"),
    ("fatalities-float-overflow", {"fatalities": _long(400) + ".0"}, "field 'fatalities'"),
    ("fatalities-negative", {"fatalities": "-1"}, "field 'fatalities'"),
    ("timestamp-over-bigint", {"timestamp": _long(25)}, "field 'timestamp'"),
    ("timestamp-past-year-9999", {"timestamp": "999999999999"}, "field 'timestamp'"),
    ("year-over-int32", {"year": "99999999999"}, "field 'year'"),
    ("time-precision-huge", {"time_precision": "4294967297"}, "field 'time_precision'"),
    ("geo-precision-negative", {"geo_precision": "-1"}, "field 'geo_precision'"),
    ("latitude-infinite", {"latitude": "1e999"}, "field 'latitude'"),
    ("latitude-nan", {"latitude": "nan"}, "field 'latitude'"),
    ("longitude-out-of-globe", {"longitude": "181"}, "field 'longitude'"),
    ("date-year-1", {"event_date": "0001-01-01", "year": ""}, "plausible event dates"),
    ("date-year-9999", {"event_date": "9999-12-31", "year": ""}, "plausible event dates"),
    ("date-1899", {"event_date": "1899-12-31", "year": ""}, "field 'event_date'"),
    ("date-not-a-date", {"event_date": "2022-02-30"}, "field 'event_date'"),
    ("id-with-control-chars", {"event_id_cnty": "BLR\x07\x1b[2J"}, "field 'event_id_cnty'"),
    ("id-huge", {"event_id_cnty": "X" * 5000}, "field 'event_id_cnty'"),
    ("sql-in-a-value", {"notes": "x'); DROP TABLE acled_events; --"}, None),
]


@pytest.mark.parametrize(("case", "over", "reason"), ACLED_CASES, ids=[c[0] for c in ACLED_CASES])
def test_acled_value_that_does_not_fit_quarantines_only_its_row(
    tmp_path: Path, case: str, over: dict[str, str], reason: str | None
) -> None:
    db = tmp_path / "s.duckdb"
    path = _acled_file(tmp_path / f"{case}.csv", _acled_row("BAD1", **over))
    data = _ingest_json(db, path)
    con = store.connect(db, read_only=True)
    ids = {r[0] for r in con.execute("SELECT event_id_cnty FROM acled_events").fetchall()}
    con.close()
    if reason is None:  # a hostile value that is valid data: stored as text, nothing run
        assert (data["read"], data["accepted"], data["rejected"]) == (3, 3, 0)
        assert ids == {"GOOD1", "BAD1", "GOOD2"}
        con = store.connect(db, read_only=True)
        stored = con.execute(
            "SELECT notes FROM acled_events WHERE event_id_cnty = 'BAD1'"
        ).fetchone()
        con.close()
        assert stored is not None and stored[0] == over["notes"]  # verbatim, as given
        return
    assert (data["read"], data["accepted"], data["rejected"]) == (3, 2, 1)
    assert ids == {"GOOD1", "GOOD2"}
    (bad,) = _rejects(db)
    assert bad["line"] == 3 and reason in bad["reason"], bad["reason"]
    assert len(bad["reason"]) < 400  # names the value, does not repeat 5,000 digits


def test_acled_id_with_control_characters_is_refused_as_an_inert_bad_id_is(
    tmp_path: Path,
) -> None:
    """Compared: an id of control characters (a terminal escape) gets the reject that a
    plain over-long id gets, the value shown escaped, never raw."""
    reasons = {}
    for case, eid in (("hostile", "BLR\x07\x1b[2J"), ("inert", "X" * 65)):
        db = tmp_path / f"{case}.duckdb"
        _ingest_json(db, _acled_file(tmp_path / f"{case}.csv", _acled_row(eid)))
        ((reason, line),) = [(r["reason"], r["line"]) for r in _rejects(db)]
        reasons[case] = (reason.replace(short(eid), "VALUE"), line)
        code, out, _ = run("rejects", "--db", str(db))
        assert code == 0 and short(eid) in out
        assert "\x07" not in out and "\x1b" not in out  # escaped, never raw
    assert short("BLR\x07\x1b[2J") == "'BLR\\x07\\x1b[2J'"
    assert (
        reasons["hostile"]
        == reasons["inert"]
        == (
            "field 'event_id_cnty': VALUE is not an ACLED event id",
            3,
        )
    )


RECORD_CASES = [
    # (case, raw middle record(s), records read, rejected, reason, rejected line)
    (
        "one-megabyte-quoted-field",
        _acled_row("BIG", notes=("x" * 99 + "\n") * 10_000),
        3,
        1,
        "field larger than field limit",
        3,
    ),
    (
        "two-megabyte-record",
        _acled_row("HUGE", notes="y" * (2 << 20)),
        3,
        1,
        "exceeds the limit",
        3,
    ),
    ("nul-bytes", _acled_row("NUL", notes="a\x00b"), 3, 1, "NUL character", 3),
    ("too-few-fields", "A,B,C\n", 3, 1, "3 fields where the header has 31", 3),
    (
        "stray-quote-in-unquoted-field",
        _acled_row("QUOTE").replace("Fixture: units", 'Fixture: "units'),
        3,
        0,
        "",
        0,
    ),
]


@pytest.mark.parametrize(
    ("case", "middle", "read", "rejected", "reason", "line"),
    RECORD_CASES,
    ids=[c[0] for c in RECORD_CASES],
)
def test_acled_broken_record_is_one_reject_and_reading_resumes(
    tmp_path: Path, case: str, middle: str, read: int, rejected: int, reason: str, line: int
) -> None:
    db = tmp_path / "s.duckdb"
    data = _ingest_json(db, _acled_file(tmp_path / f"{case}.csv", middle))
    assert (data["read"], data["rejected"]) == (read, rejected)
    con = store.connect(db, read_only=True)
    ids = {r[0] for r in con.execute("SELECT event_id_cnty FROM acled_events").fetchall()}
    con.close()
    assert {"GOOD1", "GOOD2"} <= ids
    if rejected:
        (bad,) = _rejects(db)
        assert bad["line"] == line and reason in bad["reason"], bad["reason"]
        assert len(bad["raw"]) <= 70_000  # kept, but bounded


def test_an_oversized_record_keeps_its_start_length_and_digest(tmp_path: Path) -> None:
    """Refused over the 1 MiB bound, it stays identifiable: first 64 KiB, length, SHA-256."""
    db = tmp_path / "s.duckdb"
    big = _acled_row("HUGE", notes="é" + "".join(chr(97 + i % 26) for i in range(3 << 19)))
    _ingest_json(db, _acled_file(tmp_path / "huge.csv", big))
    (bad,) = _rejects(db)
    assert bad["raw"] == big[:OVERSIZED_KEPT]
    digest = hashlib.sha256(big.encode("utf-8")).hexdigest()
    assert f"a record of {len(big)} characters" in bad["reason"]
    assert (
        f"sha256 {digest}" in bad["reason"]
        and f"first {OVERSIZED_KEPT} characters kept" in (bad["reason"])
    )
    assert len(bad["reason"]) < 400


def test_acled_unclosed_quote_at_the_end_is_one_reject(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = tmp_path / "open.csv"
    path.write_text(
        ",".join(CURRENT_COLUMNS) + "\n" + _acled_row("GOOD1") + 'OPEN,"never closed\nmore\n'
    )
    data = _ingest_json(db, path)
    assert (data["read"], data["accepted"], data["rejected"]) == (2, 1, 1)
    (bad,) = _rejects(db)
    assert bad["line"] == 3


def test_acled_bad_utf8_is_one_reject(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = _acled_file(tmp_path / "latin1.csv", _acled_row("LAT", notes="caf@"))
    path.write_bytes(path.read_bytes().replace(b"caf@", b"caf\xe9"))
    data = _ingest_json(db, path)
    assert (data["read"], data["accepted"], data["rejected"]) == (3, 2, 1)
    assert "not valid UTF-8" in _rejects(db)[0]["reason"]


def test_acled_out_of_range_row_in_an_early_chunk_blocks_nothing(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, the first chunk's transaction failed: its good rows and rejects were lost
    # and later chunks never read.
    monkeypatch.setattr(acled, "CHUNK", 2)
    rows = [_acled_row(f"G{i}") for i in range(6)]
    rows.insert(1, _acled_row("BAD", fatalities="99999999999", timestamp=_long(30)))
    path = tmp_path / "chunks.csv"
    path.write_text(",".join(CURRENT_COLUMNS) + "\n" + "".join(rows))
    c = ingest(con, [path]).total
    assert (c.read, c.accepted, c.rejected, c.duplicates) == (7, 6, 1, 0)
    assert con.execute("SELECT count(*) FROM acled_events").fetchone() == (6,)
    again = ingest(con, [path]).total  # and a rerun is all duplicates, no new rejects
    assert (again.accepted, again.duplicates, again.rejected) == (0, 6, 1)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)


def test_acled_legacy_zero_or_negative_data_id_is_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (FIXTURES / "acled_legacy.csv").read_text().splitlines()
    header, good = text[0], text[1]
    cols = header.split(",")
    pos = cols.index("data_id")

    def with_id(value: str, eid: str) -> str:
        rec = next(csv.reader([good]))
        rec[pos] = value
        rec[cols.index("event_id_cnty")] = eid
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(rec)
        return buf.getvalue()

    assert set(LEGACY_COLUMNS) <= set(cols)
    path = tmp_path / "legacy.csv"
    path.write_text(header + "\n" + with_id("0", "Z1") + with_id("-7", "Z2") + with_id("5", "Z3"))
    c = ingest(con, [path]).total
    assert (c.read, c.accepted, c.rejected) == (3, 1, 2)
    assert all("field 'data_id'" in str(r["reason"]) for r in rejects(con))


def test_duplicate_header_column_is_an_error_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    header = ",".join(CURRENT_COLUMNS) + ",Fatalities"
    path.write_text(header + "\n" + _acled_row("A").rstrip("\n") + ",7\n")
    msg = _refused(tmp_path / "s.duckdb", path)
    assert f"{path}:1: field 'fatalities':" in msg
    assert "column 29 ('fatalities') and column 32 ('Fatalities')" in msg


def test_duplicate_header_column_in_a_deletions_list(tmp_path: Path) -> None:
    path = tmp_path / "del.csv"
    path.write_text("event_id_cnty,deleted_timestamp,event_id_cnty\nA,1,B\n")
    msg = _refused(tmp_path / "s.duckdb", path, "--format", "acled-deletions")
    assert "column 1 ('event_id_cnty') and column 3 ('event_id_cnty')" in msg


# -- GDELT ---------------------------------------------------------------------------


def _gdelt_lines(n: int = 5) -> list[list[str]]:
    return [line.split("\t") for line in gdelt_generator().rows(n, first_id=700_000_000)]


GDELT_CASES = [
    # (case, field index (0-based), value, reason)
    ("id-zero", 0, "0", "field GLOBALEVENTID: '0'"),
    ("id-negative", 0, "-5", "field GLOBALEVENTID: '-5'"),
    ("id-over-bigint", 0, _long(25), "field GLOBALEVENTID"),
    ("date-99991231", 1, "99991231", "field SQLDATE: '99991231' is outside the plausible"),
    ("date-00010101", 1, "00010101", "field SQLDATE"),
    ("date-18991231", 1, "18991231", "is outside the plausible event dates"),
    ("numsources-over-int32", 32, "99999999999", "field NumSources"),
    ("goldstein-infinite", 30, "1e999", "field GoldsteinScale"),
    ("quadclass-sql", 29, "1; DROP TABLE gdelt_events; --", "field QuadClass"),
]


@pytest.mark.parametrize(
    ("case", "index", "value", "reason"), GDELT_CASES, ids=[c[0] for c in GDELT_CASES]
)
def test_gdelt_value_that_does_not_fit_is_quarantined_alone(
    tmp_path: Path, case: str, index: int, value: str, reason: str
) -> None:
    lines = _gdelt_lines()
    lines[2][index] = value
    path = tmp_path / f"{case}.export.CSV"
    path.write_text("".join("\t".join(f) + "\n" for f in lines))
    db = tmp_path / "s.duckdb"
    data = _ingest_json(db, path, fmt="gdelt")
    assert (data["read"], data["accepted"], data["rejected"]) == (5, 4, 1)
    (bad,) = _rejects(db)
    assert bad["line"] == 3 and reason in bad["reason"], bad["reason"]
    con = store.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM gdelt_events").fetchone() == (4,)
    con.close()


def _zip(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, data)
    return path


def test_gdelt_zip_past_the_size_limit_is_refused_with_the_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(gdeltfile.ENV_UNZIP_LIMIT, "1M")
    path = _zip(tmp_path / "big.zip", "big.export.CSV", b"1\t" * (1 << 20))
    msg = _refused(tmp_path / "s.duckdb", path, "--format", "gdelt")
    assert "expands to 2,097,152 bytes (2.0 MiB)" in msg
    assert "more than 1,048,576 bytes (1.0 MiB; " in msg
    assert gdeltfile.ENV_UNZIP_LIMIT in msg


def test_gdelt_zip_bomb_ratio_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gdeltfile, "RATIO_FLOOR", 1 << 16)
    path = _zip(tmp_path / "bomb.zip", "bomb.export.CSV", b"\0" * (8 << 20))
    msg = _refused(tmp_path / "s.duckdb", path, "--format", "gdelt")
    assert "times its compressed size" in msg and "8,388,608" in msg


def test_gdelt_unpacking_checks_free_temp_space(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gdeltfile, "SPARE", 1 << 62)  # no disk has that much to spare
    path = _zip(tmp_path / "ok.zip", "ok.export.CSV", b"".join(_gdelt_bytes()))
    msg = _refused(tmp_path / "s.duckdb", path, "--format", "gdelt")
    assert "unpacking needs" in msg and "free" in msg
    assert "; 4.0 EiB are kept spare)" in msg  # each size in the unit that suits it


def _gdelt_bytes(n: int = 5) -> list[bytes]:
    return [("\t".join(f) + "\n").encode() for f in _gdelt_lines(n)]


def test_truncated_gdelt_zip_is_named_as_a_truncated_zip(tmp_path: Path) -> None:
    whole = _zip(tmp_path / "w.zip", "w.export.CSV", b"".join(_gdelt_bytes(50))).read_bytes()
    cut = tmp_path / "cut.export.CSV.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    # Detected as GDELT (a zip) and said to be a truncated zip, not a file of another kind.
    msg = _refused(tmp_path / "s.duckdb", cut)
    assert f"{cut}:" in msg and "truncated or damaged zip archive" in msg


def test_corrupt_zip_member_is_a_located_error(tmp_path: Path) -> None:
    data = b"".join(_gdelt_bytes(200))
    whole = bytearray(_zip(tmp_path / "c.zip", "c.export.CSV", data).read_bytes())
    start = 30 + len("c.export.CSV")  # the local header, then the deflated bytes
    for k in range(start + 40, start + 200):
        whole[k] ^= 0x5A
    bad = tmp_path / "corrupt.zip"
    bad.write_bytes(bytes(whole))
    msg = _refused(tmp_path / "s.duckdb", bad, "--format", "gdelt")
    assert f"{bad}: field 'c.export.CSV': damaged zip member" in msg


# -- news ----------------------------------------------------------------------------

GOOD_ITEM = (
    "<item><title>Troops</title><link>https://example.org/1</link>"
    "<pubDate>Mon, 21 Feb 2022 10:00:00 GMT</pubDate>"
    "<description>The troops were moved to the border.</description></item>"
)
NO_DATE = "<item><title>Undated {k}</title><description>The {k} was seen.</description></item>"


def test_minified_feed_with_two_bad_items_on_one_line(tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<language>en</language>{NO_DATE.format(k='one')}{GOOD_ITEM}{NO_DATE.format(k='two')}"
        "</channel></rss>"
    )
    path = tmp_path / "min.rss"
    path.write_text(feed)
    db = tmp_path / "s.duckdb"
    data = _ingest_json(db, path)
    assert (data["read"], data["accepted"], data["rejected"]) == (3, 1, 2)
    bad = _rejects(db)
    assert [(r["line"], r["item"]) for r in bad] == [(1, 1), (1, 3)]
    assert all("no publication date" in r["reason"] for r in bad)


def test_cdata_items_falling_back_to_line_one_keep_their_own_keys(tmp_path: Path) -> None:
    # "<item>" inside CDATA makes the item count differ from the elements: every item
    # falls back to line 1, and only the item index keeps their rejects apart.
    feed = (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>T</title>\n'
        "<language>en</language>\n"
        "<description><![CDATA[ <item> <entry> ]]></description>\n"
        f"{NO_DATE.format(k='one')}\n{NO_DATE.format(k='two')}\n{GOOD_ITEM}\n"
        "</channel></rss>\n"
    )
    path = tmp_path / "cdata.rss"
    path.write_text(feed)
    db = tmp_path / "s.duckdb"
    data = _ingest_json(db, path)
    assert (data["read"], data["accepted"], data["rejected"]) == (3, 1, 2)
    assert sorted((r["line"], r["item"]) for r in _rejects(db)) == [(1, 1), (1, 2)]
    again = _ingest_json(db, path)  # a rerun adds no quarantine entries
    assert (again["duplicates"], again["rejected"]) == (1, 2) and len(_rejects(db)) == 2


def test_news_without_url_copied_elsewhere_adds_nothing(tmp_path: Path) -> None:
    text = "Title: Troops\nDate: 2022-02-21\nLanguage: en\n\nThe troops were moved to the border.\n"
    a = tmp_path / "a" / "note.txt"
    b = tmp_path / "b" / "copy.txt"
    for p in (a, b):
        p.parent.mkdir()
        p.write_text(text)
    db = tmp_path / "s.duckdb"
    assert _ingest_json(db, a)["accepted"] == 1
    second = _ingest_json(db, b)
    assert (second["accepted"], second["duplicates"]) == (0, 1)


def test_news_date_outside_the_window_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_text("Title: T\nDate: 0001-01-01\nLanguage: en\n\nThe troops were moved.\n")
    db = tmp_path / "s.duckdb"
    data = _ingest_json(db, path)
    assert data["rejected"] == 1
    assert "plausible event dates" in _rejects(db)[0]["reason"]


def test_malformed_xml_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.rss"
    path.write_text('<?xml version="1.0"?>\n<rss><channel>\n<item><title>x</item>\n')
    msg = _refused(tmp_path / "s.duckdb", path)
    assert f"{path}:3:" in msg and "not well-formed XML" in msg


def test_news_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secondfront.evidence import text

    monkeypatch.setattr(text, "MAX_TEXT_BYTES", 1000)
    path = tmp_path / "huge.txt"
    path.write_text("Date: 2022-02-21\n\n" + "The troops. " * 200)
    msg = _refused(tmp_path / "s.duckdb", path)
    assert "a news file is read whole" in msg


# -- store ---------------------------------------------------------------------------


def _stored(db: Path, read_as: dict[str, str] | None = None) -> dict[str, list[tuple[str, ...]]]:
    """Every table of the store at ``db``: its rows as text, sorted, without the clock's
    columns (timestamps), each key of ``read_as`` in a value read as its value: what two
    ingests that differ only in a name must both hold."""
    con = store.connect(db, read_only=True)
    tables = [
        t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    ]
    found = {}
    for table in sorted(tables):
        columns = [
            c
            for c, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            if not str(kind).startswith("TIMESTAMP")
        ]
        listed = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f'SELECT {listed} FROM "{table}"')
        found[table] = sorted(
            tuple(
                functools.reduce(lambda t, r: t.replace(*r), (read_as or {}).items(), str(v))
                for v in row
            )
            for row in rows.fetchall()
        )
    con.close()
    return found


@pytest.mark.parametrize("name", ["O'Brien", 'a"b; DROP TABLE x; --', "semi;colon -- #c *x"])
def test_store_folder_with_quotes_semicolons_and_comment_markers(tmp_path: Path, name: str) -> None:
    """Compared: a store in a folder named ``plain`` holds the same rows and rejects."""
    stores = {}
    for folder_name in (name, "plain"):
        folder = tmp_path / folder_name
        folder.mkdir()
        db = folder / f"{folder_name}.duckdb"
        data = _ingest_json(db, FIXTURES / "acled_current.csv")
        assert data["accepted"] == 3
        con = store.connect(db)
        temp = con.execute("SELECT current_setting('temp_directory')").fetchone()
        assert temp is not None and temp[0] == str(folder.resolve() / f"{folder_name}.duckdb.tmp")
        con.close()
        assert not (tmp_path / "x").exists()
        code, out, _ = run("rejects", "--db", str(db), "--json")
        assert code == 0 and len(json.loads(out)["rejects"]) == 4
        stores[folder_name] = (_stored(db), json.loads(out)["rejects"])
    assert stores[name] == stores["plain"] and stores[name][0]["acled_events"]


@pytest.mark.parametrize("name", ["it's.CSV", "a;b --.CSV", "x') ; SELECT 1; --.CSV"])
def test_gdelt_file_names_reach_sql_only_as_parameters(tmp_path: Path, name: str) -> None:
    """Compared: a file named ``plain.CSV`` (zipped or not) stores the same rows, the
    hostile name stored verbatim where the plain one is."""
    names = {}  # the hostile run's path and the zip's digest (the zip holds the member's name)
    for file_name in (name, "plain.CSV"):
        folder = tmp_path / file_name
        folder.mkdir()
        path = folder / file_name
        path.write_bytes(b"".join(_gdelt_bytes(5)))
        data = _ingest_json(folder / "s.duckdb", path, fmt="gdelt")
        assert data["accepted"] == 5
        zipped = _zip(folder / (file_name + ".zip"), file_name, path.read_bytes())
        assert _ingest_json(folder / "t.duckdb", zipped, fmt="gdelt")["accepted"] == 5
        names[file_name] = [str(path), hashlib.sha256(zipped.read_bytes()).hexdigest()]
    read_as = dict(zip(names[name], names["plain.CSV"], strict=True))
    stored = {
        file_name: [_stored(tmp_path / file_name / db, read_as) for db in ("s.duckdb", "t.duckdb")]
        for file_name in (name, "plain.CSV")
    }
    assert stored[name] == stored["plain.CSV"] and stored[name][0]["gdelt_events"]
    verbatim = _stored(tmp_path / name / "s.duckdb")["gdelt_files"]
    assert any(str(tmp_path / name / name) in row for row in verbatim)


def _observations_with(tmp_path: Path, name: str, actor: str, note: str) -> set[tuple[str, str]]:
    """The history's observations under the shipped rules with one actor pattern and one
    notes word replaced."""
    from secondfront.evidence.mapping import load_rules

    text = (ROOT / "models" / "belarus-second-front.mapping.yaml").read_text()
    text = text.replace('"Military Forces of Belarus*"', f'"Military Forces of Belarus*{actor}"')
    text = text.replace("from Belarus, ", f'from Belarus, "{note}", ')
    folder = tmp_path / name
    folder.mkdir()
    rules_path = folder / "belarus-second-front.mapping.yaml"
    rules_path.write_text(text)
    con = store.connect(folder / "s.duckdb")
    ingest(con, [ROOT / "data" / "belarus-events.csv"], rules=load_rules(rules_path))
    assert con.execute("SELECT count(*) FROM acled_events").fetchone()[0] > 0  # type: ignore[index]
    rows = con.execute("SELECT ref, indicator FROM observations").fetchall()
    con.close()
    return {(str(r), str(i)) for r, i in rows}


def test_rules_with_sql_metacharacters_are_parameters(tmp_path: Path) -> None:
    # The hostile patterns match exactly what inert strings in their place match: they
    # reach SQL as values, never as code.
    hostile = _observations_with(tmp_path, "hostile", "' OR 1=1; --", "'; DROP TABLE x; --")
    inert = _observations_with(tmp_path, "inert", "QQQ", "qqq qqq qqq")
    assert hostile == inert and hostile


def test_sqlite_file_is_refused_without_fetching_anything(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    s = sqlite3.connect(db)
    s.execute("CREATE TABLE t (x)")
    s.commit()
    s.close()
    with pytest.raises(StoreError, match="not a secondfront store \\(an SQLite database\\)"):
        store.connect(db)
    msg = _refused(db, FIXTURES / "acled_current.csv")
    assert "an SQLite database" in msg


def test_extension_autoload_is_off(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "s.duckdb")
    got = con.execute(
        "SELECT current_setting('autoinstall_known_extensions'), "
        "current_setting('autoload_known_extensions')"
    ).fetchone()
    con.close()
    assert got == (False, False)


def test_truncated_store_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _ingest_json(db, FIXTURES / "acled_current.csv")
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    code, out, err = run("rejects", "--db", str(db))
    assert code == 2 and "Traceback" not in out + err
    assert err.startswith(f"error: {db}:") and len(err.strip().splitlines()) == 1


def test_corrupt_store_header_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _ingest_json(db, FIXTURES / "acled_current.csv")
    data = bytearray(db.read_bytes())
    data[8:12] = b"XXXX"
    db.write_bytes(bytes(data))
    msg = _refused(db, FIXTURES / "uk.rss")
    assert "not a secondfront store" in msg


@pytest.mark.parametrize("command", ["timeline", "indicators", "rejects", "backtest"])
def test_read_commands_do_not_create_a_store_at_a_mistyped_path(
    tmp_path: Path, command: str
) -> None:
    db = tmp_path / "typo.duckdb"
    code, out, err = run(command, "--db", str(db))
    assert code == 2 and "Traceback" not in out + err
    assert "no store here" in err and not db.exists()


def test_negative_reject_limit_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _ingest_json(db, FIXTURES / "acled_current.csv")
    code, out, err = run("rejects", "--db", str(db), "--limit", "-1")
    assert code == 2 and "Traceback" not in out + err
    assert err.strip() == "error: --limit must be at least 0, got -1"  # the CLI's one rule


# -- out-of-window rows already in a store (written before the checks) --------------


def _store_with_extreme_dates(db: Path) -> None:
    _ingest_json(db, ROOT / "data" / "belarus-events.csv")
    con = duckdb.connect(str(db))
    for eid, day in (("ANCIENT", dt.date(1, 1, 1)), ("FUTURE", dt.date(9999, 12, 31))):
        con.execute(
            "INSERT INTO acled_events SELECT * REPLACE (? AS event_id_cnty, ? AS event_date, "
            "'zz' AS file_sha256) FROM acled_events LIMIT 1",
            [eid, day],
        )
    con.close()


@pytest.mark.parametrize("command", ["indicators", "timeline", "backtest"])
def test_weekly_commands_are_total_over_an_old_store(tmp_path: Path, command: str) -> None:
    db = tmp_path / "old.duckdb"
    _store_with_extreme_dates(db)
    code, out, err = run(command, "--db", str(db), "--json")
    assert code == 0, err
    assert "Traceback" not in out + err
    if command != "backtest":
        weeks = json.loads(out)["weeks"]
        assert weeks and all(w["week"][:4] not in ("0001", "9999") for w in weeks)


@pytest.mark.parametrize(
    "flag,value", [("--from", "0001-01-01"), ("--to", "9999-12-31"), ("--from", "1899-12-31")]
)
def test_from_to_outside_the_supported_range_is_one_line(
    tmp_path: Path, flag: str, value: str
) -> None:
    db = tmp_path / "s.duckdb"
    _ingest_json(db, FIXTURES / "acled_current.csv")
    for command in ("indicators", "timeline"):
        code, out, err = run(command, "--db", str(db), flag, value)
        assert code == 2 and "Traceback" not in out + err
        assert err.startswith(f"error: {flag} {value} is outside the supported dates 1900-01-01..")
        assert len(err.strip().splitlines()) == 1


# -- resource limits: memory bombs and a full disk, in a subprocess -------------------

_CLI = "import sys; from secondfront.cli.app import main; sys.argv[0] = 'secondfront'; main()"


def _limited(args: list[str], memory: int | None = None, file_size: int | None = None):  # type: ignore[no-untyped-def]
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if file_size is not None:
            # A write past the limit fails with EFBIG instead of killing the process:
            # what a full disk looks like to the code.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, "-c", _CLI, *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
        env=env,
        cwd=ROOT,
    )


def test_memory_bombs_are_refused_under_a_memory_limit(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.export.CSV.zip", "bomb.export.CSV", b"\0" * (200 << 20))
    big_field = _acled_file(
        tmp_path / "field.csv", _acled_row("BIG", notes=("z" * 1023 + "\n") * (64 << 10))
    )
    db = tmp_path / "s.duckdb"
    done = _limited(["ingest", str(bomb), "--db", str(db), "--no-map"], memory=3 << 30)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "times its compressed size" in done.stderr
    done = _limited(["ingest", str(big_field), "--db", str(db), "--no-map"], memory=3 << 30)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def test_full_disk_is_one_line_and_the_store_stays_consistent(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _ingest_json(db, FIXTURES / "acled_current.csv")
    before = db.stat().st_size
    big = tmp_path / "big.export.CSV"
    big.write_bytes(b"".join(_gdelt_bytes(20_000)))
    done = _limited(
        ["ingest", str(big), "--db", str(db), "--no-map"], file_size=before + (256 << 10)
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error: ")
    assert "File too large" in done.stderr or "No space" in done.stderr
    con = store.connect(db)  # opens, and holds what it held
    assert con.execute("SELECT count(*) FROM acled_events").fetchone() == (3,)
    assert con.execute("SELECT count(*) FROM gdelt_events").fetchone() == (0,)
    con.close()


def test_input_format_errors_keep_their_location(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputFormatError):
        ingest(store.connect(tmp_path / "s.duckdb"), [path], fmt="acled")


def test_full_temp_disk_while_unpacking_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _ingest_json(db, FIXTURES / "acled_current.csv")
    member = b"".join(_gdelt_bytes(20_000))
    path = _zip(tmp_path / "g.export.CSV.zip", "g.export.CSV", member)
    limit = max(db.stat().st_size, path.stat().st_size) + (256 << 10)
    assert len(member) > limit
    done = _limited(["ingest", str(path), "--db", str(db), "--no-map"], file_size=limit)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "no space left while unpacking" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_gdelt_overlong_line_is_one_reject(tmp_path: Path) -> None:
    lines = _gdelt_bytes(4)
    lines.insert(2, b"7\t" + b"x" * (3 << 20) + b"\n")
    path = tmp_path / "long.export.CSV"
    path.write_bytes(b"".join(lines))
    db = tmp_path / "s.duckdb"
    data = _ingest_json(db, path, fmt="gdelt")
    assert (data["read"], data["accepted"], data["rejected"]) == (5, 4, 1)
    (bad,) = _rejects(db)
    assert bad["line"] == 3 and "over the limit of 1,048,576" in bad["reason"]
    assert len(bad["raw"]) < 70_000


def test_feed_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{k} "{f"&l{k - 1};" * 10}">' for k in range(1, 10))
    path = tmp_path / "lol.rss"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY l0 "lol">\n{lol}]>\n'
        '<rss version="2.0"><channel><title>&l9;</title></channel></rss>\n'
    )
    msg = _refused(tmp_path / "s.duckdb", path)
    assert f"{path}:2:" in msg and "<!ENTITY>" in msg
