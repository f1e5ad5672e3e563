"""Evidence sets from a JSON-lines file, one ``{variable: value}`` object per line.

This is the input of ``secondfront infer --batch``. A value is a state name (hard
evidence) or a list of non-negative numbers, one likelihood per state (soft evidence).

The file may come from anywhere, so it is read defensively, and every problem is a
``Diagnostic`` at its line (``path:line:col: error: message``) in a ``SpecError``, never
another exception: bytes that are not UTF-8 (at the line and the byte within it), a
line longer than ``SECONDFRONT_MAX_JSON_LINE_BYTES`` (refused before it is read whole),
JSON that does not parse or nests deeper than evidence ever needs (the standard
library would recurse until a ``RecursionError``), integers with more digits than a
likelihood can use (Python refuses to convert over 4,300 digits, with a
``ValueError``), a line that is not an object, and values that are neither a state
name nor a list of numbers. The reader stops at the first bad line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.limits import limit

__all__ = ["MAX_DEPTH", "LineEvidence", "read_evidence_lines"]

LineEvidence = dict[str, str | list[float]]
"""One line's evidence: variable -> a state name, or likelihoods over its states."""

MAX_DEPTH = 3
"""Deepest nesting of an evidence line: the object, a list of likelihoods, and one spare."""

# A likelihood needs a handful of digits; 400 keeps int() cheap and far below Python's
# 4,300-digit limit on converting text to int.
_MAX_INT_DIGITS = 400  # also in the message of _parse_int


class _LineError(Exception):
    def __init__(self, col: int, message: str) -> None:
        super().__init__(message)
        self.col = col
        self.message = message


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _MAX_INT_DIGITS:
        raise _LineError(1, f"an integer of {digits:,} digits is too long (at most 400)")
    return int(text)


def _depth_problem(line: str) -> _LineError | None:
    """Where brackets outside strings nest deeper than ``MAX_DEPTH``, found before parsing."""
    depth = 0
    in_string = escaped = False
    for i, ch in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _LineError(
                    i + 1,
                    f"JSON nested more than {MAX_DEPTH} levels deep; an evidence line is "
                    '{"VAR": "STATE"} or {"VAR": [likelihood, ...]}',
                )
        elif ch in "]}":
            depth -= 1
    return None


def _check_row(row: object) -> LineEvidence:
    if not isinstance(row, dict):
        raise _LineError(1, 'each line must be a JSON object {"VAR": "STATE", ...}')
    for name, value in row.items():
        if isinstance(value, str):
            continue
        if isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        ):
            continue
        raise _LineError(
            1,
            f"the value of {name!r} must be a state name or a list of likelihoods "
            f"(numbers), got {json.dumps(value)[:60]}",
        )
    return row


def _parse_line(raw: bytes) -> LineEvidence | None:
    """The evidence of one line, None for a blank line; _LineError when it is bad."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.end].hex(" ")
        raise _LineError(
            exc.start + 1,
            f"not valid UTF-8: byte(s) {bad} at byte {exc.start + 1} ({exc.reason}); "
            "save the file as UTF-8",
        ) from None
    if not line.strip():
        return None
    # The character scan runs only when there are enough brackets to nest too deep.
    if line.count("[") + line.count("{") > MAX_DEPTH:
        deep = _depth_problem(line)
        if deep is not None:
            raise deep
    try:
        row = json.loads(line, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise _LineError(exc.colno, f"not JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # a number Python will not convert
        raise _LineError(1, f"not usable JSON: {exc}") from None
    return _check_row(row)


def read_evidence_lines(path: str | os.PathLike[str]) -> list[tuple[int, LineEvidence]]:
    """``(line number, evidence)`` for each non-blank line of a JSON-lines file.

    Args:
        path: the file; lines end in ``\\n``, blank lines are skipped.

    Returns:
        1-based line numbers with the evidence object of each line, in file order.

    Raises:
        SpecError: one diagnostic at the first bad line (see the module docstring), or
            at line 0 when the file cannot be read.
    """
    name = os.fspath(path)
    cap = limit("max_json_line_bytes")
    max_line = cap.value()
    rows: list[tuple[int, LineEvidence]] = []
    try:
        with Path(path).open("rb") as fh:
            n = 0
            while True:
                raw = fh.readline(max_line + 1)
                if not raw:
                    return rows
                n += 1
                if len(raw) > max_line and not raw.endswith(b"\n"):
                    raise SpecError(
                        [
                            Diagnostic(
                                name,
                                n,
                                max_line + 1,
                                f"line longer than {max_line:,} bytes; one evidence set is a "
                                f"short JSON object ({cap.hint()})",
                            )
                        ]
                    )
                try:
                    row = _parse_line(raw.rstrip(b"\r\n"))
                except _LineError as exc:
                    raise SpecError([Diagnostic(name, n, exc.col, exc.message)]) from None
                if row is not None:
                    rows.append((n, row))
    except OSError as exc:
        raise SpecError([Diagnostic(name, 0, 0, f"cannot read file: {exc}")]) from None
