"""Read and write networks in XMLBIF 0.3, the XML interchange format of JavaBayes, Weka,
pgmpy and pyAgrum (which calls it BIFXML and loads it from a ``.bifxml`` file).

Structure::

    <BIF VERSION="0.3">
      <NETWORK>
        <NAME>network name</NAME>
        <VARIABLE TYPE="nature">
          <NAME>Smoker</NAME>
          <OUTCOME>yes</OUTCOME> <OUTCOME>no</OUTCOME>
          <PROPERTY>label = Does the patient smoke?</PROPERTY>
        </VARIABLE>
        <DEFINITION>
          <FOR>Cancer</FOR> <GIVEN>Smoker</GIVEN> <GIVEN>Pollution</GIVEN>
          <TABLE>0.03 0.97  0.001 0.999  ...</TABLE>
        </DEFINITION>
      </NETWORK>
    </BIF>

``TABLE`` order: the child's states vary fastest, then the ``GIVEN`` parents with the
*last* one fastest, i.e. the C-order flattening of a CPT of shape
``(card(given1), ..., card(givenk), card(child))``, which is exactly this package's CPT
layout. pgmpy's ``XMLBIFReader`` (``reshape(card(child), -1, order="F")``) and pyAgrum's
BIFXML writer use the same order. ``<PROBABILITY>`` (XMLBIF 0.2) is accepted for
``<DEFINITION>``; tag names are matched case-insensitively; surrounding whitespace of
names and outcomes is stripped.

Positions: the file is read by :class:`secondfront.model.xmltree.XmlReader` into a
small tree that keeps each element's line and column (and where its text starts, to
point at a single bad number). Entity declarations, external entities and external
DTDs are refused (a "billion laughs" file or one that reads ``/etc/passwd`` is an
error at the declaration). Malformed XML is reported at expat's error position; other
problems at the offending element or value. As in
:mod:`secondfront.model.bif`, all problems are collected into one ``SpecError``, and rows
within ``ROW_SUM_TOLERANCE`` of 1 are accepted and renormalised in float64 (rows within
1e-12 of 1 kept as written, so write-then-read is exact).

:func:`write_xmlbif` writes values with Python's shortest round-tripping ``repr``; since
pyAgrum's BIFXML reader parses them as doubles (its BIF reader rounds to float32), this
is the way to get an exact copy of a network into pyAgrum: write a ``.bifxml`` file and
call ``pyagrum.loadBN`` on it. State names such as ``Asy/Patch`` that pyAgrum's BIF
reader rejects load fine this way.
"""

from __future__ import annotations

import math
import re
from os import PathLike
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from secondfront.errors import SpecError
from secondfront.model.bif import (
    _configurations,
    _did_you_mean,
    _fmt_config,
    _fmt_values,
)
from secondfront.model.limits import read_limited
from secondfront.model.network import (
    ROW_SUM_TOLERANCE,
    Network,
    Variable,
    normalise_rows,
    topological_order,
)
from secondfront.model.xmltree import XmlElement, XmlReader

__all__ = ["dump_xmlbif", "parse_xmlbif", "read_xmlbif", "write_xmlbif"]

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NOT_PLAIN_NUMBERS = re.compile(r"[^\s,0-9.eE+\-]")
_VALUE_TOKEN = re.compile(r"[^\s,]+")
_LABEL = re.compile(r"\s*label\s*=\s*(.*?)\s*", re.DOTALL)


# A declared variable: its element, its states and its label.
_Decl = tuple[XmlElement, tuple[str, ...], str]


