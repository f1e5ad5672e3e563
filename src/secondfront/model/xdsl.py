"""Read and write networks in GeNIe's XDSL format (the XML files of GeNIe and SMILE,
also read by pyAgrum).

Structure::

    <smile version="1.0" id="Network">
      <nodes>
        <cpt id="Cancer">
          <state id="yes" /> <state id="no" />
          <parents>Smoker Pollution</parents>
          <probabilities>0.03 0.97 0.001 0.999 ...</probabilities>
        </cpt>
      </nodes>
      <extensions>
        <genie version="1.0" app="..." name="Network">
          <node id="Cancer"><name>Does the patient have cancer?</name> ...</node>
        </genie>
      </extensions>
    </smile>

``probabilities`` lists the child's states fastest, then the parents with the last one
fastest (SMILE's documented layout: the first parent most significant, the node's own
state least): the C-order flattening of this package's CPT layout. GeNIe requires nodes
in an order where parents come first, and identifiers (``[A-Za-z_][A-Za-z0-9_]*``) for
node and state ids; the writer maps other names to identifiers. The GeNIe ``name`` of a
node is its id, since readers such as pyAgrum name variables by it; the label (or an
original name that is not an identifier) goes in the node's ``comment``, which the
reader takes back as the label. pyAgrum 3.3 reads the table list with the first parent
fastest instead (``docs/formats.md`` has the workaround). Only ``cpt`` nodes are read;
noisy-MAX, deterministic, equation, decision and utility nodes are refused with their
position (a noisy-MAX node can be exported from GeNIe as a ``cpt``).

The XML goes through the same position-keeping expat reader as XMLBIF
(:mod:`secondfront.model.xmltree`), so every problem is reported with its line and
column and the reader's protections against hostile XML apply here as well.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.assembly import Declaration, assemble, identifiers
from secondfront.model.network import Network
from secondfront.model.xmltree import XmlElement, XmlReader

_UNSUPPORTED = ("NOISYMAX", "NOISYADDER", "DETERMINISTIC", "EQUATION", "DECISION", "UTILITY")


def _parse(text: str | bytes, path: str) -> Network:
    reader = XmlReader(text, path, "XDSL")
    root = reader.document()
    diags = reader.diags
    if root.tag != "SMILE":
        raise SpecError([Diagnostic(path, root.line, root.col, "not an XDSL file: no <smile>")])
    labels: dict[str, str] = {}
    for ext in root.findall("EXTENSIONS"):
        for genie in ext.findall("GENIE"):
            for node in genie.findall("NODE"):
                if "ID" not in node.attrs:
                    continue
                node_id = node.attrs["ID"]
                name, comment = node.find("NAME"), node.find("COMMENT")
                # Our own files: name = id, the label in the comment; GeNIe's: name = label.
                if name is not None and name.text.strip() != node_id:
                    labels[node_id] = name.text.strip()
                elif comment is not None and comment.text.strip():
                    labels[node_id] = comment.text.strip()
    decls: list[Declaration] = []
    nodes = root.find("NODES")
    for elem in nodes.children if nodes is not None else []:
        if elem.tag in _UNSUPPORTED:
            diags.append(
                Diagnostic(
                    path,
                    elem.line,
                    elem.col,
                    f"<{elem.tag.lower()}> nodes are not supported: only <cpt>",
                )
            )
            continue
        if elem.tag != "CPT":
            continue
        decl = _declaration(elem, labels, path, diags)
        if decl is not None:
            decls.append(decl)
    if diags:
        raise SpecError(sorted(diags))
    if not decls:
        raise SpecError([Diagnostic(path, root.line, root.col, "no <cpt> node found")])
    return assemble(root.attrs.get("ID", Path(path).stem), decls, path)


def _declaration(
    elem: XmlElement, labels: dict[str, str], path: str, diags: list[Diagnostic]
) -> Declaration | None:
    name = elem.attrs.get("ID", "").strip()
    if not name:
        diags.append(Diagnostic(path, elem.line, elem.col, "<cpt> without an id"))
        return None
    states = tuple(s.attrs.get("ID", "").strip() for s in elem.findall("STATE"))
    parents_elem = elem.find("PARENTS")
    parents = tuple(parents_elem.text.split()) if parents_elem is not None else ()
    probs = elem.find("PROBABILITIES")
    decl = Declaration(name, states, elem.line, elem.col, label=labels.get(name, ""))
    decl.parents = parents
    if probs is None:
        return decl
    decl.table_line = probs.text_line or probs.line
    decl.table_col = probs.text_col or probs.col
    try:
        decl.values = [float(v) for v in re.split(r"\s+", probs.text.strip()) if v]
    except ValueError as e:
        diags.append(
            Diagnostic(path, decl.table_line, decl.table_col, f"<probabilities> of {name!r}: {e}")
        )
        return None
    return decl


def parse_xdsl(text: str | bytes, path: str = "<string>") -> Network:
    """Parse XDSL text into a ``Network`` (variables in topological order).

    Raises:
        SpecError: every problem found, each with its line and column.
    """
    return _parse(text, path)


def read_xdsl(path: str | PathLike[str]) -> Network:
    """Read an ``.xdsl`` file; the XML declaration's encoding is honoured."""
    return _parse(Path(path).read_bytes(), str(path))


def write_xdsl(network: Network) -> str:
    """The network as XDSL text that GeNIe, pyAgrum and :func:`parse_xdsl` read.

    Values use Python's shortest round-tripping ``repr`` (exact when read back). Nodes
    are laid out on a grid in topological order, one row per ten nodes.
    """
    ids = identifiers(network.names)
    net_id = identifiers([network.name or "network"])[network.name or "network"]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<smile version="1.0" id={quoteattr(net_id)} numsamples="10000" discsamples="10000">\n',
        "  <nodes>\n",
    ]
    for var in network:
        states = identifiers(var.states)
        out.append(f"    <cpt id={quoteattr(ids[var.name])}>\n")
        out.extend(f"      <state id={quoteattr(states[s])} />\n" for s in var.states)
        if var.parents:
            out.append(f"      <parents>{' '.join(ids[p] for p in var.parents)}</parents>\n")
        values = " ".join(repr(float(x)) for x in np.asarray(network.cpts[var.name]).ravel())
        out.append(f"      <probabilities>{values}</probabilities>\n    </cpt>\n")
    out.append("  </nodes>\n  <extensions>\n")
    out.append(f'    <genie version="1.0" app="secondfront" name={quoteattr(network.name)}>\n')
    for k, var in enumerate(network):
        x, y = 20 + 160 * (k % 10), 20 + 80 * (k // 10)
        out.append(f"      <node id={quoteattr(ids[var.name])}>\n")
        out.append(f"        <name>{escape(ids[var.name])}</name>\n")
        label = var.label or (var.name if var.name != ids[var.name] else "")
        if label:
            out.append(f"        <comment>{escape(label)}</comment>\n")
        out.append('        <interior color="e5f6f7" />\n        <outline color="000080" />\n')
        out.append('        <font color="000000" name="Arial" size="8" />\n')
        out.append(f"        <position>{x} {y} {x + 120} {y + 40}</position>\n      </node>\n")
    out.append("    </genie>\n  </extensions>\n</smile>\n")
    return "".join(out)


def dump_xdsl(network: Network, path: str | PathLike[str]) -> None:
    """Write :func:`write_xdsl`'s text to ``path`` (UTF-8)."""
    Path(path).write_text(write_xdsl(network), encoding="utf-8")
