"""Exact inference: a junction tree (Hugin bookkeeping) compiled for batches of evidence.

Why a junction tree, and why this way
-------------------------------------
The engine must return *all* single-variable posteriors for *batches* of evidence
sets. A junction tree gives every marginal after two passes (collect, distribute) over
a tree of cliques, so one query costs two sweeps instead of one elimination per
variable. Planning (moralise, triangulate, build the tree, place every table and every
piece of evidence) depends only on the network's structure and on *which* variables
carry evidence, so it is done once (:func:`compile_plan`) and the plan is then
evaluated on a whole batch in one call (:meth:`Plan.run`). A variable-elimination
order per query (pgmpy) or per-set message passing (pyAgrum) repeat that work for each
set.

The passes themselves are compiled loops (:mod:`secondfront.inference.propagation`):
each clique's table is read once per pass and combined, entry by entry, with the
messages of every evidence set of a tile of the batch; only separator messages,
likelihoods and marginals are stored per evidence set. An earlier numpy version built
every clique table once per evidence set and paid for it in memory traffic: on ANDES
and PATHFINDER the compiled passes are 2.5-5x faster (benchmarks/README.md). Small
work (the flagship network, a few hundred evidence sets) goes to a numpy twin of the
passes instead (:mod:`secondfront.inference.passes`, which states the size rule), so
that a command answering it does not wait about a second for numba to load.

Layout: clique variables are kept in ascending index order, so a separator's table is
laid out the same way inside every clique that contains it, and a clique potential of a
batch of parameter sets keeps the batch axis *last*, contiguous for the batch loops.

Hugin updates divide by the previous separator message. Division by zero arises only
where hard evidence made the old message zero, and there the correct update is 0
(0/0 := 0), as in Jensen's Hugin propagation.

Two savings that do not change results:

* **trivial messages**: a subtree that holds no evidence, and whose every table's
  head variable is summed out inside the subtree, sends a message of ones (the tables
  are conditional distributions and sum to one). The plan marks such messages at
  compile time and skips the work (barren parts of the network cost nothing in the
  collect pass); zero entries of a potential (deterministic tables) are skipped too;
* **scaling**: every message is divided by its sum per batch row and the log of the
  divisor is accumulated, so products over hundreds of tables neither underflow nor
  lose the probability of the evidence, returned as ``log_evidence``.

opt_einsum plans the one product that has many operands (the initial potential of a
clique with several tables, possibly with a batch axis of parameter sets).

Memory: the plan states its footprint per evidence set (``bytes_per_row``: the
potentials and the workspace rows) and its largest clique; :meth:`Plan.run` splits a
batch whose per-set storage would exceed ``memory_limit`` bytes into chunks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import opt_einsum
from numpy.typing import ArrayLike

from secondfront.errors import TooLargeError
from secondfront.inference import passes as P
from secondfront.model.limits import memory_problem

# Default cap on the tensors one chunk of a batch may hold at once (bytes).
DEFAULT_MEMORY_LIMIT = 1 << 30

# Batch rows propagated together (see ``propagation.propagate``): measured on ANDES and
# PATHFINDER (benchmarks/README.md), where the workspace of a tile stays in cache.
TILE = 32


@dataclass(frozen=True)
class JunctionTree:
    """The clique forest of a network's triangulated moral graph.

    Attributes:
        card: number of states of each variable, by variable index.
        cliques: each clique's variable indices, ascending.
        parent: parent clique of each clique in its rooted tree; -1 for a root.
        postorder: every clique, children before their parent (the collect order).
        family_home: for each variable, the clique that holds its table (its family).
        marginal_home: for each variable, the smallest clique that contains it.
    """

    card: tuple[int, ...]
    cliques: tuple[tuple[int, ...], ...]
    parent: tuple[int, ...]
    postorder: tuple[int, ...]
    family_home: tuple[int, ...]
    marginal_home: tuple[int, ...]

    def size(self, c: int) -> int:
        """Number of entries of clique ``c``'s tensor (per batch row)."""
        return math.prod(self.card[v] for v in self.cliques[c])

    def separator(self, c: int) -> tuple[int, ...]:
        """Variables clique ``c`` shares with its parent, ascending (empty for a root)."""
        p = self.parent[c]
        if p < 0:
            return ()
        other = set(self.cliques[p])
        return tuple(v for v in self.cliques[c] if v in other)


