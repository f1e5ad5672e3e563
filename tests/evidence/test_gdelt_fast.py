"""The GDELT fast path: line numbers, duplicates, and handing files over to the general path."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pytest

from secondfront.evidence import gdelt, gdeltfile
from secondfront.evidence.ingest import ingest, rejects
from secondfront.evidence.registry import Counts
from tests.evidence.conftest import gdelt_generator, repeated_gdelt_file

FIRST_ID = 900_000_000  # the generator's first GLOBALEVENTID; ids then increase by one


def _inv(c: Counts) -> None:
    assert c.read == c.accepted + c.rejected + c.duplicates


# Each stored event with the line it was read from.
LINES = "gdelt_events e JOIN gdelt_lines l USING (file_id, globaleventid)"


def _lines_match_ids(con: duckdb.DuckDBPyConnection, first_id: int = FIRST_ID) -> None:
    """Every stored row has exactly one line, the one its id was written to."""
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE line <> globaleventid - ? + 1), "
        f"(SELECT count(*) FROM gdelt_events) FROM {LINES}",
        [first_id],
    ).fetchone()
    assert row is not None and row[0] > 0 and row[1] == 0 and row[0] == row[2]


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
    # ~11 MB: several 4 MiB blocks, so lines cut between blocks are numbered too.
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


@pytest.mark.parametrize("repeat_in_file", [False, True])
def test_repeated_and_stored_ids_are_duplicates(
    tmp_path: Path,
    con: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
    repeat_in_file: bool,
) -> None:
    gen = gdelt_generator()
    lines = list(gen.rows(300))
    first = tmp_path / "a.CSV"
    first.write_text("\n".join(lines[:100]) + "\n")
    # Lines 1-200 are ids 100-299; then, when repeating in the file, line 201 repeats
    # line 51 (id 150); the last 50 lines repeat ids 50-99, which the first file stored.
    again = [lines[150]] if repeat_in_file else []
    second = tmp_path / "b.CSV"
    second.write_text("\n".join([*lines[100:300], *again, *lines[50:100]]) + "\n")
    used = _spy(monkeypatch)
    a = ingest(con, [first]).total
    b = ingest(con, [second]).total
    # Stored ids are found by the fast path; an id repeated within the file cannot name
    # its line, so the general path stores that file.
    assert used == ["fast", "general" if repeat_in_file else "fast"]
    _inv(a)
    _inv(b)
    n = 250 + repeat_in_file
    assert (b.read, b.accepted, b.rejected, b.duplicates) == (n, 200, 0, n - 200)
    got = dict(
        con.execute(
            f"SELECT globaleventid, min(line) FROM {LINES} JOIN gdelt_files USING (file_id) "
            "WHERE file_sha256 = (SELECT file_sha256 FROM ingests ORDER BY ingest_id DESC LIMIT 1) "
            "GROUP BY ALL"
        ).fetchall()
    )
    assert len(got) == 200 and got[FIRST_ID + 150] == 51  # the first occurrence is kept
    # The index has every line that held a valid event, the repeat's too.
    assert con.execute(
        "SELECT list(line ORDER BY line) FROM gdelt_lines WHERE globaleventid = ? AND file_id = "
        "(SELECT max(file_id) FROM gdelt_files)",
        [FIRST_ID + 150],
    ).fetchone() == ([51, 201] if repeat_in_file else [51],)
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
    _lines_match_ids(con)
    # The general path records the file once, as the fast path does.
    assert con.execute(
        "SELECT path, gdelt_version, count(*) FROM gdelt_files JOIN gdelt_events USING (file_id) "
        "GROUP BY ALL"
    ).fetchall() == [(str(path), "2.0", 49)]


def test_shape_reads_every_line_id_across_blocks() -> None:
    lines = [f"{100 + i}\tx\ty" for i in range(40)]
    data = ("\n".join(lines) + "\n").encode()
    for size in (1, 2, 7, 13, 64, len(data)):
        shape = gdeltfile.Shape()
        for k in range(0, len(data), size):
            shape.feed(data[k : k + size])
        shape.finish()
        assert shape.lines == 40 and not shape.crlf, size
        assert shape.ids.tolist() == list(range(100, 140)) and shape.unique, size


def test_shape_counts_a_last_line_without_newline_and_crlf() -> None:
    shape = gdeltfile.Shape()
    shape.feed(b"1\ta\r\n2\tb")
    shape.finish()
    assert (shape.lines, shape.crlf, shape.ids.tolist(), shape.unique) == (2, True, [1, 2], True)


@pytest.mark.parametrize(
    ("data", "ids", "unique"),
    [
        (b"7\ta\n7\tb\n", [7, 7], False),  # a repeated id
        (b"7\ta\n\n8\tb\n", [7, -1, 8], False),  # an empty line
        (b"x7\ta\n8\tb\n", [-1, 8], False),  # not digits
        (b"7 \ta\n8\tb\n", [-1, 8], False),  # a space before the tab
        (b"1234567890123456789\ta\n8\tb\n", [-1, 8], False),  # 19 digits: too long
        (b"123456789012345678\ta\n0008\tb", [123456789012345678, 8], True),
    ],
)
def test_shape_gives_minus_one_to_lines_without_an_id(
    data: bytes, ids: list[int], unique: bool
) -> None:
    shape = gdeltfile.Shape()
    shape.feed(data)
    shape.finish()
    assert (shape.ids.tolist(), shape.unique) == (ids, unique)


def test_shape_keeps_only_the_head_of_an_overlong_line() -> None:
    shape = gdeltfile.Shape()
    shape.feed(b"5\t" + b"x" * 100_000)  # no newline yet: a cut line
    assert len(shape._carry) <= 64
    shape.feed(b"y" * 100_000 + b"\n6\tz")
    shape.finish()
    assert (shape.lines, shape.ids.tolist()) == (2, [5, 6])


def test_zip_member_is_unpacked_with_its_shape(tmp_path: Path) -> None:
    path = tmp_path / "g.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("g.CSV", "1\ta\n2\tb\n")
    with gdeltfile.plain_file(path, str(path)) as (plain, scan):
        assert plain.read_bytes() == b"1\ta\n2\tb\n"
        assert scan.result().lines == 2
    assert not plain.exists()


def test_shape_checks_utf8_across_blocks() -> None:
    text = "1\tМІНСК\tŁacinka\n".encode()
    for size in (1, 2, 3, len(text)):
        shape = gdeltfile.Shape()
        for k in range(0, len(text), size):
            shape.feed(text[k : k + size])
        assert shape.utf8, size
    cut = gdeltfile.Shape()
    cut.feed(text[:3])  # the first byte of a two-byte letter, then the end of the file
    assert not cut.utf8
    bad = gdeltfile.Shape()
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
    assert con.execute(f"SELECT actor1name FROM {LINES} WHERE line = 5").fetchone() == ("МІНСК",)


def test_progress_moves_while_duckdb_works(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    # ~74 MB: DuckDB works on it for a few tenths of a second, long enough to be polled.
    path = repeated_gdelt_file(tmp_path / "g.CSV", 200_000)
    size = path.stat().st_size
    steps: list[int] = []
    totals: list[int] = []

    def progress(label: str, total: int):  # type: ignore[no-untyped-def]
        totals.append(total)
        return steps.append

    c = ingest(con, [path], fmt="gdelt", progress=progress).total
    assert c.accepted == 200_000 and totals == [size]
    assert sum(steps) == size and all(s > 0 for s in steps)
    # More than the final step: the bar moved while the insert ran, not only at the end.
    assert len(steps) >= 2 and steps[0] < size, steps


def test_the_line_index_keeps_where_duplicates_were_read(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    # A second file repeating ids stored by the first: the events stay with the first
    # file, and the index says where the second file carried them too.
    lines = list(gdelt_generator().rows(300))
    a, b = tmp_path / "a.CSV", tmp_path / "b.CSV"
    a.write_text("\n".join(lines[:200]) + "\n")
    b.write_text("\n".join(lines[150:300]) + "\n")
    ingest(con, [a, b])
    got = con.execute(
        "SELECT f.path, l.line FROM gdelt_lines l JOIN gdelt_files f USING (file_id) "
        "WHERE l.globaleventid = ? ORDER BY f.path",
        [FIRST_ID + 160],
    ).fetchall()
    assert got == [(str(a), 161), (str(b), 11)]
    assert con.execute("SELECT count(*) FROM gdelt_lines").fetchone() == (350,)
    # Each stored event joins to the one line it was stored from.
    got = dict(con.execute(f"SELECT globaleventid, line FROM {LINES}").fetchall())
    assert len(got) == 300 and got[FIRST_ID + 199] == 200 and got[FIRST_ID + 250] == 101


def test_lines_in_any_id_order_are_numbered_by_their_ids(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GDELT lists events by increasing id, but nothing here relies on it.
    lines = list(gdelt_generator().rows(5_000))
    order = np.random.default_rng(3).permutation(len(lines))
    path = tmp_path / "g.CSV"
    path.write_text("\n".join(lines[i] for i in order) + "\n")
    used = _spy(monkeypatch)
    c = ingest(con, [path], fmt="gdelt").total
    assert used == ["fast"] and (c.read, c.accepted) == (5_000, 5_000)
    got = dict(con.execute(f"SELECT line, globaleventid FROM {LINES}").fetchall())
    assert all(got[k + 1] == FIRST_ID + int(i) for k, i in enumerate(order))


_PEAK = """
import resource, sys
from pathlib import Path
from secondfront.evidence import store
from secondfront.evidence.ingest import ingest
con = store.connect(sys.argv[2], memory_limit="128MB")
counts = ingest(con, [sys.argv[1]], fmt="gdelt").total
print(counts.accepted, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    # The file is streamed: Python reads it in 4 MiB blocks and DuckDB works within its
    # memory limit (128 MB here). Once that is reached, doubling a 141 MB file (400,000
    # lines) adds only the line index, 16 bytes per line: measured, 2 to 10 MB for the
    # 141 MB more, where holding the file would add 141 MB.
    peaks = {}
    for n in (400_000, 800_000):
        path = repeated_gdelt_file(tmp_path / "g.CSV", n)
        done = subprocess.run(
            [sys.executable, "-c", _PEAK, str(path), str(tmp_path / f"s{n}.duckdb")],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        accepted, peak_kib = map(int, done.stdout.split())
        assert accepted == n
        peaks[n] = (peak_kib * 1024, path.stat().st_size)
    grown = peaks[800_000][0] - peaks[400_000][0]
    more_bytes = peaks[800_000][1] - peaks[400_000][1]
    assert grown < 0.25 * more_bytes, (grown / 2**20, more_bytes / 2**20)
