"""Baum-Welch: the E-step against enumeration, EM's ascent, recovery, and the prior."""

from __future__ import annotations

import numpy as np
import pytest

from secondfront.timeline import baumwelch as bw


def _params(seed: int, K: int, n_ind: int) -> bw.HmmParameters:
    rng = np.random.default_rng(seed)
    return bw.HmmParameters(
        rng.dirichlet(np.ones(K)),
        rng.dirichlet(np.ones(K), size=K),
        rng.uniform(0.05, 0.95, size=(K, n_ind)),
    )


def _series(seed: int, T: int, n_ind: int, missing: float) -> np.ndarray:
    rng = np.random.default_rng(100 + seed)
    X = (rng.random((T, n_ind)) < 0.4).astype(float)
    X[rng.random((T, n_ind)) < missing] = np.nan
    return X


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("K", "T", "n_ind"), [(2, 1, 1), (2, 5, 3), (3, 4, 2), (3, 6, 4)])
def test_e_step_matches_enumeration(seed: int, K: int, T: int, n_ind: int) -> None:
    params = _params(seed, K, n_ind)
    X = _series(seed, T, n_ind, missing=0.3)
    fast = bw.expected_counts(params, X)
    slow = bw.naive_expected_counts(params, X)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_unknown_indicator_contributes_nothing() -> None:
    params = _params(1, 3, 2)
    X = _series(1, 5, 2, missing=0.0)
    with_col = X.copy()
    with_col[:, 1] = np.nan
    dropped = bw.HmmParameters(params.initial, params.transition, params.emission[:, :1])
    a = bw.expected_counts(params, with_col)
    b = bw.expected_counts(dropped, X[:, :1])
    assert a.log_likelihood == pytest.approx(b.log_likelihood, abs=1e-12)
    np.testing.assert_allclose(a.transition, b.transition, atol=1e-12)
    assert np.all(a.present[:, 1] == 0) and np.all(a.absent[:, 1] == 0)


def test_long_series_does_not_underflow() -> None:
    params = _params(2, 3, 6)
    _, X = bw.sample_hmm(params, 3000, np.random.default_rng(0))
    c = bw.expected_counts(params, X)
    assert np.isfinite(c.log_likelihood) and c.log_likelihood < -1000
    assert c.transition.sum() == pytest.approx(2999)


@pytest.mark.parametrize("seed", range(4))
def test_log_posterior_never_decreases(seed: int) -> None:
    truth = _params(seed, 3, 4)
    _, X = bw.sample_hmm(truth, 300, np.random.default_rng(seed), missing=0.2)
    start = _params(seed + 50, 3, 4)
    prior = bw.dirichlet_prior(start, 2.0, 10.0, 5.0)
    fit = bw.baum_welch(X, start, prior, max_iter=60, tol=0.0)
    steps = np.diff(fit.trace)
    assert np.all(steps >= -1e-8), steps.min()
    assert fit.trace[-1] > fit.trace[0]
    assert fit.log_posterior == pytest.approx(bw.log_posterior(fit.params, X, prior), abs=1e-9)


def test_recovers_known_parameters() -> None:
    truth = bw.HmmParameters(
        np.array([0.8, 0.15, 0.05]),
        np.array([[0.95, 0.04, 0.01], [0.10, 0.85, 0.05], [0.05, 0.15, 0.80]]),
        np.array(
            [
                [0.05, 0.10, 0.02, 0.30, 0.05, 0.10],
                [0.60, 0.30, 0.10, 0.30, 0.70, 0.10],
                [0.90, 0.80, 0.70, 0.30, 0.90, 0.80],
            ]
        ),
    )
    s, X = bw.sample_hmm(truth, 6_000, np.random.default_rng(7), missing=0.1)
    # Start from a distorted guess, with a weak prior centred on it.
    start = bw.HmmParameters(
        np.full(3, 1 / 3),
        np.array([[0.9, 0.08, 0.02], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]]),
        np.array([[0.1, 0.2, 0.1, 0.5, 0.2, 0.2], [0.5, 0.4, 0.2, 0.5, 0.5, 0.2], [0.7] * 6]),
    )
    fit = bw.baum_welch(X, start, bw.dirichlet_prior(start, 1.0, 1.0, 1.0), max_iter=300, tol=1e-6)
    assert fit.converged
    # The estimate an oracle that saw the hidden path would make: the same sample, so
    # the comparison is free of the sampling noise of the rare state's row.
    moves = np.zeros((3, 3))
    np.add.at(moves, (s[:-1], s[1:]), 1)
    oracle_a = moves / moves.sum(axis=1, keepdims=True)
    known = ~np.isnan(X)
    oracle_b = np.array(
        [np.nansum(X[s == k], axis=0) / known[s == k].sum(axis=0) for k in range(3)]
    )
    np.testing.assert_allclose(fit.params.transition, oracle_a, atol=0.03)
    np.testing.assert_allclose(fit.params.emission, oracle_b, atol=0.03)
    np.testing.assert_allclose(fit.params.transition, truth.transition, atol=0.06)
    np.testing.assert_allclose(fit.params.emission, truth.emission, atol=0.06)


