"""Bringing the store up to date from the live sources: GDELT 2.0 and the ACLED API.

``update(con, ...)`` fetches what the store does not have yet and ingests it through the
same adapters, counts and quarantine as ``secondfront ingest`` (a downloaded file *is*
ingested as a file). It is:

* **incremental**: the table ``fetched`` records every file or page fetched (source,
  key, size, checksums, the ingest's counts, status); ``update_cursors`` records how far
  each source has been read (GDELT: the timestamp of the newest export ingested;
  ACLED: the largest ``timestamp`` seen per query). Both tables are created on first
  use and written with parameterised SQL only.
* **resumable**: each file is downloaded to ``<store>.downloads/`` (a ``.part`` file
  renamed when complete), checked, ingested and then recorded; a process killed at any
  point leaves either nothing or a file that the next run ingests again, where the
  adapters count its rows as duplicates. A file that failed (download error, checksum
  mismatch) is recorded as failed and tried again by the next run.
* **idempotent**: a second run with nothing new fetches nothing and changes nothing.

GDELT 2.0 (``SECONDFRONT_GDELT_URL``, default ``http://data.gdeltproject.org/gdeltv2/``)
publishes every 15 minutes; ``lastupdate.txt`` names the newest files and
``masterfilelist.txt`` every file since 2015, one per line as ``SIZE MD5 URL``. Only the
event exports (``YYYYMMDDHHMMSS.export.CSV.zip``) are read. When the gap since the last
export ingested (or since ``since``) is more than the newest file, the master list is
read (streamed, never held whole) for the exports in between. Each download is checked
against the size and MD5 the list gives. A first run without ``since`` takes only the
newest export: the full history since 2015 is hundreds of gigabytes.

ACLED (``SECONDFRONT_ACLED_URL``, default ``https://api.acleddata.com/acled/read``)
is queried with the key and e-mail from ``ACLED_KEY`` and ``ACLED_EMAIL`` per country,
for events whose ``timestamp`` (last edit) is after the cursor, ``limit`` rows a page,
page after page until a short page. Each page is written as an ACLED CSV in the
current 31-column layout and ingested; the cursor moves only when every page of the
query is in. ACLED retired key-and-e-mail access for new accounts in 2025 in favour of
OAuth (myACLED); an installation with an OAuth token can point
``SECONDFRONT_ACLED_URL`` at a proxy that adds it. No test needs the internet: the
tests serve files in these formats from 127.0.0.1.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.client import HTTPResponse
from pathlib import Path

import duckdb

from secondfront.environment import env_value
from secondfront.errors import EvidenceError, UsageError
from secondfront.evidence.acled import CURRENT_COLUMNS
from secondfront.evidence.ingest import IngestReport, ingest
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.registry import Counts, Progress
from secondfront.evidence.store import transaction

ENV_GDELT = "SECONDFRONT_GDELT_URL"
ENV_ACLED = "SECONDFRONT_ACLED_URL"
ENV_ACLED_KEY = "ACLED_KEY"
ENV_ACLED_EMAIL = "ACLED_EMAIL"
DEFAULT_GDELT = "http://data.gdeltproject.org/gdeltv2/"
DEFAULT_ACLED = "https://api.acleddata.com/acled/read"
ACLED_PAGE = 5000
TIMEOUT_S = 60.0
RETRIES = 3

_EXPORT = re.compile(r"/(\d{14})\.export\.CSV\.zip$")

_TABLES = (
    """CREATE TABLE IF NOT EXISTS fetched (
        source VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        url VARCHAR,
        size BIGINT,
        md5 VARCHAR,
        sha256 VARCHAR,
        status VARCHAR NOT NULL,
        message VARCHAR,
        n_read BIGINT,
        n_accepted BIGINT,
        n_rejected BIGINT,
        n_duplicates BIGINT,
        fetched_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source, key)
    )""",
    """CREATE TABLE IF NOT EXISTS update_cursors (
        source VARCHAR NOT NULL,
        query VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source, query)
    )""",
)


class FetchError(EvidenceError):
    """A download failed or did not match its list's size or checksum."""


