"""Saved ACH matrices, in one SQLite file (Python's standard library, no server).

The workbench keeps its own file (``--db``, default ``secondfront-workbench.sqlite3``)
so that it never touches another part's store. Tables::

    ach_matrix (id, model, hypothesis, title, created, updated)
    ach_item   (matrix_id, item_id, position, kind, label, grading, variable, state)
    ach_rating (matrix_id, item_id, hypothesis, analyst, rating)
    users      (id, name, role, salt, hash, created, revoked)   see service.users
    audit      (id, at, who, action, matrix, target, before, after)  see service.audit

Every write names its writer (``who``) and appends its audit row in the same
transaction (version 3).

Every analyst keeps their own rating of a cell (version 2; a version-1 file's ratings
become the default analyst's, ``"analyst"``); the matrix is scored on the consensus
(:data:`secondfront.analysis.ach.CONSENSUS_RULE`).

The schema version is SQLite's ``user_version``; :data:`MIGRATIONS` lists the
statements that bring a file from each version to the next, applied in order when
the store opens.

Each operation opens its own connection (:func:`secondfront.service.db.connect`: WAL,
``synchronous = FULL``, one transaction): the service answers requests on several
threads and a SQLite connection must not be shared across them.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from secondfront.analysis.ach import (
    DEFAULT_ANALYST,
    EvidenceItem,
    analysts,
    check_rating,
    consensus,
)
from secondfront.service import audit
from secondfront.service.db import connect, use_wal
from secondfront.service.errors import NotFoundError

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE ach_matrix (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            model TEXT NOT NULL,
            hypothesis TEXT NOT NULL,
            title TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL)""",
        """CREATE TABLE ach_item (
            matrix_id INTEGER NOT NULL REFERENCES ach_matrix(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            label TEXT NOT NULL,
            grading TEXT NOT NULL,
            variable TEXT,
            state TEXT,
            PRIMARY KEY (matrix_id, item_id))""",
        """CREATE TABLE ach_rating (
            matrix_id INTEGER NOT NULL REFERENCES ach_matrix(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            hypothesis TEXT NOT NULL,
            rating TEXT NOT NULL,
            PRIMARY KEY (matrix_id, item_id, hypothesis))""",
    ),
    # 2: one rating per analyst per cell. SQLite cannot change a primary key in place,
    # so the table is copied; the ratings already saved become those of the default
    # analyst ('analyst', written out: a migration is history and must not follow a
    # later change of the default).
    (
        """CREATE TABLE ach_rating_v2 (
            matrix_id INTEGER NOT NULL REFERENCES ach_matrix(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            hypothesis TEXT NOT NULL,
            analyst TEXT NOT NULL,
            rating TEXT NOT NULL,
            PRIMARY KEY (matrix_id, item_id, hypothesis, analyst))""",
        """INSERT INTO ach_rating_v2 (matrix_id, item_id, hypothesis, analyst, rating)
            SELECT matrix_id, item_id, hypothesis, 'analyst', rating FROM ach_rating""",
        "DROP TABLE ach_rating",
        "ALTER TABLE ach_rating_v2 RENAME TO ach_rating",
    ),
    # 3: users with roles (only a hash of each token) and the append-only audit log.
    (
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            salt BLOB NOT NULL,
            hash BLOB NOT NULL,
            created TEXT NOT NULL,
            revoked TEXT)""",
        # A revoked name may be given again (a new row, a new token).
        "CREATE UNIQUE INDEX users_active_name ON users (name) WHERE revoked IS NULL",
        *audit.SCHEMA,
    ),
)


@dataclass
class Matrix:
    """An ACH matrix as saved.

    Attributes:
        id: store id.
        model: model name.
        hypothesis: the variable whose states are the hypotheses.
        title: the analyst's title.
        created: ISO timestamp (UTC).
        updated: ISO timestamp (UTC) of the last change.
        items: rows, in order.
        panel: (item id, hypothesis) -> analyst -> rating: every analyst's own.
    """

    id: int
    model: str
    hypothesis: str
    title: str
    created: str
    updated: str
    items: list[EvidenceItem] = field(default_factory=list)
    panel: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    @property
    def ratings(self) -> dict[tuple[str, str], str]:
        """(item id, hypothesis) -> the consensus rating, the one the matrix is scored on."""
        return consensus(self.panel)

    @property
    def analysts(self) -> list[str]:
        """Every analyst with a rating, sorted by name."""
        return analysts(self.panel)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class AchStore:
    """ACH matrices in a SQLite file.

    Args:
        path: the database file; created with its folder when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        use_wal(self.path)
        with connect(self.path) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for target, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                for sql in statements:
                    db.execute(sql)
                db.execute(f"PRAGMA user_version = {target}")

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return connect(self.path)

    # -- matrices --------------------------------------------------------------------

    def create(
        self, model: str, hypothesis: str, title: str, items: list[EvidenceItem], *, who: str
    ) -> Matrix:
        """Save a new matrix with ``items`` and no ratings, as ``who``."""
        now = _now()
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO ach_matrix (model, hypothesis, title, created, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                (model, hypothesis, title, now, now),
            )
            matrix_id = int(cur.lastrowid or 0)
            for pos, item in enumerate(items):
                self._insert_item(db, matrix_id, pos, item)
            after: dict[str, object] = {"model": model, "hypothesis": hypothesis, "title": title}
            after["items"] = [i.id for i in items]
            audit.record(db, who, "matrix.create", matrix_id, str(matrix_id), None, after)
        return self.get(matrix_id)

    def list(self, model: str | None = None) -> list[Matrix]:
        """Every saved matrix (without items), newest first; of ``model`` when given."""
        sql = "SELECT id, model, hypothesis, title, created, updated FROM ach_matrix"
        args: tuple[str, ...] = ()
        if model is not None:
            sql += " WHERE model = ?"
            args = (model,)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY id DESC", args).fetchall()
        return [Matrix(*row) for row in rows]

    def get(self, matrix_id: int) -> Matrix:
        """The matrix with its items and ratings; NotFoundError when there is none."""
        with self._connect() as db:
            return self._get(db, matrix_id)

    @staticmethod
    def _get(db: sqlite3.Connection, matrix_id: int) -> Matrix:
        row = db.execute(
            "SELECT id, model, hypothesis, title, created, updated FROM ach_matrix WHERE id = ?",
            (matrix_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no ACH matrix {matrix_id}")
        matrix = Matrix(*row)
        for item_id, kind, label, grading, variable, state in db.execute(
            "SELECT item_id, kind, label, grading, variable, state FROM ach_item "
            "WHERE matrix_id = ? ORDER BY position",
            (matrix_id,),
        ):
            matrix.items.append(EvidenceItem(item_id, label, kind, grading, variable, state))
        for item_id, hyp, analyst, rating in db.execute(
            "SELECT item_id, hypothesis, analyst, rating FROM ach_rating "
            "WHERE matrix_id = ? ORDER BY analyst",
            (matrix_id,),
        ):
            matrix.panel.setdefault((item_id, hyp), {})[analyst] = rating
        return matrix

    def delete(self, matrix_id: int, *, who: str) -> None:
        """Remove a matrix with its items and ratings, as ``who`` (its log rows stay)."""
        with self._connect() as db:
            before = self._get(db, matrix_id)
            db.execute("DELETE FROM ach_matrix WHERE id = ?", (matrix_id,))
            summary = {
                "model": before.model,
                "hypothesis": before.hypothesis,
                "title": before.title,
                "items": [i.id for i in before.items],
                "ratings": sum(len(v) for v in before.panel.values()),
            }
            audit.record(db, who, "matrix.delete", matrix_id, str(matrix_id), summary, None)

    # -- cells and rows ---------------------------------------------------------------

    def rate(
        self,
        matrix_id: int,
        item_id: str,
        hypothesis: str,
        rating: str | None,
        analyst: str = DEFAULT_ANALYST,
        *,
        who: str,
    ) -> None:
        """Set ``analyst``'s rating of one cell; ``None`` or ``""`` clears it (theirs only).

        ``who`` is the user making the change (the audit log's writer); the caller
        checks the names and that ``who`` may rate as ``analyst``.
        """
        if rating:
            check_rating(rating)
        key = (matrix_id, item_id, hypothesis, analyst)
        with self._connect() as db:
            self._touch(db, matrix_id)
            found = db.execute(
                "SELECT rating FROM ach_rating WHERE matrix_id = ? AND item_id = ? "
                "AND hypothesis = ? AND analyst = ?",
                key,
            ).fetchone()
            before = found[0] if found else None
            if rating:
                db.execute(
                    "INSERT INTO ach_rating (matrix_id, item_id, hypothesis, analyst, rating) "
                    "VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (matrix_id, item_id, hypothesis, analyst) "
                    "DO UPDATE SET rating = excluded.rating",
                    (*key, rating),
                )
            else:
                db.execute(
                    "DELETE FROM ach_rating WHERE matrix_id = ? AND item_id = ? "
                    "AND hypothesis = ? AND analyst = ?",
                    key,
                )
            action = "rating.set" if rating else "rating.clear"
            target = f"{item_id}|{hypothesis}|{analyst}"
            audit.record(db, who, action, matrix_id, target, before, rating or None)

    def add_item(self, matrix_id: int, item: EvidenceItem, *, who: str) -> None:
        """Append a row (replacing a row with the same id, which keeps its place)."""
        with self._connect() as db:
            self._touch(db, matrix_id)
            old = db.execute(
                "SELECT position, kind, label, grading, variable, state FROM ach_item "
                "WHERE matrix_id = ? AND item_id = ?",
                (matrix_id, item.id),
            ).fetchone()
            before = None
            if old is not None:
                pos = old[0]
                before = asdict(EvidenceItem(item.id, old[2], old[1], old[3], old[4], old[5]))
                db.execute(
                    "DELETE FROM ach_item WHERE matrix_id = ? AND item_id = ?", (matrix_id, item.id)
                )
            else:
                pos = db.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM ach_item WHERE matrix_id = ?",
                    (matrix_id,),
                ).fetchone()[0]
            self._insert_item(db, matrix_id, pos, item)
            action = "item.add" if old is None else "item.change"
            audit.record(db, who, action, matrix_id, item.id, before, asdict(item))

    def remove_item(self, matrix_id: int, item_id: str, *, who: str) -> None:
        """Remove a row and its ratings."""
        with self._connect() as db:
            self._touch(db, matrix_id)
            old = self._get(db, matrix_id)
            found = [i for i in old.items if i.id == item_id]
            if not found:
                raise NotFoundError(f"matrix {matrix_id} has no item {item_id!r}")
            db.execute(
                "DELETE FROM ach_item WHERE matrix_id = ? AND item_id = ?", (matrix_id, item_id)
            )
            db.execute(
                "DELETE FROM ach_rating WHERE matrix_id = ? AND item_id = ?", (matrix_id, item_id)
            )
            before = asdict(found[0])
            before["ratings"] = {
                f"{h}|{a}": r
                for (i, h), cell in old.panel.items()
                if i == item_id
                for a, r in cell.items()
            }
            audit.record(db, who, "item.remove", matrix_id, item_id, before, None)

    @staticmethod
    def _insert_item(db: sqlite3.Connection, matrix_id: int, pos: int, item: EvidenceItem) -> None:
        db.execute(
            "INSERT INTO ach_item (matrix_id, item_id, position, kind, label, grading, "
            "variable, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                matrix_id,
                item.id,
                pos,
                item.kind,
                item.label,
                item.grading,
                item.variable,
                item.state,
            ),
        )

    @staticmethod
    def _touch(db: sqlite3.Connection, matrix_id: int) -> None:
        n = db.execute(
            "UPDATE ach_matrix SET updated = ? WHERE id = ?", (_now(), matrix_id)
        ).rowcount
        if n == 0:
            raise NotFoundError(f"no ACH matrix {matrix_id}")


