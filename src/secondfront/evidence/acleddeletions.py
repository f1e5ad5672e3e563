"""ACLED deletions lists: the events ACLED withdrew, applied to the store.

Deletions are never inferred from an export: an event absent from one may simply be
outside its query. They are read only from ACLED's own deletions list (the API's
``deleted`` endpoint, acledR's ``acled_deletions_api``): a CSV whose header names
``event_id_cnty`` and ``deleted_timestamp`` (Unix seconds; other columns are ignored),
ingested by the ``acled-deletions`` adapter, which format detection picks for a header
with those two columns and no ``event_date`` (an export always has ``event_date``).
Each row of such a list is counted once:

* accepted: a new deletion (an ``(event_id_cnty, deleted_timestamp)`` pair not yet in
  ``acled_deletions``), recorded there with what it did. If the event is stored and its
  current version is not newer than the deletion (its ``timestamp`` is at most
  ``deleted_timestamp``, or unknown), that version moves to ``acled_history`` with
  ``deleted_at`` and the list's digest, leaves ``acled_events``, and its indicator
  observations are removed (``outcome`` 'removed'). If the stored version is newer, it
  was re-published after the deletion and stays ('kept-newer'). An id that was never
  stored is recorded all the same ('not-stored'), so that a later import of an export
  still carrying the event cannot bring it in.
* duplicate: the same pair already recorded, by an earlier list or this one.
* rejected to quarantine (file, line, raw row, reason): a blank id, a timestamp that is
  not a whole number of seconds in 0..253402300799, a wrong number of fields, bad UTF-8.

A whole list is one transaction, so a killed process leaves all of it or none.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from secondfront.errors import InputFormatError
from secondfront.evidence.csvrecords import (
    MAX_EPOCH,
    RowError,
    header_names,
    header_record,
    int_field,
    malformed,
    opt_int,
    printable,
    read_records,
    short,
    unique_columns,
)
from secondfront.evidence.registry import Counts, Progress, SourceFile, quarantine, register_adapter
from secondfront.evidence.store import bulk_insert, transaction

_PROGRESS_EVERY = 5000  # rows between two progress reports
# A deletions list: the columns it must have, and the column whose presence marks an
# event export instead (every export layout has it; a deletions list never does).
DELETION_COLUMNS: tuple[str, ...] = ("event_id_cnty", "deleted_timestamp")
_EXPORT_MARK = "event_date"


def _deletion_header(header: list[str], path: str) -> tuple[str, ...]:
    """The header of a deletions list, lower-cased; an InputFormatError naming the first
    missing column (and pointing to ``--format acled`` for an event export) otherwise."""
    cols = tuple(unique_columns(header, path))
    missing = [c for c in DELETION_COLUMNS if c not in cols]
    if missing:
        hint = (
            "This is an ACLED event export: give --format acled."
            if _EXPORT_MARK in cols
            else "Export the deletions with both columns, or give another --format."
        )
        raise InputFormatError(
            path,
            1,
            missing[0],
            f"an ACLED deletions list needs column(s) {', '.join(missing)} in the header; "
            f"found {', '.join(cols[:8])}{'...' if len(cols) > 8 else ''}. {hint}",
        )
    return cols


def parse_deletion(rec: dict[str, str]) -> tuple[str, int]:
    """Validate one row of a deletions list into ``(event_id_cnty, deleted_timestamp)``.

    The timestamp is whole Unix seconds in ``0..MAX_EPOCH`` (``"1700000000.0"`` is read
    as 1700000000, as ACLED's exports sometimes write integers as floats).

    Raises:
        ValueError: naming the failing field, as ``field 'x': reason``.
    """
    eid = rec.get("event_id_cnty", "").strip()
    if not eid:
        raise RowError("event_id_cnty", "is empty; a deletion names the event it removes")
    if len(eid) > 64 or not eid.isprintable():
        raise RowError("event_id_cnty", f"{short(eid)} is not an ACLED event id")
    ts = int_field(rec, "deleted_timestamp", 0, MAX_EPOCH)
    assert ts is not None  # not blank_ok: a blank value raised above
    return eid, ts


def _utc(epoch: int) -> dt.datetime:
    """Unix seconds as a naive UTC datetime (what a DuckDB TIMESTAMP holds)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None)


