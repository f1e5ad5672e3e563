"""ACLED CSV exports: the current 31-column layout and the older ``data_id`` layout.

Layouts, told apart by the header (columns are matched by name, in any order; columns
beyond the layout's, such as ``population_best``, are ignored):

* ``current`` (API v4, 2023-): ``event_id_cnty, event_date, year, time_precision,
  disorder_type, event_type, sub_event_type, actor1, assoc_actor_1, inter1, actor2,
  assoc_actor_2, inter2, interaction, civilian_targeting, iso, region, country, admin1,
  admin2, admin3, location, latitude, longitude, geo_precision, source, source_scale,
  notes, fatalities, tags, timestamp``.
* ``legacy`` (before v4): ``data_id, iso, event_id_cnty, event_id_no_cnty, event_date,
  ...`` with numeric ``inter1``/``inter2`` codes, no ``disorder_type``,
  ``civilian_targeting`` or ``tags``, and dates possibly written ``24 February 2022``.

ACLED is a living database: events are edited and deleted after publication, and
``event_id_cnty`` stays the same through edits. A re-import of an event whose content
changed replaces the current row and moves the previous one to ``acled_history``
(with its version number); a re-import of an identical row, or of a version already in
the history, is a duplicate. An older version (smaller ``timestamp``) arriving after a
newer one goes to the history without replacing the current row. Deletions cannot be
seen in an export (an absent event may simply be outside the query) and are not
inferred.

Each row is validated field by field; a row that fails goes to quarantine with the
first failing field named in the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb

from secondfront.errors import InputFormatError
from secondfront.evidence.registry import (
    Counts,
    Progress,
    SourceFile,
    quarantine,
    register_adapter,
)
from secondfront.evidence.store import bulk_insert, transaction

CURRENT_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
LEGACY_COLUMNS: tuple[str, ...] = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year",
    "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1",
    "actor2", "assoc_actor_2", "inter2", "interaction", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "timestamp", "iso3",
)  # fmt: skip
# Stored columns (acled_events) that come from the file; provenance is added on top.
STORED: tuple[str, ...] = (
    "event_id_cnty", "data_id", "event_date", "year", "time_precision", "disorder_type",
    "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
    "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
    "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip

# ACLED codebook: 6 event types and their 25 sub-event types.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "Battles": ("Government regains territory", "Non-state actor overtakes territory",
                "Armed clash"),
    "Protests": ("Excessive force against protesters", "Protest with intervention",
                 "Peaceful protest"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Explosions/Remote violence": ("Chemical weapon", "Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Grenade"),
    "Violence against civilians": ("Sexual violence", "Attack",
                                   "Abduction/forced disappearance"),
    "Strategic developments": ("Agreement", "Arrests", "Change to group/activity",
                               "Disrupted weapons use", "Headquarters or base established",
                               "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"),
}  # fmt: skip
DISORDER_TYPES = ("Political violence", "Demonstrations", "Strategic developments")
CHUNK = 5000  # rows per transaction: a kill loses at most one chunk of work, never half


def _layout(header: list[str], path: str) -> tuple[str, tuple[str, ...]]:
    cols = [h.strip().lower() for h in header]
    layout, expected = (
        ("legacy", LEGACY_COLUMNS) if "data_id" in cols else ("current", CURRENT_COLUMNS)
    )
    missing = [c for c in expected if c not in cols]
    if missing:
        raise InputFormatError(
            path,
            1,
            missing[0],
            f"ACLED {layout} layout needs column(s) {', '.join(missing)} in the header; "
            f"found {', '.join(cols[:8])}{'...' if len(cols) > 8 else ''}. "
            "Export with all columns, or give another --format.",
        )
    return layout, tuple(cols)


class _RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}")


def _date(v: str) -> dt.date:
    v = v.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise _RowError("event_date", f"{v!r} is not a date (YYYY-MM-DD or '24 February 2022')")


def _int(
    rec: dict[str, str],
    field: str,
    lo: int | None = None,
    hi: int | None = None,
    blank_ok: bool = False,
) -> int | None:
    v = rec.get(field, "").strip()
    if not v:
        if blank_ok:
            return None
        raise _RowError(field, "is empty")
    try:
        x = int(float(v)) if v.replace(".", "", 1).isdigit() and v.endswith(".0") else int(v)
    except ValueError:
        raise _RowError(field, f"{v!r} is not an integer") from None
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise _RowError(field, f"{x} is outside {lo}..{hi}")
    return x


def _float(rec: dict[str, str], field: str, lo: float, hi: float) -> float | None:
    v = rec.get(field, "").strip()
    if not v:
        return None
    try:
        x = float(v)
    except ValueError:
        raise _RowError(field, f"{v!r} is not a number") from None
    if not lo <= x <= hi:
        raise _RowError(field, f"{x} is outside {lo}..{hi}")
    return x


def parse_row(rec: dict[str, str], layout: str) -> dict[str, object]:
    """Validate one ACLED record (column -> text) into typed stored values.

    Raises:
        ValueError: naming the first failing field, as ``field 'x': reason``.
    """
    eid = rec.get("event_id_cnty", "").strip()
    if not eid:
        raise _RowError("event_id_cnty", "is empty; every ACLED event has an id")
    date = _date(rec.get("event_date", ""))
    year = _int(rec, "year", blank_ok=True)
    if year is not None and year != date.year:
        raise _RowError("year", f"{year} disagrees with event_date {date.isoformat()}")
    et = rec.get("event_type", "").strip()
    if et not in TAXONOMY:
        raise _RowError("event_type", f"{et!r} is not an ACLED event type ({', '.join(TAXONOMY)})")
    sub = rec.get("sub_event_type", "").strip()
    if sub not in TAXONOMY[et]:
        raise _RowError(
            "sub_event_type",
            f"{sub!r} is not a sub-event type of {et!r} ({', '.join(TAXONOMY[et])})",
        )
    disorder = rec.get("disorder_type", "").strip()
    if disorder and disorder not in DISORDER_TYPES:
        raise _RowError("disorder_type", f"{disorder!r} is not one of {', '.join(DISORDER_TYPES)}")
    country = rec.get("country", "").strip()
    if not country:
        raise _RowError("country", "is empty")
    out: dict[str, object] = {c: (rec.get(c) or "").strip() or None for c in STORED}
    out.update(
        event_id_cnty=eid,
        event_date=date,
        year=date.year,
        time_precision=_int(rec, "time_precision", 1, 3),
        disorder_type=disorder or None,
        event_type=et,
        sub_event_type=sub,
        country=country,
        latitude=_float(rec, "latitude", -90, 90),
        longitude=_float(rec, "longitude", -180, 180),
        geo_precision=_int(rec, "geo_precision", 1, 3, blank_ok=True),
        fatalities=_int(rec, "fatalities", 0),
        timestamp=_int(rec, "timestamp", 0, blank_ok=True),
    )
    if layout == "legacy":
        for f in ("inter1", "inter2"):
            _int(rec, f, 0, 8, blank_ok=True)
    return out


def row_digest(row: dict[str, object]) -> str:
    """sha256 of an event's content; the upload ``timestamp`` is left out, so an
    unchanged event re-exported later is recognised as a duplicate."""
    content = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in row.items()
        if k != "timestamp"
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _records(path: Path) -> Iterator[tuple[int, str, list[str] | None]]:
    """(first line, raw text, fields) per CSV record; fields None when undecodable.

    The raw text is captured from the lines the csv module consumed, so a record
    whose quoted notes span several lines is kept whole in quarantine.
    """
    consumed: list[str] = []
    line_no = 0

    def lines(fh: Iterator[str]) -> Iterator[str]:
        nonlocal line_no
        for line in fh:
            line_no += 1
            consumed.append(line)
            yield line

    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(lines(fh))
        while True:
            start = line_no + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raw = "".join(consumed)
                consumed.clear()
                yield start, raw, None if "NUL" in str(e) else []
                continue
            raw = "".join(consumed)
            consumed.clear()
            yield start, raw, fields


def _safe(raw: str) -> str:
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class AcledAdapter:
    """ACLED CSV exports (both layouts); events keyed by ``event_id_cnty``."""

    name = "acled"
    description = "ACLED CSV export (current 31-column layout or older data_id layout)"
    table = "acled_events"
    key = "event_id_cnty"

    def sniff(self, path: Path, head: bytes) -> bool:
        """A CSV whose first line names ``event_id_cnty`` and ``event_date``."""
        first = head.split(b"\n", 1)[0].lower()
        return b"event_id_cnty" in first and b"event_date" in first

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        """Validate and store every record; see the module docstring for edits."""
        where = str(source.path)
        records = _records(source.path)
        try:
            first = next(records)
        except StopIteration:
            raise InputFormatError(
                where, 0, "", "empty file; expected an ACLED CSV header"
            ) from None
        if not first[2]:
            raise InputFormatError(where, 1, "", "the first line is not a CSV header")
        layout, cols = _layout(first[2], where)
        progress(len(first[1]))
        counts = Counts()
        batch: list[tuple[int, str, list[str] | None]] = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= CHUNK:
                counts += self._chunk(con, source, layout, cols, batch, progress)
                batch = []
        counts += self._chunk(con, source, layout, cols, batch, progress)
        return counts.check(where)

    def _chunk(
        self,
        con: duckdb.DuckDBPyConnection,
        source: SourceFile,
        layout: str,
        cols: tuple[str, ...],
        batch: list[tuple[int, str, list[str] | None]],
        progress: Progress,
    ) -> Counts:
        counts = Counts(read=len(batch))
        rejects: list[tuple[int, str, str]] = []
        parsed: list[tuple[int, dict[str, object], str]] = []
        for line, raw, fields in batch:
            if fields is None or "\udcff" in raw or _has_surrogate(raw):
                rejects.append((line, _safe(raw), "not valid UTF-8 text"))
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                rejects.append((line, _safe(raw), "empty or malformed CSV record"))
                continue
            if len(fields) != len(cols):
                rejects.append(
                    (line, _safe(raw), f"{len(fields)} fields where the header has {len(cols)}")
                )
                continue
            try:
                row = parse_row(dict(zip(cols, fields, strict=True)), layout)
            except ValueError as e:
                rejects.append((line, _safe(raw), str(e)))
                continue
            parsed.append((line, row, row_digest(row)))
        counts.rejected = len(rejects)
        with transaction(con):
            quarantine(con, source, self.name, rejects)
            acc, dup = self._store(con, source, layout, parsed)
        counts.accepted, counts.duplicates = acc, dup
        progress(sum(len(r[1]) for r in batch))
        return counts

    def _store(
        self,
        con: duckdb.DuckDBPyConnection,
        source: SourceFile,
        layout: str,
        parsed: list[tuple[int, dict[str, object], str]],
    ) -> tuple[int, int]:
        if not parsed:
            return 0, 0
        ids = sorted({str(r["event_id_cnty"]) for _, r, _ in parsed})
        current = {
            r[0]: (r[1], r[2], r[3])
            for r in con.execute(
                'SELECT event_id_cnty, row_sha256, "timestamp", version FROM acled_events '
                "WHERE event_id_cnty IN (SELECT unnest(?))",
                [ids],
            ).fetchall()
        }
        history: dict[str, set[str]] = {}
        max_version: dict[str, int] = {}
        for eid, digest, version in con.execute(
            "SELECT event_id_cnty, row_sha256, version FROM acled_history "
            "WHERE event_id_cnty IN (SELECT unnest(?))",
            [ids],
        ).fetchall():
            history.setdefault(eid, set()).add(digest)
            max_version[eid] = max(max_version.get(eid, 0), version)
        accepted = duplicates = 0
        to_history: list[tuple[str, int, str, int | None, str]] = []  # from the file
        move_current: list[str] = []  # current rows to move into history
        new_rows: dict[str, tuple[int, dict[str, object], str, int]] = {}
        for line, row, digest in parsed:
            eid = str(row["event_id_cnty"])
            ts = _opt_int(row["timestamp"])
            if eid in new_rows:
                cur_digest, cur_ts, cur_version = (
                    new_rows[eid][2],
                    new_rows[eid][1]["timestamp"],
                    new_rows[eid][3],
                )
            elif eid in current:
                cur_digest, cur_ts, cur_version = current[eid]
            else:
                cur_digest = None
            if cur_digest == digest or digest in history.get(eid, ()):
                duplicates += 1
                continue
            accepted += 1
            if cur_digest is None:
                new_rows[eid] = (line, row, digest, 1)
                continue
            version = max(cur_version, max_version.get(eid, 0)) + 1
            if ts is not None and cur_ts is not None and ts < _opt_int(cur_ts):  # type: ignore[operator]
                # An older snapshot arriving late: keep it, but not as the current row.
                to_history.append((eid, version, digest, ts, _record_json(row)))
                max_version[eid] = version
                history.setdefault(eid, set()).add(digest)
                continue
            if eid in new_rows:
                prev = new_rows[eid]
                prev_ts = _opt_int(prev[1]["timestamp"])
                to_history.append((eid, prev[3], prev[2], prev_ts, _record_json(prev[1])))
            else:
                move_current.append(eid)
            history.setdefault(eid, set()).add(cur_digest)
            max_version[eid] = max(max_version.get(eid, 0), cur_version)
            new_rows[eid] = (line, row, digest, version)
        if move_current:
            con.execute(
                """
                INSERT INTO acled_history
                SELECT event_id_cnty, version, row_sha256, "timestamp",
                       to_json(e)::VARCHAR, ?
                FROM acled_events e WHERE event_id_cnty IN (SELECT unnest(?))
                """,
                [source.ingest_id, move_current],
            )
            con.execute(
                "DELETE FROM acled_events WHERE event_id_cnty IN (SELECT unnest(?))", [move_current]
            )
        if to_history:
            bulk_insert(
                con,
                "acled_history",
                {
                    "event_id_cnty": [h[0] for h in to_history],
                    "version": [h[1] for h in to_history],
                    "row_sha256": [h[2] for h in to_history],
                    "timestamp": [h[3] for h in to_history],
                    "record": [h[4] for h in to_history],
                    "replaced_by_ingest": [source.ingest_id] * len(to_history),
                },
            )
        rows = list(new_rows.values())
        columns: dict[str, list] = {c: [r[1][c] for r in rows] for c in STORED}
        columns.update(
            layout=[layout] * len(rows),
            row_sha256=[r[2] for r in rows],
            version=[r[3] for r in rows],
            path=[str(source.path)] * len(rows),
            line=[r[0] for r in rows],
            file_sha256=[source.sha256] * len(rows),
        )
        bulk_insert(con, "acled_events", columns)
        return accepted, duplicates


def _opt_int(v: object) -> int | None:
    return None if v is None else int(v)  # type: ignore[call-overload]


def _record_json(row: dict[str, object]) -> str:
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()},
        ensure_ascii=False,
    )


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


ADAPTER = register_adapter(AcledAdapter())

__all__ = [
    "ADAPTER",
    "CURRENT_COLUMNS",
    "LEGACY_COLUMNS",
    "TAXONOMY",
    "AcledAdapter",
    "parse_row",
]