def _moral_graph(parents: Sequence[Sequence[int]]) -> list[set[int]]:
    """Undirected adjacency sets: each family married and directions dropped."""
    adj: list[set[int]] = [set() for _ in parents]
    for child, ps in enumerate(parents):
        family = [child, *ps]
        for a, b in itertools.combinations(family, 2):
            adj[a].add(b)
            adj[b].add(a)
    return adj


# Elimination heuristics: each scores a variable by what eliminating it next would cost.
#   min-fill           edges added (ties: the clique's number of states)
#   weighted-min-fill  sum over added edges of card(a) * card(b) (ties: clique states)
#   min-weight         the clique's number of states (ties: edges added)
# No one of them is best on every network: on the standard repository min-fill gives
# the smallest total table size on mildew, insurance and link, weighted min-fill on
# barley, alarm and munin1 (largest clique 78 M entries against 274 M), min-weight on
# diabetes. So a large network is triangulated by each and the smallest total kept.
HEURISTICS = ("min-fill", "weighted-min-fill", "min-weight")

# Below this total table size (entries per batch row) of the min-fill triangulation,
# propagation is so cheap that trying other heuristics would cost more than it saves.
# On the 24 networks pgmpy ships, the other heuristics beat min-fill only where min-fill
# leaves 3.5 million entries or more (barley, diabetes, the MUNINs); below that
# (ANDES 0.39 M, PIGS 0.71 M, PATHFINDER 0.18 M) they tie or lose, and each try costs
# 40-120 ms of Python on those, more than a batch of 100 evidence sets takes to propagate.
TRY_OTHERS_ABOVE = 1 << 21


def _eliminate(
    adj: list[set[int]], card: Sequence[int], heuristic: str = "min-fill"
) -> list[tuple[int, ...]]:
    """Greedy triangulation by ``heuristic`` (see ``HEURISTICS``); the maximal cliques."""
    if heuristic not in HEURISTICS:
        raise ValueError(f"unknown heuristic {heuristic!r}; choose one of {HEURISTICS}")
    adj = [set(a) for a in adj]
    alive = set(range(len(adj)))

    def score(v: int) -> tuple[int, int]:
        nb = adj[v]
        weight = card[v] * math.prod(card[u] for u in nb)
        if heuristic == "min-weight":
            fill = sum(1 for a, b in itertools.combinations(nb, 2) if b not in adj[a])
            return weight, fill
        if heuristic == "weighted-min-fill":
            added = sum(
                card[a] * card[b] for a, b in itertools.combinations(nb, 2) if b not in adj[a]
            )
            return added, weight
        fill = sum(1 for a, b in itertools.combinations(nb, 2) if b not in adj[a])
        return fill, weight

    scores = {v: score(v) for v in alive}
    kept: list[frozenset[int]] = []
    containing: dict[int, list[int]] = {}  # variable -> indices of kept cliques holding it
    while alive:
        v = min(alive, key=lambda u: (scores[u], u))
        nb = adj[v]
        clique = frozenset(nb | {v})
        # An elimination clique can only be contained in an earlier one (v is in no later
        # clique), so checking the kept cliques that hold v is enough.
        if not any(clique <= kept[k] for k in containing.get(v, ())):
            for u in clique:
                containing.setdefault(u, []).append(len(kept))
            kept.append(clique)
        for a in nb:
            adj[a] |= nb
            adj[a].discard(a)
            adj[a].discard(v)
        alive.discard(v)
        # Scores that can have changed: the neighbours (their neighbourhood changed) and
        # any variable adjacent to two or more of them (an edge between two of its
        # neighbours may have been added). Nobody else's neighbourhood was touched.
        around: set[int] = set()
        for a in nb:
            around |= adj[a]
        around -= nb
        affected = set(nb) | {u for u in around if len(adj[u] & nb) >= 2}
        for u in affected & alive:
            scores[u] = score(u)
    return [tuple(sorted(c)) for c in kept]