@dataclass
class SourceReport:
    """What one source's update did.

    Attributes:
        source: ``gdelt`` or ``acled``.
        fetched: files or pages downloaded and ingested this run.
        skipped: files already in the store, not fetched again.
        failed: ``(key, reason)`` of each file that could not be fetched or checked.
        counts: the ingest counts summed over the files fetched.
        note: why the source was not queried, when it was not.
    """

    source: str
    fetched: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    note: str = ""

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "source": self.source,
            "fetched": self.fetched,
            "skipped": self.skipped,
            "failed": [{"key": k, "reason": r} for k, r in self.failed],
            **self.counts.as_json(),
            "note": self.note,
        }


@dataclass
class UpdateReport:
    """All sources of one update."""

    sources: list[SourceReport] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """``{"sources": [...]}``."""
        return {"sources": [s.as_json() for s in self.sources]}


Status = Callable[[str], None]
ProgressFactory = Callable[[str, int], Progress]


def _quiet(_: str) -> None:
    return None


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the bookkeeping tables when the store has none yet."""
    with transaction(con):
        for sql in _TABLES:
            con.execute(sql)


def _cursor(con: duckdb.DuckDBPyConnection, source: str, query: str) -> str | None:
    row = con.execute(
        "SELECT value FROM update_cursors WHERE source = ? AND query = ?", [source, query]
    ).fetchone()
    return None if row is None else str(row[0])


def _set_cursor(con: duckdb.DuckDBPyConnection, source: str, query: str, value: str) -> None:
    with transaction(con):
        con.execute(
            "INSERT OR REPLACE INTO update_cursors VALUES (?, ?, ?, current_timestamp)",
            [source, query, value],
        )


def _done(con: duckdb.DuckDBPyConnection, source: str, key: str) -> bool:
    row = con.execute(
        "SELECT status FROM fetched WHERE source = ? AND key = ?", [source, key]
    ).fetchone()
    return row is not None and row[0] == "ingested"


def _record(
    con: duckdb.DuckDBPyConnection,
    source: str,
    key: str,
    url: str,
    status: str,
    message: str = "",
    size: int | None = None,
    md5: str | None = None,
    sha256: str | None = None,
    counts: Counts | None = None,
) -> None:
    c = counts or Counts()
    with transaction(con):
        con.execute(
            "INSERT OR REPLACE INTO fetched VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                source,
                key,
                url,
                size,
                md5,
                sha256,
                status,
                message,
                c.read,
                c.accepted,
                c.rejected,
                c.duplicates,
            ],
        )


# -- HTTP ----------------------------------------------------------------------------


def _open(url: str, timeout: float = TIMEOUT_S) -> HTTPResponse:
    """GET with a few retries on transient failures (connection errors, 5xx, 429)."""
    last = ""
    for attempt in range(RETRIES):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "secondfront-update"})
            # Callers check the scheme first (_check_scheme): http and https only.
            resp: HTTPResponse = urllib.request.urlopen(req, timeout=timeout)
            return resp
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code} {e.reason}"
            if e.code < 500 and e.code != 429:
                break
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            last = str(getattr(e, "reason", e))
        time.sleep(0.2 * 2**attempt)
    raise FetchError(f"{_safe_url(url)}: {last}")


def _safe_url(url: str) -> str:
    """The URL without query values that could hold credentials."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    masked = [(k, "***" if k in ("key", "email", "password", "token") else v) for k, v in query]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(masked, safe="*")))


def _check_scheme(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"{_safe_url(url)}: only http and https URLs can be fetched")


def download(
    url: str,
    dest: Path,
    size: int | None = None,
    md5: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, str, int]:
    """Stream ``url`` to ``dest`` (via ``dest.part``) and check it.

    Returns:
        ``(md5, sha256, size)`` of the bytes.

    Raises:
        FetchError: the download failed, or its size or MD5 differs from the list's.
    """
    _check_scheme(url)
    part = dest.with_name(dest.name + ".part")
    h_md5, h_sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    n = 0
    with _open(url) as resp, part.open("wb") as fh:
        while chunk := resp.read(1 << 20):
            fh.write(chunk)
            h_md5.update(chunk)
            h_sha.update(chunk)
            n += len(chunk)
            if progress:
                progress(len(chunk))
    got_md5 = h_md5.hexdigest()
    if size is not None and n != size:
        part.unlink()
        raise FetchError(f"{_safe_url(url)}: {n} bytes, the list says {size}")
    if md5 is not None and got_md5 != md5.lower():
        part.unlink()
        raise FetchError(f"{_safe_url(url)}: MD5 {got_md5}, the list says {md5}")
    part.replace(dest)
    return got_md5, h_sha.hexdigest(), n


