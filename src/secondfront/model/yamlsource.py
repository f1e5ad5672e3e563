"""YAML loading that remembers where every value came from.

A spec checker must point at the line of a problem. PyYAML's ``safe_load`` returns
plain data without positions, so this module composes the node graph
(``yaml.compose`` with a ``SafeLoader``), builds plain Python data from it, and keeps
a table from *paths* to 1-based ``(line, col)`` positions. A path is the tuple of keys
and list indices leading to a value, e.g. ``("variables", 3, "table", "rows", 2, "p")``,
the same shape as a pydantic error ``loc``.

Speed: PyYAML's Python scanner and parser took about 0.13 s of the flagship model's
0.15 s read, most of what a ``forecast`` spent reading its four YAML files. Where PyYAML
was built with libyaml (its wheels are), libyaml scans and parses and the composer here
builds the same nodes from its events (15 ms for the flagship). Any text that read finds
a problem in, and any text where the two parsers are known to differ (a tab; inside
``[...]`` or ``{...}``, a '?' in a plain scalar or an empty value; an empty value at
the end of a text without a final line break; the bare tag '!'; ``|#``), is read again, or
only, by the Python parser: results, messages and positions are PyYAML's either way
(the tests compare both readers on the shipped files, broken and hostile files, random
edits and random documents).

Two deliberate departures from PyYAML's defaults:

* Duplicate mapping keys are reported (PyYAML silently keeps the last one, which
  would silently drop a parameter).
* Only ``true``/``false`` are booleans, as in YAML 1.2. PyYAML follows YAML 1.1, where
  ``yes``, ``no``, ``on``, ``off``, ``y`` and ``n`` are booleans too; state names such as
  ``yes``/``no`` are common in scenario models and must stay strings.

Hostile input. The files come from anywhere, so reading one is bounded and every
failure is a located ``Diagnostic``, never an exception:

* size: a file over ``SECONDFRONT_MAX_YAML_BYTES`` is refused before it is parsed;
* nesting: PyYAML composes nodes recursively, so thousands of nested ``[`` would end in
  a ``RecursionError``; more than ``SECONDFRONT_YAML_MAX_DEPTH`` levels are refused
  while composing, counting the levels an alias brings in where it is used;
* aliases and merge keys: an alias is a reference, but the plain data built from the
  document holds a copy of what it names for every use, so ten lines can stand for
  billions of values (an "alias bomb"). While composing, each node's expanded size is
  known from its children's, and the document is refused at the alias or merge key
  that takes it past ``SECONDFRONT_YAML_MAX_NODES`` values, before any copy is made;
* values PyYAML cannot build (an unquoted impossible date such as ``2024-02-30``, an
  hour of 25, an integer of thousands of digits, an unknown ``!tag``), control
  characters and bytes that are not UTF-8 are reported at their line and column (for
  bytes that are not UTF-8: the line and the byte within it).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.limits import limit

Path = tuple[str | int, ...]
"""Keys and list indices from the document root to a value."""

_BOOL_TAG = "tag:yaml.org,2002:bool"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Divergent(Exception):
    """Internal: text on which libyaml and PyYAML's Python parser may disagree."""


