"""Read and write networks in the BIF interchange format (Cozman's BIF 0.15, as used by
the bnlearn repository, pgmpy, pyAgrum and most tools).

Grammar (whitespace-insensitive; ``//`` line and ``/* */`` block comments anywhere)::

    file        := ( network | variable | probability )*
    network     := "network" NAME "{" property* "}"
    variable    := "variable" NAME "{" ( type | property )* "}"
    type        := "type" "discrete" "[" INT "]" "{" NAME ( ","? NAME )* "}" ";"
    property    := "property" anything-up-to ";"
    probability := "probability" "(" NAME ( ( "|" | "," )? NAME ( "," NAME )* )? ")"
                   "{" ( row | table | default | property )* "}"
    row         := "(" NAME ( "," NAME )* ")" NUMBER ( ","? NUMBER )* ";"
    table       := "table" NUMBER ( ","? NUMBER )* ";"
    default     := "default" NUMBER ( ","? NUMBER )* ";"

A NAME is a run of characters ending at whitespace or one of ``{}()[],;|"``, so the
standard networks' names such as ``Asy/Patch``, ``5-12`` or ``0_5___1_5`` need no
quoting; a double-quoted string (with ``\\"`` and ``\\\\`` escapes) is accepted wherever a
NAME is, and :func:`write_bif` quotes exactly the names that need it. The old header
form ``probability ( CHILD P1 P2 )`` without ``|`` is accepted too.

Value order:

* A row ``(a, b) v1, v2, ...;`` gives the child's distribution for the parent states
  named in the header's parent order; the values follow the child's declared states.
* ``table`` lists the whole CPT with the *child's state slowest* and, within it, the
  parent configurations with the *last parent fastest*: for ``probability ( C | A, B )``
  the values are ``P(c0|a0,b0), P(c0|a0,b1), ..., P(c0|aN,bM), P(c1|a0,b0), ...``. This is
  how pgmpy's ``BIFReader`` (``reshape(card(child), -1)``) and pyAgrum read it; for a
  variable without parents it is simply the distribution.
* ``default`` gives the distribution for every parent configuration that has no row.

Every variable needs a probability block, and every parent configuration needs a row
(or a ``default``). A row may miss 1 by at most ``ROW_SUM_TOLERANCE``, because the
standard networks are written with ~7 significant digits and their rows miss 1 by up to
~3e-7; accepted rows are then renormalised in float64 (divided by their sum; rows already
within 1e-12 of 1 are kept as written, so :func:`write_bif` then :func:`parse_bif` gives
the network back exactly). Variables may be declared and
defined in any order; the resulting ``Network`` lists them in topological order.

Why a hand-written tokenizer and recursive-descent parser rather than pyparsing (pgmpy)
or pyAgrum: every problem is reported with its exact line and column, all problems of a
file are collected into one ``SpecError``, and it is fast: the tokens come from one
compiled regular expression, and the numbers of a row are split and converted in one
step (falling back to token-by-token scanning only to locate an error). pgmpy's reader
takes seconds on the large networks; this one parses hepar2 or win95pts in a few
milliseconds and munin or pathfinder in a fraction of a second. pyAgrum's BIF reader
also rounds the values to float32, and it rejects state names such as ``Asy/Patch``.
"""

from __future__ import annotations

import bisect
import difflib
import gzip
import math
import re
from dataclasses import dataclass, field
from itertools import product
from os import PathLike
from pathlib import Path

import numpy as np

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.limits import GZIP_MAGIC, gunzip_limited, read_limited, table_size_problem
from secondfront.model.network import (
    ROW_SUM_TOLERANCE,
    Network,
    Variable,
    normalise_rows,
    topological_order,
)

__all__ = ["dump_bif", "parse_bif", "read_bif", "write_bif"]