def total_size(cliques: Sequence[Sequence[int]], card: Sequence[int]) -> int:
    """Sum of the cliques' table sizes (entries per batch row)."""
    return sum(math.prod(card[v] for v in c) for c in cliques)


def triangulate(
    parents: Sequence[Sequence[int]], card: Sequence[int], heuristic: str | None = None
) -> list[tuple[int, ...]]:
    """The maximal cliques of a triangulation of the moral graph.

    Args:
        parents: parent indices of each variable.
        card: number of states of each variable.
        heuristic: one of ``HEURISTICS``; None chooses: min-fill, and for a network whose
            min-fill tables exceed ``TRY_OTHERS_ABOVE`` entries, whichever heuristic
            gives the smallest total table size (ties keep the earlier one).
    """
    moral = _moral_graph(parents)
    if heuristic is not None:
        return _eliminate(moral, card, heuristic)
    best = _eliminate(moral, card, HEURISTICS[0])
    if total_size(best, card) <= TRY_OTHERS_ABOVE:
        return best
    for other in HEURISTICS[1:]:
        cliques = _eliminate(moral, card, other)
        if total_size(cliques, card) < total_size(best, card):
            best = cliques
    return best


def build_junction_tree(
    parents: Sequence[Sequence[int]], card: Sequence[int], heuristic: str | None = None
) -> JunctionTree:
    """Moralise, triangulate and connect the cliques into a junction forest.

    Args:
        parents: parent indices of each variable (index order need not be topological).
        card: number of states of each variable.
        heuristic: the triangulation heuristic (see :func:`triangulate`).

    The maximal cliques are joined by a maximum-weight spanning forest on separator
    size (Kruskal); for the cliques of a chordal graph this satisfies the running
    intersection property. Each component is rooted at its largest clique.
    """
    n = len(parents)
    cliques = triangulate(parents, card, heuristic)
    sizes = [math.prod(card[v] for v in c) for c in cliques]

    holders: dict[int, list[int]] = {}
    for i, c in enumerate(cliques):
        for v in c:
            holders.setdefault(v, []).append(i)
    candidate: set[tuple[int, int]] = set()
    for hs in holders.values():
        candidate.update(itertools.combinations(hs, 2))
    edges = sorted(
        candidate,
        key=lambda e: (-len(set(cliques[e[0]]) & set(cliques[e[1]])), e),
    )
    root_of = list(range(len(cliques)))

    def find(x: int) -> int:
        while root_of[x] != x:
            root_of[x] = root_of[root_of[x]]
            x = root_of[x]
        return x

    nbrs: list[list[int]] = [[] for _ in cliques]
    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            root_of[ra] = rb
            nbrs[a].append(b)
            nbrs[b].append(a)

    parent = [-2] * len(cliques)
    postorder: list[int] = []
    for start in sorted(range(len(cliques)), key=lambda i: -sizes[i]):
        if parent[start] != -2:
            continue
        parent[start] = -1
        stack, visit = [start], []
        while stack:
            node = stack.pop()
            visit.append(node)
            for d in nbrs[node]:
                if parent[d] == -2:
                    parent[d] = node
                    stack.append(d)
        postorder.extend(reversed(visit))  # DFS preorder reversed: children before parents

    def smallest_holding(vs: set[int]) -> int:
        v0 = next(iter(vs))
        return min((i for i in holders[v0] if vs <= set(cliques[i])), key=lambda i: sizes[i])

    family_home = tuple(smallest_holding({v, *parents[v]}) for v in range(n))
    marginal_home = tuple(smallest_holding({v}) for v in range(n))
    return JunctionTree(
        card=tuple(card),
        cliques=tuple(cliques),
        parent=tuple(parent),
        postorder=tuple(postorder),
        family_home=family_home,
        marginal_home=marginal_home,
    )


