"""Claim locators: where in a source text a claim is made.

A locator names a paragraph and one sentence or an increasing range of sentences in
it, written ``P<paragraph>.S<sentence>`` or ``P<paragraph>.S<first>-S<last>``, e.g.
``P3.S2`` or ``P6.S1-S2``. Paragraphs and sentences are counted from 1. How a source
text is split into paragraphs and sentences is stated in ``docs/spec-format.md``;
this module only parses and prints locators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_LOCATOR_RE = re.compile(r"^P(\d+)\.S(\d+)(?:-S(\d+))?$")


@dataclass(frozen=True, order=True)
class Locator:
    """A paragraph and a range of its sentences, all 1-based.

    Attributes:
        paragraph: paragraph number, >= 1.
        first_sentence: first sentence covered, >= 1.
        last_sentence: last sentence covered, >= ``first_sentence`` (equal for one sentence).
    """

    paragraph: int
    first_sentence: int
    last_sentence: int

    def __post_init__(self) -> None:
        if self.paragraph < 1 or self.first_sentence < 1:
            raise ValueError("locator numbers start at 1 (P1.S1 is the first sentence)")
        if self.last_sentence < self.first_sentence:
            raise ValueError(
                f"locator range must increase: S{self.first_sentence}-S{self.last_sentence}"
            )

    def __str__(self) -> str:
        head = f"P{self.paragraph}.S{self.first_sentence}"
        if self.last_sentence == self.first_sentence:
            return head
        return f"{head}-S{self.last_sentence}"

    def sentences(self) -> Iterator[tuple[int, int]]:
        """Yield ``(paragraph, sentence)`` for every sentence covered, in order."""
        for s in range(self.first_sentence, self.last_sentence + 1):
            yield self.paragraph, s


def parse_locator(text: str) -> Locator:
    """Parse ``P3.S2`` or ``P6.S1-S2``.

    Args:
        text: the locator as written in the spec.

    Returns:
        the parsed ``Locator``.

    Raises:
        ValueError: with a message saying what a locator looks like, when ``text`` does
            not parse, a number is 0, or a range does not increase (``P6.S1-S1`` is
            accepted and means ``P6.S1``).
    """
    if not isinstance(text, str):
        raise ValueError(f"a locator is a string such as 'P3.S2' or 'P6.S1-S2', got {text!r}")
    m = _LOCATOR_RE.match(text.strip())
    if m is None:
        raise ValueError(
            f"invalid locator {text!r}: expected P<paragraph>.S<sentence> or "
            "P<paragraph>.S<first>-S<last>, e.g. 'P3.S2' or 'P6.S1-S2'"
        )
    paragraph, first = int(m.group(1)), int(m.group(2))
    last = int(m.group(3)) if m.group(3) is not None else first
    try:
        return Locator(paragraph, first, last)
    except ValueError as exc:
        raise ValueError(f"invalid locator {text!r}: {exc}") from None
