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

Deletions are never inferred from an export; they are read from ACLED's own deletions
list by the ``acled-deletions`` adapter (``acleddeletions``), which also says what a
deletion does to the stored versions.

After a deletion at time T, an export row of that event whose ``timestamp`` is at most T,
or blank, is a version the deletion withdrew: it counts as a duplicate and is not stored.
A row with a later ``timestamp`` is a genuine re-publication and is accepted, compared
only with the versions stored after T (a re-publication may repeat the deleted content).

Each row is validated field by field; a row that fails goes to quarantine with the
first failing field named in the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from pydantic import Field

from secondfront.errors import InputFormatError
from secondfront.evidence.acleddeletions import (
    DELETION_COLUMNS,
    DELETIONS_ADAPTER,
    AcledDeletionsAdapter,
    parse_deletion,
)
from secondfront.evidence.csvrecords import (
    INT32,
    MAX_EPOCH,
    Record,
    RowError,
    header_record,
    int_field,
    malformed,
    opt_int,
    printable,
    read_records,
    short,
    unique_columns,
)
from secondfront.evidence.registry import (
    Counts,
    EventSource,
    Progress,
    SourceFile,
    any_of,
    event_date_window,
    implausible_date,
    like_pattern,
    quarantine,
    register_adapter,
)
from secondfront.evidence.store import bulk_insert, transaction
from secondfront.model.schema import StrictModel

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
    cols = unique_columns(header, path)
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
        raise RowError("event_date", f"{short(v)} is not a date (YYYY-MM-DD or '24 February 2022')")
    if (why := implausible_date(day, window)) is not None:
        raise RowError("event_date", why)
    return day


def _float(rec: dict[str, str], field: str, lo: float, hi: float) -> float | None:
    v = rec.get(field, "").strip()
    if not v:
        return None
    if len(v) > 64:
        raise RowError(field, f"{short(v)} is not a number")
    try:
        x = float(v)
    except ValueError:
        raise RowError(field, f"{short(v)} is not a number") from None
    if not lo <= x <= hi:
        raise RowError(field, f"{x} is outside {lo}..{hi}")
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
        raise RowError("event_id_cnty", "is empty; every ACLED event has an id")
    if len(eid) > 64 or not eid.isprintable():
        raise RowError("event_id_cnty", f"{short(eid)} is not an ACLED event id")
    date = _date(rec.get("event_date", ""), window)
    year = int_field(rec, "year", blank_ok=True)
    if year is not None and year != date.year:
        raise RowError("year", f"{year} disagrees with event_date {date.isoformat()}")
    et = rec.get("event_type", "").strip()
    if et not in TAXONOMY:
        raise RowError("event_type", f"{et!r} is not an ACLED event type ({', '.join(TAXONOMY)})")
    sub = rec.get("sub_event_type", "").strip()
    if sub not in TAXONOMY[et]:
        raise RowError(
            "sub_event_type",
            f"{sub!r} is not a sub-event type of {et!r} ({', '.join(TAXONOMY[et])})",
        )
    disorder = rec.get("disorder_type", "").strip()
    if disorder and disorder not in DISORDER_TYPES:
        raise RowError("disorder_type", f"{disorder!r} is not one of {', '.join(DISORDER_TYPES)}")
    country = rec.get("country", "").strip()
    if not country:
        raise RowError("country", "is empty")
    out: dict[str, object] = {c: (rec.get(c) or "").strip() or None for c in STORED}
    out.update(
        event_id_cnty=eid,
        event_date=date,
        year=date.year,
        time_precision=int_field(rec, "time_precision", 1, 3),
        disorder_type=disorder or None,
        event_type=et,
        sub_event_type=sub,
        country=country,
        latitude=_float(rec, "latitude", -90, 90),
        longitude=_float(rec, "longitude", -180, 180),
        geo_precision=int_field(rec, "geo_precision", 1, 3, blank_ok=True),
        fatalities=int_field(rec, "fatalities", 0),
        timestamp=int_field(rec, "timestamp", 0, MAX_EPOCH, blank_ok=True),
    )
    if layout == "legacy":
        for f in ("inter1", "inter2"):
            int_field(rec, f, 0, 8, blank_ok=True)
        # A numeric id in the older exports: a negative or zero one is no event's.
        int_field(rec, "data_id", 1, 2**63 - 1, blank_ok=True)
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


