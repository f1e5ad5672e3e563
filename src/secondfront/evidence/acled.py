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
newer one goes to the history without replacing the current row.

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

After a deletion at time T, an export row of that event whose ``timestamp`` is at most T,
or blank, is a version the deletion withdrew: it counts as a duplicate and is not stored.
A row with a later ``timestamp`` is a genuine re-publication and is accepted, compared
only with the versions stored after T (a re-publication may repeat the deleted content).

Each row is validated field by field; a row that fails goes to quarantine with the
first failing field named in the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from secondfront.errors import InputFormatError
from secondfront.evidence.registry import (
    Counts,
    Progress,
    SourceFile,
    event_date_window,
    implausible_date,
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
# A deletions list: the columns it must have, and the column whose presence marks an
# event export instead (every export layout has it; a deletions list never does).
DELETION_COLUMNS: tuple[str, ...] = ("event_id_cnty", "deleted_timestamp")
_EXPORT_MARK = "event_date"
# 9999-12-31T23:59:59Z: the last second a TIMESTAMP (and Python's datetime) can hold.
MAX_EPOCH = 253_402_300_799
# The range of a stored INTEGER column: a value outside it would fail the chunk's insert.
INT32 = (-(2**31), 2**31 - 1)
_MAX_DIGITS = 19


def _unique_columns(header: list[str], path: str) -> list[str]:
    """The header's names, stripped and lower-cased; an error naming both of two equal ones.

    Columns are matched by name, so a repeated name would silently keep one of the two
    values of every row.
    """
    cols = [h.strip().lower() for h in header]
    seen: dict[str, int] = {}
    for i, c in enumerate(cols, 1):
        if c in seen:
            raise InputFormatError(
                path,
                1,
                c,
                f"column {seen[c]} ({header[seen[c] - 1].strip()!r}) and column {i} "
                f"({header[i - 1].strip()!r}) have the same name; a row would keep only one "
                "of the two values. Rename or drop one of them.",
            )
        seen[c] = i
    return cols


def _layout(header: list[str], path: str) -> tuple[str, tuple[str, ...]]:
    cols = _unique_columns(header, path)
    layout, expected = (
        ("legacy", LEGACY_COLUMNS) if "data_id" in cols else ("current", CURRENT_COLUMNS)
    )
    missing = [c for c in expected if c not in cols]
    if missing:
        hint = (
            "This is an ACLED deletions list: give --format acled-deletions."
            if "deleted_timestamp" in cols
            else "Export with all columns, or give another --format."
        )
        raise InputFormatError(
            path,
            1,
            missing[0],
            f"ACLED {layout} layout needs column(s) {', '.join(missing)} in the header; "
            f"found {', '.join(cols[:8])}{'...' if len(cols) > 8 else ''}. {hint}",
        )
    return layout, tuple(cols)


class _RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}")


def _date(v: str, window: tuple[dt.date, dt.date] | None = None) -> dt.date:
    v = v.strip()
    day = None
    if len(v) <= 40:
        for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y"):
            try:
                day = dt.datetime.strptime(v, fmt).date()
                break
            except ValueError:
                continue
    if day is None:
        raise _RowError(
            "event_date", f"{_short(v)} is not a date (YYYY-MM-DD or '24 February 2022')"
        )
    if (why := implausible_date(day, window)) is not None:
        raise _RowError("event_date", why)
    return day


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
    # Whole numbers written as floats ("12.0") are read as integers; the digit count is
    # checked first, since int() of thousands of digits is slow and float() overflows.
    digits = v[:-2] if v.endswith(".0") else v
    if len(digits.lstrip("+-")) > _MAX_DIGITS:
        raise _RowError(field, f"{_short(v)} has more than {_MAX_DIGITS} digits")
    try:
        x = int(digits)
    except ValueError:
        raise _RowError(field, f"{_short(v)} is not an integer") from None
    lo = INT32[0] if lo is None else lo
    hi = INT32[1] if hi is None else hi
    if not lo <= x <= hi:
        raise _RowError(field, f"{x} is outside {lo}..{hi}")
    return x


def _short(v: str, n: int = 40) -> str:
    """``repr(v)``, cut to ``n`` characters: a reason names the value, not a megabyte."""
    return repr(v) if len(v) <= n else repr(v[:n]) + f"... ({len(v)} characters)"