# -- GDELT ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedFile:
    """One line of a GDELT file list: ``SIZE MD5 URL``."""

    size: int | None
    md5: str | None
    url: str

    @property
    def stamp(self) -> str | None:
        """``YYYYMMDDHHMMSS`` of an event export, else None."""
        m = _EXPORT.search(self.url)
        return m.group(1) if m else None


def parse_file_list(lines: Iterator[str]) -> Iterator[ListedFile]:
    """The entries of ``lastupdate.txt`` / ``masterfilelist.txt`` (malformed lines skipped:
    the master list has a few known blank-size lines)."""
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue
        size_s, md5, url = parts
        size = int(size_s) if size_s.isdigit() else None
        ok_md5 = md5 if re.fullmatch(r"[0-9a-fA-F]{32}", md5) else None
        yield ListedFile(size, ok_md5, url)


def _lines(url: str) -> Iterator[str]:
    _check_scheme(url)
    with _open(url) as resp:
        for raw in resp:
            yield raw.decode("utf-8", "replace")


def _stamp(day: dt.datetime) -> str:
    return day.strftime("%Y%m%d%H%M%S")


def _parse_stamp(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, "%Y%m%d%H%M%S")


def _gdelt_wanted(
    con: duckdb.DuckDBPyConnection,
    root: str,
    since: dt.datetime | None,
    cursor: str | None,
    status: Status,
) -> list[ListedFile]:
    """The GDELT exports to fetch, oldest first: those after ``since`` (or after
    ``cursor``, the newest ingested; the newest listed alone on a first run), and those
    that failed before."""
    latest = [f for f in parse_file_list(_lines(root + "lastupdate.txt")) if f.stamp]
    if not latest:
        raise FetchError(f"{root}lastupdate.txt: no event export listed")
    newest = max(latest, key=lambda f: f.stamp or "")
    assert newest.stamp is not None
    # Files that failed before are tried again (from their recorded listing, unless the
    # master list has a newer one).
    wanted: dict[str, ListedFile] = {
        str(k): ListedFile(size, md5, str(url))
        for k, url, size, md5 in con.execute(
            "SELECT key, url, size, md5 FROM fetched WHERE source = ? AND status = 'failed'",
            ["gdelt"],
        ).fetchall()
    }
    retry = set(wanted)
    lo, inclusive = "", True
    if since is not None:
        lo = _stamp(since)  # at or after a given time
    elif cursor is not None:
        lo, inclusive = str(cursor), False  # strictly after the last export ingested

    def after(stamp: str) -> bool:
        return bool(lo) and (stamp >= lo if inclusive else stamp > lo)

    previous = _stamp(_parse_stamp(newest.stamp) - dt.timedelta(minutes=15))
    gap = bool(lo) and (lo < newest.stamp if inclusive else lo < previous)
    if not lo or after(newest.stamp):
        wanted[newest.stamp] = newest  # a first run without `since` takes the newest only
    if gap or retry:
        # Files between, and the current listing of files that failed before (a corrected
        # checksum must be used, not the one recorded with the failure).
        status(f"reading {root}masterfilelist.txt")
        for f in parse_file_list(_lines(root + "masterfilelist.txt")):
            if f.stamp and (f.stamp in retry or (after(f.stamp) and f.stamp <= newest.stamp)):
                wanted[f.stamp] = f
    return [wanted[k] for k in sorted(wanted)]