def test_prior_keeps_a_never_seen_transition_away_from_zero() -> None:
    # Two clearly separated states, and the data never go from state 1 back to 0.
    X = np.array([[0.0]] * 40 + [[1.0]] * 40)
    p0 = bw.HmmParameters(
        np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.1, 0.9]]), np.array([[0.1], [0.9]])
    )
    ml = bw.baum_welch(X, p0, bw.dirichlet_prior(p0, 0.0, 0.0, 0.0), max_iter=300)
    ess = 20.0
    mapf = bw.baum_welch(X, p0, bw.dirichlet_prior(p0, 0.0, ess, 0.0), max_iter=300)
    assert ml.params.transition[1, 0] < 1e-6
    # About 40 weeks in state 1 and none leaving it: (0 + ess * 0.1) / (40 + ess).
    assert mapf.params.transition[1, 0] == pytest.approx(ess * 0.1 / (40 + ess), rel=0.1)
    assert 0 < mapf.params.transition[1, 0] < 1


def test_prior_alone_gives_the_elicited_numbers() -> None:
    p0 = _params(3, 3, 2)
    X = np.full((10, 2), np.nan)  # nothing known: emissions learn nothing
    fit = bw.baum_welch(X, p0, bw.dirichlet_prior(p0, 1.0, 1.0, 1.0), max_iter=1)
    np.testing.assert_allclose(fit.params.emission, p0.emission)


def _tied_objective(rho: float, on: np.ndarray, off: np.ndarray, pi: np.ndarray) -> float:
    b = rho * pi
    return float(np.sum(on * np.log(b) + off * np.log1p(-b)))


@pytest.mark.parametrize("seed", range(4))
def test_detection_rates_maximise_the_tied_objective(seed: int) -> None:
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(seed)
    K, n_ind = 3, 5
    on, off = rng.uniform(0, 30, (K, n_ind)), rng.uniform(0, 60, (K, n_ind))
    pi = rng.uniform(0.05, 0.9, (K, n_ind))
    rho = bw.detection_rates(on, off, pi)
    for i in range(n_ind):
        top = (1 - bw.PRIOR_FLOOR) / pi[:, i].max()
        ref = minimize_scalar(
            lambda r, i=i: -_tied_objective(r, on[:, i], off[:, i], pi[:, i]),
            bounds=(1e-9, top),
            method="bounded",
            options={"xatol": 1e-12},
        )
        assert rho[i] == pytest.approx(ref.x, abs=1e-6)
    # One state: the closed form, the observed share over the network's number.
    one = bw.detection_rates(on[:1], off[:1], pi[:1])
    np.testing.assert_allclose(one, on[0] / (on[0] + off[0]) / pi[0], rtol=1e-9)


def test_tied_emissions_carry_the_reporting_rate_to_a_state_never_held() -> None:
    # The network says an indicator is 0.4 likely in state 0 and 0.9 in state 1; the
    # sources report it in a fifth of the weeks, all spent in state 0. Tied, state 1
    # keeps the contrast at the sources' rate (about 0.2 / 0.4 * 0.9); free, it keeps 0.9,
    # so a quiet week would count against state 1 far more than the sources justify.
    rng = np.random.default_rng(3)
    X = (rng.random((400, 1)) < 0.2).astype(float)
    p0 = bw.HmmParameters(
        np.array([0.99, 0.01]),
        np.array([[0.995, 0.005], [0.05, 0.95]]),
        np.array([[0.4], [0.9]]),
    )
    free_prior = bw.dirichlet_prior(p0, 1.0, 52.0, 10.0)
    tied_prior = free_prior._replace(detection=p0.emission)
    free = bw.baum_welch(X, p0, free_prior, max_iter=200)
    tied = bw.baum_welch(X, p0, tied_prior, max_iter=200)
    assert free.params.emission[1, 0] > 0.8
    ratio = tied.params.emission[:, 0] / p0.emission[:, 0]
    assert ratio[0] == pytest.approx(ratio[1], rel=1e-12)
    assert tied.params.emission[0, 0] == pytest.approx(X.mean(), abs=0.03)
    assert tied.params.emission[1, 0] == pytest.approx(X.mean() / 0.4 * 0.9, abs=0.08)
    # Still EM on the log posterior: it never decreases, and the last value is the
    # posterior of the parameters returned.
    assert np.all(np.diff(tied.trace) >= -1e-8)
    assert tied.log_posterior == pytest.approx(bw.log_posterior(tied.params, X, tied_prior))


def test_errors() -> None:
    p0 = _params(1, 2, 2)
    with pytest.raises(ValueError, match="one column per indicator"):
        bw.baum_welch(np.zeros((3, 3)), p0, bw.dirichlet_prior(p0, 1, 1, 1))
    with pytest.raises(ValueError, match="ess_transition"):
        bw.dirichlet_prior(p0, 1, -1, 1)
    certain = bw.HmmParameters(p0.initial, p0.transition, np.array([[1.0, 0.5], [1.0, 0.5]]))
    with pytest.raises(ValueError, match="week 1: evidence impossible"):
        bw.expected_counts(certain, np.array([[0.0, 1.0]]))
