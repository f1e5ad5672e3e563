"""Read and write networks in the Hugin NET format (the ``.net`` files of Hugin Expert,
also read and written by GeNIe, pyAgrum and many research tools).

The subset read here is the discrete Bayesian network of the NET language::

    file      := ( "net" "{" attribute* "}" )? ( node | potential )*
    node      := ( "discrete" )? ( "chance" )? "node" NAME "{" attribute* "}"
    potential := "potential" "(" NAME ( "|" NAME* )? ")" "{" attribute* "}"
    attribute := NAME "=" value ";"
    value     := STRING | NUMBER | NAME | "(" value* ")"

``%`` starts a comment to the end of the line. A node's ``states`` is a list of strings
and ``label`` its description; a potential's ``data`` is the table as nested lists,
parents in the header's order and the child's own states innermost, which flattens to
this package's CPT layout. Object-oriented classes, continuous, decision and utility
nodes and joint potentials (two names before ``|``) are not Bayesian-network tables
and are refused with their position.

Why a hand-written reader: pyAgrum reads NET files but reports only a first error,
and neither it nor pgmpy can be a runtime dependency; the grammar is small, and the
package's other readers give every problem of a file with its line and column at once.
"""

from __future__ import annotations

import bisect
import re
from os import PathLike
from pathlib import Path

import numpy as np

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.assembly import Declaration, assemble, identifiers
from secondfront.model.network import Network

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|%[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[{}()=;|])
    """,
    re.VERBOSE,
)

# Nesting of value lists beyond this is not a table any tool writes; refusing it keeps a
# hostile file from exhausting the stack.
_MAX_DEPTH = 64

Value = str | float | list["Value"]


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []
        self.tokens: list[tuple[str, str, int]] = []
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                self.error(pos, f"unexpected character {text[pos]!r}")
                pos = text.find("\n", pos)
                pos = len(text) if pos < 0 else pos
                continue
            kind = m.lastgroup or ""
            if kind != "space":
                self.tokens.append((kind, m.group(), pos))
            pos = m.end()
        self.i = 0
        self.end_pos = len(text)

    # -- positions and tokens ----------------------------------------------------------

    def where(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, pos)
        return line, pos - self.starts[line - 1] + 1

    def error(self, pos: int, message: str) -> None:
        self.diags.append(Diagnostic(self.path, *self.where(pos), message))

    def peek(self) -> tuple[str, str, int]:
        if self.i < len(self.tokens):
            return self.tokens[self.i]
        return ("eof", "", self.end_pos)

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, text: str) -> bool:
        kind, value, pos = self.peek()
        if value != text or kind not in ("punct", "name"):
            shown = value or "end of file"
            self.error(pos, f"expected {text!r}, found {shown!r}")
            return False
        self.i += 1
        return True

    # -- grammar ---------------------------------------------------------------------------

    def value(self, depth: int = 0) -> Value:
        kind, text, pos = self.take()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "number":
            return float(text)
        if kind == "name":
            return text
        if text == "(":
            if depth >= _MAX_DEPTH:
                self.error(pos, f"lists nested deeper than {_MAX_DEPTH} levels")
                raise _Abort
            items: list[Value] = []
            while self.peek()[1] != ")":
                if self.peek()[0] == "eof":
                    self.error(pos, "this '(' is never closed")
                    raise _Abort
                items.append(self.value(depth + 1))
            self.i += 1
            return items
        self.error(pos, f"expected a value, found {text or 'end of file'!r}")
        raise _Abort

    def attributes(self) -> dict[str, tuple[Value, int]]:
        """``{ name = value; ... }`` -> name -> (value, position of the value)."""
        attrs: dict[str, tuple[Value, int]] = {}
        if not self.expect("{"):
            raise _Abort
        while self.peek()[1] != "}":
            kind, name, pos = self.take()
            if kind != "name":
                self.error(pos, f"expected an attribute name, found {name or 'end of file'!r}")
                raise _Abort
            if not self.expect("="):
                raise _Abort
            vpos = self.peek()[2]
            attrs[name] = (self.value(), vpos)
            if not self.expect(";"):
                raise _Abort
        self.i += 1
        return attrs

    def parse(self) -> tuple[str, list[Declaration]]:
        name = ""
        decls: dict[str, Declaration] = {}
        tables: list[tuple[str, tuple[str, ...], dict[str, tuple[Value, int]], int]] = []
        try:
            while self.peek()[0] != "eof":
                _, word, pos = self.take()
                if word == "net":
                    attrs = self.attributes()
                    label = attrs.get("name") or attrs.get("label")
                    if label is not None and isinstance(label[0], str):
                        name = label[0]
                elif word in ("node", "discrete", "chance"):
                    if word != "node":
                        while self.peek()[1] in ("discrete", "chance"):
                            self.i += 1
                        if not self.expect("node"):
                            raise _Abort
                    self.node(decls)
                elif word in ("continuous", "decision", "utility", "function"):
                    self.error(pos, f"{word} nodes are not supported: only discrete chance nodes")
                    raise _Abort
                elif word == "class":
                    self.error(pos, "object-oriented classes are not supported; export a flat net")
                    raise _Abort
                elif word == "potential":
                    tables.append(self.potential())
                else:
                    self.error(pos, f"expected 'net', 'node' or 'potential', found {word!r}")
                    raise _Abort
        except _Abort:
            return name, []
        self.attach(tables, decls)
        return name, list(decls.values())

    def attach(
        self,
        tables: list[tuple[str, tuple[str, ...], dict[str, tuple[Value, int]], int]],
        decls: dict[str, Declaration],
    ) -> None:
        """Give each declared node its potential's parents and numbers."""
        for child, parents, attrs, pos in tables:
            decl = decls.get(child)
            if decl is None:
                self.error(pos, f"potential for undeclared node {child!r}")
                continue
            decl.parents = parents
            decl.table_line, decl.table_col = self.where(pos)
            data = attrs.get("data")
            if data is None:
                self.error(pos, f"potential of {child!r} has no 'data'")
                continue
            numbers = _flatten(data[0])
            if numbers is None:
                self.error(data[1], f"'data' of {child!r} must hold numbers only")
                continue
            decl.values = numbers

    def node(self, decls: dict[str, Declaration]) -> None:
        kind, name, pos = self.take()
        if kind != "name":
            self.error(pos, f"expected a node name, found {name or 'end of file'!r}")
            raise _Abort
        attrs = self.attributes()
        states = attrs.get("states")
        values: tuple[str, ...] = ()
        if states is None:
            self.error(pos, f"node {name!r} has no 'states'")
        elif not isinstance(states[0], list) or not all(isinstance(s, str) for s in states[0]):
            self.error(states[1], f"'states' of {name!r} must be a list of strings")
        else:
            values = tuple(str(s) for s in states[0])
        label = attrs.get("label")
        line, col = self.where(pos)
        if name in decls:
            self.error(pos, f"node {name!r} is declared twice")
            return
        decls[name] = Declaration(
            name,
            values,
            line,
            col,
            label=label[0] if label is not None and isinstance(label[0], str) else "",
        )

    def potential(self) -> tuple[str, tuple[str, ...], dict[str, tuple[Value, int]], int]:
        _, _, pos = self.peek()
        if not self.expect("("):
            raise _Abort
        heads: list[str] = []
        parents: list[str] = []
        target = heads
        while self.peek()[1] != ")":
            kind, word, wpos = self.take()
            if word == "|" and target is heads:
                target = parents
            elif kind == "name":
                target.append(word)
            else:
                self.error(wpos, f"expected a node name or '|', found {word or 'end of file'!r}")
                raise _Abort
        self.i += 1
        if len(heads) != 1:
            self.error(pos, "a potential must name exactly one node before '|'")
            raise _Abort
        return heads[0], tuple(parents), self.attributes(), pos