@dataclass(frozen=True, eq=False)
class Layout:
    """Where every message lives in the workspace, and each clique's operands.

    The workspace is one ``(rows, B)`` array: the likelihood rows of the evidence
    variables, each non-trivial clique's collect message, each clique's distribute
    message, one P(e) row per root, and every variable's marginal, in that order
    (see :mod:`secondfront.inference.propagation`). The arrays are int64 unless noted.

    Attributes:
        rows: workspace rows (entries per batch row).
        evidence_rows: the first rows, which hold the likelihoods.
        shape: per clique, its axis lengths ``(C, max_axes)``, padded with 1.
        naxes: per clique, its number of axes ``(C,)``.
        postorder, parent: the tree, as arrays.
        trivial: bool ``(C,)``, the plan's skipped collect messages.
        heads_cross: bool ``(C,)``, whether a table homed below a clique has its head
            in the clique's separator (its message is then not all ones).
        up_base, down_base: per clique, the first row of its collect and distribute
            message (-1 where there is none).
        sep_rows: per clique, the entries of its separator with its parent.
        evidence_base: per variable, the first row of its likelihood (-1 if none).
        marginal_base: per variable, the first row of its marginal ``(n,)``.
        op_ptr, op_role, op_base, op_strides, op_ref: each clique's operands (CSR: clique
            ``c`` owns ``op_ptr[c]:op_ptr[c+1]``), their role (``propagation.CHILD_UP``
            ...), first row, stride along each clique axis ``(ops, max_axes)``, and the
            clique or variable they refer to.
    """

    rows: int
    evidence_rows: int
    shape: np.ndarray
    naxes: np.ndarray
    postorder: np.ndarray
    parent: np.ndarray
    trivial: np.ndarray
    heads_cross: np.ndarray
    up_base: np.ndarray
    down_base: np.ndarray
    sep_rows: np.ndarray
    evidence_base: np.ndarray
    marginal_base: np.ndarray
    op_ptr: np.ndarray
    op_role: np.ndarray
    op_base: np.ndarray
    op_strides: np.ndarray
    op_ref: np.ndarray


def _strides_in(clique: Sequence[int], table: Sequence[int], card: Sequence[int]) -> list[int]:
    """Stride of each of ``clique``'s axes in a C-order table over ``table`` (ascending)."""
    stride = {}
    step = 1
    for v in reversed(table):
        stride[v] = step
        step *= card[v]
    return [stride.get(v, 0) for v in clique]


@dataclass(frozen=True)
class _Rows:
    """The workspace rows of a layout (see :class:`Layout`); lists, -1 where none."""

    total: int
    evidence_base: list[int]
    up_base: list[int]
    down_base: list[int]
    sep_rows: list[int]
    total_base: dict[int, int]
    marginal_base: list[int]


def _workspace_rows(
    tree: JunctionTree, trivial: Sequence[bool], evidence_vars: frozenset[int]
) -> _Rows:
    """Lay out the workspace: likelihoods, collect and distribute messages, one P(e)
    row per root, marginals, in that order."""
    card = tree.card
    n_cliques = len(tree.cliques)
    rows = 0
    evidence_base = [-1] * len(card)
    for v in sorted(evidence_vars):
        evidence_base[v] = rows
        rows += card[v]
    up_base = [-1] * n_cliques
    down_base = [-1] * n_cliques
    sep_rows = [0] * n_cliques
    for c in range(n_cliques):
        if tree.parent[c] >= 0:
            sep_rows[c] = math.prod(card[v] for v in tree.separator(c))
            if not trivial[c]:
                up_base[c] = rows
                rows += sep_rows[c]
            down_base[c] = rows
            rows += sep_rows[c]
    total_base = {}
    for c in range(n_cliques):
        if tree.parent[c] < 0:
            total_base[c] = rows
            rows += 1
    marginal_base = []
    for v in range(len(card)):
        marginal_base.append(rows)
        rows += card[v]
    return _Rows(rows, evidence_base, up_base, down_base, sep_rows, total_base, marginal_base)


