"""Conditional probability tables from a few numbers: noisy-OR, noisy-MAX, logistic.

An explicit CPT needs one distribution per combination of parent states, which grows
exponentially with the number of parents and asks an analyst for numbers no source
gives. The parametric forms here ask for one number (or one distribution) per parent
state instead, under stated independence assumptions.

All functions are pure and vectorised over parent configurations by broadcasting:
each parent contributes an array along its own axis, and the full table is their
broadcast combination. Every result is a float64 array laid out as everywhere in the
package: one axis per parent in the given order, the child's states on the last axis,
shape ``(card_1, ..., card_n, k)``; every row (last axis) sums to 1.

Size: a table has ``card_1 * ... * card_n * k`` entries, so a form with a few dozen
parents cannot be built at all. Each function estimates the entries of one table
before allocating and raises a ``UsageError`` stating the estimate when it is over
``SECONDFRONT_MAX_TABLE_ENTRIES`` (:mod:`secondfront.model.limits`); a spec names the
variable and line instead (``checks``). The batch functions bound one table; the
number of parameter sets ``B`` is the caller's to bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from secondfront.errors import UsageError
from secondfront.model.limits import table_size_problem


def _check_size(cards: Sequence[int], k: int) -> None:
    """Refuse, before allocating, a table over the entry limit (see the module docstring)."""
    problem = table_size_problem(list(cards), k)
    if problem is not None:
        raise UsageError(f"a parametric table with {len(cards)} parents: {problem}")


def _along(values: ArrayLike, axis: int, ndim: int) -> np.ndarray:
    """Reshape a ``(B, card)`` (or ``(B, card, k)``) array to lie on parent axis ``axis``.

    The result has shape ``(B, 1, ..., card, ..., 1[, k])`` with ``ndim`` parent axes
    after the batch axis; extra trailing axes of ``values`` are kept at the end.
    """
    arr = np.asarray(values, dtype=np.float64)
    shape = [arr.shape[0]] + [1] * ndim + list(arr.shape[2:])
    shape[1 + axis] = arr.shape[1]
    return arr.reshape(shape)


def _batch_shape(batch: int, links: Sequence[ArrayLike]) -> tuple[int, ...]:
    return (batch, *(np.shape(link)[1] for link in links))


def noisy_or_batch(leak: ArrayLike, links: Sequence[ArrayLike]) -> np.ndarray:
    """Noisy-OR CPTs for a batch of parameter sets (see :func:`noisy_or_cpt`).

    Args:
        leak: shape ``(B,)``.
        links: one array per parent, shape ``(B, card_i)``.

    Returns:
        float64 array of shape ``(B, card_1, ..., card_n, 2)``.

    Raises:
        UsageError: one table would have more entries than the limit allows.
    """
    _check_size([np.shape(link)[1] for link in links], 2)
    leak_arr = np.asarray(leak, dtype=np.float64)
    n = len(links)
    absent = (1.0 - leak_arr).reshape((-1,) + (1,) * n)
    for i, link in enumerate(links):
        absent = absent * (1.0 - _along(link, i, n))
    absent = np.broadcast_to(absent, _batch_shape(leak_arr.shape[0], links))
    return np.stack([absent, 1.0 - absent], axis=-1)


def noisy_or_cpt(leak: float, links: Sequence[ArrayLike]) -> np.ndarray:
    """Noisy-OR CPT of a binary child with states (absent, present).

    Each parent i in state x_i independently causes the child with probability
    ``link_i(x_i)``; a leak causes it with probability ``leak`` whatever the parents::

        P(absent | x) = (1 - leak) * prod_i (1 - link_i(x_i))
        P(present | x) = 1 - P(absent | x)

    A parent's first state is conventionally "inactive": pass ``link_i[0] = 0``.

    Args:
        leak: P(present | no cause active), in [0, 1].
        links: one array per parent, shape ``(card_i,)``: P(present | only parent i
            active, in that state), each in [0, 1].

    Returns:
        float64 array of shape ``(card_1, ..., card_n, 2)``.
    """
    return cast("np.ndarray", noisy_or_batch([leak], [np.asarray(link)[None] for link in links])[0])


def noisy_max_batch(leak: ArrayLike, links: Sequence[ArrayLike]) -> np.ndarray:
    """Noisy-MAX CPTs for a batch of parameter sets (see :func:`noisy_max_cpt`).

    Args:
        leak: shape ``(B, k)``.
        links: one array per parent, shape ``(B, card_i, k)``.

    Returns:
        float64 array of shape ``(B, card_1, ..., card_n, k)``.

    Raises:
        UsageError: one table would have more entries than the limit allows.
    """
    leak_arr = np.asarray(leak, dtype=np.float64)
    _check_size([np.shape(link)[1] for link in links], leak_arr.shape[-1])
    n = len(links)
    batch, k = leak_arr.shape
    cum = np.cumsum(leak_arr, axis=-1).reshape((batch,) + (1,) * n + (k,))
    for i, link in enumerate(links):
        cum = cum * np.cumsum(_along(link, i, n), axis=-1)
    cum = np.array(np.broadcast_to(cum, (*_batch_shape(batch, links), k)))
    # The top level's cumulative is 1 in exact arithmetic; pin it so rows sum to 1
    # exactly instead of to 1 +- rounding of the inputs' sums.
    cum[..., -1] = 1.0
    pmf = np.diff(cum, axis=-1, prepend=0.0)
    # Cumulative products are monotone in exact arithmetic; clip rounding noise.
    return np.clip(pmf, 0.0, 1.0)


def noisy_max_cpt(leak: ArrayLike, links: Sequence[ArrayLike]) -> np.ndarray:
    """Noisy-MAX CPT of a child with ranked states (lowest first).

    Each cause alone would put the child at a level drawn from its own distribution;
    the child takes the maximum level over the leak and all causes. Maxima of
    independent variables have multiplying cumulative distributions::

        P(Y <= y | x) = L(y) * prod_i F_i(y | x_i)
        P(Y = y | x)  = P(Y <= y | x) - P(Y <= y - 1 | x)

    where L and F_i are the cumulative sums of the leak and link distributions. A
    parent in its inactive first state should contribute F = 1 everywhere: pass the
    point mass on the lowest level, ``[1, 0, ..., 0]``, as its first row.

    With two child states this reduces to noisy-OR with ``link = F_i[1]`` (the second
    entry of each link distribution).

    Args:
        leak: shape ``(k,)``, the level the child takes with no cause active; sums to 1.
        links: one array per parent, shape ``(card_i, k)``: row ``s`` is the level
            distribution parent i alone produces in state ``s``; rows sum to 1.

    Returns:
        float64 array of shape ``(card_1, ..., card_n, k)``.
    """
    return cast(
        "np.ndarray",
        noisy_max_batch(np.asarray(leak)[None], [np.asarray(link)[None] for link in links])[0],
    )


def sigmoid(x: ArrayLike) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-x)), computed as (1 + tanh(x / 2)) / 2 to avoid overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def logit(p: ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """The inverse of :func:`sigmoid`, ``log(p / (1 - p))``, with ``p`` clipped to
    ``[eps, 1 - eps]`` so that a certain 0 or 1 stays finite."""
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return np.log(q) - np.log1p(-q)


def default_scores(card: int) -> np.ndarray:
    """Evenly spaced scores from 0 (first state) to 1 (last state), shape ``(card,)``."""
    return np.linspace(0.0, 1.0, card)


def logistic_batch(
    intercept: ArrayLike,
    weights: ArrayLike,
    scores: Sequence[ArrayLike],
    cutpoints: ArrayLike,
) -> np.ndarray:
    """Ordered-logit CPTs for a batch of parameter sets (see :func:`logistic_cpt`).

    Args:
        intercept: shape ``(B,)``.
        weights: shape ``(B, n_parents)``.
        scores: one array per parent, shape ``(card_i,)`` (scores are not batched).
        cutpoints: shape ``(B, k - 1)``.

    Returns:
        float64 array of shape ``(B, card_1, ..., card_n, k)``.

    Raises:
        UsageError: one table would have more entries than the limit allows.
    """
    n = len(scores)
    theta_k = np.shape(cutpoints)[-1] + 1 if np.ndim(cutpoints) else 2
    _check_size([np.shape(sc)[0] for sc in scores], theta_k)
    b0 = np.asarray(intercept, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64).reshape(b0.shape[0], -1)
    if w.shape[1] != n:
        raise ValueError(f"{w.shape[1]} weights for {n} parents")
    batch = b0.shape[0]
    theta = np.asarray(cutpoints, dtype=np.float64).reshape(batch, -1)
    eta = b0.reshape((batch,) + (1,) * n)
    for i, sc in enumerate(scores):
        eta = eta + w[:, i].reshape((batch,) + (1,) * n) * _along(np.asarray(sc)[None], i, n)
    eta = np.broadcast_to(eta, (batch, *(np.shape(sc)[0] for sc in scores)))
    exceed = sigmoid(eta[..., None] - theta.reshape((batch,) + (1,) * n + (-1,)))
    ones = np.ones((*eta.shape, 1))
    zeros = np.zeros((*eta.shape, 1))
    survival = np.concatenate([ones, exceed, zeros], axis=-1)  # (..., k+1): P(Y > state_j)
    return cast("np.ndarray", np.clip(survival[..., :-1] - survival[..., 1:], 0.0, 1.0))


def logistic_cpt(
    intercept: float,
    weights: Sequence[float],
    scores: Sequence[ArrayLike],
    cutpoints: ArrayLike,
) -> np.ndarray:
    """Ordered-logit CPT of a child with ranked states (lowest first).

    Each parent state has a numeric score; a configuration x has the linear predictor
    ``eta(x) = intercept + sum_i weight_i * score_i(x_i)``, and with increasing cutpoints
    theta_1 < ... < theta_{k-1}::

        P(Y > state_j | x) = sigmoid(eta(x) - theta_j),   j = 1..k-1
        P(Y = state_j | x) = P(Y > state_{j-1} | x) - P(Y > state_j | x)

    with P(Y > state_0) = 1 and P(Y > state_k) = 0 (states numbered 1..k here). For a
    binary child with theta_1 = 0, P(last | x) = sigmoid(eta(x)).

    Args:
        intercept: eta with every score 0 (log-odds units).
        weights: one per parent, log-odds per unit of score.
        scores: one array per parent, shape ``(card_i,)``.
        cutpoints: shape ``(k - 1,)``, strictly increasing (log-odds units).

    Returns:
        float64 array of shape ``(card_1, ..., card_n, k)``.
    """
    if len(weights) != len(scores):
        raise ValueError(f"{len(weights)} weights for {len(scores)} parents")
    w = np.asarray(weights, dtype=np.float64).reshape(1, len(scores))
    return cast(
        "np.ndarray",
        logistic_batch([intercept], w, scores, np.asarray(cutpoints, dtype=np.float64)[None])[0],
    )
