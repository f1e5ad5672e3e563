"""A draft scenario from a source text, and the list of what is left to make it a model.

An analyst starts from a text (a column, a report, an official statement) and wants a
model of its argument. ``new_draft`` splits the text by the locator rule of
``sourcetext`` (the rule ``secondfront sources verify`` uses, so every locator of a fresh
draft resolves) and writes a valid scenario file in which everything the analyst still
has to do is a *placeholder*:

* the source, with author, title, kind and grading to fill in; a title, byline or
  dateline heading the text (leading one-sentence lines without a final full stop,
  see ``read_header``) fills them in and is listed under ``not_modelled`` as the
  source's metadata, not made a claim; a date found there becomes the source's ISO
  date (otherwise today's date, marked to do);
* one claim per sentence, its ``says`` a placeholder (the paraphrase is the analyst's,
  never the source's wording; the sentence's first words stand in a comment as a
  reminder);
* an empty ``not_modelled`` section for sentences deliberately left out;
* one starter variable per outcome the analyst names, its table resting on a
  placeholder assumption.

A placeholder is a text value that starts with ``TODO`` or a ``# TODO`` comment. The
draft is a valid spec (it loads, forecasts and verifies), so ``leftovers`` can list
what is left as located warnings:

* claims whose ``says`` is still a placeholder;
* claims cited by no parameter;
* parameters with neither claims nor a real assumption;
* any other placeholder value or ``# TODO`` comment.

A draft becomes a model when that list is empty. The same checks run on any spec, so
a finished model (the flagship) has no leftovers.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from secondfront.errors import UsageError
from secondfront.model.schema import ScenarioSpec
from secondfront.model.sourcetext import fingerprint, sentences_with_locators
from secondfront.model.yamlsource import Path, YamlDocument, load_yaml, parse_yaml

__all__ = [
    "LANGUAGES",
    "PLACEHOLDER",
    "Draft",
    "Header",
    "Leftover",
    "find_date",
    "leftovers",
    "leftovers_text",
    "new_draft",
    "quoted",
    "read_header",
    "render_draft",
]

#: A text value starting with this marks work the analyst has still to do.
PLACEHOLDER = "TODO"

#: Languages a source text may be in: English, Russian, Ukrainian, Belarusian.
LANGUAGES = {"en": "English", "ru": "Russian", "uk": "Ukrainian", "be": "Belarusian"}

_KINDS = "opinion-column, analysis, news-report, official-statement, ..."
_BASIS = "the basis of this number (claims or a reason)"
_REMINDER_WORDS = 6  # first words of a sentence shown as a reminder
_COMMENT_TODO = re.compile(r"#\s*TODO\b(.*)$")


@dataclass(frozen=True, order=True)
class Leftover:
    """One thing left to do in a draft, at a 1-based line and column.

    Printed in the compiler convention ``path:line:col: warning: message``.

    Attributes:
        path: the file as the user named it.
        line: 1-based line.
        col: 1-based column.
        message: what is left and how to finish it.
    """

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: warning: {self.message}"


@dataclass(frozen=True)
class DraftClaim:
    """A claim placeholder: the sentence's locator, its first words and its fingerprint
    (``sourcetext.fingerprint``, so ``sources verify`` notices a changed text)."""

    id: str
    locator: str
    reminder: str
    fingerprint: str = ""


@dataclass(frozen=True)
class DraftOutcome:
    """A starter variable for an outcome the analyst named."""

    variable: str
    label: str


@dataclass(frozen=True)
class Header:
    """What the lines heading a text say about it (each a one-sentence line).

    Attributes:
        title: the title line, if any.
        author: the author named by a byline (``By X``, ``X, from Y``), if any.
        date: a date found in those lines, if any.
        lines: (locator, kind, text) of each heading line: ``title``, ``byline`` or
            ``date``.
    """

    title: str | None
    author: str | None
    date: datetime.date | None
    lines: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Draft:
    """A draft scenario, before it is written as YAML.

    Attributes:
        source_id: id of the one source.
        language: ``en``, ``ru``, ``uk`` or ``be``.
        source_text: path of the text relative to the draft file (``None``: not given).
        claims: one placeholder per sentence, in reading order (heading lines excluded).
        outcomes: one starter variable per named outcome.
        year: the year of ``date``.
        header: the title, byline and date read from the text's first lines.
        date: the publication date: found in the header, given, or today's.
        date_known: False when ``date`` is only today's date (left to do).
    """

    source_id: str
    language: str
    source_text: str | None
    claims: tuple[DraftClaim, ...]
    outcomes: tuple[DraftOutcome, ...]
    year: int
    header: Header = Header(None, None, None, ())
    date: datetime.date = datetime.date(1970, 1, 1)
    date_known: bool = False

    @property
    def model_name(self) -> str:
        """The model name derived from the source id (lower case, ``-`` for the rest)."""
        return re.sub(r"[^a-z0-9]+", "-", self.source_id.lower()).strip("-") or "draft"


def _reminder(sentence: str) -> str:
    words = sentence.split()
    head = " ".join(words[:_REMINDER_WORDS])
    return head + (" …" if len(words) > _REMINDER_WORDS else "")


def _variable_name(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    base = "_".join(base.split("_")[:5]) or "outcome"
    if base[0].isdigit():
        base = f"outcome_{base}"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _script_matches(text: str, language: str) -> bool:
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return cyrillic > latin if language != "en" else latin >= cyrillic


_MONTHS = {
    name: i + 1
    for names in (
        "january february march april may june july august september october november december",
        "jan feb mar apr may jun jul aug sep oct nov dec",
        "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
        "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
        "студзеня лютага сакавіка красавіка мая чэрвеня ліпеня жніўня верасня кастрычніка "
        "лістапада снежня",
    )
    for i, name in enumerate(names.split())
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_DATES = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), (1, 2, 3)),
    (re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b"), (3, 2, 1)),
    (re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\.?,?\s+(\d{{4}})", re.IGNORECASE), (3, 2, 1)),
    (re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}}),?\s+(\d{{4}})", re.IGNORECASE), (3, 1, 2)),
)
_BYLINE = re.compile(
    r"^(?:(?:by|автор|аўтар)[:\s]+(?P<by>.+)|(?P<who>[^,]{2,80}),\s*(?:from|in|из|з|із)\s.+)$",
    re.IGNORECASE,
)
_HEADER_LINES = 3  # at most this many leading lines are read as a heading


def find_date(text: str) -> datetime.date | None:
    """The first calendar date written in ``text`` (ISO, d.m.yyyy, "7 December 2022",
    "December 7, 2022", Russian, Ukrainian and Belarusian month names); None if none."""
    for pattern, (y, m, d) in _DATES:
        for match in pattern.finditer(text):
            parts = match.groups()
            month = parts[m - 1]
            month_no = int(month) if month.isdigit() else _MONTHS[month.lower()]
            try:
                return datetime.date(int(parts[y - 1]), month_no, int(parts[d - 1]))
            except ValueError:
                continue
    return None


def read_header(located: Sequence[tuple[str, str]]) -> Header:
    """Title, byline and date from the first lines of a text.

    A heading line is one of the first ``_HEADER_LINES`` paragraphs that holds a single
    sentence not ending in ``.``, ``!``, ``?`` or ``…``. A line that is mostly a date is
    the dateline; a line reading ``By X`` or ``X, from Y`` (also ``Автор``, ``из``,
    ``з``, ``із``) is the byline; the first other line is the title, a second one a
    byline.
    """
    title = author = None
    date = None
    lines: list[tuple[str, str, str]] = []
    for loc, sentence in located:
        p, s = loc[1:].split(".S")
        if int(p) > _HEADER_LINES or sentence.rstrip().endswith((".", "!", "?", "…")):
            break
        if int(s) != 1 or any(other.startswith(f"P{p}.S2") for other, _ in located):
            break
        found = find_date(sentence)
        rest = re.sub(r"[\W\d_]+", " ", sentence).split()
        date = date or found
        by = _BYLINE.match(sentence.strip())
        if found is not None and len(rest) <= 3:
            lines.append((loc, "date", sentence))
        elif by is not None and author is None:
            author = (by["by"] or by["who"]).strip()
            lines.append((loc, "byline", sentence))
        elif title is None:
            title = sentence.strip()
            lines.append((loc, "title", sentence))
        elif author is None:
            author = sentence.strip()
            lines.append((loc, "byline", sentence))
        else:
            break
    return Header(title, author, date, tuple(lines))


def new_draft(
    text: str,
    source_id: str,
    *,
    language: str = "en",
    outcomes: Sequence[str] = (),
    source_text: str | None = None,
    year: int | None = None,
    date: datetime.date | None = None,
) -> Draft:
    """Split ``text`` into located sentences and make a draft of its argument.

    Args:
        text: the source text (paragraphs are its non-empty lines).
        source_id: id for the source (letters, digits, ``_`` and ``-``).
        language: the text's language, one of ``LANGUAGES``; checked against its script.
        outcomes: the outcomes the analyst wants forecast, in words; one starter
            variable each (a generic one when none is given: a model needs a variable).
        source_text: where the draft's ``text`` field points (relative to the draft).
        year: publication year, when no date is known (kept for callers that give one).
        date: publication date; default: the date in the text's heading, else today's.

    Raises:
        UsageError: an invalid id or language, a text in another script, or an empty text.
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]+", source_id):
        raise UsageError(
            f"source id {source_id!r}: use letters, digits, '_' and '-', e.g. 'smith-2024'"
        )
    if language not in LANGUAGES:
        raise UsageError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    located = sentences_with_locators(text)
    if not located:
        raise UsageError("the source text is empty: nothing to cite")
    if not _script_matches(text, language):
        raise UsageError(
            f"the text does not look {LANGUAGES[language]} (--lang {language}): "
            "its letters are mostly in another script; pass the right --lang"
        )
    header = read_header(located)
    metadata = {loc for loc, _, _ in header.lines}
    claims = tuple(
        DraftClaim(
            f"{source_id}-{loc.lower().replace('.', '-')}",
            loc,
            _reminder(sentence),
            fingerprint(sentence),
        )
        for loc, sentence in located
        if loc not in metadata
    )
    taken: set[str] = set()
    labels = [o.strip() for o in outcomes if o.strip()] or [
        f"{PLACEHOLDER}: the outcome this argument is about"
    ]
    starters = tuple(DraftOutcome(_variable_name(label, taken), label) for label in labels)
    known = date or header.date
    today = datetime.date.today()
    when = known or (today.replace(year=year, month=1, day=1) if year is not None else today)
    return Draft(
        source_id,
        language,
        source_text,
        claims,
        starters,
        when.year,
        header,
        when,
        known is not None,
    )


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _claims_section(draft: Draft) -> list[str]:
    """The draft's ``claims:`` (one placeholder per sentence) and ``not_modelled:`` (the
    source's header lines, which are metadata, not claims)."""
    out = [
        "",
        f"# One claim per sentence of the source ({len(draft.claims)} sentences). Replace each",
        "# placeholder with a paraphrase and a grading, or delete the claim and list its",
        "# locator under not_modelled with the reason.",
        "claims:",
    ]
    for c in draft.claims:
        out += [
            f"  # {c.locator}: {c.reminder}",
            f"  - id: {c.id}",
            f"    source: {draft.source_id}",
            f"    locator: {c.locator}",
            # Quoted: a fingerprint of digits only would otherwise read as a number.
            *([f'    fingerprint: "{c.fingerprint}"'] if c.fingerprint else []),
            f"    says: {quoted(f'{PLACEHOLDER}: what {c.locator} asserts, in your own words')}",
            "    grading: F6",
        ]
    out += [
        "",
        "# Sentences deliberately left out, each with its reason, e.g.",
        '#   - {locator: P2.S1, reason: "framing: asserts nothing"}',
    ]
    if draft.header.lines:
        out.append("not_modelled:")
        for loc, kind, text in draft.header.lines:
            reason = quoted(f"{kind}: metadata of the source, not a claim")
            fp = fingerprint(text)
            out.append(f'  - {{locator: {loc}, fingerprint: "{fp}", reason: {reason}}}')
    else:
        out.append("not_modelled: []")
    return out


