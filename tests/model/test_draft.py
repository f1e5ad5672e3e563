"""A draft scenario from a source text, and the located list of what is left."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from secondfront.errors import UsageError
from secondfront.model.draft import (
    Leftover,
    find_date,
    leftovers,
    leftovers_text,
    new_draft,
    render_draft,
)
from secondfront.model.scenario import check_spec_text, load_spec_text
from secondfront.model.sourcetext import resolve, unresolved_locators

HELDOUT = Path(__file__).parent / "fixtures" / "heldout"
FLAGSHIP = Path(__file__).resolve().parents[2] / "models" / "belarus-second-front.yaml"

# Held-out texts (written for these tests, not used to tune the splitting rule):
# the locators a fresh draft must hold, and the first word of each sentence. The first
# line of each ("Briefing note, Warsaw") is the text's title: metadata, not a claim.
EXPECTED = {
    "ru": [
        ("P2.S1", "С"),
        ("P2.S2", "Однако"),
        ("P3.S1", "Официальный"),
        ("P3.S2", "Этим"),
        ("P4.S1", "По"),
        ("P4.S2", "Этого"),
        ("P4.S3", "Поэтому"),
    ],
    "uk": [
        ("P2.S1", "У"),
        ("P2.S2", "Проте"),
        ("P3.S1", "Речник"),
        ("P3.S2", "Водночас"),
        ("P4.S1", "Угруповання"),
        ("P4.S2", "Цього"),
    ],
    "be": [
        ("P2.S1", "Пасля"),
        ("P2.S2", "Большасць"),
        ("P3.S1", "Як"),
        ("P3.S2", "Ці"),
        ("P4.S1", "Калі"),
        ("P4.S2", "Тады"),
    ],
    # The locator rule keeps a closing straight quote after a mark inside the sentence.
    "en": [
        ("P2.S1", "Since"),
        ("P2.S2", "Minsk"),
        ("P3.S1", "Officials"),
        ("P4.S1", "An"),
        ("P4.S2", "Would"),
    ],
}

# What is left in a fresh draft besides the claims: title, horizon, author, title, date,
# kind and grading of the source; one starter parameter per outcome.
FIXED = [
    "placeholder left in model.title",
    "placeholder left in model.horizon",
    "placeholder left in sources[0].author",
    "to do: date of publication",
    "placeholder left in sources[0].kind",
    "to do: grade the source",
]


def _draft_text(lang: str, outcomes: tuple[str, ...] = ("Belarus enters the war",)) -> str:
    text = (HELDOUT / f"{lang}.txt").read_text(encoding="utf-8")
    draft = new_draft(
        text, f"note-{lang}", language=lang, outcomes=outcomes, source_text=f"{lang}.txt", year=2025
    )
    return render_draft(draft)


_CLAIM_ITEM = r"claim '[^']+' \((P\d+\.S\d+)\) is (not paraphrased|cited by no)"


def _kinds(items: list[Leftover]) -> list[str]:
    out = []
    for item in items:
        m = re.match(
            r"claim '[^']+' \((P\d+\.S\d+)\) is (not paraphrased|cited by no)", item.message
        )
        out.append(f"{m.group(2)} {m.group(1)}" if m else item.message)
    return out


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_fresh_draft_is_a_valid_model_whose_locators_resolve(lang: str) -> None:
    yaml_text = _draft_text(lang)
    assert check_spec_text(yaml_text, "draft.yaml") == []
    network = load_spec_text(yaml_text, "draft.yaml")
    spec = network.spec
    source = (HELDOUT / f"{lang}.txt").read_text(encoding="utf-8")
    assert [(str(c.locator)) for c in spec.claims] == [loc for loc, _ in EXPECTED[lang]]
    assert unresolved_locators([str(c.locator) for c in spec.claims], source) == []
    for loc, first in EXPECTED[lang]:
        assert resolve(source, loc)[0].split()[0] == first
        assert f"# {loc}: {first}" in yaml_text  # the reminder beside the claim
    # The heading line is the source's title and is listed as not modelled.
    title = source.splitlines()[0].strip()
    assert spec.sources[0].title == title
    assert [(str(n.locator), n.reason.split(":")[0]) for n in spec.not_modelled] == [
        ("P1.S1", "title")
    ]


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_check_lists_exactly_what_is_left_in_a_fresh_draft(lang: str) -> None:
    items = leftovers_text(_draft_text(lang), "draft.yaml")
    kinds = _kinds(items)
    expected_claims = [
        f"{what} {loc}" for loc, _ in EXPECTED[lang] for what in ("cited by no", "not paraphrased")
    ]
    assert [k for k in kinds if k.startswith(("cited by no", "not paraphrased"))] == expected_claims
    rest = [k for k in kinds if not k.startswith(("cited by no", "not paraphrased"))]
    assert [k for k in rest if not k.startswith("parameter")] == [
        next(k for k in rest if k.startswith(f)) for f in FIXED
    ]
    assert [k for k in rest if k.startswith("parameter")] == [
        "parameter variables[0].table has neither claims nor an assumption: cite the claims it "
        "rests on or state the assumption in one line"
    ]
    assert len(items) == 2 * len(EXPECTED[lang]) + len(FIXED) + 1
    assert all(i.line > 0 and i.col > 0 for i in items)
    assert str(items[0]).startswith("draft.yaml:") and ": warning: " in str(items[0])


def _finish(yaml_text: str, lang: str) -> str:
    """Do what is left, the way an analyst would: fill in, paraphrase, cite, leave out."""
    text = yaml_text
    text = re.sub(r'"TODO: the question this model answers"', '"Will Minsk enter?"', text)
    text = re.sub(r'"TODO: the time window[^"]*"', '"12 months"', text)
    text = re.sub(r'"TODO: author or issuing body"', '"An analyst"', text)
    text = re.sub(r'"TODO: title"', '"A note"', text)
    text = re.sub(r'"TODO: opinion-column[^"]*"', '"analysis"', text)
    text = re.sub(r"  # TODO: [^\n]*", "", text)
    text = re.sub(
        r'"TODO: what (P\d+\.S\d+) asserts, in your own words"', r'"Paraphrase of \1."', text
    )
    ids = re.findall(r"- id: (note-[a-z]+-p\d+-s\d+)", text)
    text = text.replace(
        '      assumption: "TODO: the basis of this number (claims or a reason)"',
        f"      claims: [{', '.join(ids)}]",
    )
    return text


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_a_finished_draft_has_nothing_left(lang: str) -> None:
    finished = _finish(_draft_text(lang), lang)
    assert check_spec_text(finished, "model.yaml") == []
    assert leftovers_text(finished, "model.yaml") == []


def test_partly_finished_draft_lists_only_the_rest() -> None:
    text = _finish(_draft_text("ru"), "ru")
    # Undo one paraphrase and drop one claim from the citing parameter.
    text = text.replace('"Paraphrase of P3.S2."', '"TODO: what P3.S2 asserts"')
    text = text.replace("note-ru-p4-s3]", "]").replace(", ]", "]")
    kinds = _kinds(leftovers_text(text, "model.yaml"))
    assert kinds == ["not paraphrased P3.S2", "cited by no P4.S3"]


def test_flagship_has_nothing_left() -> None:
    assert leftovers(FLAGSHIP) == []


def test_outcomes_become_starter_variables_with_unique_names() -> None:
    draft = new_draft(
        "One. Two.", "src", outcomes=["Belarus enters", "Belarus enters", "Вступление"]
    )
    assert [o.variable for o in draft.outcomes] == [
        "belarus_enters",
        "belarus_enters_2",
        "outcome",
    ]
    spec = load_spec_text(render_draft(draft)).spec
    assert [o.variable for o in spec.outcomes] == ["belarus_enters", "belarus_enters_2", "outcome"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"source_id": "bad id"}, "letters, digits"),
        ({"language": "de"}, "unknown language"),
        ({"language": "ru"}, "does not look Russian"),
    ],
)
def test_bad_arguments_are_explained(kwargs: dict[str, str], match: str) -> None:
    args = {"source_id": "src", "language": "en", **kwargs}
    with pytest.raises(UsageError, match=match):
        new_draft("An English text. Two sentences.", args["source_id"], language=args["language"])


def test_empty_text_is_an_error() -> None:
    with pytest.raises(UsageError, match="empty"):
        new_draft("\n  \n", "src")


def test_not_modelled_may_name_its_source_and_an_unknown_one_is_an_error() -> None:
    from secondfront.model.scenario import check_spec_text

    text = _finish(_draft_text("en"), "en").replace(
        "not_modelled:\n",
        'not_modelled:\n  - {locator: P9.S9, source: elsewhere, reason: "other text"}\n',
    )
    (diag,) = check_spec_text(text, "m.yaml")
    assert "not_modelled P9.S9 names unknown source 'elsewhere'" in diag.message
    assert diag.line > 0


def test_title_byline_and_date_are_metadata_and_the_date_is_a_date() -> None:
    text = (
        "Why Minsk waits\nBy Jane Roe\n7 December 2022\nMr. Smith met Gen. Jones. Then he left.\n"
    )
    draft = new_draft(text, "roe-2022")
    assert (draft.header.title, draft.header.author) == ("Why Minsk waits", "Jane Roe")
    assert draft.date == datetime.date(2022, 12, 7) and draft.date_known
    spec = load_spec_text(render_draft(draft)).spec
    source = spec.sources[0]
    assert (source.author, source.title, source.date) == (
        "Jane Roe",
        "Why Minsk waits",
        "2022-12-07",
    )
    # "Mr." and "Gen." do not end a sentence: two claims, both in paragraph 4.
    assert [str(c.locator) for c in spec.claims] == ["P4.S1", "P4.S2"]
    assert [n.reason.split(":")[0] for n in spec.not_modelled] == ["title", "byline", "date"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Минск, 7 декабря 2022", (2022, 12, 7)),
        ("Київ, 3 березня 2023", (2023, 3, 3)),
        ("Мінск, 15 снежня 2021", (2021, 12, 15)),
        ("December 7, 2022", (2022, 12, 7)),
        ("07.12.2022", (2022, 12, 7)),
        ("2024-05-01", (2024, 5, 1)),
        ("31.02.2022", None),
    ],
)
def test_dates_in_four_languages(line: str, expected: tuple[int, int, int] | None) -> None:
    assert find_date(line) == (datetime.date(*expected) if expected else None)


def test_a_byline_from_a_place_names_the_author() -> None:
    draft = new_draft("Dimitri Kazakov, from Minsk\nOne sentence here. Two.\n", "k")
    assert draft.header.author == "Dimitri Kazakov" and draft.header.title is None
    assert not draft.date_known  # no date in the text: today's, left to do
    assert "# TODO: date of publication" in render_draft(draft)
