"""Splitting a source text into paragraphs and sentences, and resolving locators."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondfront.errors import SourceTextError
from secondfront.model.sourcetext import (
    Cited,
    check_source,
    fingerprint,
    resolve,
    sentences_with_locators,
    split_source,
    unresolved_locators,
)

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
SEED = SEEDS / "000_3c03e1123873c0b4.txt"

TEXT = """Byline, from Somewhere

First sentence here. Second one! Third one? still the third, lower case.
  \t
Only one sentence in this paragraph.
"""


# -- splitting ---------------------------------------------------------------------


def test_paragraphs_are_non_empty_lines():
    paragraphs = split_source(TEXT)
    assert len(paragraphs) == 3
    assert paragraphs[0] == ["Byline, from Somewhere"]
    assert paragraphs[2] == ["Only one sentence in this paragraph."]


def test_split_at_marks_followed_by_whitespace_and_capital():
    assert split_source(TEXT)[1] == [
        "First sentence here.",
        "Second one!",
        "Third one? still the third, lower case.",
    ]


def test_no_split_before_lower_case_or_without_whitespace():
    assert split_source("It costs 3.5 Million. e.g. this stays. ok")[0] == [
        "It costs 3.5 Million. e.g. this stays. ok"
    ]


def test_titles_and_abbreviations_do_not_end_a_sentence():
    # Listed titles (and, for English, the pinned segmenter) keep a title with its name.
    assert split_source("Ask Dr. Who about it. Then go.")[0] == [
        "Ask Dr. Who about it.",
        "Then go.",
    ]
    assert split_source("Mr. Smith met Gen. Jones in Minsk. Then he left.", "en")[0] == [
        "Mr. Smith met Gen. Jones in Minsk.",
        "Then he left.",
    ]
    assert split_source("Ген. Иванов прибыл в г. Минск. Затем уехал.", "ru")[0] == [
        "Ген. Иванов прибыл в г. Минск.",
        "Затем уехал.",
    ]
    assert split_source("Ген. Петренко приїхав до м. Києва. Потім поїхав.", "uk")[0] == [
        "Ген. Петренко приїхав до м. Києва.",
        "Потім поїхав.",
    ]
    assert split_source("Ген. Іваноў прыехаў у г. Мінск. Потым паехаў.", "be")[0] == [
        "Ген. Іваноў прыехаў у г. Мінск.",
        "Потым паехаў.",
    ]
    # A word the lists do not hold still ends a sentence before a capital.
    assert split_source("He left Minsk. Then he came back.")[0] == [
        "He left Minsk.",
        "Then he came back.",
    ]


def test_fingerprint_ignores_layout_not_words():
    a = fingerprint("The Kremlin has “rich” experience,  since 1994.")
    assert a == fingerprint('the kremlin has "rich" experience since 1994')
    assert a != fingerprint("The Kremlin has rich experience since 1995.")
    assert len(a) == 12 and int(a, 16) >= 0


def _cite(text: str) -> list[Cited]:
    return [
        Cited(loc, fingerprint(sentence), f"claim c{i}")
        for i, (loc, sentence) in enumerate(sentences_with_locators(text))
    ]


def test_check_source_names_moved_changed_and_uncovered_sentences():
    text = "Head line\nFirst claim here. Second claim here.\nThird one.\n"
    cited = _cite(text)
    assert check_source(text, cited).ok
    # A sentence inserted before P2.S2 moves it; an edited one is changed; the new one
    # is cited by nothing.
    edited = "Head line\nFirst claim here. A new sentence. Second claim here.\n"
    edited += "Third one, edited.\n"
    result = check_source(edited, cited)
    assert not result.ok
    assert result.moved == (("claim c2", "P2.S2", "P2.S3"),)
    assert result.changed == (("claim c3", "P3.S1"),)
    assert result.uncovered == ("P2.S2",)
    lines = result.problems()
    assert "the sentence of P2.S2 moved: it is now P2.S3" in lines[0]
    assert "P2.S2 is neither cited by a claim nor listed in not_modelled" in lines[-1]
    # A sentence removed before the last one: its locator no longer resolves, and the
    # sentence is found where it went.
    shorter = "Head line\nSecond claim here.\nThird one.\n"
    result = check_source(shorter, cited)
    assert result.moved == (("claim c2", "P2.S2", "P2.S1"),)
    assert result.changed == (("claim c1", "P2.S1"),) and result.uncovered == ()
    # Without stored fingerprints the check cannot see a move, and says what to store.
    bare = [Cited(c.locator, None, c.who) for c in cited]
    assert check_source(text, bare).unfingerprinted[0] == (
        "claim c0",
        "P1.S1",
        cited[0].fingerprint,
    )


def test_split_before_opening_quotes():
    text = 'He said. “Go now.” Then he left. ‘Fine’ she said. «Да» he said. "Ok" then.'
    assert split_source(text)[0] == [
        "He said.",
        "“Go now.” Then he left.",
        "‘Fine’ she said.",
        "«Да» he said.",
        '"Ok" then.',
    ]


def test_closing_quote_after_mark_does_not_end_a_sentence():
    assert split_source("“It is over.” Nobody agreed.")[0] == ["“It is over.” Nobody agreed."]


def test_cyrillic_capitals_start_sentences():
    assert split_source("Первое предложение. Второе! Ёще одно? Да.")[0] == [
        "Первое предложение.",
        "Второе!",
        "Ёще одно?",
        "Да.",
    ]


def test_crlf_and_blank_lines():
    assert split_source("A one. B two.\r\n\r\n   \r\nC three.") == [
        ["A one.", "B two."],
        ["C three."],
    ]


def test_empty_text():
    assert split_source("") == []
    assert split_source("\n \n\t\n") == []


def test_trailing_text_without_mark_is_a_sentence():
    assert split_source("Done. And then")[0] == ["Done.", "And then"]


# -- resolving ---------------------------------------------------------------------


def test_resolve_single_sentence():
    assert resolve(TEXT, "P2.S2") == ["Second one!"]
    assert resolve(TEXT, "P1.S1") == ["Byline, from Somewhere"]


def test_resolve_range():
    assert resolve(TEXT, "P2.S1-S2") == ["First sentence here.", "Second one!"]
    assert resolve(TEXT, "P2.S3-S3") == ["Third one? still the third, lower case."]


@pytest.mark.parametrize("locator", ["P4.S1", "P2.S4", "P2.S2-S4", "P3.S2"])
def test_resolve_out_of_range_raises(locator):
    with pytest.raises(SourceTextError, match=locator.replace(".", r"\.")):
        resolve(TEXT, locator)


@pytest.mark.parametrize("locator", ["P0.S1", "P2.S0", "P2.S3-S1", "p2.s1", "P2", "", "2.1"])
def test_resolve_malformed_raises(locator):
    with pytest.raises(SourceTextError):
        resolve(TEXT, locator)


def test_unresolved_locators_reports_broken_ones_in_order():
    locators = ["P1.S1", "P9.S1", "P2.S1-S3", "P2.S1-S4", "bogus", "P9.S1", "P3.S1"]
    assert unresolved_locators(locators, TEXT) == ["P9.S1", "P2.S1-S4", "bogus"]


def test_unresolved_locators_empty_when_all_resolve():
    assert unresolved_locators(["P1.S1", "P2.S1-S3", "P3.S1"], TEXT) == []
    assert unresolved_locators([], TEXT) == []


# -- the flagship seed -------------------------------------------------------------

needs_seed = pytest.mark.skipif(
    not SEED.is_file(), reason=f"seed text not present at {SEED} (shared checkout absent)"
)


@needs_seed
def test_seed_has_22_sentences_in_7_paragraphs():
    paragraphs = split_source(SEED.read_text(encoding="utf-8"))
    assert [len(p) for p in paragraphs] == [1, 4, 3, 3, 5, 4, 2]
    assert sum(len(p) for p in paragraphs) == 22


@needs_seed
def test_seed_sentences_around_typographic_quotes():
    text = SEED.read_text(encoding="utf-8")
    # The quoted phrase inside P4.S1 does not split it.
    assert "“railway war”" in resolve(text, "P4.S1")[0]
    # P7.S1 ends with a closing quote before the full stop, and P7.S2 starts after it.
    assert resolve(text, "P7.S1")[0].endswith("”.")
    assert resolve(text, "P7.S2")[0].startswith("In other words")


@needs_seed
def test_seed_locators_resolve_and_a_broken_one_is_reported():
    text = SEED.read_text(encoding="utf-8")
    good = ["P1.S1", "P2.S1-S4", "P5.S5", "P6.S1-S2", "P7.S2"]
    assert unresolved_locators(good, text) == []
    assert unresolved_locators([*good, "P7.S3", "P8.S1", "P5.S4-S6"], text) == [
        "P7.S3",
        "P8.S1",
        "P5.S4-S6",
    ]


# -- Russian, Ukrainian and Belarusian texts ----------------------------------------

CYRILLIC_CASES = [
    # (language, paragraph, expected sentences)
    (
        "ru",
        "В 2022 г. войска вошли с территории РБ, т. е. Минск соучаствовал. "
        "Затем А. Г. Лукашенко заявил: «Мы не вступим. Никогда». Ему мало кто верит!",
        [
            "В 2022 г. войска вошли с территории РБ, т. е. Минск соучаствовал.",
            "Затем А. Г. Лукашенко заявил: «Мы не вступим. Никогда».",
            "Ему мало кто верит!",
        ],
    ),
    (
        "ru",
        "«Нет войне!» Такой плакат видели на ул. Ленина и в парке им. Горького. Всё.",
        [
            "«Нет войне!»",
            "Такой плакат видели на ул. Ленина и в парке им. Горького.",
            "Всё.",
        ],
    ),
    (
        "uk",
        "У 2023 р. Білорусь прийняла ядерну зброю, т. зв. «стримування». "
        "Як писав О. Ю. Коваль, це «погроза. Не більше». Чи так це?",
        [
            "У 2023 р. Білорусь прийняла ядерну зброю, т. зв. «стримування».",
            "Як писав О. Ю. Коваль, це «погроза. Не більше».",
            "Чи так це?",
        ],
    ),
    (
        "be",
        "У 2020 г. на вул. Кальварыйскай сабраліся тысячы людзей. "
        "С. Ціханоўская сказала: «Мы разам!» Улада адказала рэпрэсіямі.",
        [
            "У 2020 г. на вул. Кальварыйскай сабраліся тысячы людзей.",
            "С. Ціханоўская сказала: «Мы разам!»",
            "Улада адказала рэпрэсіямі.",
        ],
    ),
]


@pytest.mark.parametrize(("lang", "paragraph", "expected"), CYRILLIC_CASES)
def test_cyrillic_abbreviations_initials_and_quotes(lang, paragraph, expected):
    assert split_source(paragraph)[0] == expected, lang


def test_unbalanced_guillemet_does_not_swallow_the_paragraph():
    assert split_source("Он начал: «Цитата. Без конца. Следующее.")[0] == [
        "Он начал: «Цитата.",
        "Без конца.",
        "Следующее.",
    ]


def test_ellipsis_ends_a_sentence():
    assert split_source("Ждали долго… Потом ушли.")[0] == ["Ждали долго…", "Потом ушли."]


def test_initials_in_latin_text_stay_in_the_sentence():
    assert split_source("As J. R. Smith wrote. Next.")[0] == ["As J. R. Smith wrote.", "Next."]


def test_sentences_with_locators_resolve_to_themselves():
    from secondfront.model.sourcetext import sentences_with_locators

    text = CYRILLIC_CASES[0][1] + "\n\n" + CYRILLIC_CASES[3][1]
    located = sentences_with_locators(text)
    assert [loc for loc, _ in located] == ["P1.S1", "P1.S2", "P1.S3", "P2.S1", "P2.S2", "P2.S3"]
    for loc, sentence in located:
        assert resolve(text, loc) == [sentence]
