"""Claim locators: parsing, printing, the sentences they cover."""

from __future__ import annotations

import pytest

from secondfront.model.locator import Locator, parse_locator


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P3.S2", Locator(3, 2, 2)),
        ("P6.S1-S2", Locator(6, 1, 2)),
        ("P12.S10-S14", Locator(12, 10, 14)),
        ("P1.S1-S1", Locator(1, 1, 1)),
        (" P2.S3 ", Locator(2, 3, 3)),
    ],
)
def test_parse(text: str, expected: Locator) -> None:
    assert parse_locator(text) == expected


@pytest.mark.parametrize(
    ("locator", "text"),
    [(Locator(3, 2, 2), "P3.S2"), (Locator(6, 1, 2), "P6.S1-S2")],
)
def test_str_round_trips(locator: Locator, text: str) -> None:
    assert str(locator) == text
    assert parse_locator(str(locator)) == locator


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("P3S2", r"invalid locator 'P3S2': expected P<paragraph>\.S<sentence>"),
        ("p3.s2", "invalid locator"),
        ("P3.S2-4", "invalid locator"),
        ("P3.S2-P3.S4", "invalid locator"),
        ("", "invalid locator"),
        ("P0.S1", "numbers start at 1"),
        ("P1.S0", "numbers start at 1"),
        ("P6.S3-S2", "range must increase: S3-S2"),
        (3, "a locator is a string"),
    ],
)
def test_parse_rejects(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_locator(text)


@pytest.mark.parametrize(
    ("locator", "sentences"),
    [
        (Locator(3, 2, 2), [(3, 2)]),
        (Locator(6, 1, 3), [(6, 1), (6, 2), (6, 3)]),
    ],
)
def test_sentences(locator: Locator, sentences: list[tuple[int, int]]) -> None:
    assert list(locator.sentences()) == sentences
