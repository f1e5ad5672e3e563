"""The registry of event-source adapters: the extension point for new data sources.

An adapter turns one file into rows of the store. The built-in ones (``acled``,
``gdelt``, ``text``) register exactly as a third party would, by calling
:func:`register_adapter` when their module is imported; third-party packages can also
declare an entry point in the group ``secondfront.evidence_adapters`` whose target is
a module that registers its adapter, and it is loaded on first use.

The contract of ``Adapter.ingest``: every physical row (line, or item of a feed) read
from the file is counted exactly once as accepted, rejected or duplicate; each
rejected row goes to ``quarantine`` (via :func:`quarantine`) with its line (and its
item index where a line can hold several), its raw text and the reason; a value is
checked against the column it is stored in before the insert, so that one bad value
quarantines its row and never fails a transaction of good ones; event days outside
:func:`event_date_window` are rejected; and whatever the adapter writes, it writes
inside transactions of the store, so a killed process leaves whole chunks or nothing.

An adapter that also provides ``events`` (an :class:`EventSource`) takes part in the
mapping: rules name it, and its events reach the weekly indicators, the timeline and
the week detail. :func:`source_names` lists such sources for an API to declare.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import duckdb

from secondfront.environment import env_value
from secondfront.errors import UsageError

BUILTIN_ADAPTERS: tuple[str, ...] = (
    "secondfront.evidence.acled",
    "secondfront.evidence.gdelt",
    "secondfront.evidence.text",
)
ENTRY_POINT_GROUP = "secondfront.evidence_adapters"

ENV_EVENT_DATES = "SECONDFRONT_EVENT_DATES"
EARLIEST_EVENT = dt.date(1900, 1, 1)
"""The first plausible event day by default: no source here reports earlier events."""
LATEST_AHEAD = dt.timedelta(days=365)
"""How far after today an event day may lie by default (a scheduled exercise, say)."""


def event_date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The plausible days of an event: ``(first, last)``, both included.

    By default 1900-01-01 to one year after today; ``$SECONDFRONT_EVENT_DATES`` set to
    ``FIRST..LAST`` (ISO dates, either side may be empty for the default) replaces it.
    An event dated outside the window is quarantined with its field named, so that no
    stored row can push the weekly layer (ISO weeks, week arithmetic) past the years
    it handles; the weekly functions clip to the same window.

    Raises:
        UsageError: a malformed setting, or one whose ends lie outside 1900..9998.
    """
    today = today or dt.date.today()
    first, last = EARLIEST_EVENT, today + LATEST_AHEAD
    setting = env_value(ENV_EVENT_DATES)
    if setting:
        lo, sep, hi = setting.partition("..")
        try:
            if not sep:
                raise ValueError
            first = dt.date.fromisoformat(lo.strip()) if lo.strip() else first
            last = dt.date.fromisoformat(hi.strip()) if hi.strip() else last
        except ValueError:
            raise UsageError(
                f"{ENV_EVENT_DATES}={setting!r} is not FIRST..LAST with ISO dates, "
                "e.g. 1900-01-01..2030-12-31"
            ) from None
        if not (dt.date(1900, 1, 1) <= first <= last <= dt.date(9998, 12, 31)):
            raise UsageError(
                f"{ENV_EVENT_DATES}={setting!r}: give FIRST <= LAST within 1900-01-01..9998-12-31"
            )
    return first, last


def implausible_date(day: dt.date, window: tuple[dt.date, dt.date] | None = None) -> str | None:
    """Why ``day`` cannot be an event's day (outside :func:`event_date_window`), or None."""
    first, last = window or event_date_window()
    if first <= day <= last:
        return None
    return (
        f"{day.isoformat()} is outside the plausible event dates "
        f"{first.isoformat()}..{last.isoformat()} (widen them with "
        f"{ENV_EVENT_DATES}=FIRST..LAST if the date is right)"
    )


Progress = Callable[[int], None]
"""Called with a number of bytes just processed, to advance a progress display."""