class AcledMatch(StrictModel):
    """Conditions of a mapping rule on ACLED columns; all given conditions must hold
    (lists are any-of). ``actor`` patterns take a ``*`` wildcard and are matched against
    actor1, actor2 and the associated actors; ``notes_any`` and ``tags_any`` are words
    that occur in the notes or tags (case-insensitive)."""

    event_type: list[str] = Field(default_factory=list)
    sub_event_type: list[str] = Field(default_factory=list)
    actor: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    admin1: list[str] = Field(default_factory=list)
    notes_any: list[str] = Field(default_factory=list)
    tags_any: list[str] = Field(default_factory=list)


def acled_sql(m: AcledMatch) -> tuple[str, list[object]]:
    """The SQL predicate over ``acled_events`` of a rule's conditions, with its parameters.

    Every value of the rule is a parameter; only column names of this module are text.
    """
    conds: list[str] = []
    params: list[object] = []
    any_of(
        (
            ("event_type", m.event_type),
            ("sub_event_type", m.sub_event_type),
            ("country", m.country),
            ("admin1", m.admin1),
        ),
        conds,
        params,
    )
    if m.actor:
        ors = []
        for pat in m.actor:
            for col in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2"):
                ors.append(f"{col} ILIKE ? ESCAPE '\\'")
                params.append(like_pattern(pat))
        conds.append("(" + " OR ".join(ors) + ")")
    for col, words in (("notes", m.notes_any), ("tags", m.tags_any)):
        if words:
            conds.append("(" + " OR ".join(f"{col} ILIKE ? ESCAPE '\\'" for _ in words) + ")")
            params.extend(f"%{like_pattern(w)}%" for w in words)
    return " AND ".join(conds) or "true", params


def event_days(
    con: duckdb.DuckDBPyConnection, match: AcledMatch, through: dt.date | None = None
) -> list[dt.date]:
    """Distinct days, in order, of stored ACLED-layout events matching ``match``.

    The one query of event days behind a rule (question resolution, outcome series,
    the backtest). With ``through``, only events dated up to that day are read.
    """
    where, params = acled_sql(match)
    if through is not None:
        where, params = f"({where}) AND event_date <= ?", [*params, through]
    rows = con.execute(
        f"SELECT DISTINCT event_date FROM acled_events WHERE {where} ORDER BY 1", params
    ).fetchall()
    return [r[0] for r in rows]


EVENTS = EventSource(
    match=AcledMatch,
    relation="acled_events",
    key="event_id_cnty",
    day="event_date",
    summary="coalesce(notes, '')",
    origin="coalesce(source, '')",
    kind="coalesce(event_type, '')",
    where=acled_sql,
)
"""ACLED's part in the mapping: rules under ``acled:``, matched in SQL."""


class AcledAdapter:
    """ACLED CSV exports (both layouts); events keyed by ``event_id_cnty``."""

    name = "acled"
    description = "ACLED CSV export (current 31-column layout or older data_id layout)"
    table = "acled_events"
    key = "event_id_cnty"
    events = EVENTS

    def sniff(self, path: Path, head: bytes) -> bool:
        """A CSV whose first line names ``event_id_cnty`` and ``event_date``."""
        first = head.split(b"\n", 1)[0].lower()
        return b"event_id_cnty" in first and b"event_date" in first

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        """Validate and store every record; see the module docstring for edits."""
        where = str(source.path)
        records = read_records(source.path)
        raw, header = header_record(records, where, "an ACLED CSV header")
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
            problem = malformed(rec, len(cols))
            if problem is not None or rec.fields is None:
                rejects.append((rec.line, printable(rec.raw), problem or "malformed CSV record"))
                continue
            try:
                row = parse_row(dict(zip(cols, rec.fields, strict=True)), layout, window)
            except ValueError as e:
                rejects.append((rec.line, printable(rec.raw), str(e)))
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
        plan = _plan_versions(parsed, _known_versions(con, ids))
        _write_versions(con, source, layout, plan)
        return plan.accepted, plan.duplicates


