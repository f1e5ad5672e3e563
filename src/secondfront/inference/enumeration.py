"""The naive twin of the engine: posteriors by enumerating the full joint distribution.

Exponential in the number of variables and meant only for small networks, where it is
obviously right: build P(x) as the product of every table over the whole state space,
multiply in the evidence, sum. Tests compare the junction tree against it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from secondfront.errors import ImpossibleEvidenceError
from secondfront.model.network import Network

# Joint tables larger than this (entries) are refused: 2^22 float64 entries is 32 MiB.
MAX_JOINT_ENTRIES = 1 << 22


def joint(network: Network) -> np.ndarray:
    """The full joint distribution, one axis per variable in the network's order.

    Returns:
        Array of shape ``(card(v1), ..., card(vn))`` summing to 1.

    Raises:
        ValueError: when the joint has more than ``MAX_JOINT_ENTRIES`` entries.
    """
    names = network.names
    size = math.prod(v.card for v in network)
    if size > MAX_JOINT_ENTRIES:
        raise ValueError(
            f"joint of {network.name} has {size} entries; enumeration is for small networks"
        )
    index = {n: i for i, n in enumerate(names)}
    p = np.ones([v.card for v in network])
    for var in network:
        axes = [index[q] for q in (*var.parents, var.name)]
        # Place the table's axes at their joint positions, size 1 elsewhere, and multiply.
        order = np.argsort(axes)
        shape = [1] * len(names)
        for a in axes:
            shape[a] = network.variables[names[a]].card
        p = p * np.transpose(network.cpts[var.name], order).reshape(shape)
    return p


def enumerate_marginals(
    network: Network,
    evidence: Mapping[str, str] | None = None,
    likelihood: Mapping[str, np.ndarray] | None = None,
    do: Mapping[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """All single-variable posteriors by brute force.

    Args:
        network: a small network.
        evidence: hard evidence, variable -> state name.
        likelihood: soft evidence, variable -> non-negative vector of shape ``(card,)``.
        do: interventions, variable -> state; the variable's table is replaced by a point
            mass on that state, cutting the influence of its parents (graph surgery).

    Returns:
        variable -> posterior vector of shape ``(card,)``.
    """
    if do:
        surgery = {}
        for name, state in do.items():
            var = network.variables[name]
            table = np.zeros(network.cpts[name].shape)
            table[..., var.index(state)] = 1.0
            surgery[name] = table
        network = network.with_cpts(surgery)
    p = joint(network)
    names = network.names
    for name, state in (evidence or {}).items():
        mask = np.zeros(network.variables[name].card)
        mask[network.variables[name].index(state)] = 1.0
        p = p * mask.reshape([-1 if n == name else 1 for n in names])
    for name, vec in (likelihood or {}).items():
        p = p * np.asarray(vec, dtype=np.float64).reshape([-1 if n == name else 1 for n in names])
    total = p.sum()
    if total <= 0:
        raise ImpossibleEvidenceError({**(evidence or {}), **(likelihood or {})})
    out = {}
    for i, name in enumerate(names):
        out[name] = p.sum(axis=tuple(j for j in range(len(names)) if j != i)) / total
    return out
