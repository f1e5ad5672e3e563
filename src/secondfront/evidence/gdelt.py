"""GDELT event files: 1.0 daily (57 or 58 columns) and 2.0 (61 columns), plain or zipped.

The files are tab-separated with no header and no quoting. The version is told from
the number of fields: 61 is 2.0 (``*.export.CSV``), 58 is a 1.0 daily file, 57 a 1.0
historical backfile (no ``SOURCEURL``). Codes stay strings: CAMEO event codes carry
leading zeros (``010`` is not ``10``), and the two code systems stay apart: actor
country codes are CAMEO/ISO-3 (``BLR``, ``RUS``, ``UKR``), geography country codes are
FIPS 10-4 (``BO``, ``RS``, ``UP``).

How a file is read (streaming; a 1 GB file is never held in Python memory):

1. A ``.zip`` is unpacked, member by member in 1 MiB blocks, to a temporary file.
2. DuckDB's CSV reader scans the file as one text column per line, numbering lines in
   file order (DuckDB spills to disk beyond its memory limit). When that reader
   refuses the file (bytes that are not UTF-8, a line over its size limit, mixed line
   endings), or returns a number of rows other than the file's number of lines, a
   Python line reader stages it instead, line by line, keeping the undecodable lines
   as rejects: slower, never lossy.
3. Lines are split on tabs and type-checked in the same pipeline (one pass), and the
   file is stored in one transaction: bad rows to quarantine (first failing field
   named), new events to ``gdelt_events``, ids already stored (or repeated earlier in
   the file) counted as duplicates. A process killed mid-file leaves none of the
   file's rows; the rerun stores all of them.

Only the columns the mapping and provenance need are stored (see ``gdelt_events`` in
``store.py``); the quarantine keeps whole raw lines.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from secondfront.errors import InputFormatError
from secondfront.evidence.registry import Counts, Progress, SourceFile, register_adapter
from secondfront.evidence.store import transaction

_ACTOR = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_GEO = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")
COLUMNS_2: tuple[str, ...] = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    *(f"Actor1{x}" for x in _ACTOR), *(f"Actor2{x}" for x in _ACTOR),
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass",
    "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone",
    *(f"Actor1Geo_{x}" for x in _GEO), *(f"Actor2Geo_{x}" for x in _GEO),
    *(f"ActionGeo_{x}" for x in _GEO), "DATEADDED", "SOURCEURL",
)  # fmt: skip
COLUMNS_1 = tuple(c for c in COLUMNS_2 if not c.endswith("ADM2Code"))
COLUMNS_1_BACKFILE = COLUMNS_1[:-1]
LAYOUTS: dict[int, tuple[str, tuple[str, ...]]] = {
    61: ("2.0", COLUMNS_2),
    58: ("1.0", COLUMNS_1),
    57: ("1.0-backfile", COLUMNS_1_BACKFILE),
}
assert len(COLUMNS_2) == 61 and len(COLUMNS_1) == 58 and len(COLUMNS_1_BACKFILE) == 57

# (stored column, GDELT field, SQL type, check): the check is "required", "count"
# (an integer >= 0), "in:a, b" (one of the values), "code"/"root" (CAMEO digits),
# "dateadded", or None (any text, or empty, as long as it casts)
_FIELDS: tuple[tuple[str, str, str, str | None], ...] = (
    ("globaleventid", "GLOBALEVENTID", "BIGINT", "required"),
    ("sqldate", "SQLDATE", "DATE", None),
    ("actor1code", "Actor1Code", "VARCHAR", None),
    ("actor1name", "Actor1Name", "VARCHAR", None),
    ("actor1countrycode", "Actor1CountryCode", "VARCHAR", None),
    ("actor1type1code", "Actor1Type1Code", "VARCHAR", None),
    ("actor2code", "Actor2Code", "VARCHAR", None),
    ("actor2name", "Actor2Name", "VARCHAR", None),
    ("actor2countrycode", "Actor2CountryCode", "VARCHAR", None),
    ("actor2type1code", "Actor2Type1Code", "VARCHAR", None),
    ("isrootevent", "IsRootEvent", "INTEGER", "in:0, 1"),
    ("eventcode", "EventCode", "VARCHAR", "code"),
    ("eventbasecode", "EventBaseCode", "VARCHAR", "code"),
    ("eventrootcode", "EventRootCode", "VARCHAR", "root"),
    ("quadclass", "QuadClass", "INTEGER", "in:1, 2, 3, 4"),
    ("goldsteinscale", "GoldsteinScale", "DOUBLE", None),
    ("nummentions", "NumMentions", "INTEGER", "count"),
    ("numsources", "NumSources", "INTEGER", "count"),
    ("numarticles", "NumArticles", "INTEGER", "count"),
    ("avgtone", "AvgTone", "DOUBLE", None),
    ("actor1geo_countrycode", "Actor1Geo_CountryCode", "VARCHAR", None),
    ("actor2geo_countrycode", "Actor2Geo_CountryCode", "VARCHAR", None),
    ("actiongeo_type", "ActionGeo_Type", "INTEGER", None),
    ("actiongeo_fullname", "ActionGeo_FullName", "VARCHAR", None),
    ("actiongeo_countrycode", "ActionGeo_CountryCode", "VARCHAR", None),
    ("actiongeo_adm1code", "ActionGeo_ADM1Code", "VARCHAR", None),
    ("actiongeo_lat", "ActionGeo_Lat", "DOUBLE", None),
    ("actiongeo_long", "ActionGeo_Long", "DOUBLE", None),
    ("dateadded", "DATEADDED", "VARCHAR", "dateadded"),
    ("sourceurl", "SOURCEURL", "VARCHAR", None),
)


def _sql_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


_EXPECT = {
    "BIGINT": "an integer",
    "INTEGER": "an integer",
    "DOUBLE": "a number",
    "DATE": "a date written YYYYMMDD",
    "VARCHAR": "valid",
    "GLOBALEVENTID": "a positive integer id",
    "EventCode": "a CAMEO code of 2 to 4 digits (kept as text: leading zeros matter)",
    "EventBaseCode": "a CAMEO code of 2 to 4 digits",
    "EventRootCode": "a CAMEO root code of 2 digits (01-20)",
    "QuadClass": "1, 2, 3 or 4",
    "IsRootEvent": "0 or 1",
    "NumMentions": "a count",
    "NumSources": "a count",
    "NumArticles": "a count",
    "DATEADDED": "YYYYMMDD (1.0) or YYYYMMDDHHMMSS (2.0)",
}


def _q(v: str) -> str:
    """SQL for the value of expression ``v`` in single quotes, or 'missing'."""
    return f"coalesce('''' || {v} || '''', 'missing')"


def _typed_select(n_fields: int, source: str) -> str:
    """SQL over ``source(line, raw, pre_reason)`` giving typed columns and ``reason``.

    ``reason`` is NULL for a good row, else the first failing check, naming the field
    with its GDELT name and the offending value; ``raw`` is kept for bad rows only.
    Casts are done once, in the inner query; the outer one reads their NULLs. Digit
    checks use ``ltrim(v, digits) = ''`` rather than a regular expression: the same
    test at a fraction of the cost on a million rows.
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
    digits = "'0123456789'"
    for col, gname, typ, pattern in _FIELDS:
        if gname not in pos:
            outer.append(f"NULL::{typ} AS {col}")
            continue
        v = f"f[{pos[gname]}]"
        inner.append(f"{v} AS _t_{col}")
        t = f"_t_{col}"
        if typ == "DATE":
            inner.append(f"try_strptime({v}, '%Y%m%d')::DATE AS {col}")
            bad = f"{col} IS NULL"
        elif typ == "VARCHAR":
            inner.append(f"nullif({v}, '') AS {col}")
            bad = ""
            if pattern == "code":
                bad = f"NOT (length({t}) BETWEEN 2 AND 4 AND ltrim({t}, {digits}) = '')"
            elif pattern == "root":
                bad = f"NOT (length({t}) = 2 AND ltrim({t}, {digits}) = '')"
            elif pattern == "dateadded":
                bad = f"NOT (length({t}) IN (8, 14) AND ltrim({t}, {digits}) = '')"
        else:
            inner.append(f"TRY_CAST(nullif({v}, '') AS {typ}) AS {col}")
            bad = f"({t} <> '' AND {col} IS NULL)"
            if pattern == "required":
                bad = f"{col} IS NULL"
            elif pattern == "count":
                bad = f"({col} IS NULL OR {col} < 0)"
            elif pattern and pattern.startswith("in:"):
                bad = f"({col} IS NULL OR {col} NOT IN ({pattern[3:]}))"
        outer.append(col)
        if bad:
            checks.append(
                f"WHEN {bad} THEN 'field {gname}: ' || {_q(t)} || "
                f"{_sql_literal(' is not ' + _EXPECT.get(gname, _EXPECT[typ]))}"
            )
    checks.append(
        "WHEN NOT starts_with(_t_eventcode, _t_eventrootcode) THEN 'field EventRootCode: ' || "
        f"{_q('_t_eventrootcode')} || ' is not the prefix of EventCode ' || {_q('_t_eventcode')}"
    )
    checks.append(
        "WHEN goldsteinscale NOT BETWEEN -10 AND 10 THEN 'field GoldsteinScale: ' || "
        f"{_q('_t_goldsteinscale')} || ' is outside -10..10'"
    )
    reason = "CASE " + " ".join(checks) + " ELSE NULL END"
    return (
        f"SELECT line, {', '.join(outer)}, r.reason, "
        "CASE WHEN r.reason IS NOT NULL THEN raw END AS raw "
        f"FROM (SELECT {', '.join(inner)} FROM (SELECT *, string_split(raw, chr(9)) AS f "
        f"FROM {source})) AS i, LATERAL (SELECT {reason} AS reason) AS r"
    )


