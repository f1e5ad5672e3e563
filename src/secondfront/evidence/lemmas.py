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
stems alone; without the extra every language does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

LEMMA_LANGUAGES = ("ru", "uk")
"""Languages whose words are also matched by lemma (when the ``nlp`` extra is installed)."""

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

    None when ``lang`` is not in :data:`LEMMA_LANGUAGES` or the ``nlp`` extra is not
    installed: matching then uses the written words alone.
    """
    if lang == "ru" and (morph := _pymorphy("ru")) is not None:

        def russian(word: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(p.normal_form for p in morph.parse(word)))

        return functools.lru_cache(maxsize=1 << 16)(russian)
    if lang == "uk" and (sm := _simplemma()) is not None:

        def ukrainian(word: str) -> tuple[str, ...]:
            return (str(sm.lemmatize(word, lang="uk")).lower(),)

        return functools.lru_cache(maxsize=1 << 16)(ukrainian)
    return None


def lemmas_available() -> bool:
    """Whether lemma matching is in use for every language of :data:`LEMMA_LANGUAGES`."""
    return all(lemmatiser(lang) is not None for lang in LEMMA_LANGUAGES)


__all__ = ["LEMMA_LANGUAGES", "Lemmatiser", "lemmas_available", "lemmatiser"]
