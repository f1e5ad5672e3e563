"""ICD 203 terms at and between the boundaries."""

from __future__ import annotations

import pytest

from secondfront.analysis.language import describe, icd203


@pytest.mark.parametrize(
    ("p", "words"),
    [
        (0.0, "almost no chance"),
        (0.049, "almost no chance"),
        (0.05, "very unlikely"),
        (0.2, "unlikely"),
        (0.449, "unlikely"),
        (0.45, "roughly even chance"),
        (0.55, "likely"),
        (0.8, "very likely"),
        (0.95, "almost certain"),
        (1.0, "almost certain"),
    ],
)
def test_terms(p: float, words: str) -> None:
    assert icd203(p).words == words


def test_describe_puts_number_beside_words() -> None:
    assert describe(0.312) == "unlikely (20–45%): 31.2%"


@pytest.mark.parametrize("p", [-0.1, 1.01])
def test_out_of_range(p: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        icd203(p)