def _float(rec: dict[str, str], field: str, lo: float, hi: float) -> float | None:
    v = rec.get(field, "").strip()
    if not v:
        return None
    if len(v) > 64:
        raise _RowError(field, f"{_short(v)} is not a number")
    try:
        x = float(v)
    except ValueError:
        raise _RowError(field, f"{_short(v)} is not a number") from None
    if not lo <= x <= hi:
        raise _RowError(field, f"{x} is outside {lo}..{hi}")
    return x


def parse_row(
    rec: dict[str, str], layout: str, window: tuple[dt.date, dt.date] | None = None
) -> dict[str, object]:
    """Validate one ACLED record (column -> text) into typed stored values.

    Every value is checked to fit its stored column (an INTEGER's range, a plausible
    date, coordinates on the globe), so that a row that passes never fails the insert
    and a row that does not is quarantined alone.

    Args:
        rec: column name -> text.
        layout: ``current`` or ``legacy``.
        window: the plausible event days (default :func:`event_date_window`).

    Raises:
        ValueError: naming the first failing field, as ``field 'x': reason``.
    """
    eid = rec.get("event_id_cnty", "").strip()
    if not eid:
        raise _RowError("event_id_cnty", "is empty; every ACLED event has an id")
    if len(eid) > 64 or not eid.isprintable():
        raise _RowError("event_id_cnty", f"{_short(eid)} is not an ACLED event id")
    date = _date(rec.get("event_date", ""), window)
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
        timestamp=_int(rec, "timestamp", 0, MAX_EPOCH, blank_ok=True),
    )
    if layout == "legacy":
        for f in ("inter1", "inter2"):
            _int(rec, f, 0, 8, blank_ok=True)
        # A numeric id in the older exports: a negative or zero one is no event's.
        _int(rec, "data_id", 1, 2**63 - 1, blank_ok=True)
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


MAX_RECORD = 1 << 20
"""Characters of one CSV record read into memory; a longer record is one reject."""
_PIECE = 1 << 16  # characters read at a time from one physical line
# A double quote that opens a quoted field: at the start of a line or after a comma.
_OPENING_QUOTE = re.compile(r'(?:^|(?<=,))"')


@dataclass(frozen=True)
class Record:
    """One CSV record of a file.

    Attributes:
        line: the 1-based line where it starts.
        raw: its text, as read (cut to ``MAX_RECORD`` characters for an oversized one).
        fields: its fields, or None when it cannot be read as CSV (see ``problem``).
        problem: why it cannot be read ("" when it can).
    """

    line: int
    raw: str
    fields: list[str] | None
    problem: str = ""


def _still_quoted(text: str, quoted: bool) -> bool:
    """Whether a record is inside a quoted field after ``text`` (which began ``quoted``).

    The record boundaries of the csv module's default dialect: a double quote opens a
    quoted field only at a field's start, ``""`` inside one is a quote, and a line break
    ends the record unless a quoted field is open. Finding the boundaries here, before
    the csv module parses a record, is what lets an oversized or broken record be one
    reject: after its own errors the csv module resumes in the middle of a record and
    reads the rest of a long quoted field as hundreds of bogus rows.
    """
    i = 0
    while True:
        if quoted:
            j = text.find('"', i)
            while j >= 0 and text.startswith('""', j):
                j = text.find('"', j + 2)
            if j < 0:
                return True
            quoted, i = False, j + 1
        m = _OPENING_QUOTE.search(text, i)
        if m is None:
            return False
        quoted, i = True, m.end()


def _parse_record(line: int, raw: str, size: int) -> Record:
    """A record's fields, or the one reason it cannot be read."""
    if size > MAX_RECORD:
        return Record(
            line,
            raw,
            None,
            f"a record of {size} characters (over {raw.count(chr(10)) + 1}+ lines) exceeds "
            f"the limit of {MAX_RECORD}; is a quote left open?",
        )
    if "\x00" in raw:
        return Record(line, raw, None, "a NUL character: binary data, not CSV text")
    if _has_surrogate(raw):
        return Record(line, raw, None, "not valid UTF-8 text")
    try:
        fields = next(csv.reader(raw.splitlines(keepends=True)), [])
    except csv.Error as e:
        return Record(line, raw, None, f"malformed CSV record: {e}")
    return Record(line, raw, fields)


