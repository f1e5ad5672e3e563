"""Parametric CPT forms against closed forms computed by hand or by explicit loops."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from secondfront.model.parametric import (
    default_scores,
    logistic_cpt,
    noisy_max_cpt,
    noisy_or_cpt,
    sigmoid,
)


def _random_links(rng: np.random.Generator, cards: tuple[int, ...]) -> list[np.ndarray]:
    links = []
    for card in cards:
        link = rng.uniform(0, 1, card)
        link[0] = 0.0  # first state inactive
        links.append(link)
    return links


def _random_dists(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return rng.dirichlet(np.ones(k), size=n)


# -- noisy-OR ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "p_present"),
    [
        ((0, 0), 0.1),  # leak only
        ((1, 0), 1 - 0.9 * 0.5),
        ((0, 1), 1 - 0.9 * 0.8),
        ((0, 2), 1 - 0.9 * 0.4),
        ((1, 2), 1 - 0.9 * 0.5 * 0.4),
    ],
)
def test_noisy_or_hand_values(config: tuple[int, int], p_present: float) -> None:
    cpt = noisy_or_cpt(0.1, [[0.0, 0.5], [0.0, 0.2, 0.6]])
    assert cpt.shape == (2, 3, 2)
    assert cpt[config][1] == pytest.approx(p_present)
    assert cpt[config][0] == pytest.approx(1 - p_present)


@pytest.mark.parametrize("cards", [(), (2,), (3, 2), (2, 4, 3), (2, 2, 2, 2, 2)])
def test_noisy_or_closed_form(cards: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(cards))
    leak = 0.07
    links = _random_links(rng, cards)
    cpt = noisy_or_cpt(leak, links)
    assert cpt.shape == (*cards, 2)
    for config in itertools.product(*(range(c) for c in cards)):
        absent = (1 - leak) * math.prod(1 - links[i][s] for i, s in enumerate(config))
        assert cpt[config] == pytest.approx([absent, 1 - absent])


# -- noisy-MAX -----------------------------------------------------------------------


@pytest.mark.parametrize("cards", [(2,), (3, 2), (2, 4, 3)])
def test_noisy_max_binary_equals_noisy_or(cards: tuple[int, ...]) -> None:
    rng = np.random.default_rng(10 + len(cards))
    leak = 0.05
    links = _random_links(rng, cards)
    dists = [np.stack([1 - link, link], axis=-1) for link in links]
    np.testing.assert_allclose(
        noisy_max_cpt([1 - leak, leak], dists), noisy_or_cpt(leak, links), atol=1e-12
    )


def test_noisy_max_hand_values() -> None:
    # P(Y <= y) = L(y) * F(y): L = [0.9, 0.98, 1], F(yes) = [0.5, 0.8, 1]
    leak = [0.9, 0.08, 0.02]
    link = [[1.0, 0.0, 0.0], [0.5, 0.3, 0.2]]
    cpt = noisy_max_cpt(leak, [link])
    np.testing.assert_allclose(cpt[0], leak)
    np.testing.assert_allclose(cpt[1], [0.45, 0.98 * 0.8 - 0.45, 1 - 0.98 * 0.8])


@pytest.mark.parametrize(("cards", "k"), [((), 3), ((2,), 4), ((3, 2), 3), ((2, 3, 2), 5)])
def test_noisy_max_closed_form(cards: tuple[int, ...], k: int) -> None:
    rng = np.random.default_rng(20 + k)
    leak = rng.dirichlet(np.ones(k))
    links = []
    for card in cards:
        dist = _random_dists(rng, card, k)
        dist[0] = np.eye(k)[0]
        links.append(dist)
    cpt = noisy_max_cpt(leak, links)
    assert cpt.shape == (*cards, k)
    for config in itertools.product(*(range(c) for c in cards)):
        cum = np.cumsum(leak) * math.prod(
            (np.cumsum(links[i][s]) for i, s in enumerate(config)), start=np.ones(k)
        )
        np.testing.assert_allclose(cpt[config], np.diff(cum, prepend=0.0), atol=1e-12)


# -- logistic ------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1000.0, -5.0, -0.3, 0.0, 0.7, 4.0, 1000.0])
def test_sigmoid(x: float) -> None:
    expected = 1 / (1 + math.exp(-x)) if x > -700 else 0.0
    assert float(sigmoid(x)) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(
    ("intercept", "weights", "cards"),
    [(-2.0, [], ()), (-2.0, [2.5], (2,)), (0.5, [2.5, -1.5], (2, 3)), (1.0, [1, 2, 3], (3, 2, 4))],
)
def test_logistic_binary_equals_sigmoid(
    intercept: float, weights: list[float], cards: tuple[int, ...]
) -> None:
    scores = [default_scores(c) for c in cards]
    cpt = logistic_cpt(intercept, weights, scores, [0.0])
    assert cpt.shape == (*cards, 2)
    for config in itertools.product(*(range(c) for c in cards)):
        eta = intercept + sum(
            w * scores[i][s] for i, (w, s) in enumerate(zip(weights, config, strict=True))
        )
        p = 1 / (1 + math.exp(-eta))
        assert cpt[config] == pytest.approx([1 - p, p])


def test_logistic_ordered_hand_values() -> None:
    scores = [np.array([0.0, 0.5, 1.0])]
    cpt = logistic_cpt(-2.0, [3.0], scores, [0.0, 1.5])
    for s, score in enumerate(scores[0]):
        eta = -2.0 + 3.0 * score
        above_0 = 1 / (1 + math.exp(-(eta - 0.0)))
        above_1 = 1 / (1 + math.exp(-(eta - 1.5)))
        assert cpt[s] == pytest.approx([1 - above_0, above_0 - above_1, above_1])


def test_logistic_rejects_weight_count() -> None:
    with pytest.raises(ValueError, match="1 weights for 2 parents"):
        logistic_cpt(0.0, [1.0], [default_scores(2), default_scores(2)], [0.0])


@pytest.mark.parametrize(
    ("card", "expected"), [(2, [0, 1]), (3, [0, 0.5, 1]), (5, [0, 0.25, 0.5, 0.75, 1])]
)
def test_default_scores(card: int, expected: list[float]) -> None:
    np.testing.assert_allclose(default_scores(card), expected)


# -- all forms -----------------------------------------------------------------------


def _all_forms(cards: tuple[int, ...], k: int) -> list[np.ndarray]:
    rng = np.random.default_rng(sum(cards) + k)
    max_links = []
    for card in cards:
        dist = _random_dists(rng, card, k)
        dist[0] = np.eye(k)[0]
        max_links.append(dist)
    return [
        noisy_or_cpt(0.2, _random_links(rng, cards)),
        noisy_max_cpt(rng.dirichlet(np.ones(k)), max_links),
        logistic_cpt(
            -1.0,
            list(rng.normal(0, 3, len(cards))),
            [default_scores(c) for c in cards],
            np.sort(rng.normal(0, 2, k - 1)),
        ),
    ]


@pytest.mark.parametrize(("cards", "k"), [((), 2), ((2,), 3), ((3, 2), 4), ((2, 3, 4, 2), 3)])
def test_rows_sum_to_one_and_are_probabilities(cards: tuple[int, ...], k: int) -> None:
    for cpt in _all_forms(cards, k):
        assert cpt.dtype == np.float64
        assert cpt.shape[:-1] == cards
        np.testing.assert_allclose(cpt.sum(axis=-1), 1.0, atol=1e-12)
        assert (cpt >= 0).all() and (cpt <= 1).all()