class _Abort(Exception):
    """Stops parsing after a syntax error (its diagnostic is already recorded)."""


def _flatten(value: Value) -> list[float] | None:
    out: list[float] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(reversed(v))
        elif isinstance(v, float):
            out.append(v)
        else:
            return None
    return out


def parse_net(text: str, path: str = "<string>") -> Network:
    """Parse Hugin NET text into a ``Network`` (variables in topological order).

    Raises:
        SpecError: every problem found, each with its line and column.
    """
    reader = _Reader(text, path)
    name, decls = reader.parse()
    if reader.diags:
        raise SpecError(sorted(reader.diags))
    if not decls:
        raise SpecError([Diagnostic(path, 1, 1, "no node found")])
    return assemble(name or Path(path).stem, decls, path)


def read_net(path: str | PathLike[str]) -> Network:
    """Read a ``.net`` file (UTF-8, or Latin-1 when it is not valid UTF-8)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_net(text, str(path))


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def write_net(network: Network) -> str:
    """The network as Hugin NET text that :func:`parse_net`, pyAgrum and Hugin read.

    Names that are not identifiers (``Asy/Patch``, ``5-12``) are written as identifiers
    (see :func:`~secondfront.model.assembly.identifiers`) with the original name kept in
    the node's ``label`` when it has none. Values use Python's shortest round-tripping
    ``repr``, so a network read back from the text has exactly the same tables.
    """
    ids = identifiers(network.names)
    out = ["net\n{\n", f"    name = {_string(network.name)};\n", "}\n"]
    for var in network:
        label = var.label or (var.name if ids[var.name] != var.name else "")
        states = " ".join(_string(s) for s in var.states)
        out.append(f"\nnode {ids[var.name]}\n{{\n")
        if label:
            out.append(f"    label = {_string(label)};\n")
        out.append(f"    states = ({states});\n}}\n")
    for var in network:
        head = ids[var.name]
        if var.parents:
            head += " | " + " ".join(ids[p] for p in var.parents)
        cpt = np.asarray(network.cpts[var.name], dtype=np.float64)
        out.append(f"\npotential ({head})\n{{\n    data = {_nested(cpt)};\n}}\n")
    return "".join(out)


def _nested(table: np.ndarray) -> str:
    if table.ndim == 1:
        return "(" + " ".join(repr(float(x)) for x in table) + ")"
    return "(" + " ".join(_nested(t) for t in table) + ")"


def dump_net(network: Network, path: str | PathLike[str]) -> None:
    """Write :func:`write_net`'s text to ``path`` (UTF-8)."""
    Path(path).write_text(write_net(network), encoding="utf-8")
