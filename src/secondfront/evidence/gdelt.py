"""GDELT event files: 1.0 daily (57 or 58 columns) and 2.0 (61 columns), plain or zipped.

The files are tab-separated with no header and no quoting. The version is told from
the number of fields: 61 is 2.0 (``*.export.CSV``), 58 is a 1.0 daily file, 57 a 1.0
historical backfile (no ``SOURCEURL``). Codes stay strings: CAMEO event codes carry
leading zeros (``010`` is not ``10``), and the two code systems stay apart: actor
country codes are CAMEO/ISO-3 (``BLR``, ``RUS``, ``UKR``), geography country codes are
FIPS 10-4 (``BO``, ``RS``, ``UP``).

How a file is read (streaming; a 1 GB file is never held in Python memory):

1. A ``.zip`` is unpacked in 4 MiB blocks to a temporary file; a plain file is read
   once in blocks, in a thread beside DuckDB's work. Either pass counts the lines,
   checks the bytes are UTF-8, and reads the GLOBALEVENTID at the start of every line.
   Unpacking is bounded (expanded size, ratio, free temporary space) and a damaged or
   truncated archive is a located error: see :mod:`~secondfront.evidence.gdeltfile`.
2. The fast path, for a file with no bad rows and no repeated id: one parallel
   ``INSERT ... SELECT`` from DuckDB's CSV reader with one typed column per field (the
   reader parses the numbers and dates; strict mode refuses a line with another number
   of fields or text that does not parse), filtered by the same checks as below, with
   no order kept. Where each event sits is written from the line scan's ids to
   ``gdelt_lines`` (each id names one line); ids already stored by earlier files are
   removed again as duplicates. If the reader refuses the file, a row fails a check,
   the row count differs from the line count (an empty line), or an id repeats, the
   transaction is rolled back and step 3 runs.
3. The general path: DuckDB's CSV reader scans the file as one text column per line,
   numbering lines in file order (DuckDB spills to disk beyond its memory limit). When
   that reader refuses the file (bytes that are not UTF-8, a line over its size limit,
   mixed line endings), or returns a number of rows other than the file's number of
   lines, a Python line reader stages it instead, line by line, keeping the
   undecodable lines as rejects: slower, never lossy. Lines are split on tabs and
   type-checked in the same pipeline (one pass), and the file is stored in one
   transaction: bad rows to quarantine (first failing field named), new events to
   ``gdelt_events``, ids already stored (or repeated earlier in the file) counted as
   duplicates.

Either way a process killed while the rows are written leaves none of them (one
transaction), and the rerun stores all of them. The progress callback follows DuckDB's
own progress through the long statements, so a bar moves while the file is read.

What is stored, and why (``gdelt_events``, schema version 5). Every stored column costs
time on every row (measured on a million rows: storing the 34 columns of schema 2 took
~2.8 CPU-s beyond reading and checking the file, these 20 take ~1.3), so each event
keeps only what the store's readers use or an analyst filters by, and what is stored is
what is validated, plus every line's field count (57, 58 or 61). A GLOBALEVENTID must
be a positive integer and a SQLDATE a day within the plausible event dates
(:func:`~secondfront.evidence.registry.event_date_window`); a line over
``gdeltfile.MAX_LINE`` bytes is one reject:

* ``globaleventid``: the event's key; a re-ingest counts stored ids as duplicates.
* ``sqldate``: the day the mapping's observations and the timeline's weeks fall on.
* ``actor1code``/``actor2code`` and ``actor1countrycode``/``actor2countrycode``: the
  mapping's actor conditions (CAMEO/ISO codes), and the codes an analyst filters on;
  ``actor1name``/``actor2name``: the workbench's one-line summary of an event.
* ``eventcode``: CAMEO code as text with its leading zeros, for the mapping's prefixes
  and the workbench.
* ``quadclass``, ``goldsteinscale``, ``nummentions``, ``avgtone``: the event's class,
  intensity and coverage, small numbers an analyst ranks and filters rows by;
  ``numsources``/``numarticles``: the weight of a row in the weekly aggregation.
* ``actiongeo_countrycode``/``actiongeo_adm1code``: where it happened (FIPS), for the
  mapping's geography conditions and a finer regional filter.
* ``sourceurl``: the article, shown by the workbench (empty in 1.0 backfiles).
* ``file_id``: provenance; ``gdelt_files`` holds the file's path, digest and GDELT
  version once instead of on every row, and ``gdelt_lines`` each event's line (schema
  version 5: the line of every valid line of the file, duplicates' included).

Not stored: ``MonthYear``, ``Year``, ``FractionDate`` (restatements of ``SQLDATE``);
``EventBaseCode`` and ``EventRootCode`` (prefixes of ``EventCode``); ``IsRootEvent``; the
actors' known-group, ethnic, religion and type codes and both actors' geography (no
rule reads them: rules judge actors by country and places by the action's geography);
the action's geography type, full name, ADM2, coordinates and feature id; ``DATEADDED``.
These are neither checked nor kept: the raw file remains the full record of every
event, and a rejected row keeps its whole raw line in ``quarantine``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import numpy as np
from pydantic import Field, field_validator

from secondfront.evidence.gdeltfile import (
    COLUMNS_1,
    COLUMNS_1_BACKFILE,
    COLUMNS_2,
    LAYOUTS,
    Shape,
    field_count,
    plain_file,
    stage_slow,
)
from secondfront.evidence.registry import (
    ENV_EVENT_DATES,
    RAW_LIMIT,
    Counts,
    EventSource,
    Progress,
    SourceFile,
    any_of,
    event_date_window,
    register_adapter,
)
from secondfront.evidence.store import transaction
from secondfront.model.schema import StrictModel

# The stored fields (see the module docstring for why these): (stored column, GDELT
# field, SQL type, check). The check is "required", "count" (an integer >= 0), "in:a, b"
# (one of the values), "code" (CAMEO digits), or None (any text, or empty, as long as it
# casts). Fields not listed are not checked: only their number per line is.
_FIELDS: tuple[tuple[str, str, str, str | None], ...] = (
    ("globaleventid", "GLOBALEVENTID", "BIGINT", "required"),
    ("sqldate", "SQLDATE", "DATE", None),
    ("actor1code", "Actor1Code", "VARCHAR", None),
    ("actor1name", "Actor1Name", "VARCHAR", None),
    ("actor1countrycode", "Actor1CountryCode", "VARCHAR", None),
    ("actor2code", "Actor2Code", "VARCHAR", None),
    ("actor2name", "Actor2Name", "VARCHAR", None),
    ("actor2countrycode", "Actor2CountryCode", "VARCHAR", None),
    ("eventcode", "EventCode", "VARCHAR", "code"),
    ("quadclass", "QuadClass", "INTEGER", "in:1, 2, 3, 4"),
    ("goldsteinscale", "GoldsteinScale", "DOUBLE", None),
    ("nummentions", "NumMentions", "INTEGER", "count"),
    ("numsources", "NumSources", "INTEGER", "count"),
    ("numarticles", "NumArticles", "INTEGER", "count"),
    ("avgtone", "AvgTone", "DOUBLE", None),
    ("actiongeo_countrycode", "ActionGeo_CountryCode", "VARCHAR", None),
    ("actiongeo_adm1code", "ActionGeo_ADM1Code", "VARCHAR", None),
    ("sourceurl", "SOURCEURL", "VARCHAR", None),
)
STORED_COLUMNS: tuple[str, ...] = tuple(c for c, *_ in _FIELDS)
"""The columns of ``gdelt_events`` taken from the file (besides ``file_id``)."""


def _sql_literal(s: str) -> str:
    """A constant of this module as an SQL string literal (never a value from a file,
    a path or a flag: those travel as parameters, see :func:`_bind`)."""
    return "'" + s.replace("'", "''") + "'"


def _bind(sql: str, values: dict[str, object]) -> dict[str, object]:
    """The named parameters (``$name``) that ``sql`` uses, from ``values``.

    Paths and the plausible-date window reach the SQL only as parameters; DuckDB refuses
    a parameter the statement does not use, so each statement gets exactly its own.
    """
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _window(col: str) -> str:
    """SQL that is true when date ``col`` is outside the plausible event dates."""
    return f"{col} NOT BETWEEN $first_day AND $last_day"


_EXPECT = {
    "BIGINT": "an integer",
    "INTEGER": "an integer",
    "DOUBLE": "a number",
    "DATE": "a date written YYYYMMDD",
    "VARCHAR": "valid",
    "GLOBALEVENTID": "a positive integer id",
    "EventCode": "a CAMEO code of 2 to 4 digits (kept as text: leading zeros matter)",
    "QuadClass": "1, 2, 3 or 4",
    "NumMentions": "a count",
    "NumSources": "a count",
    "NumArticles": "a count",
}


def _q(v: str) -> str:
    """SQL for the value of expression ``v`` in single quotes, or 'missing'."""
    return f"coalesce('''' || {v} || '''', 'missing')"


def _field_check(col: str, typ: str, pattern: str | None, t: str, cast_failed: str) -> str:
    """SQL that is true when field ``col`` fails its check ("" when it has none).

    Shared by both readers so they judge a row alike: ``t`` is the field's text ('' when
    empty), ``col`` its typed value, ``cast_failed`` the SQL for "text that did not cast"
    (``""``: no check, where the reader itself refuses such text). Digit checks are
    ``regexp_full_match`` on an ASCII class: measured on a million rows, about a third of
    the cost of ``ltrim(v, digits) = ''`` and a tenth of an anchored ``regexp_matches``;
    a cast to an integer would be cheaper still but accepts signs, spaces and ``_``.
    """
    if typ == "DATE":
        return f"{col} IS NULL"
    if typ == "VARCHAR":
        if pattern == "code":
            return f"NOT regexp_full_match({t}, '[0-9]{{2,4}}')"
        return ""
    if pattern == "required":
        return f"({col} IS NULL OR {col} <= 0)"
    if pattern == "count":
        return f"({col} IS NULL OR {col} < 0)"
    if pattern and pattern.startswith("in:"):
        return f"({col} IS NULL OR {col} NOT IN ({pattern[3:]}))"
    return cast_failed


def _range_check(goldstein: str) -> str:
    """SQL that is true when the Goldstein scale is outside its range, -10..10."""
    return f"{goldstein} NOT BETWEEN -10 AND 10"


def _typed_select(n_fields: int, source: str) -> str:
    """SQL over ``source(line, raw, pre_reason)`` giving typed columns and ``reason``.

    ``reason`` is NULL for a good row, else the first failing check, naming the field
    with its GDELT name and the offending value; ``raw`` is kept for bad rows only.
    Casts are done once, in the inner query; the outer one reads their NULLs.
    """
    version, names = LAYOUTS[n_fields]
    pos = {name: i + 1 for i, name in enumerate(names)}
    inner: list[str] = ["line", "raw", "pre_reason", "len(f) AS nf"]
    outer: list[str] = []
    checks: list[str] = [
        "WHEN pre_reason IS NOT NULL THEN pre_reason",
        "WHEN raw IS NULL OR trim(raw) = '' THEN 'empty line'",
        f"WHEN nf <> {n_fields} THEN nf::VARCHAR || ' tab-separated fields; this "
        f"file is GDELT {version} with {n_fields} (57, 58 or 61 per file)'",
    ]
    for col, gname, typ, pattern in _FIELDS:
        if gname not in pos:
            outer.append(f"NULL::{typ} AS {col}")
            continue
        v = f"f[{pos[gname]}]"
        inner.append(f"{v} AS _t_{col}")
        t = f"_t_{col}"
        if typ == "DATE":
            inner.append(f"try_strptime({v}, '%Y%m%d')::DATE AS {col}")
        elif typ == "VARCHAR":
            inner.append(f"nullif({v}, '') AS {col}")
        else:
            inner.append(f"TRY_CAST(nullif({v}, '') AS {typ}) AS {col}")
        outer.append(col)
        bad = _field_check(col, typ, pattern, t, cast_failed=f"({t} <> '' AND {col} IS NULL)")
        if bad:
            checks.append(
                f"WHEN {bad} THEN 'field {gname}: ' || {_q(t)} || "
                f"{_sql_literal(' is not ' + _EXPECT.get(gname, _EXPECT[typ]))}"
            )
        if typ == "DATE":
            checks.append(
                f"WHEN {_window(col)} THEN 'field {gname}: ' || {_q(t)} || ' is outside the "
                "plausible event dates ' || $first_day::VARCHAR || '..' || $last_day::VARCHAR "
                f"|| {_sql_literal(f' (widen them with {ENV_EVENT_DATES}=FIRST..LAST)')}"
            )
    checks.append(
        f"WHEN {_range_check('goldsteinscale')} THEN 'field GoldsteinScale: ' || "
        f"{_q('_t_goldsteinscale')} || ' is outside -10..10'"
    )
    reason = "CASE " + " ".join(checks) + " ELSE NULL END"
    return (
        f"SELECT line, {', '.join(outer)}, r.reason, "
        "CASE WHEN r.reason IS NOT NULL THEN raw END AS raw "
        f"FROM (SELECT {', '.join(inner)} FROM (SELECT *, string_split(raw, chr(9)) AS f "
        f"FROM {source})) AS i, LATERAL (SELECT {reason} AS reason) AS r"
    )


def _fast_source(crlf: bool) -> str:
    """SQL for ``(line, raw, pre_reason)`` read by DuckDB's CSV reader, one row per line.

    The file is the parameter ``$path``. One text column: the delimiter is a control
    character that must not occur; a line holding it makes strict mode fail, and the
    Python reader takes over.
    """
    newline = "\\r\\n" if crlf else "\\n"
    return (
        "(SELECT row_number() OVER () AS line, raw, NULL::VARCHAR AS pre_reason "
        "FROM read_csv($path, columns = {'raw': 'VARCHAR'}, "
        "delim = '\x01', quote = '', escape = '', header = false, auto_detect = false, "
        f"strict_mode = true, new_line = '{newline}'))"
    )


def _clean_source(n_fields: int) -> str:
    """DuckDB's CSV reader over the file ``$path``, one typed column per GDELT field.

    The stored numeric and date fields are parsed by the reader itself (the cheapest
    place to do it); every other field is text. Strict mode makes any line with another
    number of fields, or text that does not parse, an error, which sends the file to the
    general path. Empty lines are skipped by the reader, which the caller detects by
    comparing row and line counts. The line ending is left to the reader (LF or CRLF):
    DuckDB 2.0 with ``new_line = '\\r\\n'`` and strict mode refuses the last line of a
    CRLF file, and a stray CR that it took for a line break would show in the row count.
    """
    _, names = LAYOUTS[n_fields]
    types = {gname: typ for _, gname, typ, _ in _FIELDS}
    columns = ", ".join(
        f"'c{i}': '{types.get(name, 'VARCHAR')}'" for i, name in enumerate(names, 1)
    )
    return (
        f"read_csv($path, columns = {{{columns}}}, delim = '\t', "
        "quote = '', escape = '', header = false, auto_detect = false, strict_mode = true, "
        "dateformat = '%Y%m%d')"
    )


def _clean_select(n_fields: int, source: str) -> str:
    """SQL over ``_clean_source`` giving the stored columns of the rows that pass every check.

    The checks are those of ``_typed_select`` (same SQL, built by the same helpers), on
    the reader's typed values. The reader decodes only the fields used here; that the
    other fields are UTF-8 too is checked on the raw bytes (``Shape.utf8``).
    """
    _, names = LAYOUTS[n_fields]
    pos = {name: i for i, name in enumerate(names, 1)}
    select: list[str] = []
    bad: list[str] = []
    for col, gname, typ, pattern in _FIELDS:
        if gname not in pos:
            select.append(f"NULL::{typ} AS {col}")
            continue
        c = f"c{pos[gname]}"
        select.append(f"{c} AS {col}")
        check = _field_check(c, typ, pattern, f"coalesce({c}, '')", cast_failed="")
        if check:
            bad.append(check)
        if typ == "DATE":
            bad.append(_window(c))
    bad.append(_range_check(f"c{pos['GoldsteinScale']}"))
    return (
        f"SELECT {', '.join(select)} FROM {source} "
        f"WHERE NOT coalesce({' OR '.join(f'({b})' for b in bad)}, false)"
    )


class _Bar:
    """Moves a ``Progress`` callback to fractions of a file's size, never backwards.

    Called from the watching thread and the ingesting one, hence the lock.
    """

    def __init__(self, progress: Progress, size: int) -> None:
        self._progress = progress
        self._size = size
        self._done = 0
        self._lock = threading.Lock()

    @property
    def fraction(self) -> float:
        """The share of the file reported so far, 0 to 1."""
        return self._done / self._size if self._size else 1.0

    def to(self, fraction: float) -> None:
        """Report progress up to ``fraction`` of the file (a smaller one does nothing)."""
        with self._lock:
            target = int(self._size * min(1.0, fraction))
            if target > self._done:
                self._progress(target - self._done)
                self._done = target


@contextmanager
def _watch(con: duckdb.DuckDBPyConnection, bar: _Bar, start: float, end: float) -> Iterator[None]:
    """While the block runs, move ``bar`` from ``start`` to ``end`` with DuckDB's progress.

    One statement does nearly all the work on a large file, so without this the bar
    would stand still and then jump. DuckDB reports the running statement's percentage
    to another thread (``query_progress``) only with its progress bar enabled; its own
    printing of that bar is switched off, and both settings are restored after.
    """
    old = con.execute(
        "SELECT current_setting('enable_progress_bar'), "
        "current_setting('enable_progress_bar_print')"
    ).fetchone()
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.1):
            percent = con.query_progress()
            if percent > 0:
                bar.to(start + (end - start) * min(percent, 100.0) / 100.0)

    watcher = threading.Thread(target=poll, name="gdelt-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
        if old is not None:
            con.execute("SET enable_progress_bar = ?", [bool(old[0])])
            con.execute("SET enable_progress_bar_print = ?", [bool(old[1])])


def _codes(codes: list[str], pattern: str, message: str) -> list[str]:
    """Check every country code against ``pattern``; ``message`` names the first misfit."""
    for code in codes:
        if not re.fullmatch(pattern, code):
            raise ValueError(message.format(code))
    return codes


class GdeltMatch(StrictModel):
    """Conditions of a mapping rule on GDELT columns; all given conditions must hold
    (lists are any-of). CAMEO prefixes are strings (``"15"`` matches ``152`` and
    ``154``); actor countries are CAMEO/ISO-3 (``BLR``), the action's geography FIPS
    10-4 (``BO``): mixing the two up is the classic GDELT mistake, so a 3-letter code
    where FIPS is expected is refused, and the reverse."""

    cameo: list[str] = Field(min_length=1)
    actor1_country: list[str] = Field(default_factory=list)
    actor2_country: list[str] = Field(default_factory=list)
    any_actor_country: list[str] = Field(default_factory=list)
    action_geo: list[str] = Field(default_factory=list)

    @field_validator("cameo")
    @classmethod
    def _digits(cls, v: list[str]) -> list[str]:
        for code in v:
            if not re.fullmatch(r"[0-9]{2,4}", str(code)):
                raise ValueError(
                    f"CAMEO prefix {code!r} must be 2-4 digits written as a quoted string "
                    "('010', not 10: leading zeros matter)"
                )
        return [str(c) for c in v]

    @field_validator("actor1_country", "actor2_country", "any_actor_country")
    @classmethod
    def _iso(cls, v: list[str]) -> list[str]:
        return _codes(
            v,
            r"[A-Z]{3}",
            "actor country {!r} must be a 3-letter CAMEO/ISO code such as "
            "BLR; FIPS codes (BO) are for geography fields",
        )

    @field_validator("action_geo")
    @classmethod
    def _fips(cls, v: list[str]) -> list[str]:
        return _codes(
            v,
            r"[A-Z]{2}",
            "action_geo {!r} must be a 2-letter FIPS 10-4 code (Belarus = BO, "
            "Russia = RS, Ukraine = UP); ISO-3 codes (BLR) are for actors",
        )


def gdelt_sql(m: GdeltMatch) -> tuple[str, list[object]]:
    """The SQL predicate over ``gdelt_events`` of a rule's conditions, with its parameters."""
    conds = ["(" + " OR ".join("starts_with(eventcode, ?)" for _ in m.cameo) + ")"]
    params: list[object] = list(m.cameo)
    any_of(
        (
            ("actor1countrycode", m.actor1_country),
            ("actor2countrycode", m.actor2_country),
            ("actiongeo_countrycode", m.action_geo),
        ),
        conds,
        params,
    )
    if m.any_actor_country:
        conds.append(
            "(actor1countrycode IN (SELECT unnest(?)) OR actor2countrycode IN (SELECT unnest(?)))"
        )
        params += [m.any_actor_country, m.any_actor_country]
    return " AND ".join(conds), params