# One token after any whitespace and comments. Groups: 1 punctuation, 2 quoted string,
# 3 bare word, 4 end of input. The skip loop is possessive so a failed match (only on an
# unterminated comment or string) cannot backtrack through long runs of whitespace. A
# slash belongs to a word unless it starts a comment, so ``Asy/Patch`` is one word.
_TOKEN = re.compile(
    r"""(?:\s|//[^\n]*|/\*.*?\*/)*+
    (?:
        ([{}()\[\],;|])
      | ("(?:[^"\\]|\\.)*")
      | ((?:[^\s{}()\[\],;|"/]|/(?![/*]))+)
      | (\Z)
    )""",
    re.VERBOSE | re.DOTALL,
)
_SKIP = re.compile(r"(?:\s|//[^\n]*|/\*.*?\*/)*+", re.DOTALL)
_BARE = re.compile(r"(?:[^\s{}()\[\],;|\"/]|/(?![/*]))+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# A value list that contains anything but digits, signs, dots, exponents, commas and
# whitespace (a comment, a word, a brace from a missing ';') takes the slow path.
_NOT_PLAIN_NUMBERS = re.compile(r"[^\s,0-9.eE+\-]")
_LABEL = re.compile(r"\s*label\s*=\s*(.*?)\s*", re.DOTALL)
_COUNT = re.compile(r"[0-9]{1,18}")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)

_PUNCT, _STRING, _WORD, _EOF = 1, 2, 3, 4
_TOP_KEYWORDS = frozenset({"network", "variable", "probability"})
# Rows this close to 1 are already normalised as far as float64 goes and are kept as
# written; dividing them by their sum would move values by an ulp on every reading, and
# writing then re-reading a network would not give it back exactly.
# How many missing parent configurations one diagnostic spells out.
_MAX_LISTED = 5


class _Syntax(Exception):
    """Internal: a syntax error at a text offset; the parser records it and resynchronises."""

    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


@dataclass
class _VarDecl:
    name: str
    pos: int
    states: list[tuple[str, int]] = field(default_factory=list)
    label: str = ""
    broken: bool = False  # a syntax error inside the declaration: skip checks that need it


@dataclass
class _Row:
    pos: int  # of "("
    names: list[tuple[str, int]]
    values: list[float] | None  # None when some value was invalid (already reported)
    values_pos: int


@dataclass
class _ProbBlock:
    child: str
    child_pos: int
    pos: int  # of the "probability" keyword
    parents: list[tuple[str, int]] = field(default_factory=list)
    rows: list[_Row] = field(default_factory=list)
    table: tuple[list[float] | None, int] | None = None
    default: tuple[list[float] | None, int] | None = None
    broken: bool = False


