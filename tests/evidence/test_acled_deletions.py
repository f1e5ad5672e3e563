"""ACLED deletions lists: detection, deletion with history, no resurrection, quarantine.

The shipped history (``data/belarus-events.csv``, every event uploaded at 1767225600,
2026-01-01) is ingested with the flagship's mapping rules; ``acled-deleted-list.csv``
deletes two of its mapped events a day later (1767312000) and names one id that was
never stored.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from secondfront.errors import InputFormatError
from secondfront.evidence import store
from secondfront.evidence.acled import CURRENT_COLUMNS, parse_deletion
from secondfront.evidence.ingest import file_digest, ingest, rejects
from secondfront.evidence.mapping import ensure_mapped, load_rules
from secondfront.evidence.registry import Counts, adapters, detect_format
from secondfront.forecasting.backtest import HISTORY
from tests.conftest import HISTORY_EVENTS as N
from tests.evidence.conftest import FIXTURES

RULES = load_rules()
DELETIONS = FIXTURES / "acled-deleted-list.csv"
BAD = FIXTURES / "acled-deleted-bad.csv"
UPLOADED = 1767225600  # the history's timestamp
DELETED = 1767312000  # the fixture's deleted_timestamp, a day later
GONE = ("SFBLR0008", "SFBLR0009")


def _inv(c: Counts) -> None:
    assert c.read == c.accepted + c.rejected + c.duplicates


def _counts(c: Counts) -> tuple[int, int, int, int]:
    _inv(c)
    return c.read, c.accepted, c.rejected, c.duplicates


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def _observations(con: duckdb.DuckDBPyConnection, ref: str) -> int:
    n = _one(con, "SELECT count(*) FROM observations WHERE source = 'acled' AND ref = ?", [ref])
    assert isinstance(n, int)
    return n


def _export(tmp_path: Path, name: str, rows: list[dict[str, str]]) -> Path:
    """An ACLED export (current layout) holding ``rows``."""
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CURRENT_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def _history_row(eid: str, **changes: str) -> dict[str, str]:
    """The shipped history's row of ``eid``, with ``changes`` applied."""
    with HISTORY.open(newline="", encoding="utf-8") as fh:
        (row,) = [r for r in csv.DictReader(fh) if r["event_id_cnty"] == eid]
    return row | changes


