"""Queries by name: evidence, soft evidence and interventions in, named posteriors out.

This is the layer the Python API and the command line call. It turns names into
indices and likelihood arrays and applies interventions by graph surgery.

Compile once, evaluate many: :func:`compile_query` turns a model or network and the
set of variables that may carry evidence into a :class:`Query`, an immutable object
holding the junction tree, the plan and the clique potentials; the caller owns it and
runs it on batch after batch (as opt_einsum hands back a ``ContractExpression``).
Nothing is cached behind the caller's back: a ``Model`` and its ``Network`` hold no
engine state, so threads share models and queries freely. :func:`posterior_batch`
given a query runs it; given a model it compiles one for evidence on any variable and
drops it after the call; given a bare network, one for the variables the batch
observes. A caller that answers many requests on one model passes its own query (the
workbench's catalog keeps one per model file version).

Evidence values: a state name is a hard observation; a sequence of non-negative
numbers, one per state, is soft (likelihood) evidence, P(report | state).
Interventions ``do={X: x}`` replace X's table by a point mass on x, which cuts the
influence of X's parents while keeping the structure (so the same plan serves; only
the potentials are rebuilt).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from secondfront.errors import ImpossibleEvidenceError, QueryError, TooLargeError, unknown_name
from secondfront.inference.junction_tree import (
    DEFAULT_MEMORY_LIMIT,
    JunctionTree,
    Plan,
    build_junction_tree,
    compile_plan,
)
from secondfront.model.model import Model, ModelLike, network_of
from secondfront.model.network import Network

EvidenceValue = str | Sequence[float] | np.ndarray
Evidence = Mapping[str, EvidenceValue]


@dataclass
class BatchPosterior:
    """Posteriors for a batch.

    Attributes:
        marginals: variable -> array ``(B, n_states)``, states in model order.
        log_evidence: ``(B,)`` natural log of P(evidence) of each row.
    """

    marginals: dict[str, np.ndarray]
    log_evidence: np.ndarray


def _parents(network: Network, index: Mapping[str, int]) -> list[tuple[int, ...]]:
    return [tuple(index[p] for p in v.parents) for v in network]


def junction_tree(network: ModelLike) -> JunctionTree:
    """The network's junction tree (built on every call; keep a :class:`Query` instead)."""
    net = network_of(network)
    index = {name: i for i, name in enumerate(net.variables)}
    return build_junction_tree(_parents(net, index), [v.card for v in net])


def plan(network: ModelLike, evidence_vars: Iterable[str] = frozenset()) -> Plan:
    """The plan for queries with evidence on ``evidence_vars`` (compiled on every call)."""
    net = network_of(network)
    for name in evidence_vars:
        check_variable(net, name)
    return compile_query(net, evidence_vars).plan


@dataclass(frozen=True, eq=False)
class Query:
    """A network compiled for queries with evidence on a set of variables.

    Build with :func:`compile_query`; the caller owns it. It is
    immutable (its arrays are read-only), so one query may serve many threads.

    Attributes:
        network: the network it was compiled from.
        observed: the variables that may carry evidence.
        plan: the junction-tree plan.
        potentials: initial clique potentials of the network's own tables.
        index: variable -> position.
        states: variable -> state -> position.
    """

    network: Network
    observed: frozenset[str]
    plan: Plan
    potentials: tuple[np.ndarray, ...]
    index: Mapping[str, int]
    states: Mapping[str, Mapping[str, int]]

    def run(
        self,
        evidence: Sequence[Evidence],
        do: Mapping[str, str] | None = None,
        cpts: Mapping[str, np.ndarray] | None = None,
        on_impossible: str = "raise",
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
    ) -> BatchPosterior:
        """All single-variable posteriors for a batch (see :func:`posterior_batch`).

        Raises:
            QueryError: evidence on a variable outside ``observed``, unknown names or
                states, malformed soft evidence or parameter sets.
            ImpossibleEvidenceError: a row has P(e) = 0 and ``on_impossible="raise"``.
        """
        network = self.network
        if cpts and do:
            # An intervention fixes its variable whatever the sampled table says.
            cpts = {k: v for k, v in cpts.items() if k not in do}
        rows = list(evidence)
        batch = len(rows)
        if cpts:
            sizes = {np.shape(t)[0] for t in cpts.values()}
            if len(sizes) != 1 or (batch and sizes != {batch}):
                raise QueryError(
                    f"parameter sets must all have the batch size {batch}; got {sizes}"
                )
            batch = sizes.pop()
            rows = rows or [{}] * batch
        likelihoods = _likelihoods(self, rows, batch)  # validates names first
        outside = sorted(
            network.names[i] for i in likelihoods if network.names[i] not in self.observed
        )
        if outside:
            raise QueryError(
                f"this query was compiled for evidence on {sorted(self.observed)}; "
                f"got evidence on {outside}: compile one that observes them"
            )
        tables = dict(network.cpts)
        tables.update(_surgery(network, do or {}))
        if cpts:
            for name, sets in cpts.items():
                check_variable(network, name)
                if np.shape(sets)[1:] != network.cpts[name].shape:
                    raise QueryError(
                        f"parameter sets for {name} need shape (B, {network.cpts[name].shape})"
                    )
            all_tables = [
                np.asarray(cpts[v.name], dtype=np.float64)
                if v.name in cpts
                else tables[v.name][None]
                for v in network
            ]
            pots: Sequence[np.ndarray] = self.plan.potentials(all_tables, batched=True)
        elif do:
            pots = self.plan.potentials([tables[v.name] for v in network])
        else:
            pots = self.potentials
        result = self.plan.run(pots, likelihoods, memory_limit=memory_limit)
        bad = np.flatnonzero(~np.isfinite(result.log_evidence))
        if bad.size and on_impossible == "raise":
            raise ImpossibleEvidenceError(dict(rows[bad[0]]) if rows else {}, rows=bad.tolist())
        names = network.names
        marginals, log_evidence = list(result.marginals), result.log_evidence
        if batch > 1 and len(log_evidence) == 1:
            # No row observes anything and no table varies: the plan ran once; every row
            # has the same answer, one per row as asked.
            marginals = [np.repeat(m, batch, axis=0) for m in marginals]
            log_evidence = np.repeat(log_evidence, batch)
        return BatchPosterior(
            marginals={names[i]: m for i, m in enumerate(marginals)},
            log_evidence=log_evidence,
        )

    def infer(
        self, evidence: Evidence | None = None, do: Mapping[str, str] | None = None
    ) -> dict[str, dict[str, float]]:
        """Posterior marginals of every variable for one evidence set, by state name."""
        post = self.run([evidence or {}], do=do)
        return _named(self.network, post, 0)


