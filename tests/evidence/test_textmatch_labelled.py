"""Text matching and language identification measured on a labelled sample.

``fixtures/textmatch-labelled.yaml`` holds short news-like sentences in English,
Russian, Ukrainian, Belarusian (Cyrillic and Łacinka), each labelled with the text
indicators it reports under docs/codebook.md. The tests print, per language:

* precision and recall of the shipped text rules matched by written stems alone and
  with other word forms ("lemmas": Russian and Ukrainian lemmas from the ``nlp``
  extra, Belarusian initial ``ў``/``ŭ`` read as ``у``/``u``), over every
  (sentence, text indicator) pair;
* accuracy of language identification of the sentences as undeclared text, by the
  alphabet alone and with the language model (the ``nlp`` extra).

Run with ``pytest -s`` to see the tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from secondfront.evidence import language, lemmas
from secondfront.evidence.mapping import load_rules
from secondfront.evidence.text import (
    Item,
    alphabet_language,
    detect_language,
    rule_counts,
    validate,
)
from secondfront.evidence.textmatch import match_text

SAMPLE = Path(__file__).parent / "fixtures" / "textmatch-labelled.yaml"
ITEMS = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))["items"]
RULES = load_rules()
TEXT_RULES = [r for r in RULES.rules if r.source == "text"]
INDICATORS = {r.indicator for r in TEXT_RULES}
LANGS = ("en", "ru", "uk", "be", "be-Latn")


@dataclass
class Score:
    """Counts of one language's (sentence, indicator) pairs."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(lemmatiser: Callable[[str], Callable[[str], Sequence[str]] | None]) -> dict[str, Score]:
    """Precision and recall of the shipped text rules per language."""
    out = {lang: Score() for lang in LANGS}
    for item in ITEMS:
        if item.get("langid_only"):
            continue
        lang, want = item["lang"], set(item.get("match") or ())
        for rule in TEXT_RULES:
            got = rule_counts(item["text"], lang, rule.match, rule, RULES.spec, lemmatiser(lang))
            s = out[lang]
            if got and rule.indicator in want:
                s.tp += 1
            elif got:
                s.fp += 1
            elif rule.indicator in want:
                s.fn += 1
    return out


def accuracy(identify: Callable[[str], str | None]) -> dict[str, tuple[int, int]]:
    """(right, total) of identifying each sentence's language as undeclared text."""
    out = {lang: (0, 0) for lang in LANGS}
    for item in ITEMS:
        right, total = out[item["lang"]]
        out[item["lang"]] = (right + (identify(item["text"]) == item["lang"]), total + 1)
    return out


def test_sample_is_labelled_as_documented() -> None:
    # At least 15 matching sentences per main language; labels name real text indicators.
    for lang in ("en", "ru", "uk", "be"):
        n = sum(1 for i in ITEMS if i["lang"] == lang and not i.get("langid_only"))
        assert n >= 15, (lang, n)
    for item in ITEMS:
        assert item["lang"] in LANGS
        named = set(item.get("match") or ()) | set(item.get("not") or ())
        assert named <= INDICATORS, named - INDICATORS
        assert not set(item.get("match") or ()) & set(item.get("not") or ())


def test_precision_and_recall_by_stems_and_by_lemmas() -> None:
    pytest.importorskip("pymorphy3")
    pytest.importorskip("simplemma")
    stems = score(lambda lang: None)
    lemma = score(lemmas.lemmatiser)
    print("\ntext rules on the labelled sample: precision / recall (tp, fp, fn)")
    for lang in LANGS:
        a, b = stems[lang], lemma[lang]
        print(
            f"  {lang:8} stems {a.precision:.2f} / {a.recall:.2f} ({a.tp}, {a.fp}, {a.fn})"
            f"   lemmas {b.precision:.2f} / {b.recall:.2f} ({b.tp}, {b.fp}, {b.fn})"
        )
    for lang in LANGS:
        if lang in lemmas.LEMMA_LANGUAGES + lemmas.BELARUSIAN:
            # Other word forms are used only where they help: never worse, better recall.
            assert lemma[lang].precision >= stems[lang].precision, lang
            assert lemma[lang].recall > stems[lang].recall, lang
        else:
            assert lemmas.lemmatiser(lang) is None
            assert (lemma[lang].tp, lemma[lang].fp) == (stems[lang].tp, stems[lang].fp)
    # The stems alone are a usable floor in every language (the rules are not idle).
    for lang in LANGS:
        assert stems[lang].precision >= 0.8 and stems[lang].recall >= 0.6, lang