@pytest.fixture
def mapped(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A store holding the shipped history, mapped to indicators."""
    c = ingest(con, [HISTORY], rules=RULES).total
    assert _counts(c) == (N, N, 0, 0)
    for eid in GONE:
        assert _observations(con, eid) > 0
    return con


def test_deletion_removes_the_event_and_its_observations(
    mapped: duckdb.DuckDBPyConnection,
) -> None:
    con = mapped
    events = _one(con, "SELECT count(*) FROM acled_events")
    obs = _one(con, "SELECT count(*) FROM observations")
    lost = sum(_observations(con, eid) for eid in GONE)
    report = ingest(con, [DELETIONS], rules=RULES)
    assert report.files[0].format == "acled-deletions"
    # Two deletions applied, one recorded for an id never stored, one repeated row.
    assert _counts(report.total) == (4, 3, 0, 1)
    assert _one(con, "SELECT count(*) FROM acled_events") == events - 2
    assert con.execute(
        "SELECT count(*) FROM acled_events WHERE event_id_cnty IN ('SFBLR0009', 'SFBLR0008')"
    ).fetchone() == (0,)
    assert all(_observations(con, eid) == 0 for eid in GONE)
    # Only those observations went.
    assert _one(con, "SELECT count(*) FROM observations") == obs - lost
    # A full re-map (the rules' digest forgotten) does not bring them back either.
    con.execute("DELETE FROM mapping_state")
    ensure_mapped(con, RULES)
    assert _one(con, "SELECT count(*) FROM observations") == obs - lost


def test_history_keeps_the_deleted_version_and_the_deletions_are_recorded(
    mapped: duckdb.DuckDBPyConnection,
) -> None:
    con = mapped
    ingest(con, [DELETIONS], rules=RULES)
    when = dt.datetime(2026, 1, 2)
    assert con.execute(
        'SELECT event_id_cnty, version, "timestamp", deleted_at, deleted_by_sha256 '
        "FROM acled_history ORDER BY 1"
    ).fetchall() == [(eid, 1, UPLOADED, when, file_digest(DELETIONS)) for eid in GONE]
    record = _one(con, "SELECT record FROM acled_history WHERE event_id_cnty = 'SFBLR0008'")
    assert isinstance(record, str) and "Protest with intervention" in record
    assert con.execute(
        "SELECT event_id_cnty, deleted_timestamp, deleted_at, outcome, line "
        "FROM acled_deletions ORDER BY line"
    ).fetchall() == [
        ("SFBLR0008", DELETED, when, "removed", 2),
        ("SFBLR0009", DELETED, when, "removed", 3),
        ("ZZZ9999", DELETED, when, "not-stored", 4),
    ]


def test_reingesting_the_same_deletions_file_adds_nothing(
    mapped: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con = mapped
    ingest(con, [DELETIONS], rules=RULES)
    tables = ("acled_events", "acled_history", "acled_deletions", "observations", "quarantine")

    def sizes() -> list[object]:
        return [_one(con, f"SELECT count(*) FROM {t}") for t in tables]

    before = sizes()
    assert _counts(ingest(con, [DELETIONS], rules=RULES).total) == (4, 0, 0, 4)
    # The same deletions under another name (another export of the list) too.
    copy = tmp_path / "again.csv"
    copy.write_bytes(DELETIONS.read_bytes().replace(b"\n", b"\r\n"))
    assert _counts(ingest(con, [copy], rules=RULES).total) == (4, 0, 0, 4)
    assert sizes() == before


def test_an_older_reimport_does_not_resurrect_a_deleted_event(
    mapped: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con = mapped
    ingest(con, [DELETIONS], rules=RULES)
    # The export the events came from: every row is now a duplicate.
    assert _counts(ingest(con, [HISTORY], rules=RULES).total) == (N, 0, 0, N)
    # Versions not newer than the deletion, even edited, or with no upload time, and an
    # event known only from the deletions list: all withdrawn, none stored.
    stale = _export(
        tmp_path,
        "stale.csv",
        [
            _history_row("SFBLR0008", notes="Edited before the deletion.", timestamp=str(DELETED)),
            _history_row("SFBLR0009", notes="No upload time.", timestamp=""),
            _history_row("SFBLR0001", event_id_cnty="ZZZ9999", timestamp=str(UPLOADED)),
        ],
    )
    assert _counts(ingest(con, [stale], rules=RULES).total) == (3, 0, 0, 3)
    assert con.execute(
        "SELECT count(*) FROM acled_events WHERE event_id_cnty IN ('SFBLR0009', 'SFBLR0008', "
        "'ZZZ9999')"
    ).fetchone() == (0,)
    assert all(_observations(con, eid) == 0 for eid in GONE)
    assert _one(con, "SELECT count(*) FROM acled_history") == 2


def test_a_republication_with_a_newer_timestamp_is_accepted(
    mapped: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con = mapped
    ingest(con, [DELETIONS], rules=RULES)
    # The same content re-published after the deletion is a new version, not a duplicate
    # of the deleted one.
    later = str(DELETED + 86400)
    again = _export(tmp_path, "again.csv", [_history_row("SFBLR0008", timestamp=later)])
    assert _counts(ingest(con, [again], rules=RULES).total) == (1, 1, 0, 0)
    assert con.execute(
        "SELECT version, \"timestamp\" FROM acled_events WHERE event_id_cnty = 'SFBLR0008'"
    ).fetchone() == (2, int(later))
    assert _observations(con, "SFBLR0008") > 0
    assert _counts(ingest(con, [again], rules=RULES).total) == (1, 0, 0, 1)
    # An edit of the re-published event replaces it; the deleted version 1 stays marked.
    edit = _export(
        tmp_path, "edit.csv", [_history_row("SFBLR0008", notes="Edited.", timestamp=later)]
    )
    assert _counts(ingest(con, [edit], rules=RULES).total) == (1, 1, 0, 0)
    assert con.execute(
        "SELECT version, deleted_at IS NOT NULL FROM acled_history "
        "WHERE event_id_cnty = 'SFBLR0008' ORDER BY version"
    ).fetchall() == [(1, True), (2, False)]
    assert _one(con, "SELECT version FROM acled_events WHERE event_id_cnty = 'SFBLR0008'") == 3


def test_a_deletion_older_than_the_stored_version_keeps_it(
    mapped: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con = mapped
    early = tmp_path / "early.csv"
    early.write_text(f"event_id_cnty,deleted_timestamp\nSFBLR0008,{UPLOADED - 1}\n")
    assert _counts(ingest(con, [early], rules=RULES).total) == (1, 1, 0, 0)
    assert _one(con, "SELECT outcome FROM acled_deletions") == "kept-newer"
    assert _one(con, "SELECT count(*) FROM acled_events WHERE event_id_cnty = 'SFBLR0008'") == 1
    assert _observations(con, "SFBLR0008") > 0
    # The stored version itself is not withdrawn by the older deletion.
    assert _counts(ingest(con, [HISTORY], rules=RULES).total) == (N, 0, 0, N)


def test_bad_rows_go_to_quarantine_with_their_lines(mapped: duckdb.DuckDBPyConnection) -> None:
    con = mapped
    # Columns in another order and an extra one are fine.
    assert _counts(ingest(con, [BAD], rules=RULES).total) == (8, 1, 6, 1)
    bad = {r["line"]: r for r in rejects(con)}
    assert set(bad) == {3, 4, 5, 6, 7, 8}
    assert {r["format"] for r in bad.values()} == {"acled-deletions"}
    assert "field 'event_id_cnty'" in str(bad[3]["reason"])
    assert "field 'deleted_timestamp'" in str(bad[4]["reason"]) and "soon" in str(bad[4]["raw"])
    assert "outside 0.." in str(bad[5]["reason"])
    assert "not an integer" in str(bad[6]["reason"])
    assert "2 fields where the header has 3" in str(bad[7]["reason"])
    assert "empty" in str(bad[8]["reason"])
    assert _one(con, "SELECT count(*) FROM acled_events WHERE event_id_cnty = 'SFBLR0010'") == 0
    # Re-ingesting neither duplicates the quarantine nor counts a row twice.
    assert _counts(ingest(con, [BAD], rules=RULES).total) == (8, 0, 6, 2)
    assert _one(con, "SELECT count(*) FROM quarantine") == 6


def test_parse_deletion_reads_float_written_integers() -> None:
    assert parse_deletion({"event_id_cnty": " X1 ", "deleted_timestamp": "17.0"}) == ("X1", 17)
    with pytest.raises(ValueError, match="field 'deleted_timestamp': is empty"):
        parse_deletion({"event_id_cnty": "X1", "deleted_timestamp": " "})


def test_format_detection_tells_exports_and_deletions_apart(tmp_path: Path) -> None:
    assert "acled-deletions" in adapters()
    assert detect_format(DELETIONS) == "acled-deletions"
    assert detect_format(BAD) == "acled-deletions"
    assert detect_format(HISTORY) == "acled"
    assert detect_format(FIXTURES / "acled_current.csv") == "acled"
    assert detect_format(FIXTURES / "acled_legacy.csv") == "acled"
    # A quoted header with a byte-order mark is still a deletions list.
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(b'\xef\xbb\xbf"event_id_cnty","deleted_timestamp"\r\nX1,1\r\n')
    assert detect_format(quoted) == "acled-deletions"
    # An export that happens to carry a deleted_timestamp column is still an export.
    both = tmp_path / "both.csv"
    both.write_text(",".join((*CURRENT_COLUMNS, "deleted_timestamp")) + "\n")
    assert detect_format(both) == "acled"


def test_the_wrong_explicit_format_is_a_clear_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputFormatError, match=r"give --format acled-deletions"):
        ingest(con, [DELETIONS], fmt="acled")
    with pytest.raises(InputFormatError, match=r"field 'deleted_timestamp'.*--format acled\."):
        ingest(con, [HISTORY], fmt="acled-deletions")
    # Naming the right one works like detection.
    assert _counts(ingest(con, [DELETIONS], fmt="acled-deletions").total) == (4, 3, 0, 1)


def test_a_failure_inside_the_transaction_leaves_nothing(
    mapped: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = mapped
    import secondfront.evidence.acleddeletions as acled

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed")

    # The file's last write fails after its rejects were quarantined and SFBLR0010 was
    # moved to the history with its observations removed: all of it is rolled back.
    assert _observations(con, "SFBLR0010") > 0
    monkeypatch.setattr(acled, "bulk_insert", boom)
    with pytest.raises(RuntimeError, match="killed"):
        ingest(con, [BAD], rules=RULES)
    assert _one(con, "SELECT count(*) FROM acled_events") == N
    assert _one(con, "SELECT count(*) FROM acled_history") == 0
    assert _one(con, "SELECT count(*) FROM acled_deletions") == 0
    assert _one(con, "SELECT count(*) FROM quarantine") == 0
    assert _observations(con, "SFBLR0010") > 0


def test_a_version_3_store_migrates_and_takes_deletions(db: Path) -> None:
    # A store at schema version 3 with one event and one edited-away version, written
    # with SQL in that version's layout (acled_history had six columns).
    c = duckdb.connect(str(db))
    assert store.migrate(c, target=3) == 3
    c.execute(
        "INSERT INTO acled_events (event_id_cnty, event_date, event_type, country, "
        '"timestamp", layout, row_sha256, version, path, line, file_sha256) VALUES '
        "('OLD1', DATE '2022-02-24', 'Battles', 'Belarus', 100, 'current', 'd2', 2, "
        "'old.csv', 2, 'f')"
    )
    c.execute("INSERT INTO acled_history VALUES ('OLD1', 1, 'd1', 50, '{}', 1)")
    c.execute(
        "INSERT INTO observations VALUES ('f', 'acled', 'OLD1', 'r', 'i', DATE '2022-02-24', "
        "1.0, 'B2')"
    )
    c.close()

    con = store.connect(db)
    assert store.schema_version(con) == store.SCHEMA_VERSION >= 4
    assert con.execute(
        "SELECT version, row_sha256, deleted_at, deleted_by_sha256 FROM acled_history"
    ).fetchall() == [(1, "d1", None, None)]
    assert _one(con, "SELECT count(*) FROM acled_deletions") == 0
    path = db.parent / "deleted.csv"
    path.write_text("event_id_cnty,deleted_timestamp\nOLD1,200\n")
    assert _counts(ingest(con, [path]).total) == (1, 1, 0, 0)
    assert con.execute(
        "SELECT version, deleted_at FROM acled_history ORDER BY version"
    ).fetchall() == [(1, None), (2, dt.datetime(1970, 1, 1, 0, 3, 20))]
    assert _one(con, "SELECT count(*) FROM acled_events") == 0
    assert _observations(con, "OLD1") == 0
    con.close()