class _Parser:
    """Recursive-descent parser over a one-token lookahead; collects diagnostics."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.diags: list[Diagnostic] = []
        self._newlines: list[int] | None = None
        self.network_name: str | None = None
        self.variables: list[_VarDecl] = []
        self.blocks: list[_ProbBlock] = []
        # Lookahead token: kind, text, start offset; ``pos`` is where lexing resumes.
        self.pos = 0
        self.kind = _EOF
        self.value = ""
        self.start = 0
        self.prev = ""  # text of the token before the lookahead (for resynchronising)
        self._advance()

    # -- positions and diagnostics -----------------------------------------------------

    def line_col(self, pos: int) -> tuple[int, int]:
        """1-based line and column of a text offset (newline table built on first use)."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._newlines, pos)
        line_start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, pos - line_start + 1

    def error(self, pos: int, message: str) -> None:
        line, col = self.line_col(pos)
        self.diags.append(Diagnostic(self.path, line, col, message))

    # -- lexing --------------------------------------------------------------------------

    def _advance(self) -> None:
        self.prev = self.value if self.kind != _EOF else ""
        m = _TOKEN.match(self.text, self.pos)
        if m is None:
            # Only an unterminated comment or string fails to match; report it and stop.
            skipped = _SKIP.match(self.text, self.pos)
            at = skipped.end() if skipped else self.pos
            if self.text.startswith("/*", at):
                self.error(at, "unterminated comment: '/*' has no closing '*/'")
            else:
                self.error(at, "unterminated string: no closing '\"'")
            self.pos = len(self.text)
            self.kind, self.value, self.start = _EOF, "", len(self.text)
            return
        kind = m.lastindex or _EOF
        self.kind = kind
        self.start = m.start(kind)
        self.value = m.group(kind)
        self.pos = m.end()

    def _describe(self) -> str:
        if self.kind == _EOF:
            return "end of file"
        return repr(self.value) if len(self.value) <= 60 else _short(self.value)

    def _expect(self, punct: str) -> int:
        if self.kind != _PUNCT or self.value != punct:
            raise _Syntax(self.start, f"expected '{punct}', got {self._describe()}")
        start = self.start
        self._advance()
        return start

    def _is(self, punct: str) -> bool:
        return self.kind == _PUNCT and self.value == punct

    def _name(self, what: str) -> tuple[str, int]:
        """Consume a NAME (bare word or quoted string); returns it with its offset."""
        if self.kind == _WORD:
            name = self.value
        elif self.kind == _STRING:
            name = _UNESCAPE.sub(r"\1", self.value[1:-1])
        else:
            raise _Syntax(self.start, f"expected {what}, got {self._describe()}")
        start = self.start
        self._advance()
        return name, start

    def _keyword(self, word: str) -> None:
        if self.kind != _WORD or self.value != word:
            raise _Syntax(self.start, f"expected '{word}', got {self._describe()}")
        self._advance()

    # -- grammar ---------------------------------------------------------------------------

    def parse(self) -> None:
        while self.kind != _EOF:
            current: _VarDecl | _ProbBlock | None = None
            try:
                if self.kind == _WORD and self.value == "network":
                    self._network()
                elif self.kind == _WORD and self.value == "variable":
                    self._advance()
                    name, pos = self._name("a variable name")
                    current = _VarDecl(name, pos)
                    self.variables.append(current)
                    self._variable_body(current)
                elif self.kind == _WORD and self.value == "probability":
                    pos = self.start
                    self._advance()
                    self._expect("(")
                    child, child_pos = self._name("a variable name")
                    current = _ProbBlock(child, child_pos, pos)
                    self.blocks.append(current)
                    self._probability_body(current)
                else:
                    raise _Syntax(
                        self.start,
                        f"expected 'network', 'variable' or 'probability', got {self._describe()}",
                    )
            except _Syntax as e:
                self.error(e.pos, e.message)
                if current is not None:
                    current.broken = True
                self._resynchronise()

    def _resynchronise(self) -> None:
        """Skip to the next top-level keyword that follows a '}' (or is the bad token)."""
        if self.kind == _WORD and self.value in _TOP_KEYWORDS:
            return  # e.g. a missing '}': the next block starts right here
        while self.kind != _EOF:
            self._advance()
            if self.kind == _WORD and self.value in _TOP_KEYWORDS and self.prev == "}":
                return

    def _network(self) -> None:
        self._advance()
        name, _ = self._name("a network name")
        if self.network_name is None:
            self.network_name = name
        self._expect("{")
        while not self._is("}"):
            if self.kind == _WORD and self.value == "property":
                self._property()
            else:
                raise _Syntax(self.start, f"expected 'property' or '}}', got {self._describe()}")
        self._advance()

    def _property(self) -> str:
        """Consume ``property ... ;`` and return the raw text between them."""
        self._advance()
        first = self.start
        last = first
        while not self._is(";"):
            if self.kind == _EOF or self._is("}"):
                raise _Syntax(
                    self.start, f"expected ';' to end the property, got {self._describe()}"
                )
            last = self.pos
            self._advance()
        self._advance()
        return self.text[first:last]

    def _variable_body(self, decl: _VarDecl) -> None:
        self._expect("{")
        typed = False
        while not self._is("}"):
            if self.kind == _WORD and self.value == "type":
                if typed:
                    self.error(self.start, f"variable {decl.name!r} has a second 'type' line")
                typed = True
                self._type(decl)
            elif self.kind == _WORD and self.value == "property":
                raw = self._property()
                m = _LABEL.fullmatch(raw)
                if m:
                    label = m.group(1)
                    if len(label) >= 2 and label[0] == '"' and label[-1] == '"':
                        label = _UNESCAPE.sub(r"\1", label[1:-1])
                    decl.label = label
            else:
                raise _Syntax(
                    self.start, f"expected 'type', 'property' or '}}', got {self._describe()}"
                )
        if not typed:
            self.error(
                decl.pos,
                f"variable {decl.name!r} has no 'type discrete [ n ] {{ ... }};' line",
            )
            decl.broken = True
        self._advance()

    def _type(self, decl: _VarDecl) -> None:
        self._advance()
        self._keyword("discrete")
        self._expect("[")
        # ASCII digits only (str.isdigit also accepts '²', which int() refuses), and few
        # enough of them that int() is cheap.
        if self.kind != _WORD or not _COUNT.fullmatch(self.value):
            raise _Syntax(self.start, f"expected the number of states, got {self._describe()}")
        declared, declared_pos = int(self.value), self.start
        self._advance()
        self._expect("]")
        self._expect("{")
        states: list[tuple[str, int]] = []
        while not self._is("}"):
            states.append(self._name("a state name"))
            if self._is(","):
                self._advance()
        self._advance()
        self._expect(";")
        seen: dict[str, int] = {}
        for state, pos in states:
            if state in seen:
                self.error(pos, f"duplicate state {state!r} in variable {decl.name!r}")
                decl.broken = True
            seen.setdefault(state, pos)
        if not states:
            self.error(declared_pos, f"variable {decl.name!r} lists no states")
            decl.broken = True
        elif declared != len(states):
            self.error(
                declared_pos,
                f"variable {decl.name!r} declares {declared} states but lists {len(states)}",
            )
        decl.states = states

    def _probability_body(self, block: _ProbBlock) -> None:
        # Header: "| P1, P2" or the old form "P1 P2" (optionally comma-separated).
        if self._is("|") or self._is(","):
            self._advance()
        while not self._is(")"):
            block.parents.append(self._name("a parent name or ')'"))
            if self._is(","):
                self._advance()
        self._advance()
        self._expect("{")
        while not self._is("}"):
            if self._is("("):
                block.rows.append(self._row())
            elif self.kind == _WORD and self.value == "table":
                pos = self.start
                self._advance()
                if block.table is not None:
                    self.error(pos, f"second 'table' for {block.child!r}")
                block.table = (self._values(), pos)
            elif self.kind == _WORD and self.value == "default":
                pos = self.start
                self._advance()
                if block.default is not None:
                    self.error(pos, f"second 'default' for {block.child!r}")
                block.default = (self._values(), pos)
            elif self.kind == _WORD and self.value == "property":
                self._property()
            else:
                raise _Syntax(
                    self.start,
                    f"expected '(', 'table', 'default' or '}}', got {self._describe()}",
                )
        self._advance()

    def _row(self) -> _Row:
        pos = self._expect("(")
        names: list[tuple[str, int]] = []
        while not self._is(")"):
            names.append(self._name("a parent state name"))
            if self._is(","):
                self._advance()
            elif not self._is(")"):
                raise _Syntax(self.start, f"expected ',' or ')', got {self._describe()}")
        self._advance()
        values_pos = self.start
        return _Row(pos, names, self._values(), values_pos)

    def _values(self) -> list[float] | None:
        """Numbers up to and including ';' (commas optional). None if one was invalid."""
        start = self.start
        semi = self.text.find(";", start)
        if semi >= 0 and self.kind == _WORD:
            chunk = self.text[start:semi]
            if not _NOT_PLAIN_NUMBERS.search(chunk):
                try:
                    values = [float(v) for v in chunk.replace(",", " ").split()]
                except ValueError:
                    values = None
                if values and min(values) >= 0.0 and max(values) <= 1.0:
                    self.pos = semi
                    self._advance()  # lexes the ';'
                    self._advance()
                    return values
        return self._values_slow()

    def _values_slow(self) -> list[float] | None:
        """Token-by-token version of :meth:`_values` that pinpoints each bad value."""
        values: list[float] = []
        ok = True
        while not self._is(";"):
            if self._is(","):
                self._advance()
                continue
            if self.kind == _WORD:
                if _NUMBER.fullmatch(self.value):
                    v = float(self.value)
                    if not 0.0 <= v <= 1.0:
                        self.error(
                            self.start, f"probability {_short(self.value)} is outside [0, 1]"
                        )
                        ok = False
                    values.append(v)
                else:
                    self.error(self.start, f"expected a number, got {self._describe()}")
                    ok = False
                self._advance()
            else:
                raise _Syntax(self.start, f"expected a number or ';', got {self._describe()}")
        self._advance()
        return values if ok else None


