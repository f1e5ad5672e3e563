"""The discrete Bayesian network every loader produces and every engine consumes.

A ``Network`` is pure data: variables with named states, their parents, and one
conditional probability table (CPT) per variable as a float64 numpy array.

CPT layout (used everywhere in the package): the axes are the parents in the order
of ``Variable.parents``, then the variable itself last, so ``cpt[i, j, :]`` is the
distribution of the child given parent 1 in state ``i`` and parent 2 in state ``j``;
shape ``(card(p1), ..., card(pk), card(child))``. Every row sums to 1 (loaders
renormalise within a stated tolerance and reject the rest).

Variables are stored in a topological order (parents before children), which the
loaders establish and ``Network`` checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np

# A CPT row may miss 1 by this much and is renormalised; the networks of the standard
# repository are written with ~7 significant digits, so their rows miss 1 by up to ~3e-7.
ROW_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Variable:
    """A discrete variable.

    Attributes:
        name: unique identifier.
        states: state names, in the order of the CPT's last axis.
        parents: parent names, in the order of the CPT's leading axes.
        label: optional human-readable description.
    """

    name: str
    states: tuple[str, ...]
    parents: tuple[str, ...] = ()
    label: str = ""

    @property
    def card(self) -> int:
        """Number of states."""
        return len(self.states)

    def index(self, state: str) -> int:
        """Position of ``state``; raises ``KeyError`` when unknown."""
        try:
            return self.states.index(state)
        except ValueError:
            raise KeyError(state) from None


@dataclass
class Network:
    """A discrete Bayesian network.

    Attributes:
        name: the network's name.
        variables: name -> Variable, in topological order.
        cpts: name -> CPT array, layout as in the module docstring.

    Tables are stored as read-only float64 copies: a compiled query
    (:class:`~secondfront.inference.query.Query`) holds potentials derived from them,
    and a table changed in place would make it silently stale. Use :meth:`with_cpts`
    to change parameters. Where a network came from, and what a scenario spec says
    about it, lives on :class:`~secondfront.model.model.Model`, not here.
    """

    name: str
    variables: dict[str, Variable]
    cpts: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        frozen = {}
        for name, cpt in self.cpts.items():
            arr = np.array(cpt, dtype=np.float64)
            arr.flags.writeable = False
            frozen[name] = arr
        self.cpts = frozen
        seen: set[str] = set()
        for name, var in self.variables.items():
            if name != var.name:
                raise ValueError(f"variable key {name!r} != Variable.name {var.name!r}")
            for p in var.parents:
                if p not in seen:
                    raise ValueError(f"{name}: parent {p!r} is unknown or not before it")
            table = self.cpts.get(name)
            if table is None:
                raise ValueError(f"{name}: no CPT")
            expected = (*(self.variables[p].card for p in var.parents), var.card)
            if table.shape != expected:
                raise ValueError(f"{name}: CPT shape {table.shape} != {expected}")
            seen.add(name)

    # -- convenience -----------------------------------------------------------------

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables.values())

    def __len__(self) -> int:
        return len(self.variables)

    def __contains__(self, name: object) -> bool:
        return name in self.variables

    @property
    def names(self) -> list[str]:
        """Variable names in topological order."""
        return list(self.variables)

    def children(self, name: str) -> list[str]:
        """Names of the variables that have ``name`` as a parent."""
        return [v.name for v in self if name in v.parents]

    def with_cpts(self, cpts: Mapping[str, np.ndarray]) -> Network:
        """A copy whose CPTs for the given variables are replaced (shapes must match)."""
        merged = dict(self.cpts)
        merged.update(cpts)
        for name, cpt in cpts.items():
            if np.shape(cpt) != self.cpts[name].shape:
                raise ValueError(
                    f"{name}: new table shape {np.shape(cpt)} != {self.cpts[name].shape}"
                )
        return Network(self.name, dict(self.variables), merged)


# Rows this close to 1 are kept bit for bit: dividing them by their sum would only add
# rounding, and write-then-read round trips of a file must be exact.
NORMALISED = 1e-12


def normalise_rows(cpt: np.ndarray) -> np.ndarray:
    """A float64 copy with every row (last axis) divided by its sum.

    Rows within ``NORMALISED`` of 1 are copied unchanged (so normalising is idempotent),
    and rows summing to 0 are left as they are.
    """
    out = np.array(cpt, dtype=np.float64)
    sums = out.sum(axis=-1, keepdims=True)
    off = (np.abs(sums - 1.0) > NORMALISED) & (sums > 0)
    return cast("np.ndarray", np.divide(out, sums, out=out, where=off))


def topological_order(parents: Mapping[str, tuple[str, ...]]) -> list[str] | list[list[str]]:
    """Kahn's algorithm over ``name -> parents``, stable in the mapping's order.

    Returns:
        the names in a topological order, or, when the graph has cycles, a list of the
        cycles found (each a list of names, first name repeated at the end is omitted).
    """
    indeg = {n: 0 for n in parents}
    kids: dict[str, list[str]] = {n: [] for n in parents}
    for n, ps in parents.items():
        for p in ps:
            if p in indeg:
                indeg[n] += 1
                kids[p].append(n)
    order: list[str] = []
    ready = [n for n in parents if indeg[n] == 0]
    while ready:
        n = ready.pop(0)
        order.append(n)
        for k in kids[n]:
            indeg[k] -= 1
            if indeg[k] == 0:
                ready.append(k)
    if len(order) == len(parents):
        return order
    return _cycles({n: [p for p in ps if p in parents] for n, ps in parents.items()}, set(order))


def _cycles(parents: Mapping[str, list[str]], acyclic: set[str]) -> list[list[str]]:
    """One cycle through each strongly connected knot left over by Kahn's algorithm."""
    remaining = [n for n in parents if n not in acyclic]
    found: list[list[str]] = []
    covered: set[str] = set()
    for start in remaining:
        if start in covered:
            continue
        # Walk parent links inside the remainder; every node there has a remaining parent,
        # so the walk must revisit a node, and the revisited stretch is a cycle.
        path: list[str] = []
        pos: dict[str, int] = {}
        node = start
        while node not in pos:
            pos[node] = len(path)
            path.append(node)
            node = next(p for p in parents[node] if p not in acyclic)
        cycle = path[pos[node] :]
        cycle.reverse()  # parent -> child direction reads naturally: a -> b -> c -> a
        if not covered.intersection(cycle):
            found.append(cycle)
        covered.update(path)
    return found