def _operands(
    tree: JunctionTree, trivial: Sequence[bool], evidence_vars: frozenset[int], at: _Rows
) -> tuple[list[int], list[int], list[int], list[list[int]], list[int], int]:
    """Each clique's operands, in the order ``propagate`` reads them: op_ptr, role,
    first row, strides (padded to the widest clique), what each refers to, max_axes."""
    card = tree.card
    children: list[list[int]] = [[] for _ in tree.cliques]
    for c, p in enumerate(tree.parent):
        if p >= 0:
            children[p].append(c)
    homed: list[list[int]] = [[] for _ in tree.cliques]
    for v, c in enumerate(tree.marginal_home):
        homed[c].append(v)

    max_axes = max((len(c) for c in tree.cliques), default=1) or 1
    op_ptr = [0]
    role: list[int] = []
    base: list[int] = []
    strides: list[list[int]] = []
    ref: list[int] = []

    def add(r: int, row: int, table: Sequence[int], to: int, clique: Sequence[int]) -> None:
        s = _strides_in(clique, table, card)
        role.append(r)
        base.append(row)
        strides.append(s + [0] * (max_axes - len(s)))
        ref.append(to)

    for c, clique in enumerate(tree.cliques):
        for k in children[c]:
            sep = tree.separator(k)
            if not trivial[k]:
                add(P.CHILD_UP, at.up_base[k], sep, k, clique)
            add(P.CHILD_DOWN, at.down_base[k], sep, k, clique)
        for v in homed[c]:
            if v in evidence_vars:
                add(P.EVIDENCE, at.evidence_base[v], (v,), v, clique)
            add(P.MARGINAL, at.marginal_base[v], (v,), v, clique)
        if tree.parent[c] >= 0:
            if not trivial[c]:
                add(P.PARENT_UP, at.up_base[c], tree.separator(c), c, clique)
            add(P.PARENT_DOWN, at.down_base[c], tree.separator(c), c, clique)
        else:
            add(P.TOTAL, at.total_base[c], (), c, clique)
        op_ptr.append(len(role))
    return op_ptr, role, base, strides, ref, max_axes


def build_layout(
    tree: JunctionTree,
    trivial: Sequence[bool],
    heads_cross: Sequence[bool],
    evidence_vars: frozenset[int],
) -> Layout:
    """Lay out the workspace and list each clique's operands for ``propagate``."""
    card = tree.card
    at = _workspace_rows(tree, trivial, evidence_vars)
    op_ptr, role, base, strides, ref, max_axes = _operands(tree, trivial, evidence_vars, at)
    shape = np.ones((len(tree.cliques), max_axes), np.int64)
    for c, clique in enumerate(tree.cliques):
        shape[c, : len(clique)] = [card[v] for v in clique]
    as_int: Callable[[ArrayLike], np.ndarray] = lambda xs: np.asarray(xs, np.int64)  # noqa: E731
    return Layout(
        rows=at.total,
        evidence_rows=sum(card[v] for v in evidence_vars),
        shape=shape,
        naxes=as_int([len(c) for c in tree.cliques]),
        postorder=as_int(tree.postorder),
        parent=as_int(tree.parent),
        trivial=np.asarray(trivial, np.bool_),
        heads_cross=np.asarray(heads_cross, np.bool_),
        up_base=as_int(at.up_base),
        down_base=as_int(at.down_base),
        sep_rows=as_int(at.sep_rows),
        evidence_base=as_int(at.evidence_base),
        marginal_base=as_int(at.marginal_base),
        op_ptr=as_int(op_ptr),
        op_role=as_int(role),
        op_base=as_int(base),
        op_strides=np.asarray(strides, np.int64).reshape(len(role), max_axes),
        op_ref=as_int(ref),
    )


@dataclass
class Posterior:
    """Result of running a plan on a batch.

    Attributes:
        marginals: per variable index, posterior probabilities, shape ``(B, card)``.
        log_evidence: natural log of P(evidence) per batch row, shape ``(B,)``
            (``-inf`` where the evidence is impossible).
    """

    marginals: list[np.ndarray]
    log_evidence: np.ndarray


