"""One way to open the workbench's SQLite file, with the durability its writes need.

The file is in WAL mode (set once, it stays with the file) and every connection runs
with ``synchronous = FULL``: a transaction is on disk (the WAL fsync'ed) before
``COMMIT`` returns, so a write the service has acknowledged survives the process being
killed (SIGKILL) and the machine losing power, as far as the disk honours fsync. A full
disk makes the write fail (a 5xx, nothing acknowledged), never half-apply it: each
write is one transaction.

WAL lets readers go on while one writer writes; writers queue on SQLite's lock and
wait up to :data:`BUSY_TIMEOUT_S` before giving up with an error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_S = 30.0


def raw_connection(path: Path) -> sqlite3.Connection:
    """A connection with the workbench's pragmas (the caller closes it)."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = FULL")
    return db


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection in one transaction: committed on success, rolled back on an exception.

    Each request thread opens its own (a SQLite connection must not be shared across
    threads; opening one costs microseconds).
    """
    db = raw_connection(path)
    try:
        with db:
            yield db
    finally:
        db.close()


def use_wal(path: Path) -> None:
    """Put the file in WAL mode (persistent; a no-op when it already is)."""
    db = raw_connection(path)
    try:
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # e.g. a file system without shared memory
            raise sqlite3.OperationalError(f"{path}: cannot use WAL mode (got {mode!r})")
    finally:
        db.close()


def backup(path: Path, out: Path) -> int:
    """Copy the workbench file to ``out`` with SQLite's online backup API.

    Safe while the service writes: the copy is one consistent snapshot. ``out`` is
    replaced when it exists.

    Returns:
        the number of pages copied.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no workbench file there")
    out.parent.mkdir(parents=True, exist_ok=True)
    src = raw_connection(path)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)
        pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
    finally:
        dst.close()
        src.close()
    return pages


__all__ = ["BUSY_TIMEOUT_S", "backup", "connect", "raw_connection", "use_wal"]
