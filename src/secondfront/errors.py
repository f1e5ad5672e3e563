"""Every exception secondfront raises, in one tree.

::

    SecondfrontError                 base; the CLI turns any of these into exit status 2
    ├── SpecError                    a model file (YAML spec, BIF, XMLBIF), an evidence
    │                                batch (JSON lines) or the YAML of a society
    │                                parameters file is invalid, or over a limit of
    │                                model.limits; one Diagnostic per problem, all of them
    ├── QueryError                   a query names an unknown variable or state
    │   └── ImpossibleEvidenceError  the evidence has probability zero under the model
    ├── SourceTextError              a source text does not contain a claim's locator
    ├── UsageError                   a command was called with arguments that cannot work
    └── EvidenceError                something about event data or the event store
        ├── InputFormatError         a file cannot be read as the format asked for
        │                            (names the file, line and field)
        ├── StoreError               the store is from a newer version, locked or damaged
        └── RulesError               a mapping or timeline file is invalid

A bad *row* of event data is not an error: it goes to quarantine with its reason and
the ingest goes on. ``InputFormatError`` is for a file that cannot be read at all.

A user error never shows a traceback: the CLI prints ``str(error)`` and exits 2.
A ``Diagnostic`` prints in the compiler convention ``path:line:col: error: message`` so
editors and CI logs can jump to the line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one file, at a 1-based line and column.

    Attributes:
        path: the file as the user named it.
        line: 1-based line number (0 when the position is unknown, e.g. a missing key).
        col: 1-based column number (0 when unknown).
        message: what is wrong and, where possible, how to fix it.
    """

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: error: {self.message}"


class SecondfrontError(Exception):
    """Base class of every error this package raises on purpose."""


class SpecError(SecondfrontError):
    """A model file has one or more problems; ``diagnostics`` lists all of them, sorted."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: list[Diagnostic] = sorted(diagnostics)
        if not self.diagnostics:
            raise ValueError("SpecError needs at least one diagnostic")
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[SpecError], tuple[list[Diagnostic]]]:
        # Rebuilt from its diagnostics, not its message: a SpecError raised in a worker
        # process (a simulation run reading its parameters file) crosses back pickled.
        return type(self), (self.diagnostics,)


class QueryError(SecondfrontError):
    """A query names a variable or a state the model does not have."""


class ImpossibleEvidenceError(QueryError):
    """The evidence has probability zero, so no posterior exists.

    Attributes:
        evidence: the offending evidence, as the user gave it.
        rows: indices (within a batch) of the evidence sets with P(e) = 0.
    """

    def __init__(self, evidence: object, rows: Sequence[int] = (0,)) -> None:
        self.evidence = evidence
        self.rows = list(rows)
        where = "" if self.rows == [0] else f" (batch rows {self.rows[:10]})"
        super().__init__(
            f"impossible evidence{where}: P(e) = 0 for {evidence!r}; "
            "the model gives these observations together zero probability. "
            "Remove or soften one of them."
        )


class SourceTextError(SecondfrontError):
    """Some claim locators do not resolve to a sentence in the supplied source text."""


class UsageError(SecondfrontError):
    """Arguments that cannot work together, explained in one line."""


def unknown_name(kind: str, name: str, valid: Iterable[str]) -> QueryError:
    """Build the one-line error for an unknown variable or state.

    The closest valid name comes first ("did you mean ...?"); the valid names are listed
    when there is no close match or when there are few of them, so that a typo in one of
    40 variables gets one suggestion rather than 40 names.
    """
    names = list(valid)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    noun, _, owner = kind.partition(" of ")
    plural = f"{noun}s of {owner}" if owner else f"{noun}s"
    message = f"unknown {kind} {name!r}"
    if not close:
        return QueryError(f"{message}; valid {plural}: {', '.join(names)}")
    message += f"; did you mean {close[0]!r}?"
    if len(names) <= _LIST_AT_MOST:
        return QueryError(f"{message} Valid {plural}: {', '.join(names)}")
    return QueryError(f"{message} ({len(names)} valid {plural})")


# With a suggestion, longer lists of valid names are left out of the message.
_LIST_AT_MOST = 12


class TooLargeError(UsageError):
    """An input whose estimated cost (memory, work) is over a limit; refused before paying."""


class EvidenceError(SecondfrontError):
    """Base of the evidence layer's errors."""


class InputFormatError(EvidenceError):
    """A file cannot be read as the requested format.

    Attributes:
        path: the file as the user named it.
        line: 1-based line (0 when the whole file is concerned).
        field: the field or part of the file concerned ("" when none).
    """

    def __init__(self, path: str, line: int, field: str, message: str) -> None:
        self.path, self.line, self.field = path, line, field
        where = f"{path}:{line}" if line else path
        what = f" field {field!r}:" if field else ""
        super().__init__(f"{where}:{what} {message}")


class StoreError(EvidenceError):
    """The store cannot be used (newer schema, locked by another process, damaged)."""


class RulesError(EvidenceError):
    """A mapping or timeline file is invalid; the message names file, line and field.

    Attributes:
        diagnostics: every located problem, sorted (empty when the message is about the
            file as a whole, e.g. that it does not exist).
    """

    def __init__(self, message: str, diagnostics: Iterable[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = sorted(diagnostics)

    @classmethod
    def located(cls, diagnostics: Iterable[Diagnostic]) -> RulesError:
        """One error listing every diagnostic, one per line."""
        found = sorted(set(diagnostics))
        return cls("\n".join(str(d) for d in found), found)