def _short(token: str) -> str:
    """A token as shown in a message: whole when short, else its start and its length."""
    if len(token) <= 60:
        return token
    return f"{token[:40]!r}... ({len(token):,} characters)"


def _configurations(n: int) -> str:
    return f"{n:,} parent configuration{'' if n == 1 else 's'}"


def _fmt_config(names: tuple[str, ...], states: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"{n}={s}" for n, s in zip(names, states, strict=True)) + ")"


def _fmt_values(values: np.ndarray) -> str:
    return ", ".join(f"{v:.10g}" for v in values.tolist())


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _build(parser: _Parser) -> Network | None:
    """Semantic checks on the parsed blocks; the Network, or None when there are errors."""
    decls: dict[str, _VarDecl] = {}
    for decl in parser.variables:
        if decl.name in decls:
            line, _ = parser.line_col(decls[decl.name].pos)
            parser.error(
                decl.pos, f"duplicate variable {decl.name!r} (first declared on line {line})"
            )
            continue
        decls[decl.name] = decl
    known = list(decls)
    if not decls and not parser.diags:
        parser.error(0, "no variables declared; expected 'variable NAME { ... }' blocks")
    states = {n: tuple(s for s, _ in d.states) for n, d in decls.items()}
    index = {n: {s: i for i, s in enumerate(st)} for n, st in states.items()}

    cpts: dict[str, np.ndarray] = {}
    parents_of: dict[str, tuple[str, ...]] = {}
    block_of: dict[str, _ProbBlock] = {}
    for block in parser.blocks:
        child = block.child
        usable = not block.broken
        if child not in decls:
            parser.error(
                block.child_pos,
                f"unknown variable {child!r} in probability block{_did_you_mean(child, known)}",
            )
            continue
        if child in block_of:
            line, _ = parser.line_col(block_of[child].pos)
            parser.error(
                block.pos, f"second probability block for {child!r} (first on line {line})"
            )
            continue
        block_of[child] = block
        usable = _parents_usable(parser, block, decls) and usable
        parents = tuple(p for p, _ in block.parents)
        parents_of[child] = parents
        if usable and not decls[child].broken:
            cpt = _fill_cpt(parser, block, parents, states, index)
            if cpt is not None:
                cpts[child] = cpt

    for name, decl in decls.items():
        if name not in block_of:
            parser.error(decl.pos, f"variable {name!r} has no probability block")

    order = topological_order({n: parents_of.get(n, ()) for n in decls})
    if order and isinstance(order[0], list):
        for cycle in order:
            assert isinstance(cycle, list)
            path = " -> ".join([*cycle, cycle[0]])
            parser.error(block_of[cycle[-1]].pos, f"the parents form a cycle: {path}")
        return None
    if parser.diags:
        return None
    variables = {
        n: Variable(n, states[n], parents_of[n], decls[n].label)
        for n in order
        if isinstance(n, str)
    }
    name = parser.network_name if parser.network_name is not None else "unknown"
    return Network(
        name,
        variables,
        {n: cpts[n] for n in variables},
    )


