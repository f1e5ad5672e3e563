"""Forward filtering and smoothing for a discrete hidden Markov chain: pure functions.

Notation (shapes in brackets; ``...`` is any number of leading batch axes, so a whole
set of scenarios or parameter draws runs in one call):

* ``K`` hidden states, ``T`` time steps (weeks);
* ``prior`` [..., K]: P(S_1) before the first observation;
* ``transition`` [K, K]: ``A[i, j] = P(S_{t+1} = j | S_t = i)``, rows sum to 1;
* ``likelihood`` [T, ..., K]: ``L[t, k] = P(e_t | S_t = k)`` up to a factor constant in k
  (a missing week is a row of ones).

Filtering (the forward algorithm, normalised each step)::

    predicted_t = belief_{t-1} @ A         (predicted_1 = prior)
    c_t         = sum_k predicted_t[k] * L[t, k]
    belief_t    = predicted_t * L[t] / c_t    = P(S_t | e_1..e_t)
    log P(e_1..e_T) = sum_t log c_t

Smoothing (backward pass, Rauch-Tung-Striebel form for discrete chains)::

    smoothed_T = belief_T
    smoothed_t = belief_t * (A @ (smoothed_{t+1} / predicted_{t+1}))   = P(S_t | e_1..e_T)

A filter is ``filter_init(prior) -> FilterState`` and ``filter_update(state, A, L_t)
-> FilterState``; ``forward_filter`` folds the update over time. The naive twins
(``naive_filter``, ``naive_smooth``) enumerate all K**T paths and exist to check the
fast versions in tests; use them for T <= 8 or so.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple, cast

import numpy as np


class FilterState(NamedTuple):
    """The filter after some steps.

    Attributes:
        belief: [..., K] P(S_t | e_1..e_t); before any step, the prior.
        log_evidence: [...] log P(e_1..e_t) (0 before any step).
        steps: number of observations absorbed.
    """

    belief: np.ndarray
    log_evidence: np.ndarray
    steps: int


def filter_init(prior: np.ndarray) -> FilterState:
    """The state before the first observation: belief = prior [..., K]."""
    p = np.asarray(prior, dtype=np.float64)
    return FilterState(p, np.zeros(p.shape[:-1]), 0)


def filter_update(
    state: FilterState, transition: np.ndarray, likelihood: np.ndarray
) -> FilterState:
    """Absorb one step: predict through ``transition`` (except at the first step), weigh
    by ``likelihood`` [..., K] and normalise.

    Raises:
        ValueError: when the evidence has probability zero under every state.
    """
    predicted = state.belief if state.steps == 0 else state.belief @ transition
    joint = predicted * likelihood
    c = joint.sum(axis=-1)
    if np.any(c <= 0):
        raise ValueError(f"step {state.steps + 1}: evidence impossible under every hidden state")
    return FilterState(joint / c[..., None], state.log_evidence + np.log(c), state.steps + 1)


class FilterResult(NamedTuple):
    """Output of :func:`forward_filter`.

    Attributes:
        beliefs: [T, ..., K] filtered P(S_t | e_1..e_t).
        predicted: [T, ..., K] P(S_t | e_1..e_{t-1}) (the prior at t = 1).
        log_evidence: [...] log P(e_1..e_T).
    """

    beliefs: np.ndarray
    predicted: np.ndarray
    log_evidence: np.ndarray


def forward_filter(
    prior: np.ndarray, transition: np.ndarray, likelihood: np.ndarray
) -> FilterResult:
    """Filter a whole sequence (equations in the module docstring).

    Args:
        prior: [..., K].
        transition: [K, K], rows summing to 1.
        likelihood: [T, ..., K], non-negative.
    """
    A = np.asarray(transition, dtype=np.float64)
    L = np.asarray(likelihood, dtype=np.float64)
    state = filter_init(prior)
    beliefs = np.empty(L.shape)
    predicted = np.empty(L.shape)
    for t in range(L.shape[0]):
        predicted[t] = state.belief if t == 0 else state.belief @ A
        state = filter_update(state, A, L[t])
        beliefs[t] = state.belief
    return FilterResult(beliefs, predicted, state.log_evidence)


def backward_smooth(result: FilterResult, transition: np.ndarray) -> np.ndarray:
    """Smoothed P(S_t | e_1..e_T) [T, ..., K] from a filter's output."""
    A = np.asarray(transition, dtype=np.float64)
    b, pr = result.beliefs, result.predicted
    out = np.empty_like(b)
    out[-1] = b[-1]
    for t in range(b.shape[0] - 2, -1, -1):
        ratio = np.divide(out[t + 1], pr[t + 1], out=np.zeros_like(pr[t + 1]), where=pr[t + 1] > 0)
        out[t] = b[t] * (ratio @ A.T)
    return out


