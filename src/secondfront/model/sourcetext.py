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

English titles and abbreviations (``Mr.``, ``Gen.``, ``Dr.``, ``St.`` ...) are listed
in ``ABBREVIATIONS`` too. Beyond these lists, a boundary at a full stop is kept only
where the maintained segmenter ``sentencex`` (pinned in ``pyproject.toml``, since a new
version could move boundaries) also ends a sentence, in the text's language (``en``,
``ru``, ``uk``, ``be``; guessed from the script when not given). The segmenter
can only remove boundaries, never add them, so the counting rule stays the one stated
here; without the package the rule alone applies.

Each locator can store a **fingerprint** of the sentences it names (``fingerprint``:
12 hex digits of the SHA-256 of the normalised text: Unicode NFKC, case-folded,
letters and digits only, single spaces), so a changed or shifted text is noticed:
``check_source`` says which cited sentence moved where, which changed, and which
sentence no claim cites and no ``not_modelled`` entry lists.

Everything here is a pure function of its arguments. Locators are parsed by
``secondfront.model.locator.parse_locator``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from secondfront.errors import SourceTextError
from secondfront.model.locator import Locator, parse_locator

__all__ = [
    "ABBREVIATIONS",
    "OPENING_QUOTES",
    "Cited",
    "SourceCheck",
    "check_source",
    "fingerprint",
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
        # English titles and abbreviations that precede a name or a number
        "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "capt", "cpt", "sgt",
        "adm", "brig", "cmdr", "gov", "sen", "rep", "pres", "amb", "st", "mt", "jr", "sr",
        "no", "nos", "vol", "vs", "approx", "fig", "op", "ed", "rev", "hon", "gen-lt",
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


@functools.lru_cache(maxsize=4096)
def _segmenter_starts(paragraph: str, language: str) -> frozenset[int] | None:
    """Offsets where ``sentencex`` starts a sentence; None when it is not installed or
    its pieces do not rebuild the paragraph (then the rule alone applies)."""
    try:
        from sentencex import segment
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    starts, at = set(), 0
    for piece in segment(language, paragraph):
        if paragraph[at : at + len(piece)] != piece:
            return None
        at += len(piece)
        starts.add(at)
    return frozenset(starts) if at == len(paragraph) else None


def _language(text: str) -> str:
    """``ru`` for a text mostly in Cyrillic, else ``en`` (the segmenter's rules)."""
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "ru" if cyrillic > latin else "en"


def _split_paragraph(paragraph: str, language: str = "en") -> list[str]:
    """Split one paragraph (a single line, already stripped) into sentences."""
    sentences: list[str] = []
    agreed = _segmenter_starts(paragraph, language)
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
                # The segmenter vetoes only full stops: it knows abbreviations, which
                # end in one; "!", "?" and "…" before a capital always end a sentence.
                and (agreed is None or paragraph[i] != "." or j in agreed)
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


def split_source(text: str, language: str | None = None) -> list[list[str]]:
    """Split ``text`` into paragraphs of sentences, by the locator counting rule.

    Args:
        text: the whole source text. Line endings may be ``\\n``, ``\\r\\n`` or ``\\r``.
        language: ``en``, ``ru``, ``uk`` or ``be`` for the segmenter; None guesses it
            from the script.

    Returns:
        One list per non-empty line, in order, holding that line's sentences with
        surrounding whitespace stripped. ``split_source(t)[p - 1][s - 1]`` is the
        sentence that ``P<p>.S<s>`` names.
    """
    lang = language or _language(text)
    paragraphs: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            paragraphs.append(_split_paragraph(stripped, lang))
    return paragraphs


def sentences_with_locators(text: str, language: str | None = None) -> list[tuple[str, str]]:
    """Every sentence of ``text`` with its locator, in reading order (``language`` as in
    :func:`split_source`).

    Returns:
        ``[("P1.S1", sentence), ("P1.S2", sentence), ...]``; the locator of each entry
        resolves (``resolve``) to exactly that sentence.
    """
    return [
        (f"P{p}.S{s}", sentence)
        for p, paragraph in enumerate(split_source(text, language), 1)
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


# -- fingerprints and the whole-text check --------------------------------------------

FINGERPRINT_LENGTH = 12  # hex digits of SHA-256 kept: 48 bits, ample for one text


def fingerprint(sentences: str | Sequence[str]) -> str:
    """The fingerprint of one sentence or of consecutive sentences (joined by a space).

    Normalised first (Unicode NFKC, case-folded, letters and digits only, single
    spaces), so re-wrapping, typographic quotes or a changed comma leave it alone and a
    changed word does not.
    """
    text = sentences if isinstance(sentences, str) else " ".join(sentences)
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True)
class Cited:
    """A locator of one source as a spec writes it.

    Attributes:
        locator: ``P3.S2`` or ``P6.S1-S2``.
        fingerprint: the stored fingerprint, or None when the spec stores none.
        who: what cites it, for messages (``claim pretext-plans``, ``not_modelled``).
    """

    locator: str
    fingerprint: str | None
    who: str


@dataclass(frozen=True)
class SourceCheck:
    """Every locator of a source checked against its text.

    Attributes:
        sentences: sentences in the text.
        locators: distinct locators checked.
        unresolved: (who, locator, why) for locators naming no sentence of the text.
        moved: (who, locator, where its sentence is now).
        changed: (who, locator) whose sentence matches no sentence of the text (changed or
            removed).
        uncovered: locators of sentences that nothing cites or lists in ``not_modelled``.
        unfingerprinted: (who, locator, the fingerprint to store) where none is stored.
    """

    sentences: int
    locators: int
    unresolved: tuple[tuple[str, str, str], ...]
    moved: tuple[tuple[str, str, str], ...]
    changed: tuple[tuple[str, str], ...]
    uncovered: tuple[str, ...]
    unfingerprinted: tuple[tuple[str, str, str], ...]

    @property
    def ok(self) -> bool:
        """True when each locator names its own sentence and each sentence is accounted for."""
        return not (self.unresolved or self.moved or self.changed or self.uncovered)

    def problems(self) -> list[str]:
        """One line per problem, in the order: unresolved, moved, changed, uncovered."""
        out = [f"{who}: locator {loc} {why}" for who, loc, why in self.unresolved]
        out += [
            f"{who}: the sentence of {loc} moved: it is now {now}; update the locator"
            for who, loc, now in self.moved
        ]
        out += [
            f"{who}: the sentence of {loc} changed or was removed (its fingerprint matches no "
            "sentence of the text); re-read it and update the claim and its fingerprint"
            for who, loc in self.changed
        ]
        out += [
            f"sentence {loc} is neither cited by a claim nor listed in not_modelled"
            for loc in self.uncovered
        ]
        return out


def _find(paragraphs: list[list[str]], width: int, fp: str) -> list[str]:
    """Locators of every run of ``width`` sentences within a paragraph with fingerprint ``fp``."""
    found = []
    for p, sentences in enumerate(paragraphs, 1):
        for s in range(1, len(sentences) - width + 2):
            if fingerprint(sentences[s - 1 : s - 1 + width]) == fp:
                found.append(str(Locator(p, s, s + width - 1)))
    return found


def check_source(text: str, cited: Sequence[Cited], language: str | None = None) -> SourceCheck:
    """Check every locator of one source against its text; see :class:`SourceCheck`."""
    paragraphs = split_source(text, language)
    unresolved, moved, changed, unprinted = [], [], [], []
    covered: set[tuple[int, int]] = set()
    for c in cited:
        try:
            loc = _parse(c.locator)
            here = resolve(text, c.locator)
        except SourceTextError as exc:
            try:  # a locator past the end of a shortened text: look for its sentences
                width = _parse(c.locator).last_sentence - _parse(c.locator).first_sentence + 1
            except SourceTextError:
                width = 1
            elsewhere = _find(paragraphs, width, c.fingerprint) if c.fingerprint else []
            if elsewhere:
                moved.append((c.who, c.locator, " or ".join(elsewhere)))
                covered.update(q for e in elsewhere for q in parse_locator(e).sentences())
            else:
                unresolved.append((c.who, c.locator, str(exc).split(": ", 1)[-1]))
            continue
        actual = fingerprint(here)
        if c.fingerprint is None:
            unprinted.append((c.who, c.locator, actual))
        elif c.fingerprint != actual:
            width = loc.last_sentence - loc.first_sentence + 1
            elsewhere = _find(paragraphs, width, c.fingerprint)
            if elsewhere:
                moved.append((c.who, c.locator, " or ".join(elsewhere)))
                # The sentence is cited, at the wrong locator: not "uncovered" as well.
                covered.update(q for e in elsewhere for q in parse_locator(e).sentences())
            else:
                changed.append((c.who, c.locator))
                covered.update(loc.sentences())  # reported as changed, not twice
            continue
        covered.update(loc.sentences())
    uncovered = [
        f"P{p}.S{s}"
        for p, sentences in enumerate(paragraphs, 1)
        for s in range(1, len(sentences) + 1)
        if (p, s) not in covered
    ]
    return SourceCheck(
        sum(len(p) for p in paragraphs),
        len({c.locator for c in cited}),
        tuple(dict.fromkeys(unresolved)),
        tuple(dict.fromkeys(moved)),
        tuple(dict.fromkeys(changed)),
        tuple(uncovered),
        tuple(dict.fromkeys(unprinted)),
    )