def matrix_csv(matrix: Matrix, hypotheses: list[str], extra: dict[str, dict[str, object]]) -> str:
    """The matrix as CSV: one row per item, one rating column per hypothesis.

    The hypothesis columns hold the consensus (what is scored); each analyst's own
    ratings follow as ``rated by NAME: HYPOTHESIS`` columns.

    Args:
        matrix: the saved matrix.
        hypotheses: column order.
        extra: per item id, further columns (diagnosticity, model ratings), in order.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    extra_cols: list[str] = []
    for cols in extra.values():
        for c in cols:
            if c not in extra_cols:
                extra_cols.append(c)
    names = matrix.analysts
    own_cols = [f"rated by {a}: {h}" for a in names for h in hypotheses]
    agreed = matrix.ratings
    writer.writerow(
        ["item", "kind", "label", "grading", "observed", *hypotheses, *extra_cols, *own_cols]
    )
    for item in matrix.items:
        observed = f"{item.variable}={item.state}" if item.variable else ""
        writer.writerow(
            [
                item.id,
                item.kind,
                item.label,
                item.grading,
                observed,
                *[agreed.get((item.id, h), "") for h in hypotheses],
                *[extra.get(item.id, {}).get(c, "") for c in extra_cols],
                *[matrix.panel.get((item.id, h), {}).get(a, "") for a in names for h in hypotheses],
            ]
        )
    return buf.getvalue()


__all__ = ["MIGRATIONS", "AchStore", "Matrix", "matrix_csv"]