def _records(path: Path) -> Iterator[Record]:
    """Every CSV record of a file, in order, each whole (see :func:`_still_quoted`).

    Memory is bounded: a physical line is read ``_PIECE`` characters at a time, and at
    most ``MAX_RECORD`` characters of a record are kept; the rest of an oversized
    record is read past, up to its end, and the next record is read normally.
    """
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        line_no = 0
        start = 1
        parts: list[str] = []
        kept = size = 0
        quoted = False
        at_line_start = True
        while piece := fh.readline(_PIECE):
            if at_line_start:
                line_no += 1
            if not parts and not size:
                start = line_no
            if kept < MAX_RECORD + 1:
                parts.append(piece[: MAX_RECORD + 1 - kept])
                kept += len(parts[-1])
            size += len(piece)
            at_line_start = piece.endswith(("\n", "\r"))
            quoted = _still_quoted(piece, quoted)
            if quoted or not at_line_start:
                continue
            yield _parse_record(start, "".join(parts), size)
            parts, kept, size = [], 0, 0
        if parts:
            rec = _parse_record(start, "".join(parts), size)
            if quoted and not rec.problem:
                rec = Record(start, rec.raw, None, "a quoted field is not closed before the end")
            yield rec


def _safe(raw: str) -> str:
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _header(records: Iterator[Record], where: str, expected: str) -> tuple[str, list[str]]:
    """The first record of a CSV file as its header: (raw text, field names).

    Raises:
        InputFormatError: an empty file, or a first line that is not CSV text.
    """
    try:
        rec = next(records)
    except StopIteration:
        raise InputFormatError(where, 0, "", f"empty file; expected {expected}") from None
    if not rec.fields:
        why = f": {rec.problem}" if rec.problem else ""
        raise InputFormatError(where, 1, "", f"the first line is not a CSV header{why}")
    return rec.raw, rec.fields


def _malformed(rec: Record, n_cols: int) -> str | None:
    """Why a CSV record cannot be read as a row of a file with ``n_cols`` columns, or
    None when it can (``rec.fields`` is then a list of exactly ``n_cols`` strings)."""
    if rec.fields is None:
        return rec.problem or "malformed CSV record"
    if not rec.fields or (len(rec.fields) == 1 and not rec.fields[0].strip()):
        return "empty or malformed CSV record"
    if len(rec.fields) != n_cols:
        return f"{len(rec.fields)} fields where the header has {n_cols}"
    return None


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
        raw, header = _header(records, where, "an ACLED CSV header")
        layout, cols = _layout(header, where)
        progress(len(raw))
        counts = Counts()
        window = event_date_window()
        batch: list[Record] = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= CHUNK:
                counts += self._chunk(con, source, layout, cols, batch, progress, window)
                batch = []
        counts += self._chunk(con, source, layout, cols, batch, progress, window)
        return counts.check(where)

    def _chunk(
        self,
        con: duckdb.DuckDBPyConnection,
        source: SourceFile,
        layout: str,
        cols: tuple[str, ...],
        batch: list[Record],
        progress: Progress,
        window: tuple[dt.date, dt.date],
    ) -> Counts:
        counts = Counts(read=len(batch))
        rejects: list[tuple[int, str, str]] = []
        parsed: list[tuple[int, dict[str, object], str]] = []
        for rec in batch:
            problem = _malformed(rec, len(cols))
            if problem is not None or rec.fields is None:
                rejects.append((rec.line, _safe(rec.raw), problem or "malformed CSV record"))
                continue
            try:
                row = parse_row(dict(zip(cols, rec.fields, strict=True)), layout, window)
            except ValueError as e:
                rejects.append((rec.line, _safe(rec.raw), str(e)))
                continue
            parsed.append((rec.line, row, row_digest(row)))
        counts.rejected = len(rejects)
        with transaction(con):
            quarantine(con, source, self.name, rejects)
            acc, dup = self._store(con, source, layout, parsed)
        counts.accepted, counts.duplicates = acc, dup
        progress(sum(len(r.raw) for r in batch))
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
        # The latest deletion of each id: ACLED withdrew every version up to that time.
        deleted_upto: dict[str, int] = {
            r[0]: int(r[1])
            for r in con.execute(
                "SELECT event_id_cnty, max(deleted_timestamp) FROM acled_deletions "
                "WHERE event_id_cnty IN (SELECT unnest(?)) GROUP BY event_id_cnty",
                [ids],
            ).fetchall()
        }
        history: dict[str, set[str]] = {}
        max_version: dict[str, int] = {}
        for eid, digest, version, hist_ts in con.execute(
            'SELECT event_id_cnty, row_sha256, version, "timestamp" FROM acled_history '
            "WHERE event_id_cnty IN (SELECT unnest(?))",
            [ids],
        ).fetchall():
            # Version numbers stay unique per id across deletions, so every row counts
            # here; but a version from before the latest deletion does not make a
            # re-publication (which may repeat the deleted content) a duplicate.
            max_version[eid] = max(max_version.get(eid, 0), version)
            cut = deleted_upto.get(eid)
            if cut is None or (hist_ts is not None and hist_ts > cut):
                history.setdefault(eid, set()).add(digest)
        accepted = duplicates = 0
        to_history: list[tuple[str, int, str, int | None, str]] = []  # from the file
        move_current: list[str] = []  # current rows to move into history
        new_rows: dict[str, tuple[int, dict[str, object], str, int]] = {}
        for line, row, digest in parsed:
            eid = str(row["event_id_cnty"])
            ts = _opt_int(row["timestamp"])
            cut = deleted_upto.get(eid)
            if cut is not None and (ts is None or ts <= cut):
                # A version ACLED deleted (or one that cannot be shown to be newer than
                # the deletion): storing it would resurrect a withdrawn event.
                duplicates += 1
                continue
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
                # 1 for a new event; after the versions of a deleted one for a
                # re-publication, so that (id, version) stays unique in acled_history.
                new_rows[eid] = (line, row, digest, max_version.get(eid, 0) + 1)
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
                INSERT INTO acled_history (event_id_cnty, version, row_sha256, "timestamp",
                                           record, replaced_by_ingest)
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


