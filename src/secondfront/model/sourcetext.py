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

Three exceptions make the rule work for Russian, Ukrainian and Belarusian texts
(they change nothing in a text without Cyrillic abbreviations, initials or ``«»``):

* a mark inside balanced guillemets ``«...»`` does not end a sentence: a quotation is
  part of the sentence that quotes it (``Он сказал: «Нет. Никогда». Затем...`` is one
  sentence, then another); a mark followed by ``»`` and then whitespace and a capital
  ends the sentence after the ``»`` (``«Нет войне!» Затем...``), because in these
  languages no full stop follows ``!»`` or ``?»``;
* a full stop after a single letter does not end a sentence: initials and one-letter
  abbreviations (``А. Г. Лукашенко``, ``т. е.``, ``J. Smith``);
* a full stop after a Cyrillic abbreviation listed in ``ABBREVIATIONS`` (``г.``,
  ``им.``, ``ул.``, ``р.``, ``тыс.`` ...) does not end a sentence, whatever follows.
  So ``в 2022 г. Россия`` is one sentence: a year abbreviation at the very end of a
  sentence is read as inside it. The rule stays mechanical, so every tool counts the
  same way; ``secondfront new`` shows the sentences it found.

Everything here is a pure function of its arguments. Locators are parsed by
``secondfront.model.locator.parse_locator``.
"""

from __future__ import annotations

from collections.abc import Iterable

from secondfront.errors import SourceTextError
from secondfront.model.locator import Locator, parse_locator

__all__ = [
    "ABBREVIATIONS",
    "OPENING_QUOTES",
    "resolve",
    "sentences_with_locators",
    "split_source",
    "unresolved_locators",
]

#: Characters that, after a sentence mark and whitespace, start a new sentence.
OPENING_QUOTES = "\"'“‘„‚«‹"

_TERMINALS = ".!?…"

#: Cyrillic abbreviations (lower case, without the full stop) after which a full stop
#: never ends a sentence: Russian, Ukrainian and Belarusian forms of year(s), city,
#: named after, street, region, thousand, million, billion, century, see, page,
#: so-called, professor, general, for example, and similar. One-letter ones (``г``,
#: ``м``, ``р``, ``т``, ``е``) are covered by the single-letter rule.
ABBREVIATIONS = frozenset(
    {
        "гг", "рр", "им", "ім", "імя", "ул", "вул", "пр", "просп", "пл", "обл", "вобл",
        "р-н", "тыс", "тис", "млн", "млрд", "руб", "грн", "долл", "дол", "коп", "вв",
        "ст", "см", "див", "гл", "стр", "зв", "напр", "нпр", "проф", "праф", "акад",
        "ген", "полк", "подп", "ср", "др", "пр-т", "корп", "кв", "зам", "нач", "тт",
    }
)  # fmt: skip

_OPEN_GUILLEMET, _CLOSE_GUILLEMET = "«", "»"


def _parse(locator: str) -> Locator:
    """``parse_locator``, with its ``ValueError`` turned into a ``SourceTextError``."""
    try:
        return parse_locator(locator)
    except ValueError as exc:
        raise SourceTextError(str(exc)) from None


def _starts_sentence(ch: str) -> bool:
    return ch.isupper() or ch in OPENING_QUOTES


def _word_before(paragraph: str, i: int) -> str:
    """The word that ends just before position ``i`` (letters, digits and '-')."""
    j = i
    while j > 0 and (paragraph[j - 1].isalnum() or paragraph[j - 1] == "-"):
        j -= 1
    return paragraph[j:i]


def _abbreviation_stop(paragraph: str, i: int) -> bool:
    """True when the full stop at ``i`` closes an initial or a listed abbreviation."""
    if paragraph[i] != ".":
        return False
    word = _word_before(paragraph, i)
    if len(word) == 1 and word.isalpha():
        return True
    return word.lower() in ABBREVIATIONS


def _guillemet_depths(paragraph: str) -> list[int]:
    """Nesting depth of ``«»`` at each position; all zero when they do not balance.

    Unbalanced guillemets (a quotation that runs over several paragraphs) are ignored,
    so one stray ``«`` cannot swallow the rest of a paragraph into one sentence.
    """
    depths = []
    depth = 0
    for ch in paragraph:
        if ch == _OPEN_GUILLEMET:
            depth += 1
        elif ch == _CLOSE_GUILLEMET and depth > 0:
            depth -= 1
        depths.append(depth)
    if depth != 0 or paragraph.count(_OPEN_GUILLEMET) != paragraph.count(_CLOSE_GUILLEMET):
        return [0] * len(paragraph)
    return depths


def _split_paragraph(paragraph: str) -> list[str]:
    """Split one paragraph (a single line, already stripped) into sentences."""
    sentences: list[str] = []
    depths = _guillemet_depths(paragraph)
    start = 0
    i = 0
    n = len(paragraph)
    while i < n:
        if paragraph[i] in _TERMINALS:
            end = i + 1
            # "!»" ends the sentence after the guillemet (no full stop follows it).
            while end < n and paragraph[end] == _CLOSE_GUILLEMET:
                end += 1
            j = end
            while j < n and paragraph[j].isspace():
                j += 1
            inside = depths[end - 1] > 0 if end > i + 1 else depths[i] > 0
            if (
                j > end
                and j < n
                and _starts_sentence(paragraph[j])
                and not inside
                and not _abbreviation_stop(paragraph, i)
            ):
                sentences.append(paragraph[start:end].strip())
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


def sentences_with_locators(text: str) -> list[tuple[str, str]]:
    """Every sentence of ``text`` with its locator, in reading order.

    Returns:
        ``[("P1.S1", sentence), ("P1.S2", sentence), ...]``; the locator of each entry
        resolves (``resolve``) to exactly that sentence.
    """
    return [
        (f"P{p}.S{s}", sentence)
        for p, paragraph in enumerate(split_source(text), 1)
        for s, sentence in enumerate(paragraph, 1)
    ]


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
