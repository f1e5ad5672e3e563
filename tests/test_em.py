"""The one EM driver: both fits run through it, and its pieces give the numbers the two
loops written apart gave (bit for bit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from secondfront import em
from secondfront.analysis import learning as L
from secondfront.model.network import Network
from secondfront.testing import example_network, forward_sample
from secondfront.timeline import baumwelch as bw


def _old_normalise(counts: np.ndarray, previous: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, counts / np.where(total > 0, total, 1.0), previous)


def _old_term(weight: np.ndarray, p: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(np.where(weight > 0, weight * np.log(p), 0.0)))


def _old_hmm_m_step(
    c: bw.ExpectedCounts, prior: bw.HmmPrior, prev: bw.HmmParameters
) -> bw.HmmParameters:
    pi = _old_normalise(c.initial + prior.initial, prev.initial)
    A = _old_normalise(c.transition + prior.transition, prev.transition)
    on = c.present + prior.present
    total = on + c.absent + prior.absent
    with np.errstate(invalid="ignore", divide="ignore"):
        B = np.where(total > 0, on / np.where(total > 0, total, 1.0), prev.emission)
    return bw.HmmParameters(pi, A, B)


def _old_hmm_log_prior(p: bw.HmmParameters, prior: bw.HmmPrior) -> float:
    return (
        _old_term(prior.initial, p.initial)
        + _old_term(prior.transition, p.transition)
        + _old_term(prior.present, p.emission)
        + _old_term(prior.absent, 1 - np.asarray(p.emission))
    )


def _old_baum_welch(
    X: np.ndarray, init: bw.HmmParameters, prior: bw.HmmPrior, max_iter: int, tol: float
) -> bw.FitResult:
    """The chain's EM loop as it was written before the shared driver."""
    params = bw.HmmParameters(*(np.asarray(p, dtype=np.float64) for p in init))
    counts = bw.expected_counts(params, X)
    trace = [counts.log_likelihood + _old_hmm_log_prior(params, prior)]
    converged = False
    n = 0
    for n in range(1, max_iter + 1):  # noqa: B007
        params = _old_hmm_m_step(counts, prior, params)
        counts = bw.expected_counts(params, X)
        trace.append(counts.log_likelihood + _old_hmm_log_prior(params, prior))
        if abs(trace[-1] - trace[-2]) < tol:
            converged = True
            break
    return bw.FitResult(params, counts.log_likelihood, trace[-1], n, converged, trace)


def _old_em_fit(
    net: Network, cases: L.Cases, prior: dict[str, np.ndarray], max_iter: int, tol: float
) -> tuple[Network, int, bool, float, list[float]]:
    """The tables' EM loop as it was written before the shared driver."""

    def m_step(counts: dict[str, np.ndarray], current: Network) -> dict[str, np.ndarray]:
        return {
            v.name: _old_normalise(counts[v.name] + prior[v.name], current.cpts[v.name])
            for v in current
        }

    def log_prior(current: Network) -> float:
        return sum((_old_term(prior[v.name], current.cpts[v.name]) for v in current), 0.0)

    current = net
    stats = L.expected_counts(current, cases)
    trace = [stats.log_likelihood + log_prior(current)]
    converged, iterations = False, 0
    while iterations < max_iter:
        iterations += 1
        current = current.with_cpts(m_step(stats.counts, current))
        stats = L.expected_counts(current, cases)
        trace.append(stats.log_likelihood + log_prior(current))
        if abs(trace[-1] - trace[-2]) < tol:
            converged = True
            break
    return current, iterations, converged, stats.log_likelihood, trace


def _chain_problem(seed: int) -> tuple[np.ndarray, bw.HmmParameters, bw.HmmPrior]:
    rng = np.random.default_rng(seed)
    K, n_ind = 3, 4
    truth = bw.HmmParameters(
        rng.dirichlet(np.ones(K)),
        rng.dirichlet(np.ones(K), size=K),
        rng.uniform(0.05, 0.95, size=(K, n_ind)),
    )
    _, X = bw.sample_hmm(truth, 120, rng, missing=0.2)
    start = bw.HmmParameters(
        np.full(K, 1 / K), np.full((K, K), 1 / K), np.clip(truth.emission + 0.1, 0, 0.99)
    )
    # A zero pseudo-count row and a zero column: the M-step's "keep the previous value"
    # and the log prior's "0 log 0 = 0" branches are both taken.
    prior = bw.dirichlet_prior(start, 0.0, 5.0, 3.0)
    return X, start, prior


def _cases(seed: int) -> tuple[Network, L.Cases]:
    truth = example_network("asia")
    rng = np.random.default_rng(seed)
    s = forward_sample(truth, 200, rng)
    values = np.stack([s[v] for v in truth.names if v != "lung"], axis=1)
    values[rng.random(values.shape) < 0.3] = L.MISSING
    cases = L.Cases(tuple(v for v in truth.names if v != "lung"), values)
    start = truth.with_cpts({v.name: 0.5 * truth.cpts[v.name] + 0.5 / v.card for v in truth})
    return start, cases


@pytest.mark.parametrize(("seed", "tol"), [(0, 0.0), (1, 1e-6)])
def test_the_chain_fit_gives_the_old_loops_numbers(seed: int, tol: float) -> None:
    X, start, prior = _chain_problem(seed)
    new = bw.baum_welch(X, start, prior, max_iter=25, tol=tol)
    old = _old_baum_welch(X, start, prior, max_iter=25, tol=tol)
    assert new.trace == old.trace
    assert (new.iterations, new.converged) == (old.iterations, old.converged)
    assert (new.log_likelihood, new.log_posterior) == (old.log_likelihood, old.log_posterior)
    for a, b in zip(new.params, old.params, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("seed", "tol"), [(2, 0.0), (3, 1e-6)])
def test_the_tables_fit_gives_the_old_loops_numbers(seed: int, tol: float) -> None:
    start, cases = _cases(seed)
    prior = L.ess_counts(start, 4.0)
    prior["smoke"] = np.zeros_like(prior["smoke"])  # a row with no pseudo-counts
    new = L.em_fit(start, cases, prior, max_iter=15, tol=tol)
    net, iterations, converged, loglik, trace = _old_em_fit(start, cases, prior, 15, tol)
    assert new.trace == trace
    assert (new.iterations, new.converged, new.log_likelihood) == (iterations, converged, loglik)
    assert new.log_posterior == trace[-1]
    for v in net.names:
        np.testing.assert_array_equal(new.network.cpts[v], net.cpts[v], err_msg=v)


def test_both_fits_run_through_the_one_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real: Callable[..., Any] = em.run_em

    def recording(start: object, *args: Any) -> Any:
        calls.append(start)
        return real(start, *args)

    monkeypatch.setattr(em, "run_em", recording)
    X, start, prior = _chain_problem(0)
    bw.baum_welch(X, start, prior, max_iter=3)
    net, cases = _cases(0)
    L.em_fit(net, cases, L.ess_counts(net, 1.0), max_iter=3)
    assert [type(c) for c in calls] == [bw.HmmParameters, Network]


def test_max_iter_zero_evaluates_the_start_only() -> None:
    run = em.run_em(
        2.0, lambda p: bw.ExpectedCounts(*([np.zeros(1)] * 4), -p), lambda s, p: p / 2, abs, 0, 0
    )
    assert (run.params, run.iterations, run.converged, run.trace) == (2.0, 0, False, [0.0])