def compile_query(
    network: ModelLike, observed: Iterable[str] | None = None, tree: JunctionTree | None = None
) -> Query:
    """Compile ``network`` for evidence on ``observed`` (default: every variable).

    Args:
        network: the model or network.
        observed: the variables that may carry evidence; a plan for fewer variables
            skips the messages of evidence-free parts of the tree.
        tree: a junction tree already built for this structure, to share.

    Raises:
        QueryError: an unknown variable in ``observed``.
        TooLargeError: the junction tree needs more memory than ``max_plan_bytes``; for a
            model loaded from a file, the message names the file (by its name only: the
            workbench shows it to clients, who need not learn where models are kept).
    """
    try:
        return _compile(network, observed, tree)
    except TooLargeError as e:
        path = network.path if isinstance(network, Model) else None
        if path is None:
            raise
        raise TooLargeError(f"{path.name}: {e}") from None


def _compile(
    network: ModelLike, observed: Iterable[str] | None, tree: JunctionTree | None
) -> Query:
    net = network_of(network)
    names = net.names if observed is None else list(observed)
    for name in names:
        check_variable(net, name)
    index = {name: i for i, name in enumerate(net.variables)}
    parents = _parents(net, index)
    card = [v.card for v in net]
    tree = tree or build_junction_tree(parents, card)
    p = compile_plan(parents, card, frozenset(index[n] for n in names), tree=tree)
    pots = p.potentials([net.cpts[v.name] for v in net])
    for arr in pots:
        arr.flags.writeable = False
    return Query(
        network=net,
        observed=frozenset(names),
        plan=p,
        potentials=tuple(pots),
        index=index,
        states={v.name: {s: i for i, s in enumerate(v.states)} for v in net},
    )


def _named(network: Network, post: BatchPosterior, row: int) -> dict[str, dict[str, float]]:
    return {
        name: dict(zip(network.variables[name].states, (float(x) for x in m[row]), strict=True))
        for name, m in post.marginals.items()
    }


def check_variable(network: ModelLike, name: str) -> None:
    """Raise a one-line QueryError listing the valid variables when ``name`` is unknown."""
    net = network_of(network)
    if name not in net.variables:
        raise unknown_name("variable", name, net.names)


def state_index(network: ModelLike, name: str, state: str) -> int:
    """Index of ``state`` of variable ``name``; one-line QueryError listing valid names."""
    check_variable(network, name)
    var = network_of(network).variables[name]
    if state not in var.states:
        raise unknown_name(f"state of {name}", state, var.states)
    return var.index(state)


def likelihood_vector(network: ModelLike, name: str, value: EvidenceValue) -> np.ndarray:
    """The likelihood vector ``(n_states,)`` for one piece of hard or soft evidence."""
    check_variable(network, name)
    var = network_of(network).variables[name]
    if isinstance(value, str):
        vec = np.zeros(var.card)
        vec[state_index(network, name, value)] = 1.0
        return vec
    vec = np.asarray(value, dtype=np.float64)
    if vec.shape != (var.card,) or not np.all(np.isfinite(vec)) or np.any(vec < 0) or not vec.any():
        raise QueryError(
            f"soft evidence on {name} needs {var.card} non-negative numbers, not all zero, "
            f"one per state {list(var.states)}; got {value!r}"
        )
    return vec


