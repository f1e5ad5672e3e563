"""Language of undeclared Cyrillic news text by a statistical model (optional extra).

The alphabet tells Russian, Ukrainian and Belarusian apart only when a text holds a
letter one of them alone uses; a short Ukrainian headline without ``і``, ``ї``, ``є``
or ``ґ`` reads as Russian. With the optional ``nlp`` extra installed, the
``lingua-language-detector`` model, restricted to English, Russian, Ukrainian and
Belarusian, decides instead. It is loaded on first use (a few seconds, about 100 MB
installed), so ingesting text with declared languages never loads it.
"""

from __future__ import annotations

import functools
from typing import Any

MODEL_LANGUAGES = ("en", "ru", "uk", "be")
"""The languages the model chooses among (ISO 639-1)."""
MODEL_TEXT_CHARS = 2000
"""Characters of a text the model reads: a few sentences decide, and the time spent on
a long page stays bounded (about 0.1 s for 66,000 characters, 2 ms for 2,000)."""


@functools.cache
def _detector() -> Any | None:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    langs = [Language.from_iso_code_639_1(_iso(code)) for code in MODEL_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*langs).build()


def _iso(code: str) -> Any:
    from lingua import IsoCode639_1

    return getattr(IsoCode639_1, code.upper())


def model_available() -> bool:
    """Whether the language model is installed (the ``nlp`` extra)."""
    return _detector() is not None


def model_language(text: str) -> str | None:
    """The language of ``text`` among :data:`MODEL_LANGUAGES` by the model.

    Returns:
        ``en``, ``ru``, ``uk`` or ``be``; None when the model is not installed or
        cannot decide (no letters).
    """
    detector = _detector()
    if detector is None:
        return None
    found = detector.detect_language_of(text[:MODEL_TEXT_CHARS])
    return None if found is None else str(found.iso_code_639_1.name).lower()


__all__ = ["MODEL_LANGUAGES", "MODEL_TEXT_CHARS", "model_available", "model_language"]
