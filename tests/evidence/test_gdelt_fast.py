"""The GDELT fast path: line numbers, duplicates, and handing files over to the general path."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from secondfront.evidence import gdelt
from secondfront.evidence.ingest import ingest, rejects
from secondfront.evidence.registry import Counts
from tests.evidence.conftest import gdelt_generator

FIRST_ID = 900_000_000  # the generator's first GLOBALEVENTID; ids then increase by one


def _inv(c: Counts) -> None:
    assert c.read == c.accepted + c.rejected + c.duplicates


def _lines_match_ids(con: duckdb.DuckDBPyConnection, first_id: int = FIRST_ID) -> None:
    """Every stored row sits on the line its id was written to."""
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE line <> globaleventid - ? + 1) FROM gdelt_events",
        [first_id],
    ).fetchone()
    assert row is not None and row[0] > 0 and row[1] == 0


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which path stored each file ("fast" or "general")."""
    used: list[str] = []
    fast = gdelt.GdeltAdapter._store_clean
    general = gdelt.GdeltAdapter._store

    def store_clean(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts = fast(self, *args, **kwargs)
        if counts is not None:
            used.append("fast")
        return counts

    def store(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        used.append("general")
        return general(self, *args, **kwargs)

    monkeypatch.setattr(gdelt.GdeltAdapter, "_store_clean", store_clean)
    monkeypatch.setattr(gdelt.GdeltAdapter, "_store", store)
    return used


@pytest.mark.parametrize("layout", ["plain", "zip", "crlf", "no-final-newline"])
def test_fast_path_numbers_lines_in_file_order(
    tmp_path: Path,
    con: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
    layout: str,
) -> None:
    # ~11 MB: several 4 MiB blocks, so several sampled ids are checked.
    n = 30_000
    gen = gdelt_generator()
    if layout == "zip":
        path = gen.write(tmp_path / "g.export.CSV.zip", n, zipped=True)
    else:
        path = tmp_path / "g.export.CSV"
        end = "\r\n" if layout == "crlf" else "\n"
        text = end.join(gen.rows(n)) + ("" if layout == "no-final-newline" else end)
        path.write_bytes(text.encode())
    used = _spy(monkeypatch)
    c = ingest(con, [path], fmt="gdelt").total
    assert used == ["fast"]
    assert (c.read, c.accepted, c.rejected, c.duplicates) == (n, n, 0, 0)
    _lines_match_ids(con)
    # Nothing of the SOURCEURL field is lost to the line ending.
    assert con.execute(
        "SELECT count(*) FROM gdelt_events WHERE sourceurl LIKE '%' || chr(13)"
    ).fetchone() == (0,)


@pytest.mark.parametrize(("version", "n_fields"), [("1.0", 58), ("1.0-backfile", 57)])
def test_fast_path_takes_gdelt_1_layouts(
    tmp_path: Path,
    con: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
    n_fields: int,
) -> None:
    path = gdelt_generator().write(tmp_path / "g.CSV", 2_000, version=version)
    used = _spy(monkeypatch)
    c = ingest(con, [path]).total
    assert used == ["fast"] and (c.read, c.accepted) == (2_000, 2_000)
    _lines_match_ids(con)
    row = con.execute(
        "SELECT count(*) FILTER (WHERE eventcode LIKE '0%'), count(sourceurl) FROM gdelt_events"
    ).fetchone()
    assert row is not None and row[0] > 0  # CAMEO codes keep their leading zeros
    assert (row[1] == 0) == (n_fields == 57)


def test_fast_path_counts_repeated_and_stored_ids_as_duplicates(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = gdelt_generator()
    lines = list(gen.rows(300))
    first = tmp_path / "a.CSV"
    first.write_text("\n".join(lines[:100]) + "\n")
    # Lines 1-200 are ids 100-299; line 201 repeats line 51 (id 150); lines 202-251
    # repeat ids 50-99, which the first file stored.
    second = tmp_path / "b.CSV"
    second.write_text("\n".join([*lines[100:300], lines[150], *lines[50:100]]) + "\n")
    used = _spy(monkeypatch)
    a = ingest(con, [first]).total
    b = ingest(con, [second]).total
    assert used == ["fast", "fast"]
    _inv(a)
    _inv(b)
    assert (b.read, b.accepted, b.rejected, b.duplicates) == (251, 200, 0, 51)
    got = dict(
        con.execute(
            "SELECT globaleventid, line FROM gdelt_events JOIN gdelt_files USING (file_id) "
            "WHERE file_sha256 = (SELECT file_sha256 FROM ingests ORDER BY ingest_id DESC LIMIT 1)"
        ).fetchall()
    )
    assert len(got) == 200 and got[FIRST_ID + 150] == 51  # the first occurrence is kept
    assert con.execute("SELECT count(*) FROM gdelt_events").fetchone() == (300,)


def test_reingest_is_all_duplicates_and_adds_nothing(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    path = gdelt_generator().write(tmp_path / "g.CSV", 1_000)
    first = ingest(con, [path]).total
    again = ingest(con, [path]).total
    assert (first.accepted, again.accepted, again.duplicates, again.read) == (
        1_000,
        0,
        1_000,
        1_000,
    )
    assert con.execute("SELECT count(*) FROM gdelt_events").fetchone() == (1_000,)


@pytest.mark.parametrize("fault", ["bad-value", "empty-line", "field-count", "not-utf8"])
def test_files_with_faults_go_to_the_general_path_whole(
    tmp_path: Path,
    con: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    lines = [s.encode() for s in gdelt_generator().rows(50)]
    fields = lines[9].split(b"\t")
    if fault == "bad-value":
        fields[29] = b"7"  # QuadClass
    elif fault == "field-count":
        fields = fields[:-1]
    elif fault == "not-utf8":
        fields[13] = b"\xff"  # Actor1Type2Code: a field the store does not keep
    lines[9] = b"" if fault == "empty-line" else b"\t".join(fields)
    path = tmp_path / "g.CSV"
    path.write_bytes(b"\n".join(lines) + b"\n")
    used = _spy(monkeypatch)
    c = ingest(con, [path], fmt="gdelt").total
    assert used == ["general"]
    assert (c.read, c.accepted, c.rejected, c.duplicates) == (50, 49, 1, 0)
    (bad,) = rejects(con)
    assert bad["line"] == 10
    assert con.execute("SELECT count(*) FROM gdelt_events WHERE line = 0").fetchone() == (0,)
    _lines_match_ids(con)
    # The general path records the file once, as the fast path does.
    assert con.execute(
        "SELECT path, gdelt_version, count(*) FROM gdelt_files JOIN gdelt_events USING (file_id) "
        "GROUP BY ALL"
    ).fetchall() == [(str(path), "2.0", 49)]


def test_shape_samples_the_first_line_of_each_block() -> None:
    lines = [f"{100 + i}\tx\ty" for i in range(40)]
    data = ("\n".join(lines) + "\n").encode()
    for size in (1, 7, 13, 64, len(data)):
        shape = gdelt._Shape()
        for k in range(0, len(data), size):
            shape.feed(data[k : k + size])
        assert shape.lines == 40 and not shape.crlf
        # A sample needs the id and its tab inside one block.
        assert bool(shape.samples) == (size > 1), size
        for line, ident in shape.samples:
            assert ident == str(99 + line).encode(), (size, line, ident)


def test_shape_counts_a_last_line_without_newline_and_crlf() -> None:
    shape = gdelt._Shape()
    shape.feed(b"1\ta\r\n2\tb")
    assert (shape.lines, shape.crlf, shape.samples) == (2, True, [(1, b"1")])


def test_zip_member_is_unpacked_with_its_shape(tmp_path: Path) -> None:
    path = tmp_path / "g.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("g.CSV", "1\ta\n2\tb\n")
    with gdelt._plain_file(path, str(path)) as (plain, scan):
        assert plain.read_bytes() == b"1\ta\n2\tb\n"
        assert scan.result().lines == 2
    assert not plain.exists()


def test_shape_checks_utf8_across_blocks() -> None:
    text = "1\tМІНСК\tŁacinka\n".encode()
    for size in (1, 2, 3, len(text)):
        shape = gdelt._Shape()
        for k in range(0, len(text), size):
            shape.feed(text[k : k + size])
        assert shape.utf8, size
    cut = gdelt._Shape()
    cut.feed(text[:3])  # the first byte of a two-byte letter, then the end of the file
    assert not cut.utf8
    bad = gdelt._Shape()
    bad.feed(b"1\tBEL\xffRUS\n")
    bad.feed(b"2\tok\n")
    assert not bad.utf8


def test_fast_path_keeps_non_ascii_names(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = list(gdelt_generator().rows(20))
    fields = lines[4].split("\t")
    fields[6] = "МІНСК"  # Actor1Name
    fields[13] = "Łacinka"  # Actor1Type2Code, a field the store does not keep
    lines[4] = "\t".join(fields)
    path = tmp_path / "g.CSV"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    used = _spy(monkeypatch)
    c = ingest(con, [path], fmt="gdelt").total
    assert used == ["fast"] and (c.read, c.accepted) == (20, 20)
    assert con.execute("SELECT actor1name FROM gdelt_events WHERE line = 5").fetchone() == (
        "МІНСК",
    )
