"""The audit log: every write to the workbench file, who made it, when, before and after.

One table in the workbench's SQLite file, written in the same transaction as the
change it records, so a write without its row (or a row without its write) cannot be
committed. Triggers refuse ``UPDATE`` and ``DELETE`` on it: the log is append-only for
anyone using the file through SQLite, the service included.

A row::

    id      increasing integer (the paging key)
    at      ISO timestamp, UTC, to the microsecond
    who     the user who made the change ("local" for the single-user loopback
            workbench; "NAME (command line)" for ``secondfront users``)
    action  what was done: matrix.create, matrix.delete, rating.set, rating.clear,
            item.add, item.change, item.remove, user.add, user.revoke
    matrix  the ACH matrix id, or null
    target  what inside it: "ITEM|HYPOTHESIS|ANALYST" for a rating, the item id for a
            row, the user name for a user
    before  the value before (text or JSON), null when there was none
    after   the value after, null when there is none now
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import sqlite3
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from secondfront.service.db import connect

#: Statements of the store's migration that create the log (see ``store.MIGRATIONS``).
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        matrix INTEGER,
        target TEXT NOT NULL,
        before TEXT,
        after TEXT)""",
    "CREATE INDEX audit_matrix ON audit (matrix, id)",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)

MAX_PAGE = 1000


@dataclass(frozen=True)
class AuditRow:
    """One row of the log (see the module docstring for the columns)."""

    id: int
    at: str
    who: str
    action: str
    matrix: int | None
    target: str
    before: str | None
    after: str | None


def as_text(value: object) -> str | None:
    """A value as the log stores it: strings as they are, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def record(
    db: sqlite3.Connection,
    who: str,
    action: str,
    matrix: int | None,
    target: str,
    before: object = None,
    after: object = None,
) -> None:
    """Append one row inside the caller's transaction (the write it describes)."""
    db.execute(
        "INSERT INTO audit (at, who, action, matrix, target, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds"),
            who,
            action,
            matrix,
            target,
            as_text(before),
            as_text(after),
        ),
    )


def read(
    path: Path, matrix: int | None = None, after: int = 0, limit: int | None = 100
) -> list[AuditRow]:
    """Rows with ``id > after``, oldest first, at most ``limit`` (<= :data:`MAX_PAGE`).

    Args:
        path: the workbench file.
        matrix: only the rows of this matrix, when given.
        after: the last id of the previous page (0 for the first).
        limit: rows per page; None for every row (the CSV export).
    """
    sql = "SELECT id, at, who, action, matrix, target, before, after FROM audit WHERE id > ?"
    args: list[object] = [after]
    if matrix is not None:
        sql += " AND matrix = ?"
        args.append(matrix)
    args.append(-1 if limit is None else min(max(limit, 1), MAX_PAGE))
    with connect(path) as db:
        return [AuditRow(*r) for r in db.execute(sql + " ORDER BY id LIMIT ?", args)]


def audit_csv(rows: list[AuditRow]) -> str:
    """The rows as CSV, a header line first."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([f.name for f in fields(AuditRow)])
    for row in rows:
        writer.writerow(["" if v is None else v for v in astuple(row)])
    return buf.getvalue()


def cell_history(rows: list[AuditRow]) -> dict[tuple[str, str], list[AuditRow]]:
    """The rating rows of one matrix by cell, (item id, hypothesis) -> rows, oldest first."""
    out: dict[tuple[str, str], list[AuditRow]] = {}
    for row in rows:
        if row.action.startswith("rating."):
            item, hyp, _ = row.target.rsplit("|", 2)
            out.setdefault((item, hyp), []).append(row)
    return out


__all__ = [
    "MAX_PAGE",
    "SCHEMA",
    "AuditRow",
    "as_text",
    "audit_csv",
    "cell_history",
    "read",
    "record",
]