def _surgery(network: Network, do: Mapping[str, str]) -> dict[str, np.ndarray]:
    """The point-mass tables that replace each intervened variable's table."""
    tables = {}
    for name, state in do.items():
        k = state_index(network, name, state)
        table = np.zeros(network.cpts[name].shape)
        table[..., k] = 1.0
        tables[name] = table
    return tables


def intervene(network: ModelLike, do: Mapping[str, str]) -> Network:
    """The network after graph surgery: each X in ``do`` is set to its state."""
    net = network_of(network)
    return net.with_cpts(_surgery(net, do)) if do else net


def _likelihoods(query: Query, rows: Sequence[Evidence], batch: int) -> dict[int, np.ndarray]:
    """Likelihood arrays ``(B, n_states)`` per observed variable index; ones where unobserved.

    Hard evidence is gathered as (row, state) index pairs and scattered in one numpy
    assignment per variable: a per-row vector would dominate the cost of large batches.
    """
    network = query.network
    index = query.index
    lookup = query.states
    hard: dict[str, tuple[list[int], list[int]]] = {}
    soft: dict[str, list[tuple[int, np.ndarray]]] = {}
    for r, row in enumerate(rows):
        for name, value in row.items():
            states = lookup.get(name)
            if states is None:
                check_variable(network, name)
            if isinstance(value, str):
                k = states.get(value) if states else None
                if k is None:
                    k = state_index(network, name, value)  # raises the one-line error
                rs, ks = hard.setdefault(name, ([], []))
                rs.append(r)
                ks.append(k)
            else:
                soft.setdefault(name, []).append((r, likelihood_vector(network, name, value)))
    out: dict[int, np.ndarray] = {}
    for name in sorted({*hard, *soft}, key=index.__getitem__):
        arr = np.ones((batch, network.variables[name].card))
        if name in hard:
            rs, ks = hard[name]
            arr[rs] = 0.0
            arr[rs, ks] = 1.0
        for r, vec in soft.get(name, ()):
            arr[r] = vec
        out[index[name]] = arr
    return out


def _query_for(network: ModelLike | Query, rows: Sequence[Evidence]) -> Query:
    """The query that answers ``rows``: the given one, or one compiled for this call."""
    if isinstance(network, Query):
        return network
    if isinstance(network, Model):
        # Compiled for any variable, as results on a model do not depend on the rows.
        return compile_query(network)
    for row in rows:
        for name in row:
            check_variable(network, name)
    return compile_query(network, {name for row in rows for name in row})


def posterior_batch(
    network: ModelLike | Query,
    evidence: Sequence[Evidence],
    do: Mapping[str, str] | None = None,
    cpts: Mapping[str, np.ndarray] | None = None,
    on_impossible: str = "raise",
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
) -> BatchPosterior:
    """All single-variable posteriors for a batch of evidence sets (and parameter sets).

    Args:
        network: a compiled query (kept by the caller), a model (compiled for any
            variable for this call), or a bare network (compiled for the variables
            this batch observes); what is compiled here is dropped after the call.
        evidence: one mapping per batch row, variable -> state name or likelihood vector.
        do: interventions applied to every row.
        cpts: parameter sets: variable -> tables of shape ``(B, *table shape)``, one per
            row (rows of ``evidence`` may then be empty mappings); other tables are shared.
        on_impossible: ``"raise"`` an ImpossibleEvidenceError naming the rows with
            P(e) = 0, or ``"nan"`` to return NaN marginals for them.
        memory_limit: bytes one chunk may use; bigger batches are split.
    """
    rows = list(evidence)
    return _query_for(network, rows).run(
        rows, do=do, cpts=cpts, on_impossible=on_impossible, memory_limit=memory_limit
    )


def infer_batch(network: ModelLike | Query, evidence: Sequence[Evidence]) -> dict[str, np.ndarray]:
    """Posterior marginals for a batch of evidence sets in one vectorised call.

    Returns:
        variable -> array of shape ``(batch, n_states)``, states in model order.
    """
    return posterior_batch(network, evidence).marginals


def infer(
    network: ModelLike | Query,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Posterior marginals of every variable for one evidence set.

    Args:
        network: the model, a compiled query or a bare network.
        evidence: variable -> state (hard) or likelihood vector (soft).
        do: variable -> state, interventions.

    Returns:
        variable -> {state: probability}.
    """
    rows = [evidence or {}]
    query = _query_for(network, rows)
    return _named(query.network, query.run(rows, do=do), 0)
