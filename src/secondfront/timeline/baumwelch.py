"""Baum-Welch (EM) for the weekly escalation chain, with Dirichlet priors: pure functions.

Notation (shapes in brackets):

* ``K`` hidden states, ``T`` weeks, ``I`` binary indicators;
* ``X`` [T, I]: 1.0 where indicator i was observed in week t, 0.0 where it was not
  observed although a source covered the week, NaN where it is unknown;
* parameters :class:`HmmParameters`: ``initial`` [K] = P(S_1), ``transition`` [K, K]
  with ``A[i, j] = P(S_{t+1} = j | S_t = i)``, ``emission`` [K, I] with
  ``B[k, i] = P(indicator i observed in a week | S = k)``.

Emission model: given the state, the indicators of a week are independent Bernoulli
variables; an unknown indicator contributes no factor (it is marginalised out, which
for a Bernoulli is a factor of 1)::

    log L[t, k] = sum_{i known in t} X[t,i] log B[k,i] + (1 - X[t,i]) log(1 - B[k,i])

Prior: each probability vector (``initial``, each row of ``transition``, each
``(B[k,i], 1 - B[k,i])``) has a Dirichlet prior with parameters ``1 + ess * p0``, where
``p0`` is the analyst's number and ``ess`` its equivalent sample size. The MAP
estimate is then "counts plus pseudo-counts"::

    theta = (expected counts + ess * p0) / (expected total + ess)

so a transition never seen in the data keeps ``ess * p0 / (N + ess) > 0`` instead of
the maximum-likelihood 0. EM maximises the log posterior
``log P(X | theta) + sum (alpha - 1) log theta``, which never decreases from one
iteration to the next. The loop, the normalisation and the log prior are the package's
one EM driver (:mod:`secondfront.em`), shared with the network tables' fit.

E-step: the scaled forward-backward recursions, reusing the normalised forward filter
of :mod:`secondfront.timeline.hmm` (``alpha_t = P(S_t | e_1..t)``, normaliser ``c_t``)::

    beta_T = 1,   beta_t = A @ (L_{t+1} * beta_{t+1}) / c_{t+1}
    gamma_t = alpha_t * beta_t                            = P(S_t | e_1..T)
    xi_t[i, j] = alpha_t[i] A[i, j] L_{t+1}[j] beta_{t+1}[j] / c_{t+1}

Each week's log-likelihood row is shifted by its maximum before exponentiating (and
the shift added back to log P(X)), so long runs of indicators cannot underflow.

The naive twin :func:`naive_expected_counts` enumerates all K**T paths; it checks the
fast E-step in tests (T <= 7 or so).
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from secondfront import em
from secondfront.timeline import hmm


class HmmParameters(NamedTuple):
    """The numbers of the chain.

    Attributes:
        initial: [K] P(S_1).
        transition: [K, K] rows summing to 1.
        emission: [K, I] P(indicator observed in a week | state).
    """

    initial: np.ndarray
    transition: np.ndarray
    emission: np.ndarray


class HmmPrior(NamedTuple):
    """Dirichlet pseudo-counts (``alpha - 1``) for each parameter.

    Attributes:
        initial: [K] pseudo-counts for P(S_1).
        transition: [K, K] pseudo-counts per row.
        present: [K, I] pseudo-counts of "observed" per state and indicator.
        absent: [K, I] pseudo-counts of "not observed".
        detection: [K, I] the network's per-state probabilities ``pi`` when the emissions
            are tied (:func:`detection_rates`: ``B[k, i] = rho_i pi[k, i]``, one rate
            per indicator); None: each ``B[k, i]`` is free.
    """

    initial: np.ndarray
    transition: np.ndarray
    present: np.ndarray
    absent: np.ndarray
    detection: np.ndarray | None = None


class ExpectedCounts(NamedTuple):
    """Sufficient statistics of one E-step.

    Attributes:
        initial: [K] P(S_1 = k | X).
        transition: [K, K] expected number of i -> j moves.
        present: [K, I] expected weeks in state k with indicator i observed.
        absent: [K, I] expected weeks in state k with indicator i not observed.
        log_likelihood: log P(X | parameters), natural log.
    """

    initial: np.ndarray
    transition: np.ndarray
    present: np.ndarray
    absent: np.ndarray
    log_likelihood: float


class FitResult(NamedTuple):
    """Output of :func:`baum_welch`.

    Attributes:
        params: the MAP parameters.
        log_likelihood: log P(X | params).
        log_posterior: log P(X | params) + log prior (up to the prior's constant).
        iterations: EM iterations run.
        converged: whether the log posterior changed by less than ``tol``.
        trace: log posterior before each iteration and after the last one.
    """

    params: HmmParameters
    log_likelihood: float
    log_posterior: float
    iterations: int
    converged: bool
    trace: list[float]


# Prior means are kept this far from 0 and 1 so that every Beta prior has two positive
# pseudo-counts: a network that makes an indicator certain given a state would
# otherwise give that week's contrary report probability zero for ever.
PRIOR_FLOOR = 1e-4


def dirichlet_prior(
    params: HmmParameters, ess_initial: float, ess_transition: float, ess_emission: float
) -> HmmPrior:
    """Pseudo-counts ``ess * p0`` from the analyst's numbers.

    Args:
        params: the elicited numbers ``p0``.
        ess_initial: weight of ``initial`` (in sequences).
        ess_transition: weight of each transition row (in weeks spent in that state).
        ess_emission: weight of each ``B[k, i]`` (in weeks spent in state k).
    """
    for name, v in (
        ("ess_initial", ess_initial),
        ("ess_transition", ess_transition),
        ("ess_emission", ess_emission),
    ):
        if not (v >= 0 and np.isfinite(v)):
            raise ValueError(f"{name} must be a finite number >= 0; got {v}")
    b = np.clip(np.asarray(params.emission, dtype=np.float64), PRIOR_FLOOR, 1 - PRIOR_FLOOR)
    return HmmPrior(
        ess_initial * np.asarray(params.initial, dtype=np.float64),
        ess_transition * np.asarray(params.transition, dtype=np.float64),
        ess_emission * b,
        ess_emission * (1 - b),
    )


def emission_log_likelihood(emission: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``log L`` [T, K]: log P(week t's known indicators | S_t = k); NaN entries skipped."""
    B = np.asarray(emission, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    known = ~np.isnan(X)
    x = np.where(known, X, 0.0)
    with np.errstate(divide="ignore"):
        logb, log1b = np.log(B), np.log1p(-B)
    # 0 * log 0 must be 0 (a certain indicator that was not reported costs nothing).
    on = np.where(x[:, None, :] > 0, x[:, None, :] * logb[None], 0.0)
    off = np.where(known[:, None, :] & (x[:, None, :] < 1), (1 - x[:, None, :]) * log1b[None], 0.0)
    out: np.ndarray = (on + off).sum(axis=-1)
    return out


def _scaled(log_l: np.ndarray) -> tuple[np.ndarray, float]:
    shift = np.max(log_l, axis=1, keepdims=True)
    if not np.all(np.isfinite(shift)):
        t = int(np.flatnonzero(~np.isfinite(shift[:, 0]))[0])
        raise ValueError(f"week {t + 1}: evidence impossible under every hidden state")
    return np.exp(log_l - shift), float(shift.sum())


def expected_counts(params: HmmParameters, X: np.ndarray) -> ExpectedCounts:
    """E-step: expected sufficient statistics by scaled forward-backward.

    Raises:
        ValueError: when a week's evidence has probability zero under every state.
    """
    A = np.asarray(params.transition, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    L, shift = _scaled(emission_log_likelihood(params.emission, X))
    T, K = L.shape
    fwd = hmm.forward_filter(params.initial, A, L)
    alpha = fwd.beliefs
    c = np.einsum("tk,tk->t", fwd.predicted, L)
    beta = np.ones((T, K))
    xi = np.zeros((K, K))
    for t in range(T - 2, -1, -1):
        nxt = L[t + 1] * beta[t + 1] / c[t + 1]
        beta[t] = A @ nxt
        xi += A * np.outer(alpha[t], nxt)
    gamma = alpha * beta
    gamma /= gamma.sum(axis=1, keepdims=True)  # exact in theory; removes rounding drift
    known = ~np.isnan(X)
    present = gamma.T @ np.where(known, X, 0.0)
    absent = gamma.T @ np.where(known, 1.0 - np.nan_to_num(X), 0.0)
    return ExpectedCounts(gamma[0], xi, present, absent, float(fwd.log_evidence) + shift)


def maximise(counts: ExpectedCounts, prior: HmmPrior, previous: HmmParameters) -> HmmParameters:
    """M-step: counts plus pseudo-counts, normalised (see the module docstring).

    A vector with neither counts nor pseudo-counts keeps its ``previous`` value.
    """
    pi = em.normalise(counts.initial + prior.initial, previous.initial)
    A = em.normalise(counts.transition + prior.transition, previous.transition)
    on = counts.present + prior.present
    if prior.detection is not None:
        rho = detection_rates(on, counts.absent + prior.absent, prior.detection)
        return HmmParameters(pi, A, rho[None, :] * prior.detection)
    total = on + counts.absent + prior.absent
    return HmmParameters(pi, A, em.share(on, total, previous.emission))


def detection_rates(on: np.ndarray, off: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """The tied emissions' M-step: for each indicator, the rate ``rho`` [I] maximising
    ``sum_k on[k] log(rho pi[k]) + off[k] log(1 - rho pi[k])`` (counts plus pseudo-counts,
    [K, I]) over ``0 < rho < 1 / max_k pi[k]``.

    Why tied: the network says how likely an indicator is in each state, but not how
    often the store's sources report it in a week; that reporting rate is one number per
    indicator, learned mostly from the weeks of the states the history held, and it
    carries over to a state the history has never held (a build-up before 2022), where
    a free emission would keep the network's rate and make a quiet week count against
    the state far more than the sources' habits justify.

    The objective is concave in ``rho`` (a sum of logs of affine functions), so its
    derivative ``sum on / rho - sum off pi / (1 - rho pi)`` falls monotonically and is
    found by bisection (vectorised over indicators; 100 halvings reach float precision).
    """
    pi = np.clip(np.asarray(pi, dtype=np.float64), PRIOR_FLOOR, 1.0)
    n1, n0 = on.sum(axis=0), off
    lo = np.full(pi.shape[1], 1e-12)
    hi = (1.0 - PRIOR_FLOOR) / pi.max(axis=0)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        grad = n1 / mid - np.sum(n0 * pi / (1.0 - mid * pi), axis=0)
        rising = grad > 0
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    rho: np.ndarray = 0.5 * (lo + hi)
    return rho


def log_prior(params: HmmParameters, prior: HmmPrior) -> float:
    """``sum (alpha - 1) log theta`` over all parameters (0 * log 0 counts as 0)."""
    return (
        em.dirichlet_log_prior(prior.initial, params.initial)
        + em.dirichlet_log_prior(prior.transition, params.transition)
        + em.dirichlet_log_prior(prior.present, params.emission)
        + em.dirichlet_log_prior(prior.absent, 1 - np.asarray(params.emission))
    )


def log_posterior(params: HmmParameters, X: np.ndarray, prior: HmmPrior) -> float:
    """``log P(X | params) + log prior`` (the quantity EM climbs)."""
    return expected_counts(params, X).log_likelihood + log_prior(params, prior)


def baum_welch(
    X: np.ndarray,
    init: HmmParameters,
    prior: HmmPrior,
    max_iter: int = 200,
    tol: float = 1e-8,
) -> FitResult:
    """MAP fit of the chain by EM.

    Args:
        X: [T, I] weekly indicator series (1 observed, 0 not observed, NaN unknown).
        init: starting parameters (the elicited numbers are a good start).
        prior: pseudo-counts, see :func:`dirichlet_prior`.
        max_iter: at most this many iterations.
        tol: stop when the log posterior rises by less than this (absolute, nats).

    Returns:
        the fit, with the log posterior of every iteration in ``trace``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != np.shape(init.emission)[1]:
        raise ValueError(
            f"X must be [T, {np.shape(init.emission)[1]}] (one column per indicator); "
            f"got shape {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError("no weeks to fit")
    run = em.run_em(
        HmmParameters(*(np.asarray(p, dtype=np.float64) for p in init)),
        lambda params: expected_counts(params, X),
        lambda counts, params: maximise(counts, prior, params),
        lambda params: log_prior(params, prior),
        max_iter,
        tol,
    )
    return FitResult(
        run.params, run.log_likelihood, run.log_posterior, run.iterations, run.converged, run.trace
    )


def sample_hmm(
    params: HmmParameters, T: int, rng: np.random.Generator, missing: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Draw a path and its indicator series from the chain.

    Args:
        params: the chain.
        T: weeks.
        rng: the random source (seeded by the caller).
        missing: probability that each indicator is unknown in a week (then NaN).

    Returns:
        ``(states [T] int, X [T, I] float)``.
    """
    K = len(params.initial)
    s = np.empty(T, dtype=np.int64)
    s[0] = rng.choice(K, p=params.initial)
    for t in range(1, T):
        s[t] = rng.choice(K, p=params.transition[s[t - 1]])
    X = (rng.random((T, params.emission.shape[1])) < params.emission[s]).astype(np.float64)
    X[rng.random(X.shape) < missing] = np.nan
    return s, X


# -- naive twin ----------------------------------------------------------------------


def naive_expected_counts(params: HmmParameters, X: np.ndarray) -> ExpectedCounts:
    """The E-step by enumerating every hidden path (for tests; K**T paths)."""
    pi = np.asarray(params.initial, dtype=np.float64)
    A = np.asarray(params.transition, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    B = np.asarray(params.emission, dtype=np.float64)
    T, n_ind = X.shape
    K = len(pi)
    # Emission probabilities one indicator at a time, written out without the vectorised
    # log-space code above.
    L = np.ones((T, K))
    for t in range(T):
        for k in range(K):
            for i in range(n_ind):
                if X[t, i] == 1.0:
                    L[t, k] *= B[k, i]
                elif X[t, i] == 0.0:
                    L[t, k] *= 1 - B[k, i]
    init = np.zeros(K)
    trans = np.zeros((K, K))
    present = np.zeros((K, n_ind))
    absent = np.zeros((K, n_ind))
    total = 0.0
    for path in itertools.product(range(K), repeat=T):
        w = pi[path[0]] * L[0, path[0]]
        for t in range(1, T):
            w *= A[path[t - 1], path[t]] * L[t, path[t]]
        total += w
        init[path[0]] += w
        for t in range(T):
            if t:
                trans[path[t - 1], path[t]] += w
            for i in range(n_ind):
                if X[t, i] == 1.0:
                    present[path[t], i] += w
                elif X[t, i] == 0.0:
                    absent[path[t], i] += w
    return ExpectedCounts(
        init / total, trans / total, present / total, absent / total, float(np.log(total))
    )


__all__ = [
    "PRIOR_FLOOR",
    "ExpectedCounts",
    "FitResult",
    "HmmParameters",
    "HmmPrior",
    "baum_welch",
    "dirichlet_prior",
    "emission_log_likelihood",
    "expected_counts",
    "log_posterior",
    "log_prior",
    "maximise",
    "naive_expected_counts",
    "sample_hmm",
]
