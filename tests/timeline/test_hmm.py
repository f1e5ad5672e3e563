"""The forward filter and smoother against their naive twins, over a grid of cases."""

from __future__ import annotations

import numpy as np
import pytest

from secondfront.timeline import hmm


def _case(seed: int, K: int, T: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    A = rng.dirichlet(np.ones(K), size=K)
    prior = rng.dirichlet(np.ones(K))
    L = rng.random((T, K))
    L[rng.random((T, K)) < 0.1] = 0.0  # some impossible states
    L[:, 0] += 1e-3  # but never an impossible week
    return prior, A, L


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("K", "T"), [(2, 1), (3, 4), (3, 6), (4, 5)])
def test_filter_and_smoother_match_enumeration(seed: int, K: int, T: int) -> None:
    prior, A, L = _case(seed, K, T)
    res = hmm.forward_filter(prior, A, L)
    beliefs, log_ev = hmm.naive_filter(prior, A, L)
    np.testing.assert_allclose(res.beliefs, beliefs, atol=1e-12)
    assert float(res.log_evidence) == pytest.approx(log_ev, abs=1e-10)
    np.testing.assert_allclose(
        hmm.backward_smooth(res, A), hmm.naive_smooth(prior, A, L), atol=1e-12
    )


def test_batched_equals_one_by_one() -> None:
    rng = np.random.default_rng(9)
    K, T, B = 3, 7, 5
    A = rng.dirichlet(np.ones(K), size=K)
    priors = rng.dirichlet(np.ones(K), size=B)
    L = rng.random((T, B, K))
    batch = hmm.forward_filter(priors, A, L)
    smooth = hmm.backward_smooth(batch, A)
    for b in range(B):
        one = hmm.forward_filter(priors[b], A, L[:, b])
        np.testing.assert_allclose(batch.beliefs[:, b], one.beliefs, atol=1e-14)
        np.testing.assert_allclose(smooth[:, b], hmm.backward_smooth(one, A), atol=1e-14)


def test_init_update_is_the_fold() -> None:
    prior, A, L = _case(1, 3, 5)
    state = hmm.filter_init(prior)
    for t in range(5):
        state = hmm.filter_update(state, A, L[t])
    res = hmm.forward_filter(prior, A, L)
    np.testing.assert_allclose(state.belief, res.beliefs[-1])
    assert state.steps == 5 and state.log_evidence == pytest.approx(res.log_evidence)


def test_impossible_week_is_an_error() -> None:
    with pytest.raises(ValueError, match="step 2: evidence impossible"):
        hmm.forward_filter(np.array([0.5, 0.5]), np.eye(2), np.array([[1.0, 1.0], [0.0, 0.0]]))


def test_event_within_matches_path_enumeration() -> None:
    rng = np.random.default_rng(4)
    K, W = 3, 4
    A = rng.dirichlet(np.ones(K), size=K)
    b = rng.dirichlet(np.ones(K))
    h = rng.random(K) * 0.3
    # Enumerate the paths of W steps: P(no event) = sum over paths of prob * prod(1 - h).
    import itertools

    none = 0.0
    for path in itertools.product(range(K), repeat=W):
        p = sum(b[i] * A[i, path[0]] for i in range(K))
        for t in range(1, W):
            p *= A[path[t - 1], path[t]]
        none += p * np.prod([1 - h[s] for s in path])
    assert float(hmm.event_within(b, A, h, W)) == pytest.approx(1 - none, abs=1e-12)