class _Reader(XmlReader):
    """Checks the position-keeping tree of an XMLBIF document; collects diagnostics."""

    def name_of(self, elem: XmlElement, child_tag: str, what: str) -> str | None:
        node = elem.find(child_tag)
        if node is None:
            self.at(elem, f"<{elem.tag}> has no <{child_tag}> ({what})")
            return None
        name = node.text.strip()
        if not name:
            self.at(node, f"empty <{child_tag}> ({what})")
            return None
        return name

    def build(self, root: XmlElement) -> Network | None:
        """The network of a ``<BIF>`` document, or None after recording every problem."""
        net = self.network_element(root)
        if net is None:
            return None
        name_node = net.find("NAME")
        net_name = name_node.text.strip() if name_node is not None else "unknown"
        decls, broken = self.declarations(net)
        if not decls and not broken and not self.diags:
            self.at(net, "<NETWORK> declares no <VARIABLE>")
        parents_of, def_of, cpts = self.definitions(net, decls, broken)
        for name, (var, _, _) in decls.items():
            if name not in def_of:
                self.at(var, f"variable {name!r} has no <DEFINITION>")
        order = topological_order({n: parents_of.get(n, ()) for n in decls})
        if order and isinstance(order[0], list):
            for cycle in order:
                assert isinstance(cycle, list)
                path = " -> ".join([*cycle, cycle[0]])
                self.at(def_of[cycle[-1]], f"the parents form a cycle: {path}")
            return None
        if self.diags:
            return None
        variables = {
            n: Variable(n, decls[n][1], parents_of[n], decls[n][2])
            for n in order
            if isinstance(n, str)
        }
        return Network(net_name, variables, {n: cpts[n] for n in variables})

    def network_element(self, root: XmlElement) -> XmlElement | None:
        """The document's one ``<NETWORK>`` (a second one is reported), or None."""
        if root.tag != "BIF":
            self.at(root, f"expected the root element <BIF>, got <{root.tag}>")
            return None
        networks = root.findall("NETWORK")
        if not networks:
            self.at(root, "<BIF> has no <NETWORK>")
            return None
        for extra in networks[1:]:
            self.at(extra, "a second <NETWORK>; one file holds one network")
        return networks[0]

    def declarations(self, net: XmlElement) -> tuple[dict[str, _Decl], set[str]]:
        """Every well-formed ``<VARIABLE>`` (name -> element, states, label) and the
        names of the declared but unusable ones."""
        decls: dict[str, _Decl] = {}
        broken: set[str] = set()
        for var in net.findall("VARIABLE"):
            kind = var.attrs.get("TYPE", "nature")
            name = self.name_of(var, "NAME", "the variable's name")
            if name is None:
                continue
            if name in decls or name in broken:
                first = decls[name][0] if name in decls else var
                self.at(var, f"duplicate variable {name!r} (first declared on line {first.line})")
                continue
            if kind != "nature":
                self.at(
                    var,
                    f"variable {name!r} has TYPE={kind!r}; only chance variables "
                    '(TYPE="nature") are supported',
                )
                broken.add(name)
                continue
            states = self.outcomes(var, name)
            label = ""
            for prop in var.findall("PROPERTY"):
                m = _LABEL.fullmatch(prop.text)
                if m:
                    label = m.group(1)
            if states is None:
                broken.add(name)
                continue
            decls[name] = (var, states, label)
        return decls, broken

    def outcomes(self, var: XmlElement, name: str) -> tuple[str, ...] | None:
        """The variable's states, or None after reporting an empty or repeated one."""
        states: list[str] = []
        ok = True
        for out in var.findall("OUTCOME"):
            state = out.text.strip()
            if not state:
                self.at(out, f"empty <OUTCOME> in variable {name!r}")
                ok = False
            elif state in states:
                self.at(out, f"duplicate state {state!r} in variable {name!r}")
                ok = False
            else:
                states.append(state)
        if not states and ok:
            self.at(var, f"variable {name!r} has no <OUTCOME>")
            ok = False
        return tuple(states) if ok else None

    def definitions(
        self, net: XmlElement, decls: dict[str, _Decl], broken: set[str]
    ) -> tuple[dict[str, tuple[str, ...]], dict[str, XmlElement], dict[str, np.ndarray]]:
        """Each ``<DEFINITION>``'s parents, element and checked table, by variable."""
        known = list(decls)
        parents_of: dict[str, tuple[str, ...]] = {}
        def_of: dict[str, XmlElement] = {}
        cpts: dict[str, np.ndarray] = {}
        for definition in net.findall("DEFINITION", "PROBABILITY"):
            child = self.name_of(definition, "FOR", "the variable it defines")
            if child is None:
                continue
            for_node = definition.find("FOR")
            assert for_node is not None
            if child not in decls and child not in broken:
                self.at(
                    for_node,
                    f"unknown variable {child!r} in <FOR>{_did_you_mean(child, known)}",
                )
                continue
            if child in def_of:
                self.at(
                    definition,
                    f"second <{definition.tag}> for {child!r} (first on line {def_of[child].line})",
                )
                continue
            def_of[child] = definition
            parents, usable = self.given(definition, child, decls, broken)
            parents_of[child] = parents
            tables = definition.findall("TABLE")
            if not tables:
                self.at(definition, f"<{definition.tag}> of {child!r} has no <TABLE>")
                continue
            for extra in tables[1:]:
                self.at(extra, f"a second <TABLE> for {child!r}")
                usable = False
            if usable and child in decls:
                declared = {n: d[1] for n, d in decls.items()}
                cpt = self.table(tables[0], child, parents, declared)
                if cpt is not None:
                    cpts[child] = cpt
        return parents_of, def_of, cpts

    def given(
        self, definition: XmlElement, child: str, decls: dict[str, _Decl], broken: set[str]
    ) -> tuple[tuple[str, ...], bool]:
        """A definition's ``<GIVEN>`` parents, and whether its table can be checked."""
        usable = True
        parents: list[str] = []
        for given in definition.findall("GIVEN"):
            p = given.text.strip()
            if p not in decls and p not in broken:
                self.at(
                    given,
                    f"unknown variable {p!r} as parent of {child!r}{_did_you_mean(p, list(decls))}",
                )
                usable = False
            elif p == child:
                self.at(given, f"{child!r} is listed as its own parent")
                usable = False
            elif p in parents:
                self.at(given, f"parent {p!r} of {child!r} is listed twice")
                usable = False
            elif p in broken:
                usable = False
            parents.append(p)
        return tuple(parents), usable

    def value_position(self, elem: XmlElement, offset: int) -> tuple[int, int]:
        """Line and column of ``offset`` within ``elem``'s text."""
        text = elem.text
        newlines = text.count("\n", 0, offset)
        if newlines == 0:
            return elem.text_line, elem.text_col + offset
        return elem.text_line + newlines, offset - text.rfind("\n", 0, offset)

    def table(
        self,
        elem: XmlElement,
        child: str,
        parents: tuple[str, ...],
        states: dict[str, tuple[str, ...]],
    ) -> np.ndarray | None:
        """Check one ``<TABLE>``; the CPT ``(card(p1), ..., card(pk), card(child))`` or None."""
        text = elem.text
        values: np.ndarray | None = None
        if not _NOT_PLAIN_NUMBERS.search(text):
            try:
                values = np.array(text.replace(",", " ").split(), dtype=np.float64)
            except ValueError:
                values = None
            if (
                values is not None
                and values.size
                and not (values.min() >= 0.0 and values.max() <= 1.0)
            ):
                values = None
        if values is None:
            values = self.table_slow(elem)
            if values is None:
                return None
        n_child = len(states[child])
        cards = tuple(len(states[p]) for p in parents)
        n_rows = math.prod(cards)
        if values.size != n_rows * n_child:
            self.at(
                elem,
                f"<TABLE> of {child!r} has {values.size} values, expected {n_rows * n_child} "
                f"({_configurations(n_rows)} x {n_child} states)",
            )
            return None
        rows = values.reshape(n_rows, n_child)
        sums = rows.sum(axis=1)
        bad = np.flatnonzero(~(np.abs(sums - 1.0) <= ROW_SUM_TOLERANCE))
        if bad.size:
            offsets = [m.start() for m in _VALUE_TOKEN.finditer(text)]
            for k in bad.tolist():
                idx = np.unravel_index(k, cards)
                config = tuple(states[p][i] for p, i in zip(parents, idx, strict=True))
                what = f"row {_fmt_config(parents, config)}" if parents else "distribution"
                line, col = self.value_position(elem, offsets[k * n_child])
                self.error(
                    line,
                    col,
                    f"{what} of {child!r} sums to {sums[k]:.10g} ({_fmt_values(rows[k])}); "
                    f"each row must sum to 1 within {ROW_SUM_TOLERANCE:g}",
                )
            return None
        return normalise_rows(rows).reshape((*cards, n_child))

    def table_slow(self, elem: XmlElement) -> np.ndarray | None:
        """Token-by-token reading of a ``<TABLE>`` that reports every bad value."""
        values: list[float] = []
        ok = True
        for m in _VALUE_TOKEN.finditer(elem.text):
            token = m.group()
            if not _NUMBER.fullmatch(token):
                line, col = self.value_position(elem, m.start())
                self.error(line, col, f"expected a number, got {token!r}")
                ok = False
                continue
            v = float(token)
            if not 0.0 <= v <= 1.0:
                line, col = self.value_position(elem, m.start())
                self.error(line, col, f"probability {token} is outside [0, 1]")
                ok = False
            values.append(v)
        return np.array(values, dtype=np.float64) if ok else None


