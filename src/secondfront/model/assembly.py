"""Assemble a ``Network`` from declarations read out of an interchange file.

The Hugin NET and GeNIe XDSL readers both end with the same steps: every parent must
be declared, the graph must be acyclic, each table must have one value per parent
configuration and child state, and each row must sum to 1 within
``ROW_SUM_TOLERANCE``. This module does those steps once, with each problem reported as
a located :class:`~secondfront.errors.Diagnostic`, so that the two readers only parse.

Both formats flatten a table in the package's own layout (parents in declared order,
last parent fastest, the child's own states innermost), so a declaration's ``values``
reshape directly to ``(card(p1), ..., card(pk), card(child))``.

Identifiers: both formats restrict node names (and XDSL state names) to
``[A-Za-z_][A-Za-z0-9_]*``. :func:`identifiers` maps arbitrary names to such
identifiers, one-to-one, for the writers; the original name travels in the label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.network import (
    ROW_SUM_TOLERANCE,
    Network,
    Variable,
    normalise_rows,
    topological_order,
)

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Declaration:
    """One node as read from a file.

    Attributes:
        name: the node's identifier.
        states: its state names, in table order.
        line: 1-based line of the declaration (for diagnostics).
        col: 1-based column of the declaration.
        label: a human-readable label ("" when none).
        parents: parent identifiers, in table order (set when the table is read).
        values: the table's numbers, flattened in the package's layout; None when
            the file gave no table for this node.
        table_line: where the table starts (for diagnostics about the table).
        table_col: its column.
    """

    name: str
    states: tuple[str, ...]
    line: int
    col: int
    label: str = ""
    parents: tuple[str, ...] = ()
    values: list[float] | None = None
    table_line: int = 0
    table_col: int = 0


def _table(d: Declaration, by_name: dict[str, Declaration], path: str) -> np.ndarray | Diagnostic:
    """The checked table of ``d``, shaped ``(*parent cards, states)`` with its rows
    normalised, or the first problem with its parents or its numbers."""
    where = (d.table_line or d.line, d.table_col or d.col)
    unknown = [p for p in d.parents if p not in by_name]
    if unknown:
        return Diagnostic(path, *where, f"node {d.name!r}: unknown parent(s) {', '.join(unknown)}")
    if len(set(d.parents)) != len(d.parents) or d.name in d.parents:
        return Diagnostic(path, *where, f"node {d.name!r}: a parent is repeated")
    if d.values is None:
        return Diagnostic(path, d.line, d.col, f"node {d.name!r} has no table")
    cards = [len(by_name[p].states) for p in d.parents]
    shape = (*cards, len(d.states))
    expected = int(np.prod(shape))
    if len(d.values) != expected:
        return Diagnostic(
            path,
            *where,
            f"table of {d.name!r} has {len(d.values)} numbers; its parents "
            f"({', '.join(d.parents) or 'none'}) and states need {expected}",
        )
    table = np.asarray(d.values, dtype=np.float64).reshape(-1, len(d.states))
    if (table < 0).any() or not np.isfinite(table).all():
        return Diagnostic(path, *where, f"table of {d.name!r} has a negative or non-finite value")
    sums = table.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE)
    if bad.size:
        return Diagnostic(
            path,
            *where,
            f"table of {d.name!r}: row {int(bad[0])} sums to {sums[bad[0]]:.10g} "
            f"({bad.size} row(s) in all); each row must sum to 1 within "
            f"{ROW_SUM_TOLERANCE:g}",
        )
    return normalise_rows(table).reshape(shape)


def assemble(network_name: str, decls: Sequence[Declaration], path: str) -> Network:
    """Check the declarations and build the network (variables in topological order).

    Raises:
        SpecError: every problem found, each located at its declaration or table.
    """
    diags: list[Diagnostic] = []
    by_name: dict[str, Declaration] = {}
    for d in decls:
        if d.name in by_name:
            diags.append(Diagnostic(path, d.line, d.col, f"node {d.name!r} is declared twice"))
            continue
        if not d.states:
            diags.append(Diagnostic(path, d.line, d.col, f"node {d.name!r} has no states"))
        elif len(set(d.states)) != len(d.states):
            diags.append(Diagnostic(path, d.line, d.col, f"node {d.name!r} repeats a state name"))
        by_name[d.name] = d

    cpts: dict[str, np.ndarray] = {}
    for d in by_name.values():
        checked = _table(d, by_name, path)
        if isinstance(checked, Diagnostic):
            diags.append(checked)
        else:
            cpts[d.name] = checked

    order = topological_order({n: d.parents for n, d in by_name.items()})
    if order and isinstance(order[0], list):
        for cycle in order:
            assert isinstance(cycle, list)
            first = by_name[cycle[0]]
            loop = " -> ".join([*cycle, cycle[0]])
            diags.append(
                Diagnostic(path, first.line, first.col, f"the parents form a cycle: {loop}")
            )
    if diags:
        raise SpecError(sorted(diags))
    variables = {
        n: Variable(n, by_name[n].states, by_name[n].parents, by_name[n].label)
        for n in order
        if isinstance(n, str)
    }
    return Network(network_name or "unknown", variables, {n: cpts[n] for n in variables})


def identifiers(names: Iterable[str]) -> dict[str, str]:
    """A one-to-one map from names to identifiers that NET and XDSL accept.

    Names that already are identifiers map to themselves; others have every other
    character replaced by ``_``, a leading ``_`` when they start with a digit or are
    empty, and a numeric suffix when that collides with another name.
    """
    names = list(names)
    taken = {n for n in names if IDENTIFIER.fullmatch(n)}
    out: dict[str, str] = {}
    for n in names:
        if IDENTIFIER.fullmatch(n):
            out[n] = n
            continue
        base = re.sub(r"[^A-Za-z0-9_]", "_", n)
        if not base or not (base[0].isalpha() or base[0] == "_"):
            base = "_" + base
        candidate, k = base, 1
        while candidate in taken:
            k += 1
            candidate = f"{base}_{k}"
        taken.add(candidate)
        out[n] = candidate
    return out