def _header_names(head: bytes) -> list[str]:
    """The column names on a CSV's first line, stripped and lower-cased ([] if none)."""
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    try:
        names = next(csv.reader([first]), [])
    except csv.Error:
        return []
    return [n.strip().lower() for n in names]


def _deletion_header(header: list[str], path: str) -> tuple[str, ...]:
    """The header of a deletions list, lower-cased; an InputFormatError naming the first
    missing column (and pointing to ``--format acled`` for an event export) otherwise."""
    cols = tuple(_unique_columns(header, path))
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
        raise _RowError("event_id_cnty", "is empty; a deletion names the event it removes")
    if len(eid) > 64 or not eid.isprintable():
        raise _RowError("event_id_cnty", f"{_short(eid)} is not an ACLED event id")
    ts = _int(rec, "deleted_timestamp", 0, MAX_EPOCH)
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
        names = _header_names(head)
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
        records = _records(source.path)
        raw, header = _header(records, where, "a header with event_id_cnty,deleted_timestamp")
        cols = _deletion_header(header, where)
        progress(len(raw))
        counts = Counts()
        rejects: list[tuple[int, str, str]] = []
        rows: list[tuple[int, str, int]] = []
        pending = 0  # bytes read since the last progress call
        for rec in records:
            counts.read += 1
            problem = _malformed(rec, len(cols))
            if problem is None and rec.fields is not None:
                try:
                    eid, ts = parse_deletion(dict(zip(cols, rec.fields, strict=True)))
                except ValueError as e:
                    problem = str(e)
                else:
                    rows.append((rec.line, eid, ts))
            if problem is not None:
                rejects.append((rec.line, _safe(rec.raw), problem))
            pending += len(rec.raw)
            if counts.read % CHUNK == 0:
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
            r[0]: _opt_int(r[1])
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
            con.execute(
                "DELETE FROM acled_events WHERE event_id_cnty IN (SELECT unnest(?))", [gone]
            )
            # The mapping never re-adds them: it reads only events still in acled_events.
            con.execute(
                "DELETE FROM observations WHERE source = 'acled' AND ref IN (SELECT unnest(?))",
                [gone],
            )
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


ADAPTER = register_adapter(AcledAdapter())
DELETIONS_ADAPTER = register_adapter(AcledDeletionsAdapter())

__all__ = [
    "ADAPTER",
    "CURRENT_COLUMNS",
    "DELETIONS_ADAPTER",
    "DELETION_COLUMNS",
    "LEGACY_COLUMNS",
    "MAX_EPOCH",
    "TAXONOMY",
    "AcledAdapter",
    "AcledDeletionsAdapter",
    "parse_deletion",
    "parse_row",
]