@contextmanager
def _plain_file(path: Path, where: str) -> Iterator[Path]:
    """The path itself, or a temporary unpacked copy of a zip's single member."""
    if not zipfile.is_zipfile(path):
        yield path
        return
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InputFormatError(
                    where, 0, "", f"a GDELT zip holds one file; this one holds {len(members)}"
                )
            fd, tmp = tempfile.mkstemp(prefix="secondfront-gdelt-", suffix=".CSV")
            try:
                with os.fdopen(fd, "wb") as out, zf.open(members[0]) as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                yield Path(tmp)
            finally:
                os.unlink(tmp)
    except zipfile.BadZipFile as e:
        raise InputFormatError(where, 0, "", f"damaged zip archive: {e}") from None


def _field_count(path: Path, where: str) -> int:
    """The layout's field count: the most common among the first 200 non-blank lines."""
    counts: dict[int, int] = {}
    with path.open("rb") as fh:
        for i, line in enumerate(fh):
            if i >= 200:
                break
            if line.strip():
                n = line.rstrip(b"\r\n").count(b"\t") + 1
                counts[n] = counts.get(n, 0) + 1
    if not counts:
        raise InputFormatError(where, 0, "", "empty file; expected GDELT event rows")
    n = max(counts, key=lambda k: counts[k])
    if n not in LAYOUTS:
        raise InputFormatError(
            where,
            1,
            "",
            f"{n} tab-separated fields per line; GDELT event files have 57 or 58 (1.0) or 61 "
            "(2.0). Is this a mentions or GKG file, or another format (give --format)?",
        )
    return n