def update_gdelt(
    con: duckdb.DuckDBPyConnection,
    downloads: Path,
    since: dt.datetime | None = None,
    base: str | None = None,
    rules: MappingRules | None = None,
    status: Status = _quiet,
    progress: ProgressFactory | None = None,
    keep: bool = False,
) -> SourceReport:
    """Fetch and ingest the GDELT 2.0 event exports the store lacks (module docstring).

    Args:
        con: the store.
        downloads: folder for downloads.
        since: take exports stamped at or after this UTC time; default: those after the
            newest export ingested, or only the newest export on a first run.
        base: the GDELT 2.0 folder URL (default: ``$SECONDFRONT_GDELT_URL`` or the public one).
        rules: mapping rules passed on to ``ingest``.
        status: called with one line per step.
        progress: ``progress(label, bytes)`` returns a byte counter (see ``ingest``).
        keep: keep the downloaded files.
    """
    ensure_tables(con)
    root = (base or env_value(ENV_GDELT) or DEFAULT_GDELT).rstrip("/") + "/"
    report = SourceReport("gdelt")
    cursor = _cursor(con, "gdelt", "export")
    todo = _gdelt_wanted(con, root, since, cursor, status)
    for f in todo:
        assert f.stamp is not None
        if _done(con, "gdelt", f.stamp):
            report.skipped += 1
            continue
        dest = downloads / f.url.rsplit("/", 1)[-1]
        try:
            status(f"fetching {f.url}")
            bar = progress(f.url.rsplit("/", 1)[-1], f.size or 0) if progress else None
            md5, sha, size = download(f.url, dest, f.size, f.md5, bar)
        except (FetchError, UsageError) as e:
            report.failed.append((f.stamp, str(e)))
            _record(con, "gdelt", f.stamp, f.url, "failed", str(e), f.size, f.md5)
            continue
        counts = _ingest_one(con, dest, "gdelt", rules, progress, report)
        _record(con, "gdelt", f.stamp, f.url, "ingested", "", size, md5, sha, counts)
        if not keep:
            dest.unlink(missing_ok=True)
        if cursor is None or f.stamp > cursor:
            cursor = f.stamp
            _set_cursor(con, "gdelt", "export", cursor)
    return report


def _ingest_one(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    rules: MappingRules | None,
    progress: ProgressFactory | None,
    report: SourceReport,
) -> Counts:
    result: IngestReport = ingest(con, [path], fmt=fmt, rules=rules, progress=progress)
    counts = result.total
    report.counts += counts
    report.fetched += 1
    return counts


# -- ACLED ---------------------------------------------------------------------------


def _acled_page_url(
    base: str, key: str, email: str, country: str, after: int, page: int, limit: int
) -> str:
    query = {
        "key": key,
        "email": email,
        "country": country,
        "timestamp": str(after),
        "timestamp_where": ">",
        "limit": str(limit),
        "page": str(page),
    }
    return base + ("&" if "?" in base else "?") + urllib.parse.urlencode(query)


def _acled_page(url: str) -> list[dict[str, object]]:
    with _open(url) as resp:
        raw = resp.read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise FetchError(f"{_safe_url(url)}: the reply is not JSON") from None
    if not isinstance(data, dict) or data.get("success") is False or "data" not in data:
        detail = data.get("error") if isinstance(data, dict) else None
        raise FetchError(f"{_safe_url(url)}: ACLED refused the query: {detail or data!r:.200}")
    rows = data["data"]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FetchError(f"{_safe_url(url)}: 'data' is not a list of events")
    return rows