def background_priority() -> None:
    """Lower the calling thread's scheduling priority (Linux; elsewhere do nothing).

    For the passes an ingest runs in threads beside DuckDB (the file's digest, GDELT's
    line scan): they finish well within DuckDB's insert, so giving DuckDB's worker
    threads the cores first shortens the whole (measured on 2 cores, a million GDELT
    rows: the insert ~0.15 s sooner, the passes done about when it ends). Used as a
    ``ThreadPoolExecutor`` initializer; Linux schedules threads as tasks with their own
    nice value.
    """
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


@dataclass
class Counts:
    """What one ingest did with the rows of one file.

    Invariant (checked by :meth:`check`): ``read == accepted + rejected + duplicates``.
    An edited ACLED event that replaces an older version counts as accepted.
    """

    read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.read += other.read
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        return self

    def check(self, where: str) -> Counts:
        """Return self; raise AssertionError when the invariant fails (a bug, not user error)."""
        assert self.read == self.accepted + self.rejected + self.duplicates, (
            f"{where}: read {self.read} != accepted {self.accepted} + rejected "
            f"{self.rejected} + duplicates {self.duplicates}"
        )
        return self

    def as_json(self) -> dict[str, int]:
        """``{"read": n, "accepted": a, "rejected": r, "duplicates": d}``."""
        return {
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
        }


@dataclass(frozen=True)
class SourceFile:
    """One file being ingested.

    Attributes:
        path: the file as the user named it (shown in messages and stored as provenance).
        digest: hex sha256 of the file's bytes, or a future of it while it is being
            computed beside the adapter's work (read it through :attr:`sha256`).
        ingest_id: the row of ``ingests`` recording this run.
        size: bytes.
    """

    path: Path
    digest: str | Future[str]
    ingest_id: int
    size: int

    @property
    def sha256(self) -> str:
        """Hex digest of the file's bytes; identifies the file across paths.

        Hashing a large file takes as long as a good part of storing it, so the caller
        may compute it in a thread; an adapter that needs it early simply waits here,
        one that can do its reading first asks for it afterwards.
        """
        return self.digest if isinstance(self.digest, str) else self.digest.result()


