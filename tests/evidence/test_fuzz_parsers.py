"""Property-based fuzzing of the ACLED and GDELT row parsers.

Any bytes give a result or a located error, never another exception: a record either
becomes a stored row or a quarantined one with its line and field named, and the counts
add up. A row the ACLED parser accepts always fits the store's columns (the class of
bug where one value too large for its column failed a whole chunk). Budgets are small
(``max_examples``) so the default run stays fast.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondfront.errors import InputFormatError
from secondfront.evidence import store
from secondfront.evidence.acled import CURRENT_COLUMNS, STORED, parse_row, row_digest
from secondfront.evidence.csvrecords import malformed, read_records
from secondfront.evidence.ingest import ingest, rejects
from secondfront.evidence.store import bulk_insert
from tests.evidence.conftest import gdelt_generator

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values near the edges of what each column holds, mixed with arbitrary text.
EDGES = st.sampled_from(
    [
        "", "0", "-1", "1", "3", "4", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "1e308", "1e999", "nan", "inf", "-0",
        "12.0", "9" * 30, "2022-02-24", "0001-01-01", "9999-12-31", "1899-12-31",
        "24 February 2022", "Battles", "Armed clash", "Strategic developments", "Belarus",
        "90", "-90.0000001", "180.5", "253402300799", "253402300800", " 7 ",
    ]
)  # fmt: skip
VALUE = st.one_of(EDGES, st.text(max_size=40))
GOOD = {
    "event_id_cnty": "FZ1",
    "event_date": "2022-02-24",
    "event_type": "Battles",
    "sub_event_type": "Armed clash",
    "country": "Belarus",
    "time_precision": "1",
    "fatalities": "0",
}


def _store() -> duckdb.DuckDBPyConnection:
    return store.connect(":memory:")


CON = _store()


@FAST
@given(st.dictionaries(st.sampled_from(CURRENT_COLUMNS), VALUE, max_size=12))
def test_acled_parser_gives_a_storable_row_or_names_the_field(over: dict[str, str]) -> None:
    rec = dict.fromkeys(CURRENT_COLUMNS, "") | GOOD | over
    try:
        row = parse_row(rec, "current")
    except ValueError as e:
        assert str(e).startswith("field '"), e
        assert str(e).split("'")[1] in CURRENT_COLUMNS
        return
    # Accepted: it must fit acled_events, column by column, in one insert.
    columns: dict[str, list[object]] = {c: [row[c]] for c in STORED}
    columns.update(
        layout=["current"],
        row_sha256=[row_digest(row)],
        version=[1],
        path=["fuzz"],
        line=[2],
        file_sha256=["f"],
    )
    CON.execute("BEGIN TRANSACTION")
    try:
        bulk_insert(CON, "acled_events", columns)
    finally:
        CON.execute("ROLLBACK")


@FAST
@given(st.binary(max_size=400))
def test_acled_records_of_any_bytes_are_read_or_named(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.csv"
        path.write_bytes(",".join(CURRENT_COLUMNS).encode() + b"\n" + data)
        n = 0
        last_line = 1
        for rec in read_records(path):
            n += 1
            assert rec.line >= last_line
            last_line = rec.line
            problem = malformed(rec, len(CURRENT_COLUMNS))
            if problem is None:
                assert rec.fields is not None
                try:
                    parse_row(dict(zip(CURRENT_COLUMNS, rec.fields, strict=True)), "current")
                except ValueError as e:
                    assert str(e).startswith("field '")
        assert n >= 1  # the header


@SLOW
@given(st.binary(max_size=300))
def test_acled_ingest_of_any_bytes_counts_every_record(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.csv"
        good = ",".join(
            (dict.fromkeys(CURRENT_COLUMNS, "") | GOOD).get(c, "") for c in CURRENT_COLUMNS
        )
        path.write_bytes(",".join(CURRENT_COLUMNS).encode() + b"\n" + good.encode() + b"\n" + data)
        con = _store()
        c = ingest(con, [path], fmt="acled").total
        assert c.read == c.accepted + c.rejected + c.duplicates
        assert con.execute("SELECT count(*) FROM acled_events").fetchone()[0] >= 1  # type: ignore[index]
        for r in rejects(con):
            assert int(r["line"]) >= 3 and r["reason"]  # type: ignore[call-overload]
        con.close()


_GOOD_GDELT = list(gdelt_generator().rows(2, first_id=600_000_000))


@SLOW
@given(
    st.lists(
        st.one_of(st.sampled_from(["0", "-1", "99991231", "1e999", "9" * 25, ""]), st.text()),
        min_size=0,
        max_size=62,
    )
)
def test_gdelt_line_of_any_fields_is_stored_or_named(fields: list[str]) -> None:
    line = "\t".join(fields).encode("utf-8", "surrogatepass")
    _gdelt_bytes(line)


@SLOW
@given(st.binary(max_size=600))
def test_gdelt_line_of_any_bytes_is_stored_or_named(data: bytes) -> None:
    _gdelt_bytes(data)


def _gdelt_bytes(data: bytes) -> None:
    """A GDELT file of a good line, ``data`` as further lines, and a good line: the good
    ones are stored, every line is counted, a rejected line names why."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.export.CSV"
        path.write_bytes(
            _GOOD_GDELT[0].encode() + b"\n" + data + b"\n" + _GOOD_GDELT[1].encode() + b"\n"
        )
        con = _store()
        try:
            c = ingest(con, [path], fmt="gdelt").total
        except InputFormatError as e:
            assert str(e).startswith(str(path))
            con.close()
            return
        assert c.read == c.accepted + c.rejected + c.duplicates
        got = {r[0] for r in con.execute("SELECT globaleventid FROM gdelt_events").fetchall()}
        assert {600_000_000, 600_000_001} <= got
        for r in rejects(con):
            reason = str(r["reason"])
            assert reason.startswith(("field ", "empty line", "not valid UTF-8")) or (
                "tab-separated fields" in reason
            ), reason
        con.close()