class _Refused(Exception):
    """Internal: the document goes past a limit at ``mark``; reported as one diagnostic."""

    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class _Bounded(yaml.composer.Composer):
    """The composer of both loaders: bounds nesting depth and the expanded size of the
    document (see the module docstring). The parser under it (PyYAML's Python one or
    libyaml's) supplies the events."""

    def _bound(self, *, max_depth: int, max_nodes: int) -> None:
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        # Values the built document will hold, each alias counted as a copy of its node.
        self.expanded = 0
        # id(node) -> (expanded size, nesting height) of every composed node; nodes stay
        # alive in the tree while composing, so their ids are stable.
        self.measure: dict[int, tuple[int, int]] = {}
        # One entry per open collection: the largest height of its children so far.
        self.heights: list[int] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node: yaml.Node = super().compose_node(parent, index)
            # An anchor used inside itself is still being composed (no measure yet); the
            # builder reports the cycle.
            size, height = self.measure.get(id(node), (1, 0))
            if len(self.heights) + height > self.max_depth:
                raise _Refused(
                    event.start_mark,
                    f"alias *{event.anchor} nests the document {len(self.heights) + height} "
                    f"levels deep, over the limit of {self.max_depth} "
                    f"({limit('yaml_max_depth').hint()})",
                )
            self._count(size, event.start_mark, f"alias *{event.anchor}")
            self._report(height)
            return node
        collection = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if collection and len(self.heights) >= self.max_depth:
            raise _Refused(
                event.start_mark,
                f"lists and mappings are nested more than {self.max_depth} levels deep "
                f"({limit('yaml_max_depth').hint()})",
            )
        before = self.expanded
        self._count(1, event.start_mark, "this value")
        if collection:
            self.heights.append(0)
        node = super().compose_node(parent, index)
        height = 1 + self.heights.pop() if collection else 0
        self.measure[id(node)] = (self.expanded - before, height)
        self._report(height)
        return node

    def _count(self, size: int, mark: yaml.Mark, what: str) -> None:
        self.expanded += size
        if self.expanded > self.max_nodes:
            raise _Refused(
                mark,
                f"{what} takes the document past {self.max_nodes:,} values (aliases and "
                f"merge keys count once per use); an alias bomb? "
                f"({limit('yaml_max_nodes').hint()})",
            )

    def _report(self, height: int) -> None:
        if self.heights and height > self.heights[-1]:
            self.heights[-1] = height


class _SpecLoader(_Bounded, yaml.SafeLoader):
    """A SafeLoader whose only booleans are true/false (YAML 1.2 core schema), with the
    bounded composer. The reference: every problem is reported from this loader."""

    def __init__(self, stream: str, *, max_depth: int, max_nodes: int) -> None:
        super().__init__(stream)
        self._bound(max_depth=max_depth, max_nodes=max_nodes)


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _libyaml_parser() -> Any:
    """libyaml's parser where PyYAML was built with it (its wheels are), else ``None``."""
    try:
        from yaml.cyaml import CParser
    except ImportError:  # pragma: no cover - a PyYAML built without libyaml
        return None
    return CParser


_CParser = _libyaml_parser()
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")
"""A block scalar's header and '#' with no space between (or text that looks like it)."""

if _CParser is not None:

    class _FastSpecLoader(
        _Bounded,
        # A class chosen at import time (libyaml's parser, when present) is not a valid base
        # type for mypy.
        _CParser,  # type: ignore[valid-type,misc]
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """The same loader with libyaml scanning and parsing in C: the events are the
        same, and the Python composer above builds the same nodes, resolved by the same
        resolvers (the YAML 1.2 booleans) and bounded by the same limits. Scanning and
        parsing are about four fifths of reading a model with the Python parser."""

        yaml_implicit_resolvers = _SpecLoader.yaml_implicit_resolvers

        def __init__(self, stream: str, *, max_depth: int, max_nodes: int) -> None:
            _CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)
            self._bound(max_depth=max_depth, max_nodes=max_nodes)
            self.flow_depth = 0  # flow collections ([...], {...}) open around the event
            self.ends_with_newline = stream.endswith("\n")

        def compose_scalar_node(self, anchor: str | None) -> yaml.ScalarNode:
            event = self.peek_event()
            # Where the two parsers are known to differ, the reference decides. (libyaml
            # marks a plain scalar with style '', PyYAML with None.) Inside [...] or
            # {...}, PyYAML ends a plain scalar at '?' (and then refuses the text) and
            # places an empty value after its ':', libyaml at the next token, as it does
            # at the end of a text without a final line break; a value tagged '!' alone
            # is resolved by PyYAML (``! 1`` is 1), taken as text by libyaml.
            plain = not event.style
            empty = plain and not event.value and (self.flow_depth or not self.ends_with_newline)
            flow_question = plain and self.flow_depth and "?" in event.value
            if event.tag == "!" or empty or flow_question:
                raise _Divergent(event.start_mark, "a scalar the parsers read differently")
            node: yaml.ScalarNode = super().compose_scalar_node(anchor)
            return node

        def compose_sequence_node(self, anchor: str | None) -> yaml.SequenceNode:
            return self._collection(super().compose_sequence_node, anchor)

        def compose_mapping_node(self, anchor: str | None) -> yaml.MappingNode:
            return self._collection(super().compose_mapping_node, anchor)

        def _collection(self, compose: Any, anchor: str | None) -> Any:
            flow = bool(self.peek_event().flow_style)
            self.flow_depth += flow
            node = compose(anchor)
            self.flow_depth -= flow
            return node


