"""The evidence store: one embedded DuckDB file with versioned schema migrations.

Where the store lives: ``--db PATH``, else the ``SECONDFRONT_DB`` environment
variable, else ``./secondfront.duckdb``.

Schema history (each step is one entry of ``MIGRATIONS``, applied in order inside one
transaction and recorded in ``schema_version``; a store written by a newer version of
this package is refused rather than guessed at):

1. ingest bookkeeping (``ingests``), the ``quarantine`` of rejected rows, the event
   tables of the built-in sources (``acled_events`` with ``acled_history`` for edited
   events, ``gdelt_events``, ``text_items``).
2. ``observations``: events mapped to indicators by the mapping rules;
   ``mapped_files`` records which ingested files have been mapped and
   ``mapping_state`` the digest of the rules used, so a changed rule file triggers a
   full re-map and a file whose mapping was interrupted is mapped on the next run.
3. ``gdelt_files``: the per-file facts of GDELT files (``file_sha256``, ``path``,
   ``gdelt_version``, the ingest that stored them) move out of ``gdelt_events``, which
   keeps a ``file_id`` and only the columns the store uses (listed in ``gdelt.py``).
   Existing stores are migrated: one ``gdelt_files`` row per stored file, every event
   kept with its line. ``ingests.file_sha256`` may be NULL: a run's digest is computed
   beside its work and recorded when the file is done (a killed run has none).
4. ACLED deletions: ``acled_deletions`` records each deletion read from an ACLED
   deletions list (id, ``deleted_timestamp`` and the same instant as ``deleted_at``,
   what it did, and its file, line and digest); ``acled_history`` gains ``deleted_at``
   and ``deleted_by_sha256``, set on a version that a deletion removed and NULL on one
   that an edit replaced. Existing stores keep every row; their history rows get NULLs.
5. ``gdelt_lines``: where each event sits in its GDELT file, ``(file_id, line,
   globaleventid)`` for every line of a stored file that holds a valid event, a
   duplicate's included (it says where else an event was reported). The ``line`` column
   leaves ``gdelt_events``: the fast path stores rows in no particular order and writes
   this index from its own pass over the bytes, in the same transaction, instead of
   updating a million stored rows (which cost ~0.14 s per million in write-ahead log
   and checkpoint). Existing stores are migrated with the line of every stored event.
6. ``quarantine`` is keyed by ``(file_sha256, line, item)``: ``item`` is the rejected
   record's ordinal among the file's items (a feed's ``<item>`` or ``<entry>``, 1-based),
   or 0 for line-based formats (CSV, TSV), whose line alone tells the records apart. A
   minified feed holds several items on one line, and items that cannot be located (in
   CDATA) all fall back to line 1; keyed by line alone, two rejects of one file
   collided and failed the whole file. Existing rows keep their line with ``item`` 0.
7. News items without a URL are identified by their content alone, no longer by the
   path of their file (a copy of the file elsewhere was stored again): the stored
   items whose ``url`` is a ``file://`` path get the new key, sha256 of
   ``"\0" + title + "\0" + body``. Where copies were stored under several paths, the
   first keeps the new key and the others stay, unchanged, as they were stored. The
   text observations are dropped, to be mapped again with the new keys.

Tables of event sources carry the provenance of each row (ACLED and text: ``path``,
``line``, ``file_sha256``; GDELT: ``file_id``, whose ``gdelt_files`` row holds the
path and digest, and whose ``gdelt_lines`` rows the line). No event row is ever lost:
an edited ACLED event moves its previous version to ``acled_history``, and so does one
that ACLED's deletions list names (marked with ``deleted_at``); only that event's
indicator observations go.

Concurrency: DuckDB lets one process write a file at a time; a second writer gets a
``StoreError`` naming the file, not a hang.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from secondfront.environment import env_value
from secondfront.errors import StoreError

DEFAULT_DB = "secondfront.duckdb"
ENV_DB = "SECONDFRONT_DB"


@dataclass(frozen=True)
class Migration:
    """One schema step.

    Attributes:
        version: the schema version after this step (1, 2, ...).
        description: what the step adds, in one line.
        sql: statements run in one transaction.
    """

    version: int
    description: str
    sql: str


_V1 = """
CREATE TABLE ingests (
    ingest_id    BIGINT PRIMARY KEY,
    path         VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    format       VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    n_read       BIGINT,
    n_accepted   BIGINT,
    n_rejected   BIGINT,
    n_duplicates BIGINT
);
CREATE SEQUENCE ingest_ids START 1;
CREATE TABLE quarantine (
    file_sha256 VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    line        BIGINT NOT NULL,
    format      VARCHAR NOT NULL,
    raw         VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    ingest_id   BIGINT NOT NULL,
    PRIMARY KEY (file_sha256, line)
);
CREATE TABLE acled_events (
    event_id_cnty VARCHAR PRIMARY KEY,
    data_id VARCHAR, event_date DATE NOT NULL, year INTEGER, time_precision INTEGER,
    disorder_type VARCHAR, event_type VARCHAR NOT NULL, sub_event_type VARCHAR,
    actor1 VARCHAR, assoc_actor_1 VARCHAR, inter1 VARCHAR,
    actor2 VARCHAR, assoc_actor_2 VARCHAR, inter2 VARCHAR, interaction VARCHAR,
    civilian_targeting VARCHAR, iso VARCHAR, region VARCHAR, country VARCHAR NOT NULL,
    admin1 VARCHAR, admin2 VARCHAR, admin3 VARCHAR, location VARCHAR,
    latitude DOUBLE, longitude DOUBLE, geo_precision INTEGER,
    source VARCHAR, source_scale VARCHAR, notes VARCHAR, fatalities INTEGER,
    tags VARCHAR, "timestamp" BIGINT,
    layout VARCHAR NOT NULL, row_sha256 VARCHAR NOT NULL, version INTEGER NOT NULL,
    path VARCHAR NOT NULL, line BIGINT NOT NULL, file_sha256 VARCHAR NOT NULL
);
CREATE TABLE acled_history (
    event_id_cnty VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    row_sha256 VARCHAR NOT NULL,
    "timestamp" BIGINT,
    record VARCHAR NOT NULL,
    replaced_by_ingest BIGINT NOT NULL,
    PRIMARY KEY (event_id_cnty, version)
);
CREATE TABLE gdelt_events (
    globaleventid BIGINT NOT NULL,
    sqldate DATE NOT NULL,
    actor1code VARCHAR, actor1name VARCHAR, actor1countrycode VARCHAR, actor1type1code VARCHAR,
    actor2code VARCHAR, actor2name VARCHAR, actor2countrycode VARCHAR, actor2type1code VARCHAR,
    isrootevent INTEGER, eventcode VARCHAR NOT NULL, eventbasecode VARCHAR,
    eventrootcode VARCHAR, quadclass INTEGER, goldsteinscale DOUBLE,
    nummentions INTEGER, numsources INTEGER, numarticles INTEGER, avgtone DOUBLE,
    actor1geo_countrycode VARCHAR, actor2geo_countrycode VARCHAR,
    actiongeo_type INTEGER, actiongeo_fullname VARCHAR, actiongeo_countrycode VARCHAR,
    actiongeo_adm1code VARCHAR, actiongeo_lat DOUBLE, actiongeo_long DOUBLE,
    dateadded VARCHAR, sourceurl VARCHAR,
    gdelt_version VARCHAR NOT NULL,
    path VARCHAR NOT NULL, line BIGINT NOT NULL, file_sha256 VARCHAR NOT NULL
);
CREATE TABLE text_items (
    item_sha256 VARCHAR PRIMARY KEY,
    url VARCHAR NOT NULL,
    published DATE NOT NULL,
    language VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    title VARCHAR,
    body VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    path VARCHAR NOT NULL, line BIGINT NOT NULL, file_sha256 VARCHAR NOT NULL
);
"""

_V2 = """
CREATE TABLE observations (
    file_sha256 VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    ref        VARCHAR NOT NULL,
    rule       VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL,
    day        DATE NOT NULL,
    weight     DOUBLE NOT NULL,
    grading    VARCHAR NOT NULL
);
CREATE TABLE mapping_state (
    rules_sha256 VARCHAR NOT NULL
);
CREATE TABLE mapped_files (
    file_sha256 VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    PRIMARY KEY (file_sha256, source)
);
"""

# GDELT rows are many (a million per benchmark file) and their per-file facts were
# repeated on each of them; writing fewer, narrower columns is most of an ingest's cost.
# DuckDB cannot drop columns of a table that others depend on cheaply in place, so the
# events are copied into the new layout (file order kept) and the old table dropped.
_V3 = """
ALTER TABLE ingests ALTER COLUMN file_sha256 DROP NOT NULL;
CREATE SEQUENCE gdelt_file_ids START 1;
CREATE TABLE gdelt_files (
    file_id       INTEGER PRIMARY KEY,
    file_sha256   VARCHAR NOT NULL UNIQUE,
    path          VARCHAR NOT NULL,
    gdelt_version VARCHAR NOT NULL,
    ingest_id     BIGINT
);
INSERT INTO gdelt_files (file_id, file_sha256, path, gdelt_version, ingest_id)
SELECT nextval('gdelt_file_ids'), e.file_sha256, e.path, e.gdelt_version, i.ingest_id
FROM (
    SELECT file_sha256, min(path) AS path, min(gdelt_version) AS gdelt_version,
           min(rowid) AS first_row
    FROM gdelt_events GROUP BY file_sha256
) e
LEFT JOIN (
    SELECT file_sha256, min(ingest_id) AS ingest_id FROM ingests
    WHERE format = 'gdelt' GROUP BY file_sha256
) i USING (file_sha256)
ORDER BY e.first_row;
CREATE TABLE gdelt_events_v3 (
    globaleventid BIGINT NOT NULL,
    sqldate DATE NOT NULL,
    actor1code VARCHAR, actor1name VARCHAR, actor1countrycode VARCHAR,
    actor2code VARCHAR, actor2name VARCHAR, actor2countrycode VARCHAR,
    eventcode VARCHAR NOT NULL, quadclass INTEGER, goldsteinscale DOUBLE,
    nummentions INTEGER, numsources INTEGER, numarticles INTEGER, avgtone DOUBLE,
    actiongeo_countrycode VARCHAR, actiongeo_adm1code VARCHAR, sourceurl VARCHAR,
    file_id INTEGER NOT NULL, line BIGINT NOT NULL
);
INSERT INTO gdelt_events_v3
SELECT e.globaleventid, e.sqldate, e.actor1code, e.actor1name, e.actor1countrycode,
       e.actor2code, e.actor2name, e.actor2countrycode, e.eventcode, e.quadclass,
       e.goldsteinscale, e.nummentions, e.numsources, e.numarticles, e.avgtone,
       e.actiongeo_countrycode, e.actiongeo_adm1code, e.sourceurl, f.file_id, e.line