@dataclass
class Plan:
    """A junction tree compiled for one network structure and one set of evidence variables.

    Build with :func:`compile_plan`; evaluate with :meth:`run`. The plan depends on the
    structure and on *which* variables may carry evidence, never on table values, so it is
    reused across evidence batches and parameter sets.

    Attributes:
        tree: the junction forest.
        evidence_vars: indices of variables that may receive a likelihood in :meth:`run`.
        trivial: per clique, True when its collect message is all ones and is skipped.
        bytes_per_row: float64 bytes one evidence set needs: the clique potentials and
            the workspace rows (a batch shares the potentials unless they are batched).
        largest_clique: entries of the largest clique tensor (per batch row), the
            largest intermediate the plan creates.
        total_entries: entries of all clique tensors (per batch row): the work of one
            evidence set, which decides between the numpy and the compiled passes.
        parents: parent indices of each variable (the axes of its table).
        homed: per clique, the variables whose tables it holds.
        layout: the workspace and operands of the compiled propagation.
    """

    tree: JunctionTree
    evidence_vars: frozenset[int]
    trivial: tuple[bool, ...]
    bytes_per_row: int
    largest_clique: int
    total_entries: int
    parents: tuple[tuple[int, ...], ...]
    homed: tuple[tuple[int, ...], ...]
    layout: Layout

    # -- potentials ------------------------------------------------------------------

    def check_memory(self) -> None:
        """Refuse, before anything is allocated, a plan whose tables for one evidence set
        exceed ``SECONDFRONT_MAX_PLAN_BYTES`` (a UsageError with the estimate).

        Called by :meth:`potentials` and :meth:`run`; compiling and reporting a plan
        (``secondfront plan``) stays possible for any network.
        """
        too_big = memory_problem(
            "max_plan_bytes",
            self.bytes_per_row,
            f"this network's junction tree (largest clique {self.largest_clique:,} entries) "
            "for one evidence set",
        )
        if too_big:
            raise TooLargeError(too_big)

    def potentials(self, cpts: Sequence[np.ndarray], batched: bool = False) -> list[np.ndarray]:
        """Initial clique potentials: the product of the tables placed in each clique.

        Args:
            cpts: one table per variable index, axes ``(*parents, child)``; with
                ``batched``, every table has a leading axis of length 1 or B.
            batched: whether the tables carry a leading parameter-set axis.

        Returns:
            One tensor per clique, shape ``(*card of the clique's variables, 1 or B)``.
        """
        self.check_memory()
        card = self.tree.card
        batch_label = len(card)  # an axis label no variable uses
        lead = [batch_label] if batched else []
        products: list[np.ndarray] = []
        for clique, homed in zip(self.tree.cliques, self.homed, strict=True):
            operands: list[object] = []
            for v in homed:
                operands += [cpts[v], [*lead, *self.parents[v], v]]
            covered = sorted({a for v in homed for a in (*self.parents[v], v)})
            if homed:
                prod = np.asarray(opt_einsum.contract(*operands, [*lead, *covered]), np.float64)
                prod = prod[None] if not batched else prod
            else:
                prod = np.ones((1,))  # no table here: ones, batch axis of length 1
            # Size-1 axes for clique variables no table covers; the batch axis goes last
            # (see the module docstring on layout).
            prod = prod.reshape((prod.shape[0], *[card[v] if v in covered else 1 for v in clique]))
            products.append(np.moveaxis(prod, 0, -1))
        # One buffer for all cliques, so that the compiled propagation reads them in place.
        shapes = [
            (*(card[v] for v in clique), prod.shape[-1])
            for clique, prod in zip(self.tree.cliques, products, strict=True)
        ]
        flat = np.empty(sum(math.prod(shape) for shape in shapes))
        out: list[np.ndarray] = []
        at = 0
        for shape, prod in zip(shapes, products, strict=True):
            view = flat[at : at + math.prod(shape)].reshape(shape)
            view[...] = prod  # broadcasts the axes no table covers
            out.append(view)
            at += math.prod(shape)
        return out

    # -- evaluation ------------------------------------------------------------------

    def run(
        self,
        potentials: Sequence[np.ndarray],
        likelihoods: Mapping[int, np.ndarray],
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
    ) -> Posterior:
        """Calibrate the tree for a batch and read every single-variable posterior.

        Args:
            potentials: from :meth:`potentials`, each ``(*clique shape, 1 or B)``.
            likelihoods: variable index -> ``(B, card)`` non-negative likelihoods (a hard
                observation is a one-hot row; an unobserved row is all ones). Only
                variables in ``evidence_vars`` are allowed.
            memory_limit: bytes one chunk of the batch may use; larger batches are split.

        Returns:
            The posterior marginals (rows where P(e) = 0 are NaN) and log P(e).
        """
        unknown = set(likelihoods) - self.evidence_vars
        if unknown:
            raise ValueError(f"plan was not compiled for evidence on {sorted(unknown)}")
        self.check_memory()
        batch = max(
            [1]
            + [np.shape(x)[0] for x in likelihoods.values()]
            + [np.shape(p)[-1] for p in potentials]
        )
        batched_entries = sum(p.size for p in potentials if p.shape[-1] > 1) // max(batch, 1)
        layout = self.layout
        per_row = 8 * (layout.evidence_rows + layout.rows - layout.marginal_base[0])
        per_row += 8 * batched_entries
        chunk = max(1, min(batch, memory_limit // max(per_row, 1)))
        if chunk >= batch:
            return self._run(potentials, likelihoods, batch)
        parts = []
        for lo in range(0, batch, chunk):
            hi = min(batch, lo + chunk)
            pots = [p if p.shape[-1] == 1 else p[..., lo:hi] for p in potentials]
            lik = {v: x[lo:hi] for v, x in likelihoods.items()}
            parts.append(self._run(pots, lik, hi - lo))
        return Posterior(
            marginals=[
                np.concatenate([p.marginals[v] for p in parts]) for v in range(len(self.tree.card))
            ],
            log_evidence=np.concatenate([p.log_evidence for p in parts]),
        )

    def _run(
        self, potentials: Sequence[np.ndarray], likelihoods: Mapping[int, np.ndarray], batch: int
    ) -> Posterior:
        layout = self.layout
        card = self.tree.card
        flat, offsets, batched = _flatten(potentials, batch)
        n_evidence = layout.evidence_rows
        lik_rows = np.ones((n_evidence, batch))
        present = np.zeros(len(card), np.bool_)
        for v, lik in likelihoods.items():
            base = layout.evidence_base[v]
            lik_rows[base : base + card[v]] = np.asarray(lik, dtype=np.float64).T
            present[v] = True
        block = np.empty((layout.rows - int(layout.marginal_base[0]), batch))
        log_z = np.zeros(batch)
        if P.use_numpy(self.total_entries, batch):
            propagate: Callable[..., None] = P.propagate_numpy
        else:
            from secondfront.inference.propagation import propagate as compiled  # loads numba

            propagate = compiled
        _propagate(propagate, layout, flat, offsets, batched, present, lik_rows, block, log_z)
        starts = layout.marginal_base - layout.marginal_base[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            block /= np.repeat(np.add.reduceat(block, starts, axis=0), card, axis=0)
        marginals = [block[lo : lo + k].T for lo, k in zip(starts, card, strict=True)]
        return Posterior(marginals=marginals, log_evidence=log_z)


def _propagate(
    propagate: Callable[..., None],
    layout: Layout,
    flat: np.ndarray,
    offsets: np.ndarray,
    batched: np.ndarray,
    present: np.ndarray,
    lik_rows: np.ndarray,
    block: np.ndarray,
    log_z: np.ndarray,
) -> None:
    """Run one of the two propagations (compiled or numpy) over ``layout``; see
    :func:`secondfront.inference.propagation.propagate` for the arguments."""
    propagate(
        flat,
        offsets,
        batched,
        layout.shape,
        layout.naxes,
        layout.postorder,
        layout.parent,
        layout.trivial,
        layout.heads_cross,
        layout.up_base,
        layout.down_base,
        layout.sep_rows,
        layout.op_ptr,
        layout.op_role,
        layout.op_base,
        layout.op_strides,
        layout.op_ref,
        present,
        layout.rows,
        lik_rows,
        block,
        log_z,
        TILE,
    )


def _flatten(
    potentials: Sequence[np.ndarray], batch: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The potentials as one flat float64 buffer, each clique's offset and batch flag.

    Potentials made by :meth:`Plan.potentials` are views of one buffer in clique order,
    which is used as it is; anything else (a slice of a batch, tables given by hand) is
    copied into a new buffer.
    """
    batched = np.array([p.shape[-1] > 1 for p in potentials], np.bool_)
    for p, b in zip(potentials, batched, strict=True):
        if b and p.shape[-1] != batch:
            raise ValueError(f"a potential has batch axis {p.shape[-1]}, the batch is {batch}")
    base = potentials[0].base if potentials else None
    if (
        isinstance(base, np.ndarray)
        and base.ndim == 1
        and base.dtype == np.float64
        and base.flags.c_contiguous
        and all(p.base is base and p.flags.c_contiguous for p in potentials)
    ):
        start = base.__array_interface__["data"][0]
        offsets = np.array(
            [(p.__array_interface__["data"][0] - start) // 8 for p in potentials], np.int64
        )
        return base, offsets, batched
    if not potentials:  # a network without variables
        return np.zeros(0), np.zeros(0, np.int64), batched
    sizes = [p.size for p in potentials]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    flat = np.concatenate([np.ascontiguousarray(p, np.float64).reshape(-1) for p in potentials])
    return flat, offsets, batched


def compile_plan(
    parents: Sequence[Sequence[int]],
    card: Sequence[int],
    evidence_vars: frozenset[int] | set[int] = frozenset(),
    tree: JunctionTree | None = None,
) -> Plan:
    """Compile a junction-tree plan.

    Args:
        parents: parent indices of each variable (the table axes order).
        card: number of states of each variable.
        evidence_vars: the variables that may carry evidence in :meth:`Plan.run`.
        tree: a junction tree already built for this structure (to share between plans).

    Returns:
        A :class:`Plan`; planning cost is dominated by triangulation, O(n * d^2) for n
        variables of moral degree d.
    """
    family = tuple(tuple(ps) for ps in parents)
    tree = tree or build_junction_tree(family, card)
    evidence_vars = frozenset(evidence_vars)
    n_cliques = len(tree.cliques)

    homed: list[list[int]] = [[] for _ in range(n_cliques)]
    for v, c in enumerate(tree.family_home):
        homed[c].append(v)
    has_evidence = [False] * n_cliques
    for v in evidence_vars:
        has_evidence[tree.marginal_home[v]] = True
    heads: list[set[int]] = [set(h) for h in homed]
    trivial = [False] * n_cliques
    heads_cross = [False] * n_cliques
    for c in tree.postorder:  # children first, so subtree facts are complete
        p = tree.parent[c]
        if p < 0:
            continue
        sep = set(tree.separator(c))
        heads_cross[c] = bool(heads[c] & sep)
        trivial[c] = not has_evidence[c] and not heads_cross[c]
        has_evidence[p] = has_evidence[p] or has_evidence[c]
        heads[p] |= heads[c]

    sizes = [tree.size(c) for c in range(n_cliques)]
    layout = build_layout(tree, trivial, heads_cross, evidence_vars)
    return Plan(
        tree=tree,
        evidence_vars=evidence_vars,
        trivial=tuple(trivial),
        bytes_per_row=8 * (sum(sizes) + layout.rows),
        largest_clique=max(sizes, default=1),
        total_entries=sum(sizes),
        parents=family,
        homed=tuple(tuple(h) for h in homed),
        layout=layout,
    )


def warm_up() -> None:
    """Load the compiled propagation now (about 0.6 s, once per process), so that a
    long-running service does not charge it to the first request large enough to use it
    (small requests use the numpy passes, which need no loading)."""
    from secondfront.inference.propagation import propagate

    plan = compile_plan([()], [2])
    flat, offsets, batched = _flatten(plan.potentials([np.array([0.5, 0.5])]), 1)
    layout = plan.layout
    block = np.empty((layout.rows - int(layout.marginal_base[0]), 1))
    no_evidence = np.zeros(len(plan.tree.card), np.bool_)
    _propagate(
        propagate, layout, flat, offsets, batched, no_evidence, np.ones((0, 1)), block, np.zeros(1)
    )