def render_draft(draft: Draft) -> str:
    """The draft as a commented YAML scenario file (``secondfront/1``)."""
    lang = LANGUAGES[draft.language]
    out: list[str] = [
        "# A draft scenario. It is a valid model; `secondfront check` lists, as warnings,",
        "# what is left to do. Work through that list until it is empty:",
        "#   1. grade the source and fill in its author, title, date and kind;",
        "#   2. for each claim: write what the sentence asserts in your own words (never",
        "#      copy the source), grade it, or move its locator to `not_modelled`;",
        "#   3. build the network: variables whose parameters cite the claims they rest on",
        "#      (`claims: [...]`) or state an assumption (`assumption: ...`);",
        "#   4. add indicators (observable signs) with their likelihoods.",
        "# The format is described in docs/spec-format.md.",
        "format: secondfront/1",
        "",
        "model:",
        f"  name: {draft.model_name}",
        f"  title: {quoted(PLACEHOLDER + ': the question this model answers')}",
        f"  horizon: {quoted(PLACEHOLDER + ': the time window, e.g. 12 months')}",
        "  description: |",
        f"    A draft of the argument of source {draft.source_id} (a text in {lang}).",
        "",
        "sources:",
        f"  - id: {draft.source_id}",
        f"    author: {quoted(draft.header.author or PLACEHOLDER + ': author or issuing body')}",
        f"    title: {quoted(draft.header.title or PLACEHOLDER + ': title')}",
        f'    date: "{draft.date.isoformat()}"'
        + ("" if draft.date_known else "  # TODO: date of publication (ISO date)"),
        f"    kind: {quoted(PLACEHOLDER + ': ' + _KINDS)}",
        "    grading: F6  # TODO: grade the source: reliability A-F, credibility 1-6",
    ]
    if draft.source_text is not None:
        out.append(f"    text: {quoted(draft.source_text)}")
    out += _claims_section(draft)
    out += [
        "",
        "# Starter variables, one per outcome. Give each its causes (parents) and a table",
        "# or a parametric form whose numbers cite claims or state assumptions.",
        "variables:",
    ]
    for o in draft.outcomes:
        out += [
            f"  - name: {o.variable}",
            f"    label: {quoted(o.label)}",
            "    states: [no, yes]",
            "    table:",
            "      p: [0.5, 0.5]",
            f"      assumption: {quoted(PLACEHOLDER + ': ' + _BASIS)}",
        ]
    out += ["", "indicators: []", "", "outcomes:"]
    for o in draft.outcomes:
        out += [f"  - variable: {o.variable}", f"    label: {quoted(o.label)}", "    state: yes"]
    return "\n".join(out) + "\n"


