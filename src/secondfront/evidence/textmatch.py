"""Text matching for the mapping rules: word stems in one sentence, with negation cues.

A rule on news text gives, per language, groups of word stems that must all occur in
one sentence; a sentence where a negation cue ("no", "not", "не", "nie"...) or a
hypothetical cue ("if", "если", "kali"...) precedes the last matched stem does not
count, so "no troops were moved" is not a movement.

A word matches a stem when the stem starts the word or, where a lemmatiser is given
(Russian, see :mod:`secondfront.evidence.lemmas`), one of the word's lemmas. Cues are
always compared with the words as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_TOKEN = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)


@dataclass(frozen=True)
class TextMatch:
    """A sentence that matched a rule's stems.

    Attributes:
        sentence: the sentence.
        counted: False when a negation or hypothetical cue precedes the last stem.
        cue: the cue that cancelled it ("" when counted).
    """

    sentence: str
    counted: bool
    cue: str


def _is_cue(token: str, cues: Sequence[str]) -> bool:
    # A cue ending in '*' is a stem ("опроверг*" covers опроверг, опровергли...).
    return any(token.startswith(c[:-1]) if c.endswith("*") else token == c for c in cues) or (
        token.endswith("n't")
    )


def match_text(
    text: str,
    groups: Sequence[Sequence[str]],
    negation: Sequence[str] = (),
    hypothetical: Sequence[str] = (),
    lemmas: Callable[[str], Sequence[str]] | None = None,
) -> list[TextMatch]:
    """Sentences of ``text`` in which every group has a word starting with one of its stems.

    Args:
        text: the item's title and body.
        groups: stems, lower case; a sentence matches when each group matches a word.
        negation: cues that negate (exact words, or stems ending in ``*``).
        hypothetical: cues that make a statement conditional, same syntax.
        lemmas: the lemmas of a lower-case word; a stem that starts one of them matches
            the word too. None matches by the written word alone.

    Returns:
        one ``TextMatch`` per matching sentence, in order.
    """
    found: list[TextMatch] = []
    for sentence in _SENTENCE.split(text):
        tokens = [t.lower() for t in _TOKEN.findall(sentence)]
        if not tokens:
            continue
        forms = [(t, *lemmas(t)) for t in tokens] if lemmas else [(t,) for t in tokens]
        last = -1
        for group in groups:
            stems = tuple(group)
            idx = next(
                (k for k, f in enumerate(forms) if any(w.startswith(stems) for w in f)), None
            )
            if idx is None:
                break
            last = max(last, idx)
        else:
            cue = next((t for t in tokens[:last] if _is_cue(t, negation)), "") or next(
                (t for t in tokens[:last] if _is_cue(t, hypothetical)), ""
            )
            found.append(TextMatch(sentence.strip(), not cue, cue))
    return found


__all__ = ["TextMatch", "match_text"]