@dataclass
class YamlDocument:
    """Plain data parsed from YAML plus the source position of every value and key.

    Attributes:
        path: the file as the user named it (used in diagnostics).
        data: the document as dicts, lists and scalars (``None`` for an empty file).
        positions: path -> 1-based (line, col) of the value at that path.
        key_positions: path -> 1-based (line, col) of the mapping key that ends the path.
    """

    path: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Iterable[str | int], *, key: bool = False) -> tuple[int, int]:
        """Best known position for ``path``: the value there, or its nearest ancestor.

        Args:
            path: keys and indices; need not exist (e.g. a missing field), in which case
                the closest existing ancestor is used (its key where it has one), so the
                user sees the enclosing object.
            key: prefer the position of the mapping key over that of its value (better
                for "unknown field" messages).

        Returns:
            1-based ``(line, col)``; ``(0, 0)`` only for an empty document.
        """
        p = tuple(path)
        if key and p in self.key_positions:
            return self.key_positions[p]
        if p in self.positions:
            return self.positions[p]
        while p:
            p = p[:-1]
            # For a missing entry, the key that opens the enclosing mapping reads better
            # than the mapping's first line, which in block style is another entry's key.
            found = self.key_positions.get(p) or self.positions.get(p)
            if found is not None:
                return found
        return (0, 0)

    def diagnostic(
        self, path: Iterable[str | int], message: str, *, key: bool = False
    ) -> Diagnostic:
        """A ``Diagnostic`` at the position of ``path`` (see ``position``)."""
        line, col = self.position(path, key=key)
        return Diagnostic(self.path, line, col, message)


