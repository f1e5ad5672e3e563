"""Queries by name: evidence, soft evidence and interventions in, named posteriors out.

This is the layer the Python API and the command line call. It turns names into
indices and likelihood arrays, applies interventions by graph surgery, and reuses
compiled plans: the junction tree is cached per network structure, a plan per set of
evidence variables, and clique potentials per set of tables (see ``Network`` caches).

Evidence values: a state name is a hard observation; a sequence of non-negative
numbers, one per state, is soft (likelihood) evidence, P(report | state).
Interventions ``do={X: x}`` replace X's table by a point mass on x, which cuts the
influence of X's parents while keeping the structure (so the same plan serves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from secondfront.errors import ImpossibleEvidenceError, QueryError, unknown_name
from secondfront.inference.junction_tree import (
    DEFAULT_MEMORY_LIMIT,
    JunctionTree,
    Plan,
    build_junction_tree,
    compile_plan,
)
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


def _index(network: Network) -> dict[str, int]:
    cached = network.structure_cache.get("index")
    if cached is None:
        cached = {name: i for i, name in enumerate(network.variables)}
        network.structure_cache["index"] = cached
    return cached


def junction_tree(network: Network) -> JunctionTree:
    """The network's junction tree, built once per structure."""
    tree = network.structure_cache.get("tree")
    if tree is None:
        index = _index(network)
        parents = [tuple(index[p] for p in v.parents) for v in network]
        tree = build_junction_tree(parents, [v.card for v in network])
        network.structure_cache["tree"] = tree
    return tree


def plan(network: Network, evidence_vars: frozenset[str] | set[str] = frozenset()) -> Plan:
    """The compiled plan for queries with evidence on ``evidence_vars`` (cached)."""
    index = _index(network)
    key = frozenset(index[v] for v in evidence_vars)
    plans: dict[frozenset[int], Plan] = network.structure_cache.setdefault("plans", {})
    found = plans.get(key)
    if found is None:
        parents = [tuple(index[p] for p in v.parents) for v in network]
        found = compile_plan(parents, [v.card for v in network], key, tree=junction_tree(network))
        plans[key] = found
    return found


def _potentials(network: Network, p: Plan) -> list[np.ndarray]:
    pots = network.value_cache.get("potentials")
    if pots is None:
        pots = p.potentials([network.cpts[v.name] for v in network])
        network.value_cache["potentials"] = pots
    return pots


def check_variable(network: Network, name: str) -> None:
    """Raise a one-line QueryError listing the valid variables when ``name`` is unknown."""
    if name not in network.variables:
        raise unknown_name("variable", name, network.names)


def state_index(network: Network, name: str, state: str) -> int:
    """Index of ``state`` of variable ``name``; one-line QueryError listing valid names."""
    check_variable(network, name)
    var = network.variables[name]
    if state not in var.states:
        raise unknown_name(f"state of {name}", state, var.states)
    return var.index(state)


def likelihood_vector(network: Network, name: str, value: EvidenceValue) -> np.ndarray:
    """The likelihood vector ``(n_states,)`` for one piece of hard or soft evidence."""
    check_variable(network, name)
    var = network.variables[name]
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


def intervene(network: Network, do: Mapping[str, str]) -> Network:
    """The network after graph surgery: each X in ``do`` is set to its state."""
    if not do:
        return network
    tables = {}
    for name, state in do.items():
        k = state_index(network, name, state)
        table = np.zeros(network.cpts[name].shape)
        table[..., k] = 1.0
        tables[name] = table
    return network.with_cpts(tables)


def _state_lookup(network: Network) -> dict[str, dict[str, int]]:
    cached = network.structure_cache.get("states")
    if cached is None:
        cached = {v.name: {s: i for i, s in enumerate(v.states)} for v in network}
        network.structure_cache["states"] = cached
    return cached


def _likelihoods(network: Network, rows: Sequence[Evidence], batch: int) -> dict[int, np.ndarray]:
    """Likelihood arrays ``(B, n_states)`` per observed variable index; ones where unobserved.

    Hard evidence is gathered as (row, state) index pairs and scattered in one numpy
    assignment per variable: a per-row vector would dominate the cost of large batches.
    """
    index = _index(network)
    lookup = _state_lookup(network)
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


def posterior_batch(
    network: Network,
    evidence: Sequence[Evidence],
    do: Mapping[str, str] | None = None,
    cpts: Mapping[str, np.ndarray] | None = None,
    on_impossible: str = "raise",
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
) -> BatchPosterior:
    """All single-variable posteriors for a batch of evidence sets (and parameter sets).

    Args:
        network: the model.
        evidence: one mapping per batch row, variable -> state name or likelihood vector.
        do: interventions applied to every row.
        cpts: parameter sets: variable -> tables of shape ``(B, *table shape)``, one per
            row (rows of ``evidence`` may then be empty mappings); other tables are shared.
        on_impossible: ``"raise"`` an ImpossibleEvidenceError naming the rows with
            P(e) = 0, or ``"nan"`` to return NaN marginals for them.
        memory_limit: bytes one chunk may use; bigger batches are split.
    """
    network = intervene(network, do or {})
    if cpts and do:
        # An intervention fixes its variable whatever the sampled table says.
        cpts = {k: v for k, v in cpts.items() if k not in do}
    rows = list(evidence)
    batch = len(rows)
    if cpts:
        sizes = {np.shape(t)[0] for t in cpts.values()}
        if len(sizes) != 1 or (batch and sizes != {batch}):
            raise QueryError(f"parameter sets must all have the batch size {batch}; got {sizes}")
        batch = sizes.pop()
        rows = rows or [{}] * batch
    likelihoods = _likelihoods(network, rows, batch)  # validates names first
    names = network.names
    p = plan(network, frozenset(names[i] for i in likelihoods))
    if cpts:
        for name, tables in cpts.items():
            check_variable(network, name)
            if np.shape(tables)[1:] != network.cpts[name].shape:
                raise QueryError(
                    f"parameter sets for {name} need shape (B, {network.cpts[name].shape})"
                )
        all_tables = [
            np.asarray(cpts[v.name], dtype=np.float64)
            if v.name in cpts
            else network.cpts[v.name][None]
            for v in network
        ]
        pots = p.potentials(all_tables, batched=True)
    else:
        pots = _potentials(network, p)
    result = p.run(pots, likelihoods, memory_limit=memory_limit)
    bad = np.flatnonzero(~np.isfinite(result.log_evidence))
    if bad.size and on_impossible == "raise":
        raise ImpossibleEvidenceError(dict(rows[bad[0]]) if rows else {}, rows=bad.tolist())
    return BatchPosterior(
        marginals={names[i]: m for i, m in enumerate(result.marginals)},
        log_evidence=result.log_evidence,
    )


def infer_batch(network: Network, evidence: Sequence[Evidence]) -> dict[str, np.ndarray]:
    """Posterior marginals for a batch of evidence sets in one vectorised call.

    Returns:
        variable -> array of shape ``(batch, n_states)``, states in model order.
    """
    return posterior_batch(network, evidence).marginals


def infer(
    network: Network,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Posterior marginals of every variable for one evidence set.

    Args:
        network: the model.
        evidence: variable -> state (hard) or likelihood vector (soft).
        do: variable -> state, interventions.

    Returns:
        variable -> {state: probability}.
    """
    post = posterior_batch(network, [evidence or {}], do=do)
    return {
        name: dict(zip(network.variables[name].states, (float(x) for x in m[0]), strict=True))
        for name, m in post.marginals.items()
    }
