"""YAML loading that remembers where every value came from.

A spec checker must point at the line of a problem. PyYAML's ``safe_load`` returns
plain data without positions, so this module composes the node graph
(``yaml.compose`` with a ``SafeLoader``), builds plain Python data from it, and keeps
a table from *paths* to 1-based ``(line, col)`` positions. A path is the tuple of keys
and list indices leading to a value, e.g. ``("variables", 3, "table", "rows", 2, "p")``,
the same shape as a pydantic error ``loc``.

Two deliberate departures from PyYAML's defaults:

* Duplicate mapping keys are reported (PyYAML silently keeps the last one, which
  would silently drop a parameter).
* Only ``true``/``false`` are booleans, as in YAML 1.2. PyYAML follows YAML 1.1, where
  ``yes``, ``no``, ``on``, ``off``, ``y`` and ``n`` are booleans too; state names such as
  ``yes``/``no`` are common in scenario models and must stay strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from secondfront.errors import Diagnostic

Path = tuple[str | int, ...]
"""Keys and list indices from the document root to a value."""

_BOOL_TAG = "tag:yaml.org,2002:bool"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _SpecLoader(yaml.SafeLoader):
    """A SafeLoader whose only booleans are true/false (YAML 1.2 core schema)."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


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

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.doc.positions.setdefault(path, _pos(node))
        if id(node) in self._active:
            self._error(node, "recursive alias: an anchor is used inside itself")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            return self.loader.construct_object(node, deep=True)
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
            key = self.loader.construct_object(key_node, deep=True)
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

    def _error(self, node: yaml.Node, message: str) -> None:
        line, col = _pos(node)
        self.diagnostics.append(Diagnostic(self.doc.path, line, col, message))


def parse_yaml(text: str, path: str = "<string>") -> tuple[YamlDocument, list[Diagnostic]]:
    """Parse one YAML document keeping positions.

    Args:
        text: the YAML source.
        path: the file name to put in diagnostics.

    Returns:
        the document (``data`` is ``None`` when the text is empty or does not parse) and
        the problems found: a syntax error (one diagnostic at the point PyYAML gave up),
        duplicate keys, non-scalar keys, recursive aliases.
    """
    doc = YamlDocument(path, None)
    loader = _SpecLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return doc, []
        builder = _Builder(loader, doc)
        doc.data = builder.build(node, ())
        return doc, builder.diagnostics
    except yaml.MarkedYAMLError as exc:
        return doc, [_syntax_diagnostic(path, exc)]
    except yaml.YAMLError as exc:  # unmarked: e.g. a reader error on bad characters
        return doc, [Diagnostic(path, 1, 1, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()


def load_yaml(path: str) -> tuple[YamlDocument, list[Diagnostic]]:
    """Read and parse a YAML file (see ``parse_yaml``); an unreadable file is a diagnostic."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        return YamlDocument(path, None), [Diagnostic(path, 0, 0, f"cannot read file: {exc}")]
    except UnicodeDecodeError as exc:
        return YamlDocument(path, None), [Diagnostic(path, 0, 0, f"file is not valid UTF-8: {exc}")]
    return parse_yaml(text, path)


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