def _fast_source(path: Path, crlf: bool) -> str:
    """SQL for ``(line, raw, pre_reason)`` read by DuckDB's CSV reader, one row per line.

    One text column: the delimiter is a control character that must not occur; a line
    holding it makes strict mode fail, and the Python reader takes over.
    """
    newline = "\\r\\n" if crlf else "\\n"
    return (
        "(SELECT row_number() OVER () AS line, raw, NULL::VARCHAR AS pre_reason "
        f"FROM read_csv({_sql_literal(str(path))}, columns = {{'raw': 'VARCHAR'}}, "
        "delim = '\x01', quote = '', escape = '', header = false, auto_detect = false, "
        f"strict_mode = true, new_line = '{newline}'))"
    )


def _stage_slow(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Stage the file through Python, line by line; returns the staging table's name."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _gdelt_stage (line BIGINT, raw VARCHAR, pre_reason VARCHAR)"
    )
    n = 0
    with path.open("rb") as fh:
        while True:
            lines = fh.readlines(16 << 20)
            if not lines:
                break
            raws: list[str] = []
            reasons: list[str | None] = []
            for i, b in enumerate(lines):
                b = b.rstrip(b"\r\n")
                try:
                    raws.append(b.decode("utf-8"))
                    reasons.append(None)
                except UnicodeDecodeError as e:
                    raws.append(b.decode("utf-8", "backslashreplace"))
                    reasons.append(f"not valid UTF-8 at byte {e.start} of line {n + i + 1}")
            con.execute(
                "INSERT INTO _gdelt_stage SELECT $1 + generate_subscripts($2, 1), unnest($2), "
                "unnest($3) FROM (SELECT 1)",
                [n, raws, reasons],
            )
            n += len(lines)
    return "_gdelt_stage"


