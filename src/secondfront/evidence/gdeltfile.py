"""A GDELT event file as bytes: its layouts, its unpacking from a zip, its line scan.

The adapter (``gdelt``) stores what this module reads: it hands over a plain file on
disk (a zip's single member unpacked to a temporary file, within stated bounds) and
what one pass over its bytes tells (line count, line ending, UTF-8, the id at the start
of every line).

Archive bounds: a zip member is unpacked only when its expanded size is at most
``unzip_limit()`` bytes (4 GiB, ``$SECONDFRONT_UNZIP_LIMIT``), at most ``unzip_ratio()``
times its compressed size once past 64 MiB (100, ``$SECONDFRONT_UNZIP_RATIO``: GDELT text
compresses about tenfold, a zip bomb a thousandfold), and when the temporary folder has
room for it. The sizes a zip declares are checked first and the bytes actually written
while unpacking, since a crafted archive can declare anything. A damaged member (a zlib
or CRC error) or a truncated archive (no central directory at its end) is a located
one-line error, never taken for a file of another kind.
"""

from __future__ import annotations

import codecs
import errno
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np

from secondfront.errors import InputFormatError, UsageError
from secondfront.evidence.registry import background_priority
from secondfront.model.limits import human_bytes, limit

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

_BLOCK = 1 << 22


_ID_WIDTH = 20  # bytes looked at from each line's start: up to 18 digits and the tab