EVENTS = EventSource(
    match=GdeltMatch,
    # A GDELT event names its file by ``file_id``; the file's digest lives in
    # ``gdelt_files`` (schema version 3).
    relation="gdelt_events JOIN gdelt_files USING (file_id)",
    key="globaleventid",
    day="sqldate",
    key_type="BIGINT",
    summary="coalesce(actor1name || ' / ' || actor2name || ' (CAMEO ' || eventcode || ')', '')",
    origin="coalesce(sourceurl, '')",
    kind="coalesce('CAMEO ' || eventcode, '')",
    where=gdelt_sql,
    row_support="ln(1 + coalesce(numsources, 0)) * ln(1 + coalesce(numarticles, 0))",
)
"""GDELT's part in the mapping: rules under ``gdelt:``, rows pooled per week."""


class GdeltAdapter:
    """GDELT 1.0/2.0 event files; events keyed by ``GLOBALEVENTID``."""

    name = "gdelt"
    description = "GDELT event file, 1.0 (57/58 columns) or 2.0 (61), tab-separated, plain or zip"
    table = "gdelt_events"
    key = "globaleventid"
    events = EVENTS

    def sniff(self, path: Path, head: bytes) -> bool:
        """A zip, or a first line of 57, 58 or 61 tab-separated fields with a numeric id."""
        if head.startswith(b"PK\x03\x04"):
            return True
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        return first.count(b"\t") + 1 in LAYOUTS and first.split(b"\t", 1)[0].isdigit()

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        """Validate and store the whole file in one transaction; see the module docstring.

        Progress moves with DuckDB's work: the fast path's insert covers 95% of the bar;
        when that path hands the file over, the general path covers what is left.
        """
        where = str(source.path)
        bar = _Bar(progress, source.size)
        first, last = event_date_window()
        with plain_file(source.path, where) as (plain, scan):
            n_fields = field_count(plain, where)
            values: dict[str, object] = {"path": str(plain), "first_day": first, "last_day": last}
            counts = self._store_clean(con, source, values, n_fields, scan, bar)
            if counts is not None:
                bar.to(1.0)
                return counts.check(where)
            shape = scan.result()
            typed = "CREATE OR REPLACE TEMP TABLE _gdelt_typed AS "
            middle = bar.fraction + (1.0 - bar.fraction) * 0.7
            with _watch(con, bar, bar.fraction, middle):
                try:
                    sql = typed + _typed_select(n_fields, _fast_source(shape.crlf))
                    con.execute(sql, _bind(sql, values))
                    row = con.execute("SELECT count(*) FROM _gdelt_typed").fetchone()
                    fast_ok = row is not None and int(row[0]) == shape.lines
                except duckdb.Error:
                    fast_ok = False
                if not fast_ok:
                    # Refused, or a line count that differs from the file's: never trust it.
                    table = stage_slow(con, plain)
                    sql = typed + _typed_select(n_fields, table)
                    con.execute(sql, _bind(sql, values))
                    con.execute("DROP TABLE IF EXISTS _gdelt_stage")
        bar.to(middle)
        try:
            with _watch(con, bar, middle, 1.0):
                counts = self._store(con, source, n_fields)
        finally:
            con.execute("DROP TABLE IF EXISTS _gdelt_typed")
        bar.to(1.0)
        return counts.check(where)

    def _store_clean(
        self,
        con: duckdb.DuckDBPyConnection,
        source: SourceFile,
        values: dict[str, object],
        n_fields: int,
        scan: Future[Shape],
        bar: _Bar,
    ) -> Counts | None:
        """The fast path: one parallel ``INSERT ... SELECT`` for a file with no bad rows.

        Returns the counts, or ``None`` (having stored nothing) when the file is not for
        this path: a line the reader refuses, a row that fails a check, an empty line, an
        id repeated within the file or a line without one, or a file whose bytes were
        stored before (then every row is a duplicate or a reject and the general path,
        which quarantines, counts them). That last test needs the file's digest, which
        is computed in a thread meanwhile, so it is made after the insert (a re-ingest
        pays for one insert that is rolled back).

        Line numbers: DuckDB's CSV reader has no row-number column, numbering rows with
        ``row_number() OVER ()`` forces the whole scan onto one thread, and an insert
        that keeps the file's order costs ~0.3 s more per million rows than one that
        does not (measured, DuckDB 2.0, 2 cores). So the rows go in unordered, and
        ``gdelt_lines`` gets each line's id from the shape pass, which reads the
        GLOBALEVENTID at the start of every line from the raw bytes: when every line has
        one and none repeats (``Shape.unique``), each id names exactly one line.
        Writing that index costs ~0.05 s per million lines; updating a ``line`` column
        of the stored rows instead cost ~0.14 s (the update goes to DuckDB's write-ahead
        log, and a checkpoint follows).
        """
        cols = ", ".join(STORED_COLUMNS)
        insert = (
            f"INSERT INTO gdelt_events ({cols}, file_id) SELECT {cols}, $file_id FROM ("
            f"{_clean_select(n_fields, _clean_source(n_fields))})"
        )
        # A database-wide setting in DuckDB: switched off for this insert only, and put
        # back whatever happens (nothing else here relies on row order without ORDER BY).
        setting = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
        con.execute("SET preserve_insertion_order = false")
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                row = con.execute("SELECT nextval('gdelt_file_ids')").fetchone()
                assert row is not None
                file_id = int(row[0])
                with _watch(con, bar, 0.0, 0.95):
                    params = _bind(insert, {**values, "file_id": file_id})
                    counts = self._insert_clean(con, insert, params, scan, source, n_fields)
                if counts is not None:
                    con.execute("COMMIT")
                    return counts
            except duckdb.Error:
                pass  # a line the reader refuses: the general path will say which and why
            except BaseException:
                _rollback(con)
                raise
            _rollback(con)
            return None
        finally:
            keep = bool(setting[0]) if setting is not None else True
            con.execute("SET preserve_insertion_order = ?", [keep])

    @staticmethod
    def _insert_clean(
        con: duckdb.DuckDBPyConnection,
        insert: str,
        params: dict[str, object],
        scan: Future[Shape],
        source: SourceFile,
        n_fields: int,
    ) -> Counts | None:
        """Run the fast path's statements inside the caller's transaction; see ``_store_clean``."""
        file_id = int(params["file_id"])  # type: ignore[call-overload]
        stored_before = con.execute("SELECT EXISTS (SELECT 1 FROM gdelt_events)").fetchone()
        row = con.execute(insert, params).fetchone()
        shape = scan.result()
        if not shape.utf8:
            return None  # the general path names the lines that are not UTF-8
        if row is None or int(row[0]) != shape.lines or not shape.lines:
            return None  # a bad row or an empty line: the general path quarantines it
        if not shape.unique:
            return None  # a line without an id, or an id repeated: the general path
        n = int(row[0])
        if not _new_file(con, source, n_fields, file_id):
            return None
        # Where each event sits: line k holds ids[k - 1]. Each stored row holds the id
        # its line starts with (both readers take the same digits) and no id repeats,
        # so (file_id, globaleventid) finds exactly one line.
        con.register(
            "_gdelt_line_ids", {"line": np.arange(1, n + 1, dtype=np.int64), "id": shape.ids}
        )
        try:
            con.execute(
                "INSERT INTO gdelt_lines SELECT $1, line, id FROM _gdelt_line_ids", [file_id]
            )
        finally:
            con.unregister("_gdelt_line_ids")
        # Ids stored by earlier files are duplicates; only looked for when there are any.
        duplicates = 0
        if stored_before and stored_before[0]:
            gone = con.execute(
                "DELETE FROM gdelt_events WHERE file_id = $1 AND globaleventid IN "
                "(SELECT globaleventid FROM gdelt_events WHERE file_id <> $1)",
                [file_id],
            ).fetchone()
            duplicates = int(gone[0]) if gone else 0
        return Counts(n, n - duplicates, 0, duplicates)

    def _store(self, con: duckdb.DuckDBPyConnection, source: SourceFile, n_fields: int) -> Counts:
        cols = ", ".join(STORED_COLUMNS)
        with transaction(con):
            con.execute(
                """
                INSERT INTO quarantine (file_sha256, path, line, item, format, raw, reason,
                                        ingest_id)
                SELECT $1, $2, c.line, 0, 'gdelt',
                       CASE WHEN length(c.raw) > $4
                            THEN left(c.raw, $4) || '... [' || (length(c.raw) - $4)::VARCHAR
                                 || ' more characters not kept]'
                            ELSE coalesce(c.raw, '') END,
                       c.reason, $3
                FROM _gdelt_typed c
                WHERE c.reason IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM quarantine q
                    WHERE q.file_sha256 = $1 AND q.line = c.line AND q.item = 0)
                """,
                [source.sha256, str(source.path), source.ingest_id, RAW_LIMIT],
            )
            # The window that keeps the first of repeated ids costs a sort of the whole
            # file; it is only needed when the file repeats an id.
            repeats = con.execute(
                "SELECT count(*) - count(DISTINCT globaleventid) FROM _gdelt_typed "
                "WHERE reason IS NULL"
            ).fetchone()
            first_only = (
                "QUALIFY row_number() OVER (PARTITION BY globaleventid ORDER BY line) = 1"
                if repeats and repeats[0]
                else ""
            )
            stored = con.execute("SELECT count(*) FROM gdelt_events").fetchone()
            not_stored = (
                "AND NOT EXISTS (SELECT 1 FROM gdelt_events g "
                "WHERE g.globaleventid = c.globaleventid)"
                if stored and stored[0]
                else ""
            )
            file_id, new = _file_id(con, source, n_fields)
            ins = con.execute(
                f"""
                INSERT INTO gdelt_events ({cols}, file_id)
                SELECT {cols}, $1
                FROM _gdelt_typed c
                WHERE reason IS NULL {not_stored}
                {first_only}
                """,
                [file_id],
            ).fetchone()
            if new:  # the same bytes again: their lines are indexed already
                con.execute(
                    "INSERT INTO gdelt_lines SELECT $1, line, globaleventid FROM _gdelt_typed "
                    "WHERE reason IS NULL",
                    [file_id],
                )
            got = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE reason IS NOT NULL) FROM _gdelt_typed"
            ).fetchone()
        assert got is not None and ins is not None
        read, rejected, accepted = int(got[0]), int(got[1]), int(ins[0])
        # Ids already stored (by an earlier run, or earlier in this file) are duplicates.
        return Counts(read, accepted, rejected, read - rejected - accepted)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, where a failure (a full disk) has not ended the transaction already."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _new_file(
    con: duckdb.DuckDBPyConnection, source: SourceFile, n_fields: int, file_id: int
) -> bool:
    """Record the file as ``file_id`` unless its bytes were stored or quarantined before."""
    sha = source.sha256
    seen = con.execute(
        "SELECT EXISTS (SELECT 1 FROM gdelt_files WHERE file_sha256 = $1) "
        "OR EXISTS (SELECT 1 FROM quarantine WHERE file_sha256 = $1)",
        [sha],
    ).fetchone()
    if seen is None or seen[0]:
        return False
    con.execute(
        "INSERT INTO gdelt_files (file_id, file_sha256, path, gdelt_version, ingest_id) "
        "VALUES ($1, $2, $3, $4, $5)",
        [file_id, sha, str(source.path), LAYOUTS[n_fields][0], source.ingest_id],
    )
    return True