# -- what is left --------------------------------------------------------------------


def _is_placeholder(value: object) -> bool:
    return isinstance(value, str) and value.lstrip().startswith(PLACEHOLDER)


def _strings(data: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings(v, (*path, i))
    elif isinstance(data, str):
        yield path, data


def _dotted(path: Path) -> str:
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else str(seg))
    return out


def _leftovers(doc: YamlDocument, spec: ScenarioSpec, text: str) -> list[Leftover]:
    found: list[Leftover] = []
    reported: set[Path] = set()

    def add(path: Path, message: str) -> None:
        line, col = doc.position(path)
        found.append(Leftover(doc.path, line, col, message))
        reported.add(path)

    cited = {cid for _, p in _all_parameters(spec) for cid in p.claims}
    for i, claim in enumerate(spec.claims):
        if _is_placeholder(claim.says):
            add(
                ("claims", i, "says"),
                f"claim {claim.id!r} ({claim.locator}) is not paraphrased yet: say what the "
                "sentence asserts in your own words and grade it, or move the locator to "
                "not_modelled",
            )
        if claim.id not in cited:
            add(
                ("claims", i, "id"),
                f"claim {claim.id!r} ({claim.locator}) is cited by no parameter: cite it in "
                "the 'claims' of the parameter it supports, or move it to not_modelled",
            )
    for path, param in _all_parameters(spec):
        if not param.claims and (param.assumption is None or _is_placeholder(param.assumption)):
            where = path if param.assumption is None else (*path, "assumption")
            add(
                where,
                f"parameter {_dotted(path)} has neither claims nor an assumption: cite the "
                "claims it rests on or state the assumption in one line",
            )
    for path, value in _strings(doc.data):
        if path not in reported and _is_placeholder(value):
            add(path, f"placeholder left in {_dotted(path)}: {value.strip()}")
    for n, line_text in enumerate(text.splitlines(), 1):
        m = _COMMENT_TODO.search(line_text)
        if m and not _inside_string(line_text, m.start()):
            what = m.group(1).strip(" :") or "a TODO comment"
            found.append(Leftover(doc.path, n, m.start() + 1, f"to do: {what}"))
    return sorted(found)