def parse_xmlbif(text: str, path: str = "<string>") -> Network:
    """Parse XMLBIF 0.3 text into a ``Network`` (variables in topological order).

    Rows within ``ROW_SUM_TOLERANCE`` of 1 are accepted and renormalised in float64.

    Args:
        text: the whole XML document.
        path: the name diagnostics use.

    Returns:
        the network; each CPT has shape ``(card(p1), ..., card(pk), card(child))``.

    Raises:
        SpecError: with one ``Diagnostic`` (line and column) per problem found.
    """
    return _parse(text, path)


def _parse(text: str | bytes, path: str) -> Network:
    reader = _Reader(text, path, "XMLBIF")
    network = reader.build(reader.document())
    if network is None:
        raise SpecError(reader.diags)  # build() adds a diagnostic whenever it gives up
    return network


def read_xmlbif(path: str | PathLike[str]) -> Network:
    """Read an XMLBIF file (``.xml``, ``.xmlbif``, ``.bifxml``; the name does not matter).

    The XML declaration's encoding is honoured (UTF-8 when there is none).

    Raises:
        SpecError: as :func:`parse_xmlbif`; also, with one diagnostic, when the file
            cannot be read or is over ``SECONDFRONT_MAX_MODEL_BYTES``.
    """
    # Bytes go to expat as they are, so the document's own encoding declaration holds.
    return _parse(read_limited(path), str(path))