def _parents_usable(parser: _Parser, block: _ProbBlock, decls: dict[str, _VarDecl]) -> bool:
    """Report unknown, self- and twice-listed parents; whether the table can be checked."""
    child = block.child
    usable = True
    seen_parents: set[str] = set()
    for p, pos in block.parents:
        if p not in decls:
            parser.error(
                pos, f"unknown variable {p!r} as parent of {child!r}{_did_you_mean(p, list(decls))}"
            )
            usable = False
        elif p == child:
            parser.error(pos, f"{child!r} is listed as its own parent")
            usable = False
        elif p in seen_parents:
            parser.error(pos, f"parent {p!r} of {child!r} is listed twice")
            usable = False
        elif decls[p].broken:
            usable = False
        seen_parents.add(p)
    return usable


def _fill_rows(
    parser: _Parser,
    block: _ProbBlock,
    parents: tuple[str, ...],
    states: dict[str, tuple[str, ...]],
    index: dict[str, dict[str, int]],
    table: np.ndarray,
    where: np.ndarray,
) -> bool:
    """Write the block's rows into ``table`` (configurations x child states) and their
    positions into ``where``; False once a row was reported."""
    child = block.child
    n_child = len(states[child])
    cards = tuple(len(states[p]) for p in parents)
    strides = [math.prod(cards[i + 1 :]) for i in range(len(cards))]
    ok = True
    for row in block.rows:
        if len(row.names) != len(parents):
            expected = ", ".join(parents) if parents else "none"
            parser.error(
                row.pos,
                f"row of {child!r} names {len(row.names)} parent states, "
                f"expected {len(parents)} ({expected})",
            )
            ok = False
            continue
        k = 0
        good = True
        for (state, pos), p, stride in zip(row.names, parents, strides, strict=True):
            i = index[p].get(state)
            if i is None:
                parser.error(
                    pos,
                    f"{state!r} is not a state of parent {p!r} "
                    f"(states: {', '.join(states[p])}){_did_you_mean(state, list(states[p]))}",
                )
                good = False
            else:
                k += i * stride
        if not good or row.values is None:
            ok = False
            continue
        config = tuple(s for s, _ in row.names)
        if len(row.values) != n_child:
            parser.error(
                row.values_pos,
                f"row {_fmt_config(parents, config)} of {child!r} has {len(row.values)} "
                f"values, expected {n_child} (one per state of {child!r})",
            )
            ok = False
            continue
        if where[k] >= 0:
            line, _ = parser.line_col(int(where[k]))
            parser.error(
                row.pos,
                f"duplicate row {_fmt_config(parents, config)} of {child!r} "
                f"(first given on line {line})",
            )
            ok = False
            continue
        table[k] = row.values
        where[k] = row.values_pos
    return ok