def _inside_string(line: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a quoted scalar on ``line`` (then '#' is no comment)."""
    quote: str | None = None
    for ch in line[:pos]:
        if quote is None and ch in "\"'":
            quote = ch
        elif ch == quote:
            quote = None
    return quote is not None


def _all_parameters(spec: ScenarioSpec) -> Iterator[tuple[Path, Any]]:
    """Every number's basis with its path; a table row without its own basis has the
    table's (the format's rule), and a table with rows is its rows."""
    for i, var in enumerate(spec.variables):
        table = var.table
        for rel, param in var.parameters():
            if table is not None and rel == ("table",) and table.rows is not None:
                continue
            if table is not None and rel[:2] == ("table", "rows") and not param.has_basis:
                param = table
            yield ("variables", i, *rel), param
    for i, ind in enumerate(spec.indicators):
        for rel, param in ind.parameters():
            yield ("indicators", i, *rel), param


def leftovers(path: str | os.PathLike[str]) -> list[Leftover]:
    """What is left to do in a valid spec file, sorted by position (empty: a model).

    Call it on a file that passes ``check``; an invalid file gets its errors from the
    loader first.

    Raises:
        SpecError: the file is not a valid YAML mapping of the spec format.
    """
    doc, _ = load_yaml(os.fspath(path))
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    return _leftovers(doc, ScenarioSpec.model_validate(doc.data), text)


def leftovers_text(text: str, path: str = "<string>") -> list[Leftover]:
    """``leftovers`` for YAML given as a string."""
    doc, _ = parse_yaml(text, path)
    return _leftovers(doc, ScenarioSpec.model_validate(doc.data), text)