def _pos(node: yaml.Node) -> tuple[int, int]:
    # PyYAML marks are 0-based; editors and compilers count from 1.
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed node graph into plain data, recording positions and problems."""

    def __init__(self, loader: _SpecLoader, doc: YamlDocument) -> None:
        self.loader = loader
        self.doc = doc
        self.diagnostics: list[Diagnostic] = []
        # Anchored nodes can be reached twice through aliases; a cycle (an anchor used
        # inside itself) would otherwise recurse forever.
        self._active: set[int] = set()
        # Scalars that failed to build, so a second use through an alias is not reported twice.
        self._failed: set[int] = set()

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.doc.positions.setdefault(path, _pos(node))
        if id(node) in self._active:
            self._error(node, "recursive alias: an anchor is used inside itself")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
                # SafeLoader would refuse the tag; building a plain list or mapping would
                # silently drop what it asks for (!!python/object/apply:..., !!set, ...).
                self._error(node, f"unsupported tag {node.tag!r}; remove it")
                return None
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            value = self._scalar(node)
            return None if value is _FAILED else value
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        merged: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                # "<<: *anchor" or "<<: [*a, *b]": merged keys have lower priority than
                # the mapping's own keys, so they are applied after, without overriding.
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for src in sources:
                    if isinstance(src, yaml.MappingNode):
                        merged.append(src)
                    else:
                        self._error(src, "a merge key '<<' needs a mapping or a list of them")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._error(key_node, "mapping keys must be plain scalars, not lists or mappings")
                continue
            key = self._scalar(key_node)
            if key is _FAILED:
                continue
            if key in first_seen:
                self._error(
                    key_node,
                    f"duplicate key {key!r} (first at line {first_seen[key]}); "
                    "a YAML mapping may name each key once",
                )
                continue
            first_seen[key] = _pos(key_node)[0]
            self.doc.key_positions[(*path, key)] = _pos(key_node)
            result[key] = self.build(value_node, (*path, key))
        for src in merged:
            for key, value in self._mapping(src, path).items():
                result.setdefault(key, value)
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        """The value of a scalar node, or ``_FAILED`` after reporting why it has none."""
        if id(node) in self._failed:
            return _FAILED
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            problem = exc.problem or "cannot build this value"
            self._error(node, f"{problem}; quote the value to keep it as text")
        except (ValueError, OverflowError, TypeError) as exc:
            self._error(node, _scalar_problem(node, exc))
        # PyYAML leaves a node that failed in its "being built" table, which would make a
        # second use of it (through an alias) look like a cycle.
        self.loader.recursive_objects.pop(node, None)
        self._failed.add(id(node))
        return _FAILED

    def _error(self, node: yaml.Node, message: str) -> None:
        line, col = _pos(node)
        self.diagnostics.append(Diagnostic(self.doc.path, line, col, message))


_FAILED = object()
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_TAG_WORDS = {
    "tag:yaml.org,2002:timestamp": "date or time",
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
}


def _scalar_problem(node: yaml.Node, exc: Exception) -> str:
    """Why a plain scalar that PyYAML recognised (a date, an integer) cannot be built."""
    text = str(node.value)
    shown = repr(text) if len(text) <= 40 else f"{text[:20]!r}...({len(text)} characters)"
    what = _TAG_WORDS.get(node.tag, "value")
    if node.tag == "tag:yaml.org,2002:int" and len(text) > 100:
        digits = sum(ch.isdigit() for ch in text)
        return (
            f"integer of {digits} digits is too long (at most {sys.get_int_max_str_digits()}); "
            "quote it to keep it as text"
        )
    if node.tag == "tag:yaml.org,2002:timestamp":
        return (
            f"invalid date or time {shown}: {exc}; write a real date (YYYY-MM-DD, "
            "hours 0-23), or quote the value to keep it as text"
        )
    return f"invalid {what} {shown}: {exc}; quote the value to keep it as text"


def parse_yaml(text: str, path: str = "<string>") -> tuple[YamlDocument, list[Diagnostic]]:
    """Parse one YAML document keeping positions.

    Args:
        text: the YAML source.
        path: the file name to put in diagnostics.

    Returns:
        the document (``data`` is ``None`` when the text is empty or does not parse) and
        the problems found: a syntax error (one diagnostic at the point PyYAML gave up),
        a character YAML does not allow, a limit of :mod:`secondfront.model.limits`
        passed (size, nesting, values with aliases expanded), duplicate keys,
        non-scalar keys, recursive aliases, and scalars that cannot be built (an
        impossible date, an over-long integer, an unknown tag).
    """
    max_chars = limit("max_yaml_bytes").value()
    if len(text) > max_chars:
        line, col = _line_col(text, max_chars)
        message = _too_large(len(text), max_chars, "characters")
        return YamlDocument(path, None), [Diagnostic(path, line, col, message)]
    if (
        _CParser is not None
        and "\t" not in text
        and not _NON_PRINTABLE.search(text)
        and not _BLOCK_HEADER_COMMENT.search(text)
    ):
        # libyaml first; a document it finds anything wrong with (or that it cannot read)
        # is read again by the Python parser, so every problem is reported with PyYAML's
        # own words and positions, whichever parser is installed. Where the two parsers
        # differ on what is valid, the Python one decides: a tab (libyaml takes
        # ``au<TAB>thor: x`` as a key, PyYAML refuses the tab), a block scalar's header
        # followed by '#' with no space (``|#``: libyaml takes a comment) and a character
        # YAML does not allow send the text to it directly; the scalars the two read differently
        # are found while composing (``_FastSpecLoader.compose_scalar_node``).
        try:
            doc, problems = _parse_with(_FastSpecLoader, text, path)
        except Exception:  # anything unexpected: the reference parser decides
            problems = [Diagnostic(path, 0, 0, "")]
        if not problems:
            return doc, problems
    return _parse_with(_SpecLoader, text, path)


def _parse_with(
    loader_class: type[_Bounded], text: str, path: str
) -> tuple[YamlDocument, list[Diagnostic]]:
    """:func:`parse_yaml` with one of the two loaders (the text is within the size limit)."""
    doc = YamlDocument(path, None)
    loader: Any = None
    try:
        # The reader checks every character when it is created, so creating it is
        # inside the try too.
        loader = loader_class(
            text,
            max_depth=limit("yaml_max_depth").value(),
            max_nodes=limit("yaml_max_nodes").value(),
        )
        node = loader.get_single_node()
        if node is None:
            return doc, []
        builder = _Builder(loader, doc)
        doc.data = builder.build(node, ())
        return doc, builder.diagnostics
    except _Refused as exc:
        doc.data = None
        line, col = exc.mark.line + 1, exc.mark.column + 1
        return doc, [Diagnostic(path, line, col, exc.message)]
    except yaml.MarkedYAMLError as exc:
        doc.data = None
        return doc, [_syntax_diagnostic(path, exc)]
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else 0
        return doc, [
            Diagnostic(
                path,
                line,
                col,
                f"character U+{char:04X} is not allowed in YAML (control characters and "
                "NUL are not); remove it or write it as an escape in a double-quoted string",
            )
        ]
    except yaml.YAMLError as exc:  # any other unmarked error
        return doc, [Diagnostic(path, 1, 1, f"invalid YAML: {exc}")]
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(path: str) -> tuple[YamlDocument, list[Diagnostic]]:
    """Read and parse a YAML file (see ``parse_yaml``).

    A file that cannot be read, is over the size limit or is not UTF-8 is one
    diagnostic: not UTF-8 at the line of the first bad byte and the byte's position
    in that line (1-based).
    """
    max_bytes = limit("max_yaml_bytes").value()
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            # In pieces: ``read(max_bytes + 1)`` would allocate the whole limit (8 MiB
            # by default) for every file, however small; one byte past the limit is
            # enough to know it is passed.
            pieces: list[bytes] = []
            total = 0
            while total <= max_bytes:
                piece = fh.read(min(1 << 20, max_bytes + 1 - total))
                if not piece:
                    break
                pieces.append(piece)
                total += len(piece)
            data = b"".join(pieces)
    except OSError as exc:
        return YamlDocument(path, None), [Diagnostic(path, 0, 0, f"cannot read file: {exc}")]
    if len(data) > max_bytes:
        line, col = _line_col_bytes(data, max_bytes)
        message = _too_large(max(size, len(data)), max_bytes, "bytes")
        return YamlDocument(path, None), [Diagnostic(path, line, col, message)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col_bytes(data, exc.start)
        bad = data[exc.start : exc.end].hex(" ")
        message = (
            f"file is not valid UTF-8: byte(s) {bad} at byte {col} of line {line} "
            f"({exc.reason}); save the file as UTF-8"
        )
        return YamlDocument(path, None), [Diagnostic(path, line, col, message)]
    return parse_yaml(text, path)


def yaml_data(path: str) -> object:
    """The data of a YAML file read by :func:`load_yaml` (mappings, lists and scalars).

    Raises:
        SpecError: every problem :func:`load_yaml` found, each located.
    """
    doc, problems = load_yaml(path)
    if problems:
        raise SpecError(problems)
    return doc.data


def _too_large(size: int, max_size: int, unit: str) -> str:
    return (
        f"file of {size:,} {unit} is over the limit of {max_size:,} {unit} for YAML files "
        f"(the position is where the limit falls; {limit('max_yaml_bytes').hint()})"
    )


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (line breaks as PyYAML counts them)."""
    line, start = 1, 0
    for m in _LINE_BREAK.finditer(text, 0, offset):
        line, start = line + 1, m.end()
    return line, offset - start + 1


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_col_bytes(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and byte within the line of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def _syntax_diagnostic(path: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "syntax error"
    context = ""
    if exc.context:
        # The context mark is where the unfinished construct began, often the line to fix
        # (an unclosed bracket is only noticed on a later line).
        start = exc.context_mark
        at = f" started at line {start.line + 1}" if start is not None and start is not mark else ""
        context = f" ({exc.context}{at})"
    return Diagnostic(path, line, col, f"invalid YAML: {problem}{context}")