def predict_ahead(belief: np.ndarray, transition: np.ndarray, steps: int) -> np.ndarray:
    """P(S_{t+steps} | e_1..e_t) [..., K]: the belief pushed ``steps`` times through A."""
    return cast(
        "np.ndarray", np.asarray(belief) @ np.linalg.matrix_power(np.asarray(transition), steps)
    )


def event_within(
    belief: np.ndarray, transition: np.ndarray, hazard: np.ndarray, weeks: int
) -> np.ndarray:
    """P(at least one event in the next ``weeks`` steps | belief) [...].

    Each step the chain moves through ``transition``, then an event happens with
    probability ``hazard[k]`` in state k, independently given the state::

        P(none) = belief @ A @ diag(1 - h) @ A @ diag(1 - h) ... (weeks times) @ 1
    """
    A = np.asarray(transition, dtype=np.float64)
    keep = 1.0 - np.asarray(hazard, dtype=np.float64)
    v = np.asarray(belief, dtype=np.float64)
    for _ in range(weeks):
        v = (v @ A) * keep
    return cast("np.ndarray", 1.0 - v.sum(axis=-1))


# -- naive twins ---------------------------------------------------------------------


def _path_weights(
    prior: np.ndarray, A: np.ndarray, L: np.ndarray
) -> tuple[list[tuple[int, ...]], np.ndarray]:
    T, K = L.shape
    paths = list(itertools.product(range(K), repeat=T))
    w = np.empty(len(paths))
    for n, path in enumerate(paths):
        p = prior[path[0]] * L[0, path[0]]
        for t in range(1, T):
            p *= A[path[t - 1], path[t]] * L[t, path[t]]
        w[n] = p
    return paths, w


def naive_filter(
    prior: np.ndarray, transition: np.ndarray, likelihood: np.ndarray
) -> tuple[np.ndarray, float]:
    """Filtered beliefs [T, K] and log P(e_1..e_T) by enumerating every path (no batch axes)."""
    prior = np.asarray(prior, dtype=np.float64)
    A = np.asarray(transition, dtype=np.float64)
    L = np.asarray(likelihood, dtype=np.float64)
    T, K = L.shape
    beliefs = np.empty((T, K))
    total = 0.0
    for t in range(T):
        paths, w = _path_weights(prior, A, L[: t + 1])
        for k in range(K):
            beliefs[t, k] = sum(wi for p, wi in zip(paths, w, strict=True) if p[t] == k)
        total = beliefs[t].sum()
        beliefs[t] /= total
    return beliefs, float(np.log(total))


def naive_smooth(prior: np.ndarray, transition: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """Smoothed beliefs [T, K] by enumerating every path (no batch axes)."""
    L = np.asarray(likelihood, dtype=np.float64)
    T, K = L.shape
    paths, w = _path_weights(np.asarray(prior, float), np.asarray(transition, float), L)
    out = np.zeros((T, K))
    for p, wi in zip(paths, w, strict=True):
        for t in range(T):
            out[t, p[t]] += wi
    return cast("np.ndarray", out / w.sum())


__all__ = [
    "FilterResult",
    "FilterState",
    "backward_smooth",
    "event_within",
    "filter_init",
    "filter_update",
    "forward_filter",
    "naive_filter",
    "naive_smooth",
    "predict_ahead",
]
