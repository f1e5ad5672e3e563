"""Split a source text into located sentences and resolve claim locators against it.

A claim cites its source by a locator ``P<paragraph>.S<sentence>`` (``P3.S2``) or a
range of sentences within one paragraph (``P6.S1-S2``). The counting rule is the one
of the spec format (``docs/spec-format.md``):

* paragraphs are the non-empty lines of the text (a line holding only whitespace is
  empty); ``P1`` is the first non-empty line, e.g. a byline;
* a paragraph is split into sentences after ``.``, ``!`` or ``?`` when that mark is
  followed by whitespace and then a capital letter or an opening quote.

"Capital" means any upper-case letter in the Unicode sense (``str.isupper``), so
Latin, Cyrillic and Greek capitals all start a sentence. Opening quotes are the
straight quotes ``"`` and ``'`` and the typographic ones ``“ ‘ „ ‚ « ‹``. A mark
followed directly by a closing quote (``war.” Then``) does not end a sentence under
this rule; that is deliberate, so every tool counts the same way.

Everything here is a pure function of its arguments. Locators are parsed by
``secondfront.model.locator.parse_locator``.
"""

from __future__ import annotations

from collections.abc import Iterable

from secondfront.errors import SourceTextError
from secondfront.model.locator import Locator, parse_locator

__all__ = ["OPENING_QUOTES", "resolve", "split_source", "unresolved_locators"]

#: Characters that, after a sentence mark and whitespace, start a new sentence.
OPENING_QUOTES = "\"'“‘„‚«‹"

_TERMINALS = ".!?"


def _parse(locator: str) -> Locator:
    """``parse_locator``, with its ``ValueError`` turned into a ``SourceTextError``."""
    try:
        return parse_locator(locator)
    except ValueError as exc:
        raise SourceTextError(str(exc)) from None


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch in OPENING_QUOTES


def _split_paragraph(paragraph: str) -> list[str]:
    """Split one paragraph (a single line, already stripped) into sentences."""
    sentences: list[str] = []
    start = 0
    i = 0
    n = len(paragraph)
    while i < n:
        if paragraph[i] in _TERMINALS:
            j = i + 1
            while j < n and paragraph[j].isspace():
                j += 1
            if j > i + 1 and j < n and _starts_sentence(paragraph[j]):
                sentences.append(paragraph[start : i + 1].strip())
                start = j
                i = j
                continue
        i += 1
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_source(text: str) -> list[list[str]]:
    """Split ``text`` into paragraphs of sentences, by the locator counting rule.

    Args:
        text: the whole source text. Line endings may be ``\\n``, ``\\r\\n`` or ``\\r``.

    Returns:
        One list per non-empty line, in order, holding that line's sentences with
        surrounding whitespace stripped. ``split_source(t)[p - 1][s - 1]`` is the
        sentence that ``P<p>.S<s>`` names.
    """
    paragraphs: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            paragraphs.append(_split_paragraph(stripped))
    return paragraphs


def resolve(text: str, locator: str) -> list[str]:
    """Return the sentences of ``text`` that ``locator`` names.

    Args:
        text: the source text.
        locator: ``P<p>.S<s>`` or ``P<p>.S<first>-S<last>``.

    Returns:
        The named sentences in order (one for a single locator).

    Raises:
        SourceTextError: the locator is malformed, or the paragraph or a sentence it
            names does not exist in ``text``.
    """
    loc = _parse(locator)
    paragraphs = split_source(text)
    if loc.paragraph > len(paragraphs):
        raise SourceTextError(
            f"locator {locator!r}: the text has {len(paragraphs)} paragraphs, not {loc.paragraph}"
        )
    sentences = paragraphs[loc.paragraph - 1]
    if loc.last_sentence > len(sentences):
        raise SourceTextError(
            f"locator {locator!r}: paragraph {loc.paragraph} has {len(sentences)} "
            f"sentences, not {loc.last_sentence}"
        )
    return sentences[loc.first_sentence - 1 : loc.last_sentence]


def unresolved_locators(locators: Iterable[str], text: str) -> list[str]:
    """Return the locators (in their given order, without duplicates) that do not resolve.

    A malformed locator counts as unresolved. An empty result means every locator
    names sentences that exist in ``text``.
    """
    paragraphs = split_source(text)
    bad: list[str] = []
    seen: set[str] = set()
    for locator in locators:
        if locator in seen:
            continue
        seen.add(locator)
        try:
            loc = _parse(locator)
        except SourceTextError:
            bad.append(locator)
            continue
        if loc.paragraph > len(paragraphs) or loc.last_sentence > len(
            paragraphs[loc.paragraph - 1]
        ):
            bad.append(locator)
    return bad