def _fill_table(parser: _Parser, block: _ProbBlock, table: np.ndarray, where: np.ndarray) -> bool:
    """Write the block's ``table`` line into ``table`` (configurations x child states);
    False once a problem was reported (a wrong count, or rows given as well)."""
    assert block.table is not None
    child = block.child
    n_configs, n_child = table.shape
    ok = True
    values, pos = block.table
    if values is None:
        ok = False
    elif len(values) != n_configs * n_child:
        parser.error(
            pos,
            f"table of {child!r} has {len(values)} values, expected "
            f"{n_configs * n_child} ({_configurations(n_configs)} x {n_child} states)",
        )
        ok = False
    else:
        # Child state slowest, last parent fastest (pgmpy's reshape(card(child), -1)).
        table[:] = np.asarray(values, dtype=np.float64).reshape(n_child, n_configs).T
        where[:] = pos
    if block.rows:
        parser.error(block.rows[0].pos, f"{child!r} has both a 'table' and rows; use one")
        ok = False
    return ok


def _fill_cpt(
    parser: _Parser,
    block: _ProbBlock,
    parents: tuple[str, ...],
    states: dict[str, tuple[str, ...]],
    index: dict[str, dict[str, int]],
) -> np.ndarray | None:
    """The block's CPT, shape ``(card(p1), ..., card(pk), card(child))``, or None on errors."""
    child = block.child
    n_child = len(states[child])
    cards = tuple(len(states[p]) for p in parents)
    # A few lines of BIF with a 'default' can declare a table of any size: estimate it
    # before allocating.
    too_large = table_size_problem(cards, n_child)
    if too_large is not None:
        parser.error(block.pos, f"probability block of {child!r}: {too_large}")
        return None
    n_configs = math.prod(cards)
    table = np.full((n_configs, n_child), np.nan)
    # Where to point at when a configuration's row is wrong; -1 = not given (yet).
    where = np.full(n_configs, -1, dtype=np.int64)
    ok = True  # False once a problem is reported, so no "missing row" cascade follows

    if block.table is not None:
        ok = _fill_table(parser, block, table, where)
    elif not _fill_rows(parser, block, parents, states, index, table, where):
        ok = False

    if block.default is not None:
        values, pos = block.default
        if values is None:
            ok = False
        elif len(values) != n_child:
            parser.error(
                pos,
                f"default of {child!r} has {len(values)} values, expected {n_child} "
                f"(one per state of {child!r})",
            )
            ok = False
        else:
            unset = where < 0
            table[unset] = values
            where[unset] = pos

    missing = np.flatnonzero(where < 0)
    if ok and missing.size:
        combos = [
            _fmt_config(parents, tuple(states[p][i] for p, i in zip(parents, idx, strict=True)))
            for idx in (np.unravel_index(int(k), cards) for k in missing[:_MAX_LISTED])
        ]
        more = f" and {missing.size - _MAX_LISTED} more" if missing.size > _MAX_LISTED else ""
        parser.error(
            block.pos,
            f"probability block of {child!r} has no row for "
            f"{', '.join(combos)}{more}; add the rows or a 'default' line",
        )
        ok = False

    given = where >= 0
    sums = table.sum(axis=1)
    bad = np.flatnonzero(given & ~(np.abs(sums - 1.0) <= ROW_SUM_TOLERANCE))
    for k in bad.tolist():
        idx = np.unravel_index(k, cards)
        config = tuple(states[p][i] for p, i in zip(parents, idx, strict=True))
        what = f"row {_fmt_config(parents, config)}" if parents else "distribution"
        parser.error(
            int(where[k]),
            f"{what} of {child!r} sums to {sums[k]:.10g} ({_fmt_values(table[k])}); "
            f"each row must sum to 1 within {ROW_SUM_TOLERANCE:g}",
        )
        ok = False
    if not ok:
        return None
    return normalise_rows(table).reshape((*cards, n_child))


