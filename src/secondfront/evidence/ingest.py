"""Ingesting files into the store: format detection, bookkeeping, counts, mapping.

``ingest(con, paths)`` runs each file through its adapter and records the run in
``ingests``. The counts obey ``read == accepted + rejected + duplicates`` per file and
in total. After the events are stored, the mapping rules (when given) turn the new
events into indicator observations, in a transaction of their own: this is where
mapping happens, so reads never write. If a process dies between the two, or the files
were stored without rules (``--no-map``), the next ingest with rules, ``secondfront
map`` or any opening of the store for writing with rules maps them (``mapped_files``
records what has been mapped; see :mod:`secondfront.evidence.mapping`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from secondfront.errors import UsageError
from secondfront.evidence.mapping import MappingRules, ensure_mapped
from secondfront.evidence.registry import (
    Counts,
    Progress,
    SourceFile,
    background_priority,
    detect_format,
    get_adapter,
)
from secondfront.evidence.store import store_errors, transaction


@dataclass
class FileReport:
    """What happened to one file.

    Attributes:
        path: the file as named.
        format: the adapter used.
        counts: read/accepted/rejected/duplicates.
    """

    path: str
    format: str
    counts: Counts


@dataclass
class IngestReport:
    """All files of one ``ingest`` call; ``total`` sums their counts."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def total(self) -> Counts:
        """Counts summed over the files."""
        total = Counts()
        for f in self.files:
            total += f.counts
        return total

    def as_json(self) -> dict[str, object]:
        """``{"read", "accepted", "rejected", "duplicates", "files": [...]}``."""
        return {
            **self.total.as_json(),
            "files": [
                {"path": f.path, "format": f.format, **f.counts.as_json()} for f in self.files
            ],
        }


def file_digest(path: Path, block: int = 1 << 22) -> str:
    """sha256 of a file's bytes, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


def ingest(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    fmt: str | None = None,
    rules: MappingRules | None = None,
    progress: Callable[[str, int], Progress] | None = None,
) -> IngestReport:
    """Ingest files into the store.

    Args:
        con: an open store (see ``store.connect``).
        paths: files to read, in order.
        fmt: adapter name for all files; ``None`` detects each file's format.
        rules: the mapping rules to map the new events to indicators with; ``None``
            stores them unmapped (a read then refuses the store until it is mapped).
        progress: ``progress(label, total_bytes)`` returns a callback advanced with the
            bytes processed (the CLI draws a Rich bar with it).

    Returns:
        per-file and total counts.

    Raises:
        UsageError: a missing file or an unknown format.
        InputFormatError: a file that cannot be read as its format at all.
        StoreError: the store failed (a full disk, a damaged file); the file being read
            leaves nothing behind, the files before it stay stored.
    """
    files = [Path(p) for p in paths]
    for p in files:
        if not p.is_file():
            raise UsageError(f"{p}: no such file")
    with store_errors(con):
        return _ingest(con, files, fmt, rules, progress)


def _ingest(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    fmt: str | None,
    rules: MappingRules | None,
    progress: Callable[[str, int], Progress] | None,
) -> IngestReport:
    report = IngestReport()
    # The digest is computed in a thread beside the adapter's work (hashlib releases the
    # interpreter lock): on a million GDELT rows it is ~0.3 s that would otherwise come
    # first. The run's row in ``ingests`` gets it when the file is done, so a killed run
    # leaves its row with no digest and no finish time.
    with ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="digest", initializer=background_priority
    ) as hasher:
        for path in files:
            name = fmt or detect_format(path)
            adapter = get_adapter(name)
            size = path.stat().st_size
            digest = hasher.submit(file_digest, path)
            with transaction(con):
                row = con.execute(
                    "INSERT INTO ingests (ingest_id, path, format, started_at) "
                    "VALUES (nextval('ingest_ids'), ?, ?, current_timestamp) RETURNING ingest_id",
                    [str(path), name],
                ).fetchone()
            assert row is not None
            source = SourceFile(path=path, digest=digest, ingest_id=int(row[0]), size=size)
            advance = progress(str(path), size) if progress else (lambda n: None)
            counts = adapter.ingest(con, source, advance)
            with transaction(con):
                con.execute(
                    "UPDATE ingests SET file_sha256 = ?, finished_at = current_timestamp, "
                    "n_read = ?, n_accepted = ?, n_rejected = ?, n_duplicates = ? "
                    "WHERE ingest_id = ?",
                    [
                        source.sha256,
                        counts.read,
                        counts.accepted,
                        counts.rejected,
                        counts.duplicates,
                        source.ingest_id,
                    ],
                )
            report.files.append(FileReport(str(path), name, counts))
    if rules is not None:
        ensure_mapped(con, rules)
    return report


def rejects(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[dict[str, object]]:
    """Quarantined rows, oldest file first, by line and item: path, line, item, format,
    reason, raw.

    Raises:
        UsageError: a negative ``limit``.
    """
    if limit is not None and limit < 0:
        raise UsageError(f"--limit {limit}: give a number of rows, 0 or more")
    sql = (
        "SELECT path, line, item, format, reason, raw FROM quarantine "
        "ORDER BY ingest_id, path, line, item LIMIT ?"
    )
    cols = ("path", "line", "item", "format", "reason", "raw")
    with store_errors(con):
        found = con.execute(sql, [limit]).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in found]


__all__ = [
    "FileReport",
    "IngestReport",
    "file_digest",
    "ingest",
    "rejects",
]