def write_acled_csv(rows: Sequence[dict[str, object]], path: Path) -> Path:
    """Rows of the API's JSON as an ACLED CSV in the current 31-column layout (fields the
    API leaves out are blank; fields beyond the layout are dropped)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CURRENT_COLUMNS)
        for r in rows:
            w.writerow(["" if r.get(c) is None else str(r.get(c)) for c in CURRENT_COLUMNS])
    return path


def update_acled(
    con: duckdb.DuckDBPyConnection,
    downloads: Path,
    countries: Sequence[str] = ("Belarus",),
    base: str | None = None,
    key: str | None = None,
    email: str | None = None,
    rules: MappingRules | None = None,
    status: Status = _quiet,
    progress: ProgressFactory | None = None,
    page_size: int = ACLED_PAGE,
    keep: bool = False,
) -> SourceReport:
    """Fetch and ingest ACLED events edited since the last update, per country.

    Args:
        con: the store.
        downloads: folder for the page files.
        countries: ACLED country names to query.
        base: the read endpoint (default: ``$SECONDFRONT_ACLED_URL`` or the public one).
        key, email: credentials (default: ``$ACLED_KEY``, ``$ACLED_EMAIL``); without
            them ACLED is skipped with a note.
        rules: mapping rules passed on to ``ingest``.
        status, progress: as for :func:`update_gdelt`.
        page_size: rows per page.
        keep: keep the page files.
    """
    ensure_tables(con)
    report = SourceReport("acled")
    key = key or env_value(ENV_ACLED_KEY)
    email = email or env_value(ENV_ACLED_EMAIL)
    if not key or not email:
        report.note = f"skipped: set {ENV_ACLED_KEY} and {ENV_ACLED_EMAIL} to query ACLED"
        return report
    url = base or env_value(ENV_ACLED) or DEFAULT_ACLED
    _check_scheme(url)
    for country in countries:
        query = f"country={country}"
        after = int(_cursor(con, "acled", query) or 0)
        newest = after
        page = 1
        try:
            while True:
                page_url = _acled_page_url(url, key, email, country, after, page, page_size)
                status(f"ACLED {country}: page {page} (edited after {after})")
                rows = _acled_page(page_url)
                page_key = f"{query}|after={after}|page={page}"
                if rows:
                    dest = downloads / f"acled-{_slug(country)}-{after}-p{page}.csv"
                    write_acled_csv(rows, dest)
                    counts = _ingest_one(con, dest, "acled", rules, progress, report)
                    _record(con, "acled", page_key, _safe_url(page_url), "ingested", counts=counts)
                    if not keep:
                        dest.unlink(missing_ok=True)
                    for r in rows:
                        ts = str(r.get("timestamp") or "")
                        if ts.isdigit():
                            newest = max(newest, int(ts))
                if len(rows) < page_size:
                    break
                page += 1
        except FetchError as e:
            report.failed.append((f"{query}|page={page}", str(e)))
            continue  # the cursor stays: the next run asks again from the same point
        if newest > after:
            _set_cursor(con, "acled", query, str(newest))
    return report


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower() or "all"


def downloads_folder(db: Path | None) -> Path:
    """``<store>.downloads/`` beside the store (created)."""
    from secondfront.evidence.store import default_db_path

    path = Path(db) if db is not None else default_db_path()
    folder = path.with_name(path.name + ".downloads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def update(
    con: duckdb.DuckDBPyConnection,
    downloads: Path,
    sources: Sequence[str] = ("gdelt", "acled"),
    since: dt.datetime | None = None,
    countries: Sequence[str] = ("Belarus",),
    rules: MappingRules | None = None,
    status: Status = _quiet,
    progress: ProgressFactory | None = None,
    keep: bool = False,
) -> UpdateReport:
    """Bring the store up to date from each source in turn (module docstring).

    Raises:
        UsageError: an unknown source name.
        FetchError: a source's file list cannot be read at all.
    """
    unknown = set(sources) - {"gdelt", "acled"}
    if unknown:
        raise UsageError(f"unknown source {sorted(unknown)[0]!r}; sources: gdelt, acled")
    report = UpdateReport()
    if "gdelt" in sources:
        report.sources.append(
            update_gdelt(
                con, downloads, since, rules=rules, status=status, progress=progress, keep=keep
            )
        )
    if "acled" in sources:
        report.sources.append(
            update_acled(
                con, downloads, countries, rules=rules, status=status, progress=progress, keep=keep
            )
        )
    return report


__all__ = [
    "ACLED_PAGE",
    "DEFAULT_ACLED",
    "DEFAULT_GDELT",
    "ENV_ACLED",
    "ENV_ACLED_EMAIL",
    "ENV_ACLED_KEY",
    "ENV_GDELT",
    "FetchError",
    "ListedFile",
    "SourceReport",
    "UpdateReport",
    "download",
    "downloads_folder",
    "ensure_tables",
    "parse_file_list",
    "update",
    "update_acled",
    "update_gdelt",
    "write_acled_csv",
]