def _file_id(con: duckdb.DuckDBPyConnection, source: SourceFile, n_fields: int) -> tuple[int, bool]:
    """The ``gdelt_files`` id of this file's bytes, and whether this call added the row.

    Called inside the transaction that stores the file's rows, so a killed ingest leaves
    neither; the same bytes under another name keep the first name, as their events do.
    """
    row = con.execute(
        "SELECT file_id FROM gdelt_files WHERE file_sha256 = $1", [source.sha256]
    ).fetchone()
    if row is not None:
        return int(row[0]), False
    row = con.execute(
        "INSERT INTO gdelt_files (file_id, file_sha256, path, gdelt_version, ingest_id) "
        "VALUES (nextval('gdelt_file_ids'), $1, $2, $3, $4) RETURNING file_id",
        [source.sha256, str(source.path), LAYOUTS[n_fields][0], source.ingest_id],
    ).fetchone()
    assert row is not None
    return int(row[0]), True


ADAPTER = register_adapter(GdeltAdapter())

__all__ = [
    "ADAPTER",
    "COLUMNS_1",
    "COLUMNS_1_BACKFILE",
    "COLUMNS_2",
    "EVENTS",
    "LAYOUTS",
    "STORED_COLUMNS",
    "GdeltAdapter",
    "GdeltMatch",
    "gdelt_sql",
]