def _line_ids(buf: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The GLOBALEVENTID at the start of each line, or -1 where there is none.

    Args:
        buf: bytes of whole lines, shape (n_bytes,), uint8; every line ends in ``\\n``.
        starts: offset of each line's first byte in ``buf``, shape (n_lines,), int64.

    Returns:
        shape (n_lines,), int64: each line's leading run of 1 to 18 ASCII digits read as
        an integer when a tab follows it (exactly the text DuckDB reads as that BIGINT),
        else -1.

    Vectorised over lines (~0.1 s per million, in the shape thread): the first
    ``_ID_WIDTH`` bytes of every line are gathered into a (n_lines, 20) array and the
    digits folded column by column. A compiled loop would be ~10x faster here, but
    would cost every ingest process ~0.6 s to load the compiler and its cache.
    """
    n = starts.size
    head = np.full((n, _ID_WIDTH), 10, np.uint8)  # past the end reads as a newline
    inside = starts <= buf.size - _ID_WIDTH
    if inside.any():
        windows = np.lib.stride_tricks.sliding_window_view(buf, _ID_WIDTH)
        head[inside] = windows[starts[inside]]
    for r in np.flatnonzero(~inside):  # the few lines starting near the end of buf
        tail = buf[starts[r] : starts[r] + _ID_WIDTH]
        head[r, : tail.size] = tail
    digit = (head >= 48) & (head <= 57)
    width = np.argmin(digit, axis=1)  # the first byte that is not a digit
    ids = np.zeros(n, np.int64)
    for j in range(min(int(width.max(initial=0)), 18)):
        ids = np.where(j < width, ids * 10 + (head[:, j].astype(np.int64) - 48), ids)
    after = head[np.arange(n), width]
    return np.where((width > 0) & (width < 19) & (after == 9), ids, -1)


@dataclass
class Shape:
    """What one pass over the bytes tells: line count, line ending, encoding, line ids.

    Attributes:
        lines: physical lines (newline bytes, plus one for a last line without one).
        crlf: the first 64 KiB hold a CRLF line ending.
        ids: after :meth:`finish`, the GLOBALEVENTID text of each line parsed as an
            integer, shape (lines,), int64; -1 for a line that does not start with one.
        unique: after :meth:`finish`, every line starts with an id and no id repeats,
            so each id names one line (the fast path indexes the lines by it).
    """

    lines: int = 0
    crlf: bool = False
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    unique: bool = False
    _newlines: int = 0
    _offset: int = 0
    _bad_utf8: bool = False
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")()
    )
    # The start of the line that the last block cut, at most _HEAD bytes: enough for its
    # id and the tab after it, and never a whole overlong line held in memory.
    _carry: bytes = b""
    _parts: list[np.ndarray] = field(default_factory=list)

    @property
    def utf8(self) -> bool:
        """Every byte so far is UTF-8 (a sequence cut off at the end is not)."""
        return not self._bad_utf8 and self._decoder.getstate()[0] == b""

    def feed(self, block: bytes) -> None:
        """Account for the next block of the file."""
        if not block:
            return
        if self._offset < 1 << 16 and b"\r\n" in block[: (1 << 16) - self._offset]:
            self.crlf = True
        # Checked here rather than by the fast path's reader, which decodes only the
        # columns a query uses: ``isascii`` is nearly free, and only blocks with other
        # bytes pay for a decode.
        if not self._bad_utf8 and not (block.isascii() and self.utf8):
            try:
                self._decoder.decode(block)
            except UnicodeDecodeError:
                self._bad_utf8 = True
        self._offset += len(block)
        buf = self._carry + block
        a = np.frombuffer(buf, np.uint8)
        # numpy's vectorised compare finds the newlines far faster than a byte loop
        # (measured: ~0.1 s for 370 MB, against ~0.4 s in a compiled one).
        ends = np.flatnonzero(a == 10)
        if ends.size:
            starts = np.empty(ends.size, np.int64)
            starts[0] = 0
            starts[1:] = ends[:-1] + 1
            self._parts.append(_line_ids(a, starts))
            self._newlines += int(ends.size)
            self._carry = buf[int(ends[-1]) + 1 :][:_HEAD]
        else:
            self._carry = buf[:_HEAD]
        # A carry is left exactly when the bytes so far end inside a line.
        self.lines = self._newlines + (self._carry != b"")

    def finish(self) -> Shape:
        """Take the last line (one without a newline) and decide ``unique``; returns self."""
        parts = list(self._parts)
        if self.lines > self._newlines:
            last = np.frombuffer(self._carry + b"\n", np.uint8)
            parts.append(_line_ids(last, np.zeros(1, np.int64)))
        self.ids = np.concatenate(parts) if parts else np.empty(0, np.int64)
        ids = self.ids
        # GDELT files list their events by increasing id, which shows uniqueness in one
        # pass; other orders pay for a sort (~0.05 s per million lines).
        if not (ids[1:] > ids[:-1]).all():
            ids = np.sort(ids)
        self.unique = bool(ids.size and ids[0] >= 0 and (ids[1:] > ids[:-1]).all())
        return self


_HEAD = 64


def _shape(path: Path) -> Shape:
    """Scan a plain file in 4 MiB blocks (never whole in memory)."""
    shape = Shape()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            shape.feed(block)
    return shape.finish()


ENV_UNZIP_LIMIT = limit("unzip_limit").env
ENV_UNZIP_RATIO = limit("unzip_ratio").env
UNZIP_LIMIT = limit("unzip_limit").default
"""Bytes a zip member may expand to, by default (a GDELT daily file is ~0.2 GB)."""
UNZIP_RATIO = limit("unzip_ratio").default
"""How many times its compressed size a member may expand to, by default."""
RATIO_FLOOR = 64 << 20
"""Below this expanded size the ratio is not checked: small files compress unevenly."""
SPARE = 64 << 20
"""Free bytes left in the temporary folder after unpacking (DuckDB needs some too)."""
ZIP_MAGIC = b"PK\x03\x04"


def unzip_limit() -> int:
    """Bytes a zip member may expand to (``$SECONDFRONT_UNZIP_LIMIT``, default 4 GiB)."""
    return limit("unzip_limit").value()


def unzip_ratio() -> int:
    """Expanded/compressed ratio allowed past ``RATIO_FLOOR`` (``$SECONDFRONT_UNZIP_RATIO``)."""
    return limit("unzip_ratio").value()


def _allowed(where: str, name: str, compressed: int, expanded: int) -> int:
    """The bytes member ``name`` may expand to; an InputFormatError when ``expanded``
    (declared, or written so far) is already past it."""
    limit, ratio = unzip_limit(), unzip_ratio()
    allowed = min(limit, max(RATIO_FLOOR, ratio * max(compressed, 1)))
    if expanded > allowed:
        what = (
            f"more than {limit:,} bytes ({human_bytes(limit)}; ${ENV_UNZIP_LIMIT})"
            if expanded > limit
            else f"{expanded / max(compressed, 1):,.0f} times its compressed size "
            f"({compressed:,} bytes), past the limit of {ratio} (${ENV_UNZIP_RATIO})"
        )
        raise InputFormatError(
            where,
            0,
            name,
            f"refused: the zip member expands to {expanded:,} bytes ({human_bytes(expanded)}), "
            f"{what}; a GDELT file is far smaller. Raise the limit only for an archive you trust.",
        )
    return allowed


def _room(where: str, folder: str, needed: int) -> None:
    """Refuse to unpack ``needed`` bytes into ``folder`` unless it has room and to spare."""
    free = shutil.disk_usage(folder).free
    if free < needed + SPARE:
        raise UsageError(
            f"{where}: unpacking needs {needed:,} bytes ({human_bytes(needed)}) in {folder}, "
            f"which has {free:,} free ({human_bytes(free)}; {human_bytes(SPARE)} are kept "
            "spare); free some space or set TMPDIR to a larger folder"
        )


@contextmanager
def plain_file(path: Path, where: str) -> Iterator[tuple[Path, Future[Shape]]]:
    """The path itself, or a temporary unpacked copy of a zip's single member; its shape.

    A zip member's shape is taken while it is unpacked, so its bytes are read once; a
    plain file's is taken in a thread, beside DuckDB's work on the same file (both
    release the interpreter lock for most of it). A zip is unpacked within the bounds of
    the module docstring.

    Raises:
        InputFormatError: a truncated or damaged archive, a damaged member, a member
            past the bounds, or an archive that does not hold exactly one file.
        UsageError: no room in the temporary folder.
    """
    with path.open("rb") as fh:
        zipped = fh.read(len(ZIP_MAGIC)) == ZIP_MAGIC
    if not zipped and not zipfile.is_zipfile(path):
        with ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="gdelt-shape", initializer=background_priority
        ) as pool:
            yield path, pool.submit(_shape, path)
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise InputFormatError(
            where,
            0,
            "",
            f"truncated or damaged zip archive ({e}); a zip's directory is at its end, so a "
            "cut download loses it: fetch the file again",
        ) from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) != 1:
            raise InputFormatError(
                where, 0, "", f"a GDELT zip holds one file; this one holds {len(members)}"
            )
        member = members[0]
        allowed = _allowed(where, member.filename, member.compress_size, member.file_size)
        folder = tempfile.gettempdir()
        _room(where, folder, member.file_size)
        fd, tmp = tempfile.mkstemp(prefix="secondfront-gdelt-", suffix=".CSV")
        try:
            shape = Shape()
            written = 0
            try:
                with os.fdopen(fd, "wb") as out, zf.open(member) as src:
                    while block := src.read(_BLOCK):
                        written += len(block)
                        if written > allowed:
                            _allowed(where, member.filename, member.compress_size, written)
                        shape.feed(block)
                        out.write(block)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
                raise InputFormatError(
                    where,
                    0,
                    member.filename,
                    f"damaged zip member after {written:,} of {member.file_size:,} bytes: "
                    f"{e}; fetch the file again",
                ) from None
            except OSError as e:
                if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
                    raise UsageError(
                        f"{where}: no space left while unpacking to {tmp} after {written:,} "
                        f"bytes ({e.strerror}); free some space or set TMPDIR elsewhere"
                    ) from None
                raise
            done: Future[Shape] = Future()
            done.set_result(shape.finish())
            yield Path(tmp), done
        finally:
            os.unlink(tmp)


MAX_LINE = 1 << 20
"""Bytes of one line read into memory (a GDELT line is under 2 KB); a longer one is one
reject, and reading resumes at the next line."""
_BATCH = 50_000  # lines staged per insert


def _lines(fh: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """Each line of a binary file, cut to ``MAX_LINE`` bytes, and its whole length."""
    while piece := fh.readline(MAX_LINE):
        size = len(piece)
        if len(piece) == MAX_LINE and not piece.endswith(b"\n"):
            while more := fh.readline(MAX_LINE):  # read past the rest, keeping none of it
                size += len(more)
                if more.endswith(b"\n"):
                    break
        yield piece, size


def field_count(path: Path, where: str) -> int:
    """The layout's field count: the most common among the first 200 non-blank lines."""
    counts: dict[int, int] = {}
    with path.open("rb") as fh:
        for i, (line, _) in enumerate(_lines(fh)):
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


def stage_slow(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Stage the file through Python, line by line; returns the staging table's name.

    Memory is bounded: a line is read ``MAX_LINE`` bytes at most, and a longer one is
    staged with its reason (and its first bytes) so that it becomes one reject.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _gdelt_stage (line BIGINT, raw VARCHAR, pre_reason VARCHAR)"
    )
    n = 0
    raws: list[str] = []
    reasons: list[str | None] = []

    def flush() -> None:
        con.execute(
            "INSERT INTO _gdelt_stage SELECT $1 + generate_subscripts($2, 1), unnest($2), "
            "unnest($3) FROM (SELECT 1)",
            [n - len(raws), raws, reasons],
        )
        raws.clear()
        reasons.clear()

    with path.open("rb") as fh:
        for b, size in _lines(fh):
            n += 1
            b = b.rstrip(b"\r\n")
            if size > MAX_LINE:
                raws.append(b[:RAW_KEPT].decode("utf-8", "backslashreplace"))
                reasons.append(f"a line of {size:,} bytes, over the limit of {MAX_LINE:,}")
            else:
                try:
                    raws.append(b.decode("utf-8"))
                    reasons.append(None)
                except UnicodeDecodeError as e:
                    raws.append(b.decode("utf-8", "backslashreplace"))
                    reasons.append(f"not valid UTF-8 at byte {e.start} of line {n}")
            if len(raws) >= _BATCH:
                flush()
    if raws:
        flush()
    return "_gdelt_stage"


RAW_KEPT = 1 << 16  # bytes of an oversized line kept in quarantine


__all__ = [
    "COLUMNS_1",
    "COLUMNS_1_BACKFILE",
    "COLUMNS_2",
    "ENV_UNZIP_LIMIT",
    "ENV_UNZIP_RATIO",
    "LAYOUTS",
    "MAX_LINE",
    "RATIO_FLOOR",
    "UNZIP_LIMIT",
    "UNZIP_RATIO",
    "Shape",
    "field_count",
    "plain_file",
    "stage_slow",
    "unzip_limit",
    "unzip_ratio",
]