def test_language_identification_alphabet_and_model() -> None:
    pytest.importorskip("lingua")
    alphabet = accuracy(alphabet_language)
    model = accuracy(detect_language)
    print("\nlanguage of undeclared text: right / total")
    for lang in LANGS:
        (a, n), (b, _) = alphabet[lang], model[lang]
        print(f"  {lang:8} alphabet {a}/{n} ({a / n:.0%})   model {b}/{n} ({b / n:.0%})")
    for lang in LANGS:
        assert model[lang][0] >= alphabet[lang][0], lang
    assert sum(model[c][0] for c in ("uk", "be")) > sum(alphabet[c][0] for c in ("uk", "be"))


def test_declared_language_wins_over_the_model() -> None:
    text = "Колона рухалася до кордону."  # Ukrainian, no letter Russian lacks
    assert detect_language(text, "ru") == "ru"
    assert detect_language(text, "be") == "be"
    assert alphabet_language(text) == "ru"  # what the alphabet alone says


def test_without_the_model_the_alphabet_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_detector", lambda: None)
    assert not language.model_available()
    assert detect_language("Колона рухалася до кордону.") == "ru"
    assert detect_language("Калона рухаецца ў бок мяжы.") == "be"


def test_model_decides_undeclared_cyrillic() -> None:
    pytest.importorskip("lingua")
    assert detect_language("Колона рухалася до кордону.") == "uk"
    assert detect_language("Калона рухаецца да мяжы.") == "be"
    assert detect_language("Колонна движется к границе.") == "ru"
    # Latin script stays with the alphabet: the model knows no Łacinka.
    assert detect_language("Kałona vajskovaj techniki ruchajecca ŭ bok Mazyra.") == "be-Latn"


def test_lemmas_keep_negation() -> None:
    pytest.importorskip("pymorphy3")
    ru = lemmas.lemmatiser("ru")
    assert ru is not None and "воевать" in ru("воюет")
    groups = [["арми"], ["воева"]]
    assert match_text("Армия воюет.", groups) == []  # the stem alone misses "воюет"
    (hit,) = match_text("Армия воюет.", groups, ["не"], lemmas=ru)
    assert hit.counted
    (neg,) = match_text("Армия не воюет.", groups, ["не"], lemmas=ru)
    assert not neg.counted and neg.cue == "не"
    # Cues are compared with written words, never lemmas: "нет" is not "не".
    (other,) = match_text("Армия нет, воюет.", groups, ["не"], lemmas=ru)
    assert other.counted


def test_ukrainian_lemmas() -> None:
    pytest.importorskip("simplemma")
    uk = lemmas.lemmatiser("uk")
    assert uk is not None and uk("києва") == ("київ",)
    assert lemmas.lemmatiser("en") is None


def test_belarusian_short_u() -> None:
    be, latn = lemmas.lemmatiser("be"), lemmas.lemmatiser("be-Latn")
    assert be is not None and latn is not None
    assert be("ўступіць") == ("уступіць",) and be("мяжы") == ()
    assert latn("ŭstupić") == ("ustupić",) and latn("vajnu") == ()
    (neg,) = match_text("Войскі не ўвайшлі.", [["войск"], ["увай"]], ["не"], lemmas=be)
    assert not neg.counted and neg.cue == "не"


def test_without_the_lemmatisers_stems_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lemmas, "_pymorphy", lambda lang: None)
    monkeypatch.setattr(lemmas, "_simplemma", lambda: None)
    assert lemmas.lemmatiser.__wrapped__("ru") is None
    assert lemmas.lemmatiser.__wrapped__("uk") is None


def test_ingested_item_without_a_declared_language_takes_the_models() -> None:
    pytest.importorskip("lingua")
    body = "Колона рухалася до кордону. Партизани атакували потяг."
    item = Item(1, body, "", "2022-02-21", "", "src", "", body, "text")
    window = (dt.date(2000, 1, 1), dt.date(2030, 1, 1))
    row, why = validate(item, Path("news.txt"), window)
    assert row is not None and row["language"] == "uk", why
    declared = Item(1, body, "", "2022-02-21", "ru", "src", "", body, "text")
    row, why = validate(declared, Path("news.txt"), window)
    assert row is not None and row["language"] == "ru", why