def _physical_lines(path: Path) -> int:
    """Lines in the file: newline bytes, plus one for a last line without a newline."""
    n = 0
    last = b"\n"
    with path.open("rb") as fh:
        while block := fh.read(16 << 20):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


class GdeltAdapter:
    """GDELT 1.0/2.0 event files; events keyed by ``GLOBALEVENTID``."""

    name = "gdelt"
    description = "GDELT event file, 1.0 (57/58 columns) or 2.0 (61), tab-separated, plain or zip"
    table = "gdelt_events"
    key = "globaleventid"

    def sniff(self, path: Path, head: bytes) -> bool:
        """A zip, or a first line of 57, 58 or 61 tab-separated fields with a numeric id."""
        if head.startswith(b"PK\x03\x04"):
            return True
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        return first.count(b"\t") + 1 in LAYOUTS and first.split(b"\t", 1)[0].isdigit()

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        """Validate and store the whole file in one transaction; see the module docstring."""
        where = str(source.path)
        with _plain_file(source.path, where) as plain:
            n_fields = _field_count(plain, where)
            with plain.open("rb") as fh:
                crlf = b"\r\n" in fh.read(1 << 16)
            expected = _physical_lines(plain)
            typed = "CREATE OR REPLACE TEMP TABLE _gdelt_typed AS "
            try:
                con.execute(typed + _typed_select(n_fields, _fast_source(plain, crlf)))
                row = con.execute("SELECT count(*) FROM _gdelt_typed").fetchone()
                fast_ok = row is not None and int(row[0]) == expected
            except duckdb.Error:
                fast_ok = False
            if not fast_ok:
                # Refused, or a line count that differs from the file's: never trust it.
                table = _stage_slow(con, plain)
                con.execute(typed + _typed_select(n_fields, table))
                con.execute("DROP TABLE IF EXISTS _gdelt_stage")
        progress(source.size // 2)
        try:
            counts = self._store(con, source, n_fields)
        finally:
            con.execute("DROP TABLE IF EXISTS _gdelt_typed")
        progress(source.size - source.size // 2)
        return counts.check(where)

    def _store(self, con: duckdb.DuckDBPyConnection, source: SourceFile, n_fields: int) -> Counts:
        version = LAYOUTS[n_fields][0]
        col_list = ", ".join(c for c, *_ in _FIELDS)
        with transaction(con):
            con.execute(
                """
                INSERT INTO quarantine (file_sha256, path, line, format, raw, reason, ingest_id)
                SELECT $1, $2, c.line, 'gdelt', coalesce(c.raw, ''), c.reason, $3
                FROM _gdelt_typed c
                WHERE c.reason IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM quarantine q WHERE q.file_sha256 = $1 AND q.line = c.line)
                """,
                [source.sha256, str(source.path), source.ingest_id],
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
            ins = con.execute(
                f"""
                INSERT INTO gdelt_events ({col_list}, gdelt_version, path, line, file_sha256)
                SELECT {col_list}, $1, $2, line, $3
                FROM _gdelt_typed c
                WHERE reason IS NULL {not_stored}
                {first_only}
                """,
                [version, str(source.path), source.sha256],
            ).fetchone()
            got = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE reason IS NOT NULL) FROM _gdelt_typed"
            ).fetchone()
        assert got is not None and ins is not None
        read, rejected, accepted = int(got[0]), int(got[1]), int(ins[0])
        # Ids already stored (by an earlier run, or earlier in this file) are duplicates.
        return Counts(read, accepted, rejected, read - rejected - accepted)


ADAPTER = register_adapter(GdeltAdapter())

__all__ = [
    "ADAPTER",
    "COLUMNS_1",
    "COLUMNS_1_BACKFILE",
    "COLUMNS_2",
    "LAYOUTS",
    "GdeltAdapter",
]