def parse_bif(text: str, path: str = "<string>") -> Network:
    """Parse BIF text into a ``Network`` (variables in topological order).

    Rows within ``ROW_SUM_TOLERANCE`` of 1 are accepted and renormalised in float64.

    Args:
        text: the whole BIF document.
        path: the name diagnostics use.

    Returns:
        the network; each CPT has shape ``(card(p1), ..., card(pk), card(child))``.

    Raises:
        SpecError: with one ``Diagnostic`` (exact line and column) per problem found.
    """
    parser = _Parser(text, path)
    parser.parse()
    network = _build(parser)
    if network is None:
        raise SpecError(parser.diags)
    return network


def read_bif(path: str | PathLike[str]) -> Network:
    """Read a ``.bif`` file, gzip-compressed or not (detected by content, not by name).

    The text is decoded as UTF-8, or as Latin-1 when it is not valid UTF-8 (older files).
    The file, and a compressed file's text, may be at most ``SECONDFRONT_MAX_MODEL_BYTES``
    long; a compressed file is refused as it expands past that, or past
    ``SECONDFRONT_MAX_EXPANSION_RATIO`` times its compressed size (see
    :mod:`secondfront.model.limits`), before it is decompressed whole.

    Raises:
        SpecError: as :func:`parse_bif`; also, with one diagnostic, when the file cannot
            be read, is over a limit, or is truncated or corrupt gzip data.
    """
    name = str(path)
    data = read_limited(path)
    if data[:2] == GZIP_MAGIC:
        data = gunzip_limited(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_bif(text, name)


def _quote(name: str) -> str:
    """A NAME as BIF text: bare when the tokenizer reads it back as one word, else quoted."""
    if _BARE.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_bif(network: Network) -> str:
    """The network as BIF text that :func:`parse_bif` reads back exactly.

    Variables are written in the network's (topological) order; a root variable's CPT as
    a ``table``, every other one as one row per parent configuration, the last parent
    varying fastest. Values use Python's shortest round-tripping ``repr``, so float64
    CPTs survive unchanged. A non-empty ``Variable.label`` becomes ``property label``.

    Args:
        network: any network.

    Returns:
        the BIF document.
    """
    out: list[str] = [f"network {_quote(network.name)} {{\n}}\n"]
    for var in network:
        out.append(f"variable {_quote(var.name)} {{\n")
        out.append(
            f"  type discrete [ {var.card} ] {{ {', '.join(_quote(s) for s in var.states)} }};\n"
        )
        if var.label:
            escaped = var.label.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'  property label = "{escaped}" ;\n')
        out.append("}\n")
    for var in network:
        cpt = np.asarray(network.cpts[var.name], dtype=np.float64)
        if not var.parents:
            out.append(f"probability ( {_quote(var.name)} ) {{\n")
            out.append(f"  table {', '.join(map(repr, cpt.tolist()))};\n}}\n")
            continue
        parents = ", ".join(_quote(p) for p in var.parents)
        out.append(f"probability ( {_quote(var.name)} | {parents} ) {{\n")
        rows = cpt.reshape(-1, var.card).tolist()
        configs = product(*(network.variables[p].states for p in var.parents))
        for config, row in zip(configs, rows, strict=True):
            names = ", ".join(_quote(s) for s in config)
            out.append(f"  ({names}) {', '.join(map(repr, row))};\n")
        out.append("}\n")
    return "".join(out)


def dump_bif(network: Network, path: str | PathLike[str]) -> None:
    """Write :func:`write_bif`'s text to ``path``, gzip-compressed when it ends in ``.gz``."""
    text = write_bif(network).encode("utf-8")
    if str(path).endswith(".gz"):
        text = gzip.compress(text)
    Path(path).write_bytes(text)