class AcledDeletionsAdapter:
    """ACLED deletions lists (``event_id_cnty``, ``deleted_timestamp``), keyed by the
    event id; what a deletion does is described in the module docstring."""

    name = "acled-deletions"
    description = "ACLED deletions list (event_id_cnty, deleted_timestamp; the API's deleted)"
    table = "acled_deletions"
    key = "event_id_cnty"

    def sniff(self, path: Path, head: bytes) -> bool:
        """A CSV whose header names ``event_id_cnty`` and ``deleted_timestamp`` and has no
        ``event_date``; the ``acled`` adapter requires ``event_date``, so the two never
        both claim a file."""
        if _EXPORT_MARK.encode() in head.split(b"\n", 1)[0].lower():
            return False
        names = header_names(head)
        return all(c in names for c in DELETION_COLUMNS)

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        """Validate every row, then quarantine the bad ones and record and apply the new
        deletions in one transaction (a killed process leaves all of the file or none).

        Each row after the header is counted once: accepted (a new deletion), duplicate
        (its id and timestamp already recorded) or rejected.

        Raises:
            InputFormatError: an empty file or a header without the two columns.
        """
        where = str(source.path)
        records = read_records(source.path)
        raw, header = header_record(records, where, "a header with event_id_cnty,deleted_timestamp")
        cols = _deletion_header(header, where)
        progress(len(raw))
        counts = Counts()
        rejects: list[tuple[int, str, str]] = []
        rows: list[tuple[int, str, int]] = []
        pending = 0  # bytes read since the last progress call
        for rec in records:
            counts.read += 1
            problem = malformed(rec, len(cols))
            if problem is None and rec.fields is not None:
                try:
                    eid, ts = parse_deletion(dict(zip(cols, rec.fields, strict=True)))
                except ValueError as e:
                    problem = str(e)
                else:
                    rows.append((rec.line, eid, ts))
            if problem is not None:
                rejects.append((rec.line, printable(rec.raw), problem))
            pending += len(rec.raw)
            if counts.read % _PROGRESS_EVERY == 0:
                progress(pending)
                pending = 0
        counts.rejected = len(rejects)
        with transaction(con):
            quarantine(con, source, self.name, rejects)
            counts.accepted, counts.duplicates = self._apply(con, source, rows)
        progress(pending)
        return counts.check(where)

    def _apply(
        self,
        con: duckdb.DuckDBPyConnection,
        source: SourceFile,
        rows: list[tuple[int, str, int]],
    ) -> tuple[int, int]:
        """Record the new deletions among ``rows`` (line, id, timestamp) and remove the
        current versions they withdraw; returns (accepted, duplicates). Runs inside the
        caller's transaction."""
        if not rows:
            return 0, 0
        ids = sorted({eid for _, eid, _ in rows})
        recorded: set[tuple[str, int]] = {
            (r[0], int(r[1]))
            for r in con.execute(
                "SELECT event_id_cnty, deleted_timestamp FROM acled_deletions "
                "WHERE event_id_cnty IN (SELECT unnest(?))",
                [ids],
            ).fetchall()
        }
        current: dict[str, int | None] = {
            r[0]: opt_int(r[1])
            for r in con.execute(
                'SELECT event_id_cnty, "timestamp" FROM acled_events '
                "WHERE event_id_cnty IN (SELECT unnest(?))",
                [ids],
            ).fetchall()
        }
        new: list[tuple[int, str, int, str]] = []  # line, id, deleted_timestamp, outcome
        removed: dict[str, int] = {}  # id -> deleted_timestamp of the deletion removing it
        duplicates = 0
        for line, eid, ts in rows:
            if (eid, ts) in recorded:
                duplicates += 1
                continue
            recorded.add((eid, ts))
            stored = eid in current
            cur_ts = current.get(eid)
            if not stored:
                # Never stored (or already gone): kept so that a later import of an
                # export that still carries this version cannot bring the event in.
                outcome = "not-stored"
            elif cur_ts is None or cur_ts <= ts:
                # An unknown upload time cannot show the version outlived the deletion.
                outcome = "removed"
                removed[eid] = ts
                del current[eid]
            else:
                # Re-published after this deletion (a deletions list read late).
                outcome = "kept-newer"
            new.append((line, eid, ts, outcome))
        if removed:
            _withdraw(con, source, removed)
        bulk_insert(
            con,
            "acled_deletions",
            {
                "event_id_cnty": [n[1] for n in new],
                "deleted_timestamp": [n[2] for n in new],
                "deleted_at": [_utc(n[2]) for n in new],
                "outcome": [n[3] for n in new],
                "path": [str(source.path)] * len(new),
                "line": [n[0] for n in new],
                "file_sha256": [source.sha256] * len(new),
                "ingest_id": [source.ingest_id] * len(new),
            },
        )
        return len(new), duplicates


def _withdraw(con: duckdb.DuckDBPyConnection, source: SourceFile, removed: dict[str, int]) -> None:
    """Move the current rows of the ``removed`` ids (id -> deleted_timestamp) into the
    history, marked deleted by ``source``, and drop them and their observations."""
    gone = list(removed)
    con.execute(
        """
        INSERT INTO acled_history (event_id_cnty, version, row_sha256, "timestamp",
                                   record, replaced_by_ingest, deleted_at,
                                   deleted_by_sha256)
        SELECT e.event_id_cnty, e.version, e.row_sha256, e."timestamp",
               to_json(e)::VARCHAR, $1, d.deleted_at, $2
        FROM acled_events e
        JOIN (SELECT unnest($3) AS event_id_cnty, unnest($4) AS deleted_at) d
          ON e.event_id_cnty = d.event_id_cnty
        """,
        [source.ingest_id, source.sha256, gone, [_utc(removed[i]) for i in gone]],
    )
    con.execute("DELETE FROM acled_events WHERE event_id_cnty IN (SELECT unnest(?))", [gone])
    # The mapping never re-adds them: it reads only events still in acled_events.
    con.execute(
        "DELETE FROM observations WHERE source = 'acled' AND ref IN (SELECT unnest(?))",
        [gone],
    )


DELETIONS_ADAPTER = register_adapter(AcledDeletionsAdapter())

__all__ = [
    "DELETIONS_ADAPTER",
    "DELETION_COLUMNS",
    "AcledDeletionsAdapter",
    "parse_deletion",
]