@dataclass
class _Known:
    """What the store holds of a batch's event ids (see :func:`_known_versions`)."""

    current: dict[str, tuple[str, int | None, int]]  # id -> (digest, timestamp, version)
    deleted_upto: dict[str, int]  # id -> its latest deletion's timestamp
    history: dict[str, set[str]]  # id -> digests of its versions since that deletion
    max_version: dict[str, int]  # id -> highest version number ever stored


@dataclass
class _Plan:
    """How a batch's rows change the store (see :func:`_plan_versions`)."""

    accepted: int
    duplicates: int
    to_history: list[tuple[str, int, str, int | None, str]]  # rows from the file
    move_current: list[str]  # ids whose current row moves into history
    new_rows: dict[str, tuple[int, dict[str, object], str, int]]  # (line, row, digest, ver.)


def _known_versions(con: duckdb.DuckDBPyConnection, ids: list[str]) -> _Known:
    """The current row, latest deletion, history digests and highest version of ``ids``."""
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
    return _Known(current, deleted_upto, history, max_version)


def _plan_versions(parsed: list[tuple[int, dict[str, object], str]], known: _Known) -> _Plan:
    """Sort a batch's rows into duplicates, new current rows and late older snapshots.

    A row of a version ACLED deleted is a duplicate (storing it would resurrect a
    withdrawn event); a row whose content is current or in the history is a duplicate;
    a newer row replaces the current one (which moves into the history); an older
    snapshot arriving late goes into the history only.
    """
    current, deleted_upto = known.current, known.deleted_upto
    history, max_version = known.history, known.max_version
    accepted = duplicates = 0
    to_history: list[tuple[str, int, str, int | None, str]] = []  # from the file
    move_current: list[str] = []  # current rows to move into history
    new_rows: dict[str, tuple[int, dict[str, object], str, int]] = {}
    for line, row, digest in parsed:
        eid = str(row["event_id_cnty"])
        ts = opt_int(row["timestamp"])
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
        if ts is not None and cur_ts is not None and ts < opt_int(cur_ts):  # type: ignore[operator]
            # An older snapshot arriving late: keep it, but not as the current row.
            to_history.append((eid, version, digest, ts, _record_json(row)))
            max_version[eid] = version
            history.setdefault(eid, set()).add(digest)
            continue
        if eid in new_rows:
            prev = new_rows[eid]
            prev_ts = opt_int(prev[1]["timestamp"])
            to_history.append((eid, prev[3], prev[2], prev_ts, _record_json(prev[1])))
        else:
            move_current.append(eid)
        history.setdefault(eid, set()).add(cur_digest)
        max_version[eid] = max(max_version.get(eid, 0), cur_version)
        new_rows[eid] = (line, row, digest, version)
    return _Plan(accepted, duplicates, to_history, move_current, new_rows)


def _write_versions(
    con: duckdb.DuckDBPyConnection, source: SourceFile, layout: str, plan: _Plan
) -> None:
    """Move replaced rows into the history, add late snapshots to it, insert the new rows."""
    move_current, to_history, new_rows = plan.move_current, plan.to_history, plan.new_rows
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
    columns: dict[str, list[Any]] = {c: [r[1][c] for r in rows] for c in STORED}
    columns.update(
        layout=[layout] * len(rows),
        row_sha256=[r[2] for r in rows],
        version=[r[3] for r in rows],
        path=[str(source.path)] * len(rows),
        line=[r[0] for r in rows],
        file_sha256=[source.sha256] * len(rows),
    )
    bulk_insert(con, "acled_events", columns)


def _record_json(row: dict[str, object]) -> str:
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()},
        ensure_ascii=False,
    )


ADAPTER = register_adapter(AcledAdapter())

__all__ = [
    "ADAPTER",
    "CHUNK",
    "CURRENT_COLUMNS",
    "DELETIONS_ADAPTER",
    "DELETION_COLUMNS",
    "EVENTS",
    "INT32",
    "LEGACY_COLUMNS",
    "MAX_EPOCH",
    "TAXONOMY",
    "AcledAdapter",
    "AcledDeletionsAdapter",
    "AcledMatch",
    "acled_sql",
    "event_days",
    "parse_deletion",
    "parse_row",
]