class Adapter(Protocol):
    """What an event source provides."""

    name: str
    description: str
    table: str
    """The store table its events go to (for ``mapping`` and provenance queries)."""
    key: str
    """The column of ``table`` that identifies an event."""

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the file (its name and first bytes) looks like this format."""
        ...

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        """Read the file into the store; return the counts (see the module docstring)."""
        ...


Matches = Callable[..., list[tuple[str, str, dt.date]]]
"""``matches(con, match, rule, files, spec)``: the ``(file_sha256, ref, day)`` of each
stored event of ``files`` that satisfies the rule's ``match``, for a source that judges
its events in Python (news text) instead of by an SQL predicate."""


@dataclass(frozen=True)
class EventSource:
    """What the mapping needs from a source: its events in the store and their matching.

    An adapter that provides one (as its ``events`` attribute) takes part in mapping,
    indicators, the timeline and the week detail without any change to those modules:
    mapping rules name the adapter (``acled: {...}``) with conditions validated by
    ``match``; observations are made by ``where`` (an SQL predicate) or ``matches``.

    SQL here comes from the adapter's code, never from a file or a flag: a rule's
    values travel as parameters (``?``) returned by ``where``.

    Attributes:
        match: the pydantic schema of a rule's conditions on this source.
        relation: SQL relation of the stored events; has a ``file_sha256`` column.
        key: SQL expression of an event's id (cast to text where it is referenced).
        key_type: the SQL type ``key`` is stored as: the week detail compares in that
            type, so that a store of millions of GDELT rows is searched by its integer
            ids instead of casting every one to text.
        day: SQL expression of an event's day (a DATE).
        summary: SQL expression of an event's one-line summary ('' when none).
        origin: SQL expression of where it was reported (outlet, URL; '' when none).
        kind: SQL expression of the kind of event ('' when none).
        where: ``where(match) -> (sql, params)``: the predicate over ``relation``.
        matches: for a source matched in Python instead; see :data:`Matches`.
        tables: the store tables ``relation`` reads, when the adapter creates them itself
            (a third-party source, whose tables are not in the store's migrations): a
            store without them simply has no events of this source. Empty for the
            built-in sources, whose tables every store has.
        row_support: SQL of one row's support before the cap, for a source whose rows
            are pooled (GDELT: many machine-coded rows, each weak): such a source's
            observations weigh ``weight * min(cap, row_support)`` and its weekly status
            needs the bars of ``gdelt_aggregation``. None: each observation weighs the
            rule's weight, and a week's weights summing to 1 make it observed.
    """

    match: type[Any]
    relation: str
    key: str
    day: str
    key_type: str = "VARCHAR"
    summary: str = "''"
    origin: str = "''"
    kind: str = "''"
    where: Callable[[Any], tuple[str, list[object]]] | None = None
    matches: Matches | None = None
    row_support: str | None = None
    tables: tuple[str, ...] = ()


def like_pattern(pattern: str) -> str:
    """A ``*`` wildcard pattern as an SQL LIKE pattern with ``\\`` escapes (use with
    ``ESCAPE '\\'``): ``%`` and ``_`` in the pattern match themselves."""
    return pattern.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_").replace("*", "%")


def any_of(
    columns: Sequence[tuple[str, list[str]]], conds: list[str], params: list[object]
) -> None:
    """Add ``col IN (values)`` for each column with values (an empty list: any value)."""
    for col, values in columns:
        if values:
            conds.append(f"{col} IN (SELECT unnest(?))")
            params.append(values)


_ADAPTERS: dict[str, Adapter] = {}
_loaded = False


def register_adapter(adapter: Adapter, replace: bool = False) -> Adapter:
    """Make ``adapter`` available under ``adapter.name``.

    Raises:
        ValueError: when the name is taken and ``replace`` is false.
    """
    if adapter.name in _ADAPTERS and not replace and _ADAPTERS[adapter.name] is not adapter:
        raise ValueError(f"an adapter named {adapter.name!r} is already registered")
    _ADAPTERS[adapter.name] = adapter
    return adapter


def unregister_adapter(name: str) -> None:
    """Remove the adapter called ``name`` (a plug-in unloaded, a test cleaning up)."""
    _ADAPTERS.pop(name, None)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN_ADAPTERS:
        importlib.import_module(module)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        ep.load()


def adapters() -> dict[str, Adapter]:
    """Every registered adapter by name: built-ins first in ``BUILTIN_ADAPTERS`` order (so
    format detection does not depend on import order), then the others as registered."""
    _load()
    builtin = [m.rsplit(".", 1)[-1] for m in BUILTIN_ADAPTERS]
    order = {name: i for i, name in enumerate(builtin)}
    names = sorted(_ADAPTERS, key=lambda n: order.get(n, len(order)))
    return {n: _ADAPTERS[n] for n in names}


def event_sources() -> dict[str, EventSource]:
    """The registered adapters that take part in mapping, by name, in registry order."""
    found: dict[str, EventSource] = {}
    for name, adapter in adapters().items():
        events = getattr(adapter, "events", None)
        if isinstance(events, EventSource):
            found[name] = events
    return found


def present_sources(con: duckdb.DuckDBPyConnection) -> dict[str, EventSource]:
    """:func:`event_sources` whose tables exist in this store (see ``EventSource.tables``)."""
    sources = event_sources()
    wanted = {t for s in sources.values() for t in s.tables}
    if not wanted:
        return sources
    have = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name IN (SELECT unnest(?))",
            [sorted(wanted)],
        ).fetchall()
    }
    return {n: s for n, s in sources.items() if set(s.tables) <= have}


def source_names() -> tuple[str, ...]:
    """Names of the sources rules can name (``acled``, ``gdelt``, ``text``, and any
    registered third-party source): what an API declares as its source values."""
    return tuple(event_sources())


def get_adapter(name: str) -> Adapter:
    """The adapter called ``name``; a one-line UsageError listing the known ones."""
    found = adapters()
    if name not in found:
        raise UsageError(f"unknown format {name!r}; known formats: {', '.join(found)}")
    return found[name]


def detect_format(path: Path) -> str:
    """The name of the first adapter whose ``sniff`` accepts the file.

    Raises:
        UsageError: when none does; the message says how to name the format.
    """
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    for name, adapter in adapters().items():
        if adapter.sniff(path, head):
            return name
    raise UsageError(
        f"{path}: cannot tell the format from its name or first bytes; "
        f"give --format ({'|'.join(adapters())})"
    )


class Reject(NamedTuple):
    """One rejected record or item, as kept in ``quarantine``.

    Attributes:
        line: 1-based line where it starts in its file.
        raw: its source text (cut to ``RAW_LIMIT`` characters, with a note saying so).
        reason: why it was rejected, naming the field.
        item: its 1-based ordinal among the file's items where a line can hold several
            (a feed's items); 0 where the line alone identifies it (CSV, TSV).
    """

    line: int
    raw: str
    reason: str
    item: int = 0


RAW_LIMIT = 1 << 16
"""Characters of a rejected record kept in quarantine; the file keeps the rest."""


def clip_raw(raw: str, limit: int = RAW_LIMIT) -> str:
    """``raw``, or its first ``limit`` characters and a note of how many were cut."""
    if len(raw) <= limit:
        return raw
    return f"{raw[:limit]}... [{len(raw) - limit} more characters not kept]"


def quarantine(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    fmt: str,
    rejects: Sequence[tuple[int, str, str] | tuple[int, str, str, int]],
) -> None:
    """Keep rejected rows: ``(line, raw, reason)`` or ``(line, raw, reason, item)`` each.

    Re-ingesting a file does not duplicate its quarantine entries: they are keyed by the
    file's digest, the line and the item (see :class:`Reject`; 0 when not given), so two
    rejects of one file never share a key unless they are the same record.
    """
    if not rejects:
        return
    rows = [Reject(*r) for r in rejects]
    keys = [(r.line, r.item) for r in rows]
    if len(set(keys)) != len(keys):
        raise AssertionError(f"{source.path}: two rejects share a line and item: {keys}")
    con.execute(
        """
        INSERT INTO quarantine (file_sha256, path, line, item, format, raw, reason, ingest_id)
        SELECT $1, $2, r.line, r.item, $3, r.raw, r.reason, $4
        FROM (SELECT unnest($5) AS line, unnest($6) AS item, unnest($7) AS raw,
                     unnest($8) AS reason) r
        WHERE NOT EXISTS (
            SELECT 1 FROM quarantine q
            WHERE q.file_sha256 = $1 AND q.line = r.line AND q.item = r.item)
        """,
        [
            source.sha256,
            str(source.path),
            fmt,
            source.ingest_id,
            [r.line for r in rows],
            [r.item for r in rows],
            [clip_raw(r.raw) for r in rows],
            [r.reason for r in rows],
        ],
    )


__all__ = [
    "BUILTIN_ADAPTERS",
    "EARLIEST_EVENT",
    "ENTRY_POINT_GROUP",
    "ENV_EVENT_DATES",
    "LATEST_AHEAD",
    "RAW_LIMIT",
    "Adapter",
    "Counts",
    "EventSource",
    "Matches",
    "Progress",
    "Reject",
    "SourceFile",
    "adapters",
    "any_of",
    "background_priority",
    "clip_raw",
    "detect_format",
    "event_date_window",
    "event_sources",
    "get_adapter",
    "implausible_date",
    "like_pattern",
    "present_sources",
    "quarantine",
    "register_adapter",
    "source_names",
    "unregister_adapter",
]
