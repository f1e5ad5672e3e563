"""Lemmas of Russian and Ukrainian words, for matching the mapping rules' stems.

A hand-written stem misses a word whose inflection changes its stem: ``воева``
matches "воевать" but not "воюет", ``киї`` matches "Київ" but not "Києва". With the
optional ``nlp`` extra installed, a rule's stem also matches a word when it starts
one of the word's lemmas ("воюет" -> "воевать", "києва" -> "київ").

Russian lemmas come from :mod:`pymorphy3` with its Russian dictionary (every parse
of an ambiguous word gives its lemma). Ukrainian lemmas come from :mod:`simplemma`:
pymorphy3's Ukrainian dictionary package is GPL-3, which this MIT project does not
take as a dependency (on the project's labelled sample both give the same matches).
There is no Belarusian dictionary in either, so Belarusian and Łacinka keep the
stems, with one rule of the spelling instead: a word's initial ``у``/``u`` is written
``ў``/``ŭ`` after a vowel ("не ўступіць", "ўкраінскі"), so such a word is also matched
in its ``у``/``u`` form. Without the extra Russian and Ukrainian keep the stems alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

LEMMA_LANGUAGES = ("ru", "uk")
"""Languages whose words are also matched by lemma (when the ``nlp`` extra is installed)."""
BELARUSIAN = ("be", "be-Latn")
"""Languages whose words starting with ``ў``/``ŭ`` are also matched with ``у``/``u``."""

Lemmatiser = Callable[[str], tuple[str, ...]]
"""The lemmas of one lower-case word."""


@functools.cache
def _pymorphy(lang: str) -> Any | None:
    # Opened on first use: the dictionary takes about a second to load.
    try:
        import pymorphy3
    except ImportError:
        return None
    try:
        return pymorphy3.MorphAnalyzer(lang=lang)
    except (ValueError, OSError, ImportError):  # no dictionary for the language
        return None


@functools.cache
def _simplemma() -> Any | None:
    try:
        import simplemma
    except ImportError:
        return None
    return simplemma


@functools.cache
def lemmatiser(lang: str) -> Lemmatiser | None:
    """The lemmatiser of ``lang`` (cached per word), or None.

    For Belarusian (:data:`BELARUSIAN`) the other form of a word with initial
    ``ў``/``ŭ``. None when ``lang`` is not in :data:`LEMMA_LANGUAGES` or the ``nlp``
    extra is not installed: matching then uses the written words alone.
    """
    if lang in BELARUSIAN:
        return _short_u
    if lang == "ru" and (morph := _pymorphy("ru")) is not None:

        def russian(word: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(p.normal_form for p in morph.parse(word)))

        return functools.lru_cache(maxsize=1 << 16)(russian)
    if lang == "uk" and (sm := _simplemma()) is not None:

        def ukrainian(word: str) -> tuple[str, ...]:
            return (str(sm.lemmatize(word, lang="uk")).lower(),)

        return functools.lru_cache(maxsize=1 << 16)(ukrainian)
    return None


def _short_u(word: str) -> tuple[str, ...]:
    # Initial ў/ŭ is the after-vowel spelling of у/u; the rules' stems use у/u.
    if word[:1] == "ў":
        return ("у" + word[1:],)
    if word[:1] == "ŭ":
        return ("u" + word[1:],)
    return ()


def lemmas_available() -> bool:
    """Whether lemma matching is in use for every language of :data:`LEMMA_LANGUAGES`."""
    return all(lemmatiser(lang) is not None for lang in LEMMA_LANGUAGES)


__all__ = ["BELARUSIAN", "LEMMA_LANGUAGES", "Lemmatiser", "lemmas_available", "lemmatiser"]
