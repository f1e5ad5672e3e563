"""Probability words: the ICD 203 scale (US ODNI Intelligence Community Directive 203).

ICD 203 fixes seven terms to seven ranges so that "likely" means the same to every
reader. Ranges share their endpoints; a probability on a boundary gets the term of the
range above it (0.55 is "likely"), except 1.0, which is "almost certain". Below 1% and
above 99% the directive has no term, so the extreme terms are extended to 0 and 1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One ICD 203 term with its range of probabilities [low, high)."""

    words: str
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.words} ({self.low * 100:.0f}–{self.high * 100:.0f}%)"


ICD203: tuple[Term, ...] = (
    Term("almost no chance", 0.01, 0.05),
    Term("very unlikely", 0.05, 0.20),
    Term("unlikely", 0.20, 0.45),
    Term("roughly even chance", 0.45, 0.55),
    Term("likely", 0.55, 0.80),
    Term("very likely", 0.80, 0.95),
    Term("almost certain", 0.95, 0.99),
)


def icd203(p: float) -> Term:
    """The ICD 203 term for probability ``p`` in [0, 1]."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability {p} outside [0, 1]")
    for term in ICD203:
        if p < term.high:
            return term
    return ICD203[-1]


def describe(p: float) -> str:
    """``"unlikely (20–45%): 31.2%"``: the term, its range, and the number beside it."""
    return f"{icd203(p)}: {p * 100:.1f}%"
