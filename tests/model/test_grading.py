"""Admiralty gradings: parsing, words, the assumed weight."""

from __future__ import annotations

import pytest

from secondfront.model.grading import Grading, parse_grading


@pytest.mark.parametrize(
    ("text", "reliability", "credibility"),
    [("C3", "C", 3), ("A1", "A", 1), ("F6", "F", 6), ("B2", "B", 2)],
)
def test_parse(text: str, reliability: str, credibility: int) -> None:
    g = parse_grading(text)
    assert g == Grading(reliability, credibility)
    assert str(g) == text


@pytest.mark.parametrize("text", ["G1", "A7", "A0", "c3", "C", "C33", "3C", "", None, 3])
def test_parse_rejects(text: object) -> None:
    with pytest.raises(ValueError, match=r"invalid grading .*e\.g\. 'C3'"):
        parse_grading(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("C3", "fairly reliable source; possibly true"),
        ("A1", "completely reliable source; confirmed by other sources"),
        ("E5", "unreliable source; improbable"),
        ("F6", "reliability cannot be judged source; truth cannot be judged"),
        ("D4", "not usually reliable source; doubtful"),
        ("B2", "usually reliable source; probably true"),
    ],
)
def test_describe(text: str, words: str) -> None:
    assert parse_grading(text).describe() == words


@pytest.mark.parametrize(
    ("text", "weight"),
    [("A1", 1.0), ("C3", 0.36), ("E5", 0.04), ("F6", 0.25), ("B4", 0.32)],
)
def test_weight(text: str, weight: float) -> None:
    assert parse_grading(text).weight() == pytest.approx(weight)


def test_weight_orders_reliability_and_credibility() -> None:
    order = ["A", "B", "C", "D", "E"]
    weights = [Grading(r, 2).weight() for r in order]
    assert weights == sorted(weights, reverse=True)
    weights = [Grading("B", c).weight() for c in range(1, 6)]
    assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize(("reliability", "credibility"), [("G", 1), ("A", 7), ("A", 0)])
def test_constructor_validates(reliability: str, credibility: int) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        Grading(reliability, credibility)