def write_xmlbif(network: Network) -> str:
    """The network as XMLBIF 0.3 text that :func:`parse_xmlbif` and pyAgrum read exactly.

    Each ``<TABLE>`` holds one line per parent configuration (last ``GIVEN`` fastest),
    with the child's states along the line; values are Python's shortest round-tripping
    ``repr``. A non-empty ``Variable.label`` becomes ``<PROPERTY>label = ...</PROPERTY>``.
    For pyAgrum, save the text with the ``.bifxml`` extension (``pyagrum.loadBN`` picks the
    reader by extension and does not know ``.xml``).

    Args:
        network: any network whose names have no leading or trailing whitespace.

    Returns:
        the XML document, UTF-8 declared.
    """
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<BIF VERSION="0.3">\n<NETWORK>\n',
        f"<NAME>{escape(network.name)}</NAME>\n\n",
    ]
    for var in network:
        out.append(f'<VARIABLE TYPE="nature">\n\t<NAME>{escape(var.name)}</NAME>\n')
        out.extend(f"\t<OUTCOME>{escape(s)}</OUTCOME>\n" for s in var.states)
        if var.label:
            out.append(f"\t<PROPERTY>label = {escape(var.label)}</PROPERTY>\n")
        out.append("</VARIABLE>\n")
    out.append("\n")
    for var in network:
        out.append(f"<DEFINITION>\n\t<FOR>{escape(var.name)}</FOR>\n")
        out.extend(f"\t<GIVEN>{escape(p)}</GIVEN>\n" for p in var.parents)
        rows = np.asarray(network.cpts[var.name], dtype=np.float64).reshape(-1, var.card)
        out.append("\t<TABLE>\n")
        out.extend(f"\t\t{' '.join(map(repr, row))}\n" for row in rows.tolist())
        out.append("\t</TABLE>\n</DEFINITION>\n")
    out.append("</NETWORK>\n</BIF>\n")
    return "".join(out)


def dump_xmlbif(network: Network, path: str | PathLike[str]) -> None:
    """Write :func:`write_xmlbif`'s text to ``path`` as UTF-8."""
    Path(path).write_text(write_xmlbif(network), encoding="utf-8")
