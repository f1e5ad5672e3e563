"""CSV records read whole and bounded, and the field checks of the CSV adapters.

The ACLED adapters (``acled``, ``acled-deletions``) read their files through
:func:`read_records`, which finds each record's boundaries itself before the csv
module parses it: a record is one reject however it is broken (an oversized field, a
quote left open, NUL bytes, bytes that are not UTF-8), and reading resumes at the next
record. The field checks (:func:`int_field`) hold each value to the range of the column
it is stored in, so a row that passes never fails its chunk's insert.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from secondfront.errors import InputFormatError

# 9999-12-31T23:59:59Z: the last second a TIMESTAMP (and Python's datetime) can hold.
MAX_EPOCH = 253_402_300_799
# The range of a stored INTEGER column: a value outside it would fail the chunk's insert.
INT32 = (-(2**31), 2**31 - 1)
MAX_DIGITS = 19


def unique_columns(header: list[str], path: str) -> list[str]:
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


class RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}")


def int_field(
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
        raise RowError(field, "is empty")
    # Whole numbers written as floats ("12.0") are read as integers; the digit count is
    # checked first, since int() of thousands of digits is slow and float() overflows.
    digits = v[:-2] if v.endswith(".0") else v
    if len(digits.lstrip("+-")) > MAX_DIGITS:
        raise RowError(field, f"{short(v)} has more than {MAX_DIGITS} digits")
    try:
        x = int(digits)
    except ValueError:
        raise RowError(field, f"{short(v)} is not an integer") from None
    lo = INT32[0] if lo is None else lo
    hi = INT32[1] if hi is None else hi
    if not lo <= x <= hi:
        raise RowError(field, f"{x} is outside {lo}..{hi}")
    return x


def short(v: str, n: int = 40) -> str:
    """``repr(v)``, cut to ``n`` characters: a reason names the value, not a megabyte."""
    return repr(v) if len(v) <= n else repr(v[:n]) + f"... ({len(v)} characters)"


def opt_int(v: object) -> int | None:
    return None if v is None else int(v)  # type: ignore[call-overload]


def has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def header_names(head: bytes) -> list[str]:
    """The column names on a CSV's first line, stripped and lower-cased ([] if none)."""
    first = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    try:
        names = next(csv.reader([first]), [])
    except csv.Error:
        return []
    return [n.strip().lower() for n in names]


MAX_RECORD = 1 << 20
"""Characters of one CSV record read into memory; a longer record is one reject."""
OVERSIZED_KEPT = 1 << 16
"""Characters of an oversized record kept (with its length and SHA-256) for quarantine."""
_PIECE = 1 << 16  # characters read at a time from one physical line


@dataclass(frozen=True)
class Record:
    """One CSV record of a file.

    Attributes:
        line: the 1-based line where it starts.
        raw: its text, as read (its first ``OVERSIZED_KEPT`` characters for an
            oversized one).
        fields: its fields, or None when it cannot be read as CSV (see ``problem``).
        problem: why it cannot be read ("" when it can).
        sha256: for an oversized record, the SHA-256 of its whole text as bytes in the
            file (hex); "" otherwise. With the length in ``problem``, it identifies
            what was refused though most of it is not kept.
    """

    line: int
    raw: str
    fields: list[str] | None
    problem: str = ""
    sha256: str = ""


def still_quoted(text: str, quoted: bool) -> bool:
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
        # A quote opens a field at the start of the text or right after a comma (the
        # character before ``i`` is never a comma: ``i`` follows a closing quote).
        if i == 0 and text.startswith('"'):
            quoted, i = True, 1
            continue
        j = text.find(',"', i)
        if j < 0:
            return False
        quoted, i = True, j + 2