FROM gdelt_events e JOIN gdelt_files f USING (file_sha256)
ORDER BY f.file_id, e.line;
DROP TABLE gdelt_events;
ALTER TABLE gdelt_events_v3 RENAME TO gdelt_events;
"""

# ACLED publishes deletions as (event_id_cnty, deleted_timestamp) lists. A deletion is kept
# even when nothing stored matched it, since it must stop a later import of an export
# that still carries the event; it is keyed by id and timestamp because an event can be
# re-published after a deletion and deleted again. ``outcome`` says what it did when
# read: 'removed' (the current row moved to acled_history), 'kept-newer' (the stored
# version is newer than the deletion and stays) or 'not-stored' (no current row).
# ADD COLUMN leaves the rows of acled_history as they are, with NULLs in the new columns.
_V4 = """
CREATE TABLE acled_deletions (
    event_id_cnty     VARCHAR NOT NULL,
    deleted_timestamp BIGINT NOT NULL,
    deleted_at        TIMESTAMP NOT NULL,
    outcome           VARCHAR NOT NULL,
    path              VARCHAR NOT NULL,
    line              BIGINT NOT NULL,
    file_sha256       VARCHAR NOT NULL,
    ingest_id         BIGINT NOT NULL,
    PRIMARY KEY (event_id_cnty, deleted_timestamp)
);
ALTER TABLE acled_history ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE acled_history ADD COLUMN deleted_by_sha256 VARCHAR;
"""

_V5 = """
CREATE TABLE gdelt_lines (
    file_id       INTEGER NOT NULL,
    line          BIGINT NOT NULL,
    globaleventid BIGINT NOT NULL
);
INSERT INTO gdelt_lines SELECT file_id, line, globaleventid FROM gdelt_events;
ALTER TABLE gdelt_events DROP COLUMN line;
"""

# DuckDB cannot change a primary key in place: the rows move to a new table.
_V6 = """
CREATE TABLE quarantine_v6 (
    file_sha256 VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    line        BIGINT NOT NULL,
    item        BIGINT NOT NULL DEFAULT 0,
    format      VARCHAR NOT NULL,
    raw         VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    ingest_id   BIGINT NOT NULL,
    PRIMARY KEY (file_sha256, line, item)
);
INSERT INTO quarantine_v6 (file_sha256, path, line, item, format, raw, reason, ingest_id)
SELECT file_sha256, path, line, 0, format, raw, reason, ingest_id FROM quarantine
ORDER BY rowid;
DROP TABLE quarantine;
ALTER TABLE quarantine_v6 RENAME TO quarantine;
"""

_V7 = """
UPDATE text_items SET item_sha256 = sha256(chr(0) || coalesce(title, '') || chr(0) || body)
WHERE rowid IN (
    SELECT rowid FROM (
        SELECT rowid, row_number() OVER (
            PARTITION BY sha256(chr(0) || coalesce(title, '') || chr(0) || body)
            ORDER BY rowid) AS n
        FROM text_items WHERE url LIKE 'file://%'
    ) WHERE n = 1
);
DELETE FROM observations WHERE source = 'text';
DELETE FROM mapped_files WHERE source = 'text';
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "ingest bookkeeping, quarantine and the built-in event tables", _V1),
    Migration(2, "observations: events mapped to indicators", _V2),
    Migration(3, "gdelt_files: per-file facts out of gdelt_events, which keeps fewer columns", _V3),
    Migration(4, "acled_deletions, and deleted_at/deleted_by_sha256 on acled_history", _V4),
    Migration(5, "gdelt_lines: the line of each event in its file, out of gdelt_events", _V5),
    Migration(6, "quarantine keyed by file, line and item: several rejects per line", _V6),
    Migration(7, "news items without a URL keyed by content, not by their file's path", _V7),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def default_db_path() -> Path:
    """``$SECONDFRONT_DB`` when set, else ``./secondfront.duckdb``."""
    return Path(env_value(ENV_DB) or DEFAULT_DB)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version (0 for an empty file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(
    con: duckdb.DuckDBPyConnection,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    target: int | None = None,
    where: str = "store",
) -> int:
    """Apply the pending migrations up to ``target`` (default: all); returns the version.

    Raises:
        StoreError: when the store is newer than this code knows.
    """
    current = schema_version(con)
    known = migrations[-1].version
    if current > known:
        raise StoreError(
            f"{where}: schema version {current} is newer than this secondfront "
            f"(knows up to {known}); upgrade secondfront or use another --db"
        )
    target = known if target is None else target
    if current == 0:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "description VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
    for m in migrations:
        if current < m.version <= target:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(m.sql)
                con.execute(
                    "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                    [m.version, m.description],
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            current = m.version
    return current


# A DuckDB database file starts with an 8-byte checksum and then this magic number.
_MAGIC_AT = 8
_MAGIC = b"DUCK"
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Never fetch or load extensions behind the user's back: a file DuckDB takes for another
# database kind (SQLite, Postgres dump) would otherwise make it download a reader from
# the internet.
_SAFE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def _refuse_foreign(db: Path) -> None:
    """Raise a StoreError when ``db`` exists, is not empty and is not a DuckDB file."""
    try:
        with db.open("rb") as fh:
            head = fh.read(_MAGIC_AT + len(_MAGIC))
    except FileNotFoundError:
        return
    except OSError as e:
        raise StoreError(f"{db}: cannot read the store: {e.strerror or e}") from None
    if not head or head[_MAGIC_AT:] == _MAGIC:
        return
    what = (
        "an SQLite database"
        if head.startswith(_SQLITE_MAGIC[: len(head)])
        else "its first bytes are not those of a DuckDB file"
    )
    raise StoreError(
        f"{db}: not a secondfront store ({what}); give --db a DuckDB file written by "
        "secondfront ingest, or a path where none exists yet"
    )


def connect(
    path: str | os.PathLike[str] | None = None,
    read_only: bool = False,
    memory_limit: str | None = None,
    create: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store and bring its schema up to date.

    Args:
        path: the DuckDB file; ``None`` means ``default_db_path()``.
        read_only: open without write access (no migration; the file must exist).
        memory_limit: DuckDB memory limit such as ``"2GB"``; beyond it DuckDB spills to a
            temporary directory beside the store, which is what keeps a 1 GB ingest from
            needing 1 GB of memory.
        create: make a new store when none exists. Commands that only read pass
            ``False``, so a mistyped ``--db`` is an error instead of an empty new store
            answering with empty tables.

    Raises:
        StoreError: no store at the path (with ``create`` or ``read_only``), a file that
            is not a DuckDB store, one locked by another writer, damaged, or newer than
            this code.
    """
    db = Path(path) if path is not None else default_db_path()
    memory = str(db) == ":memory:"
    if (read_only or not create) and not memory and not db.exists():
        raise StoreError(
            f"{db}: no store here; check --db, or ingest something first "
            f"(secondfront ingest FILE --db {db})"
        )
    if not memory:
        _refuse_foreign(db)
    config = dict(_SAFE_CONFIG)
    if memory_limit:
        config["memory_limit"] = memory_limit
    if not read_only and not memory:
        # Spill files go beside the store (DuckDB creates the folder only when needed).
        # Given as configuration, never formatted into SQL: a folder may be called O'Brien.
        config["temp_directory"] = str(db.parent.resolve() / (db.name + ".tmp"))
    try:
        con = duckdb.connect(str(db), read_only=read_only, config=config)
    except duckdb.Error as e:
        raise StoreError(f"{db}: cannot open the store: {first_line(e)}") from None
    try:
        # DuckDB's own console progress bar would interleave with ours.
        con.execute("SET enable_progress_bar = false")
        if not read_only:
            migrate(con, where=str(db))
        elif schema_version(con) != SCHEMA_VERSION:
            raise StoreError(
                f"{db}: schema version {schema_version(con)}, expected {SCHEMA_VERSION}; "
                "open it once for writing (e.g. secondfront ingest) to migrate it"
            )
    except duckdb.Error as e:
        con.close()
        raise StoreError(f"{db}: the store is damaged: {first_line(e)}") from None
    except BaseException:
        con.close()
        raise
    return con


def first_line(e: BaseException) -> str:
    """The first line of an exception's message (DuckDB's add context on later lines)."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def store_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file behind a connection (``:memory:`` for an in-memory store)."""
    try:
        row = con.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
    except duckdb.Error:
        return "store"
    return str(row[0]) if row and row[0] else ":memory:"


@contextmanager
def store_errors(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Turn a database failure inside the block into a one-line ``StoreError``.

    What reaches here is the store's, not the input's: a full disk, a damaged or
    truncated file, an I/O error. Each write runs in a transaction that is rolled
    back, so the store keeps what was committed before.
    """
    try:
        yield
    except duckdb.Error as e:
        where = store_path(con)
        raise StoreError(
            f"{where}: store error, nothing of the current file was kept: {first_line(e)}"
        ) from None
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise StoreError(
                f"{e.filename or 'temporary file'}: no space left: {e.strerror}; free some "
                "space (or point TMPDIR elsewhere) and run again"
            ) from None
        raise


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``BEGIN`` ... ``COMMIT``, or ``ROLLBACK`` on any exception.

    A process killed inside the block leaves nothing of it behind: DuckDB replays only
    committed transactions from its write-ahead log when the file is next opened.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        # A failed rollback (a connection the failure invalidated) must not hide the
        # failure itself; DuckDB discards the uncommitted work either way.
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def bulk_insert(
    con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, Sequence[object]]
) -> None:
    """Insert columns of Python values in one statement (lists travel as DuckDB lists).

    Row-by-row ``executemany`` costs a round trip per row; passing each column as one
    list parameter and unnesting them costs one.
    """
    if not columns:
        return
    names = list(columns)
    n = {len(v) for v in columns.values()}
    assert len(n) == 1, f"columns of unequal length: {n}"
    if not n.pop():
        return
    cols = ", ".join(ident(c) for c in names)
    unnests = ", ".join(f"unnest(${i + 1})" for i in range(len(names)))
    con.execute(
        f"INSERT INTO {ident(table)} ({cols}) SELECT {unnests}", [columns[c] for c in names]
    )


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ident(name: str) -> str:
    """A table or column name quoted for SQL; refuses anything but a plain identifier.

    Names come from the code (adapters, migrations), never from a file or a flag; the
    check makes sure no value can ever be formatted into SQL through this door.

    Raises:
        ValueError: a name that is not letters, digits and underscores.
    """
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain SQL identifier")
    return f'"{name}"'


__all__ = [
    "DEFAULT_DB",
    "ENV_DB",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Migration",
    "bulk_insert",
    "connect",
    "default_db_path",
    "first_line",
    "ident",
    "migrate",
    "schema_version",
    "store_errors",
    "store_path",
    "transaction",
]
