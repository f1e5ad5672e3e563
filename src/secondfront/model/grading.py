"""Admiralty (NATO) grading of sources and information.

A grading is two characters: the reliability of the source, ``A`` (completely
reliable) to ``F`` (cannot be judged), then the credibility of the information,
``1`` (confirmed by other sources) to ``6`` (cannot be judged); e.g. ``C3`` is a
fairly reliable source relaying information that is possibly true.

The system is qualitative. ``Grading.weight`` turns it into one number for reports
that want to rank or weight claims; that mapping is an explicit, changeable
assumption of this package, not part of the Admiralty system.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

RELIABILITY: Mapping[str, str] = MappingProxyType(
    {
        "A": "completely reliable",
        "B": "usually reliable",
        "C": "fairly reliable",
        "D": "not usually reliable",
        "E": "unreliable",
        "F": "reliability cannot be judged",
    }
)

CREDIBILITY: Mapping[int, str] = MappingProxyType(
    {
        1: "confirmed by other sources",
        2: "probably true",
        3: "possibly true",
        4: "doubtful",
        5: "improbable",
        6: "truth cannot be judged",
    }
)

# Assumed weights, dimensionless in [0, 1]. "Cannot be judged" (F, 6) sits at 0.5:
# no evidence either way, so neither trusted nor discounted like E or 5.
RELIABILITY_WEIGHT: Mapping[str, float] = MappingProxyType(
    {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.5}
)
CREDIBILITY_WEIGHT: Mapping[int, float] = MappingProxyType(
    {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.2, 6: 0.5}
)

_GRADING_RE = re.compile(r"^([A-F])([1-6])$")


@dataclass(frozen=True, order=True)
class Grading:
    """An Admiralty grading such as ``C3``.

    Attributes:
        reliability: source reliability, one letter ``A``-``F``.
        credibility: information credibility, an integer 1-6.
    """

    reliability: str
    credibility: int

    def __post_init__(self) -> None:
        if self.reliability not in RELIABILITY:
            raise ValueError(f"reliability must be one of A-F, got {self.reliability!r}")
        if self.credibility not in CREDIBILITY:
            raise ValueError(f"credibility must be one of 1-6, got {self.credibility!r}")

    def __str__(self) -> str:
        return f"{self.reliability}{self.credibility}"

    def describe(self) -> str:
        """The grading in words, e.g. ``'fairly reliable source; possibly true'``."""
        return f"{RELIABILITY[self.reliability]} source; {CREDIBILITY[self.credibility]}"

    def weight(self) -> float:
        """A weight in [0, 1]: reliability weight times credibility weight.

        weight = R[reliability] * C[credibility], with
        R = {A: 1.0, B: 0.8, C: 0.6, D: 0.4, E: 0.2, F: 0.5} and
        C = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.2, 6: 0.5}; so A1 = 1.0, C3 = 0.36.

        This is an assumption of this package, not part of the Admiralty system, which
        is qualitative; change ``RELIABILITY_WEIGHT`` / ``CREDIBILITY_WEIGHT`` (or
        ignore this method) if you weigh sources differently. "Cannot be judged"
        (``F``, ``6``) is given 0.5: neither trusted nor discounted.
        """
        return RELIABILITY_WEIGHT[self.reliability] * CREDIBILITY_WEIGHT[self.credibility]


def parse_grading(text: str) -> Grading:
    """Parse a two-character grading such as ``'C3'``.

    Args:
        text: reliability letter ``A``-``F`` followed by credibility digit ``1``-``6``.

    Returns:
        the ``Grading``.

    Raises:
        ValueError: when ``text`` is not of that form (the message shows what was given).
    """
    m = _GRADING_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError(
            f"invalid grading {text!r}: expected a reliability letter A-F followed by a "
            "credibility digit 1-6, e.g. 'C3'"
        )
    return Grading(m.group(1), int(m.group(2)))