def parse_record(line: int, raw: str, size: int, sha256: str = "") -> Record:
    """A record's fields, or the one reason it cannot be read.

    Args:
        line: where it starts (1-based).
        raw: its text (at most ``MAX_RECORD + 1`` characters of an oversized one).
        size: its whole length in characters.
        sha256: the digest of the whole record when it is oversized.
    """
    if size > MAX_RECORD:
        return Record(
            line,
            raw[:OVERSIZED_KEPT],
            None,
            f"a record of {size} characters (over {raw.count(chr(10)) + 1}+ lines; sha256 "
            f"{sha256}; its first {OVERSIZED_KEPT} characters kept) exceeds the limit of "
            f"{MAX_RECORD}; is a quote left open?",
            sha256,
        )
    if "\x00" in raw:
        return Record(line, raw, None, "a NUL character: binary data, not CSV text")
    if has_surrogate(raw):
        return Record(line, raw, None, "not valid UTF-8 text")
    try:
        fields = next(csv.reader(raw.splitlines(keepends=True)), [])
    except csv.Error as e:
        return Record(line, raw, None, f"malformed CSV record: {e}")
    return Record(line, raw, fields)


def read_records(path: Path) -> Iterator[Record]:
    """Every CSV record of a file, in order, each whole (see :func:`_still_quoted`).

    Memory is bounded: a physical line is read ``_PIECE`` characters at a time, and at
    most ``MAX_RECORD`` characters of a record are kept; the rest of an oversized
    record is read past (hashed, so its reject carries the digest of the whole), up to
    its end, and the next record is read normally.
    """
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        line_no = 0
        start = 1
        parts: list[str] = []
        kept = size = 0
        quoted = False
        at_line_start = True
        digest = None  # of an oversized record, from the piece that passed the limit
        while piece := fh.readline(_PIECE):
            if at_line_start:
                line_no += 1
            if not parts and not size:
                start = line_no
            cut = piece[: max(0, MAX_RECORD + 1 - kept)]
            if cut:
                parts.append(cut)
                kept += len(cut)
            size += len(piece)
            if size > MAX_RECORD:
                if digest is None:
                    digest = hashlib.sha256(_as_bytes("".join(parts)))
                digest.update(_as_bytes(piece[len(cut) :]))
            at_line_start = piece.endswith(("\n", "\r"))
            quoted = still_quoted(piece, quoted)
            if quoted or not at_line_start:
                continue
            yield parse_record(start, "".join(parts), size, _hex(digest))
            parts, kept, size, digest = [], 0, 0, None
        if parts:
            rec = parse_record(start, "".join(parts), size, _hex(digest))
            if quoted and not rec.problem:
                rec = Record(start, rec.raw, None, "a quoted field is not closed before the end")
            yield rec


def _as_bytes(text: str) -> bytes:
    """Text read with ``surrogateescape`` back as the file's bytes."""
    return text.encode("utf-8", "surrogateescape")


def _hex(digest: hashlib._Hash | None) -> str:
    return digest.hexdigest() if digest is not None else ""


def printable(raw: str) -> str:
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def header_record(records: Iterator[Record], where: str, expected: str) -> tuple[str, list[str]]:
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


def malformed(rec: Record, n_cols: int) -> str | None:
    """Why a CSV record cannot be read as a row of a file with ``n_cols`` columns, or
    None when it can (``rec.fields`` is then a list of exactly ``n_cols`` strings)."""
    if rec.fields is None:
        return rec.problem or "malformed CSV record"
    if not rec.fields or (len(rec.fields) == 1 and not rec.fields[0].strip()):
        return "empty or malformed CSV record"
    if len(rec.fields) != n_cols:
        return f"{len(rec.fields)} fields where the header has {n_cols}"
    return None


__all__ = [
    "INT32",
    "MAX_DIGITS",
    "MAX_EPOCH",
    "MAX_RECORD",
    "OVERSIZED_KEPT",
    "Record",
    "RowError",
    "has_surrogate",
    "header_names",
    "header_record",
    "int_field",
    "malformed",
    "opt_int",
    "parse_record",
    "printable",
    "read_records",
    "short",
    "still_quoted",
    "unique_columns",
]
