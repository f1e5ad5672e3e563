"""Ingestion: every format, the counting invariant, quarantine, idempotence, edits."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from secondfront.errors import InputFormatError, UsageError
from secondfront.evidence.ingest import ingest, rejects
from secondfront.evidence.registry import Counts, adapters, detect_format, register_adapter
from tests.evidence.conftest import FIXTURES, gdelt_generator


def _inv(c: Counts) -> None:
    assert c.read == c.accepted + c.rejected + c.duplicates


def test_builtin_adapters_register_through_the_registry() -> None:
    assert list(adapters())[:3] == ["acled", "gdelt", "text"]
    with pytest.raises(ValueError, match="already registered"):
        register_adapter(type("Fake", (), {"name": "acled"})())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("acled_current.csv", "acled"),
        ("acled_legacy.csv", "acled"),
        ("ru.html", "text"),
        ("uk.rss", "text"),
        ("be.atom", "text"),
        ("en_2022-02-21.txt", "text"),
    ],
)
def test_format_is_detected(name: str, fmt: str) -> None:
    assert detect_format(FIXTURES / name) == fmt


def test_acled_current_layout_quarantines_bad_rows_with_line_and_field(
    con: duckdb.DuckDBPyConnection,
) -> None:
    report = ingest(con, [FIXTURES / "acled_current.csv"])
    c = report.total
    _inv(c)
    assert (c.read, c.accepted, c.rejected, c.duplicates) == (7, 3, 4, 0)
    bad = {r["line"]: r for r in rejects(con)}
    # The protest row's notes span two lines, so later rows start one line further down.
    assert set(bad) == {5, 6, 8, 9}
    assert "field 'event_date'" in bad[5]["reason"] and "2022-02-30" in bad[5]["raw"]
    assert "field 'sub_event_type'" in bad[6]["reason"] and "Battles" in bad[6]["reason"]
    assert "field 'fatalities'" in bad[8]["reason"]
    assert "7 fields where the header has 31" in bad[9]["reason"]
    notes = con.execute("SELECT notes FROM acled_events WHERE event_id_cnty = 'TST0002'").fetchone()
    assert notes is not None and "\n" in notes[0]


def test_acled_legacy_layout(con: duckdb.DuckDBPyConnection) -> None:
    c = ingest(con, [FIXTURES / "acled_legacy.csv"]).total
    _inv(c)
    assert (c.accepted, c.rejected) == (1, 1)
    row = con.execute("SELECT event_date, layout, data_id FROM acled_events").fetchone()
    assert row is not None and str(row[0]) == "2022-02-24" and row[1:] == ("legacy", "8812345")
    assert "field 'inter1'" in str(rejects(con)[0]["reason"])


def test_reingest_adds_nothing(con: duckdb.DuckDBPyConnection) -> None:
    ingest(con, [FIXTURES / "acled_current.csv"])
    before = con.execute("SELECT count(*) FROM quarantine").fetchone()
    c = ingest(con, [FIXTURES / "acled_current.csv"]).total
    _inv(c)
    assert (c.accepted, c.duplicates, c.rejected) == (0, 3, 4)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == before
    assert con.execute("SELECT count(*) FROM acled_events").fetchone() == (3,)


def test_acled_edit_updates_and_keeps_the_previous_version(con: duckdb.DuckDBPyConnection) -> None:
    ingest(con, [FIXTURES / "acled_current.csv"])
    c = ingest(con, [FIXTURES / "acled_edit.csv"]).total
    assert (c.read, c.accepted, c.duplicates) == (2, 1, 1)
    cur = con.execute(
        "SELECT notes, version FROM acled_events WHERE event_id_cnty='TST0001'"
    ).fetchone()
    assert cur is not None and "edited" in cur[0] and cur[1] == 2
    old = con.execute(
        "SELECT version, record FROM acled_history WHERE event_id_cnty='TST0001'"
    ).fetchall()
    assert len(old) == 1 and old[0][0] == 1 and "units moved south." in old[0][1]
    # Re-importing the old snapshot adds nothing and does not roll the event back.
    c = ingest(con, [FIXTURES / "acled_current.csv"]).total
    assert c.accepted == 0
    cur2 = con.execute("SELECT notes FROM acled_events WHERE event_id_cnty='TST0001'").fetchone()
    assert cur2 is not None and "edited" in cur2[0]


def test_missing_acled_column_names_file_line_and_field(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("event_id_cnty,event_date,year\nX1,2022-01-01,2022\n")
    with pytest.raises(InputFormatError, match=r"bad.csv:1: field 'time_precision'"):
        ingest(con, [p], fmt="acled")


@pytest.mark.parametrize(("version", "n"), [("2.0", 61), ("1.0", 58), ("1.0-backfile", 57)])
@pytest.mark.parametrize("zipped", [False, True])
def test_gdelt_layouts_plain_and_zipped(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, version: str, n: int, zipped: bool
) -> None:
    gen = gdelt_generator()
    path = gen.write(
        tmp_path / ("g.CSV.zip" if zipped else "g.CSV"), 500, version=version, zipped=zipped
    )
    c = ingest(con, [path]).total
    _inv(c)
    assert (c.read, c.accepted) == (500, 500)
    row = con.execute(
        "SELECT DISTINCT gdelt_version, path FROM gdelt_events JOIN gdelt_files USING (file_id)"
    ).fetchall()
    assert row == [(version, str(path))]
    # CAMEO codes keep their leading zeros.
    assert (
        con.execute("SELECT count(*) FROM gdelt_events WHERE eventcode LIKE '0%'").fetchone()[0] > 0
    )


def test_gdelt_bad_rows_and_duplicates(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    gen = gdelt_generator()
    lines = list(gen.rows(20))
    f = lines[3].split("\t")
    f[26] = "15x"  # EventCode
    lines[3] = "\t".join(f)
    f = lines[5].split("\t")
    f[33] = "many"  # NumArticles
    lines[5] = "\t".join(f)
    lines.insert(7, "")
    lines.append(lines[0])  # a repeated GLOBALEVENTID
    p = tmp_path / "bad.export.CSV"
    p.write_text("\n".join(lines) + "\n")
    c = ingest(con, [p]).total
    _inv(c)
    assert (c.read, c.accepted, c.rejected, c.duplicates) == (22, 18, 3, 1)
    bad = {r["line"]: r["reason"] for r in rejects(con)}
    assert "field EventCode: '15x'" in bad[4] and "CAMEO" in bad[4]
    assert "field NumArticles: 'many'" in bad[6]
    assert bad[8] == "empty line"


def test_gdelt_undecodable_line_falls_back_without_losing_rows(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    gen = gdelt_generator()
    lines = [s.encode() for s in gen.rows(10)]
    lines[2] = (
        lines[2].replace(b"BELARUS", b"BEL\xffRUS", 1)
        if b"BELARUS" in lines[2]
        else lines[2] + b"\xff"
    )
    p = tmp_path / "latin1.CSV"
    p.write_bytes(b"\n".join(lines) + b"\n")
    c = ingest(con, [p], fmt="gdelt").total
    _inv(c)
    assert (c.read, c.rejected) == (10, 1)
    assert "not valid UTF-8" in str(rejects(con)[0]["reason"]) and rejects(con)[0]["line"] == 3


def test_text_items_keep_url_date_language_source(con: duckdb.DuckDBPyConnection) -> None:
    files = [FIXTURES / n for n in ("en_2022-02-21.txt", "ru.html", "uk.rss", "be.atom")]
    c = ingest(con, files).total
    _inv(c)
    assert (c.read, c.accepted, c.rejected) == (6, 5, 1)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT url, published::VARCHAR, language, source_name, kind FROM text_items"
        ).fetchall()
    }
    assert got["https://example.org/en/1"] == ("2022-02-21", "en", "Fixture Wire", "text")
    assert got["https://example.org/ru/1"] == ("2022-02-20", "ru", "Пример", "html")
    assert got["https://example.org/uk/1"] == ("2022-02-26", "uk", "Приклад", "rss")
    assert got["https://example.org/be/1"][1] == "be"
    assert got["https://example.org/be-latn/1"][1] == "be-Latn"
    (bad,) = rejects(con)
    assert bad["line"] == 12 and "no publication date" in str(bad["reason"])


def test_missing_file_and_unknown_format_are_usage_errors(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    with pytest.raises(UsageError, match="no such file"):
        ingest(con, [tmp_path / "absent.csv"])
    p = tmp_path / "blob.bin"
    p.write_bytes(b"\x00\x01\x02")
    with pytest.raises(UsageError, match=r"cannot tell the format.*--format"):
        ingest(con, [p])
    with pytest.raises(UsageError, match="unknown format 'icews'"):
        ingest(con, [FIXTURES / "uk.rss"], fmt="icews")


def test_zip_with_two_members_is_refused(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    p = tmp_path / "two.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("a.CSV", "x")
        zf.writestr("b.CSV", "y")
    with pytest.raises(InputFormatError, match="holds one file; this one holds 2"):
        ingest(con, [p], fmt="gdelt")


def test_same_content_under_another_path_is_a_duplicate(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    ingest(con, [FIXTURES / "uk.rss"])
    copy = tmp_path / "copy.rss"
    shutil.copy(FIXTURES / "uk.rss", copy)
    c = ingest(con, [copy]).total
    assert (c.accepted, c.duplicates, c.rejected) == (0, 1, 1)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)
