"""Read a simple Argdown argument map into a draft scenario.

Argdown (https://argdown.org) writes arguments as plain text. This reader takes the
subset an analyst needs to start a model, and the maps ``secondfront export --format
argdown`` writes:

* an optional front matter between ``===`` lines (YAML: ``title``, ``model``,
  ``horizon``);
* statements ``[Title]: text`` and arguments ``<Title>: text``, one per line, with an
  optional ``#tag`` or two and an optional metadata block ``{key: value, ...}`` at the
  end (YAML flow style: ``source``, ``locator``, ``grading`` for a claim; ``variable``
  and ``state`` for an outcome);
* relations indented under a top-level element: ``+ <Reason>`` (supports) and
  ``- <Reason>`` (attacks), or the same with ``[Statement]``; a relation may define
  its reason inline (``+ <Reason>: text``);
* ``//`` comments and ``#`` headings, which are skipped.

The draft: every element that supports or attacks another becomes a claim (its text
is the ``says``, which is the analyst's own wording in the map); every element that is
supported or attacked, or tagged ``#outcome``, becomes an outcome. Each outcome is a
logistic variable with one binary parent per reason ("the reason holds"), weight +1 for
support and -1 for attack, resting on the reason's claim, and a placeholder intercept.
What the map does not say (a source, a locator, a grading, the numbers) is left as a
placeholder, so ``secondfront check`` lists it.

A map written by ``secondfront export --format argdown`` carries the whole model: the
front matter holds, under ``secondfront``, everything but the claims (model block,
sources with gradings, ``not_modelled``, variables with states and numbers,
indicators, outcomes) and each claim element carries its own data inline (source,
locator, grading, note, direction). Such a map is read back into the model itself, not
a draft (``spec_from_argdown``); ``CANNOT_TRAVEL`` names what it does not carry.

A line the reader cannot place is an error at its line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeAlias, cast

import yaml

from secondfront.errors import Diagnostic, SpecError
from secondfront.jsontypes import JSONValue
from secondfront.model.draft import PLACEHOLDER, quoted
from secondfront.model.schema import ScenarioSpec
from secondfront.model.yamlsource import parse_yaml

__all__ = [
    "CANNOT_TRAVEL",
    "ArgdownElement",
    "YamlMapping",
    "draft_from_argdown",
    "model_data",
    "parse_argdown",
    "spec_from_argdown",
]

#: What an exported map does not carry back into the YAML spec.
CANNOT_TRAVEL = (
    "the YAML file's comments and layout (the numbers, names and texts all travel)",
    "a source's 'text' path is kept as written, relative to the spec file's folder, so "
    "the source text is found only if the imported file sits in the same folder",
)

YamlMapping: TypeAlias = dict[str, object]
"""A YAML mapping as the bounded reader gives it: keys, and values that are mappings,
lists or scalars (strings, numbers, booleans, dates, null). Checked by the spec schema
where it becomes a model, so no more is promised here."""

#: Claim fields carried in a claim element's metadata.
_CLAIM_FIELDS = ("source", "locator", "grading", "note", "direction", "fingerprint")

_ELEMENT = re.compile(r"^(?P<open>[\[<])(?P<title>[^\]>]+)[\]>]:\s*(?P<text>.*)$")
_RELATION = re.compile(
    r"^(?P<indent>\s+)(?P<sign>[+-])\s*(?P<open>[\[<])(?P<title>[^\]>]+)[\]>]"
    r"(?::\s*(?P<text>.*)|\s*(?://.*)?)$"
)
_TAG = re.compile(r"(?<!\S)#([A-Za-z0-9_-]+)")


@dataclass
class ArgdownElement:
    """A statement or argument of the map.

    Attributes:
        title: its title (the text in brackets).
        kind: ``statement`` or ``argument``.
        text: its text, without tags and metadata.
        tags: its ``#tags``.
        meta: its metadata block.
        line: where it is defined (1-based; 0 when only referenced).
        supports: titles of the elements that support it.
        attacks: titles of the elements that attack it.
    """

    title: str
    kind: str
    text: str = ""
    tags: list[str] = field(default_factory=list)
    meta: YamlMapping = field(default_factory=dict)
    line: int = 0
    supports: list[str] = field(default_factory=list)
    attacks: list[str] = field(default_factory=list)


def _yaml(text: str, path: str, line: int, col: int) -> object:
    """Parse a YAML snippet that starts at ``line``, ``col`` of ``path`` with the bounded
    reader the spec loader uses (size, nesting and alias limits), so that a hostile
    Argdown file gets the same located errors as a hostile spec."""
    doc, diags = parse_yaml(text, path)
    if diags:
        raise SpecError(
            [
                Diagnostic(
                    path,
                    d.line + line - 1 if d.line else line,
                    d.col + col - 1 if d.line == 1 else d.col,
                    d.message,
                )
                for d in diags
            ]
        )
    return doc.data


def _split_meta(text: str, path: str, n: int, col: int) -> tuple[str, YamlMapping]:
    text = text.rstrip()
    if not text.endswith("}") or "{" not in text:
        return text, {}
    start = text.index("{")
    meta = _yaml(text[start:], path, n, col + start)
    if not isinstance(meta, dict):
        raise SpecError([Diagnostic(path, n, col + start, "metadata must be {key: value, ...}")])
    return text[:start].rstrip(), meta


def _front_matter(lines: list[str], path: str) -> tuple[YamlMapping, int]:
    """The YAML between a first line ``===`` and the next, and the index of the line
    after it; ``({}, 0)`` without front matter.

    Raises:
        SpecError: front matter not closed, or not ``key: value`` lines.
    """
    if not lines or lines[0].strip() != "===":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "==="), None)
    if end is None:
        raise SpecError([Diagnostic(path, 1, 1, "front matter opened with '===' is not closed")])
    loaded = _yaml("\n".join(lines[1:end]), path, 2, 1) or {}
    if not isinstance(loaded, dict):
        raise SpecError([Diagnostic(path, 2, 1, "front matter must be YAML key: value lines")])
    return loaded, end + 1


def parse_argdown(text: str, path: str = "<string>") -> tuple[YamlMapping, list[ArgdownElement]]:
    """Parse the Argdown subset described in the module docstring.

    Returns:
        the front matter and the elements in order of first appearance.

    Raises:
        SpecError: every line that cannot be read, each at its line.
    """
    lines = text.splitlines()
    front, start = _front_matter(lines, path)
    diags: list[Diagnostic] = []
    elements: dict[str, ArgdownElement] = {}
    current: ArgdownElement | None = None

    def element(title: str, kind: str) -> ArgdownElement:
        if title not in elements:
            elements[title] = ArgdownElement(title, kind)
        return elements[title]

    def define(el: ArgdownElement, body: str, n: int, col: int) -> None:
        body, meta = _split_meta(body, path, n, col)
        el.tags += _TAG.findall(body)
        el.text = " ".join(_TAG.sub("", body).split())
        el.meta.update(meta)
        el.line = el.line or n

    for n, raw in enumerate(lines[start:], start + 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("//") or re.match(r"^#+\s", stripped):
            if not stripped:
                current = None if not raw.startswith((" ", "\t")) else current
            continue
        try:
            rel = _RELATION.match(raw)
            if rel:
                if current is None:
                    diags.append(
                        Diagnostic(
                            path,
                            n,
                            1,
                            "a relation (+/-) must be indented under a statement or argument",
                        )
                    )
                    continue
                kind = "statement" if rel["open"] == "[" else "argument"
                reason = element(rel["title"].strip(), kind)
                if rel["text"]:
                    define(reason, rel["text"], n, rel.start("text") + 1)
                (current.supports if rel["sign"] == "+" else current.attacks).append(reason.title)
                continue
            top = _ELEMENT.match(raw)
            if top:
                kind = "statement" if top["open"] == "[" else "argument"
                current = element(top["title"].strip(), kind)
                define(current, top["text"], n, top.start("text") + 1)
                continue
        except SpecError as exc:
            diags += exc.diagnostics
            continue
        diags.append(
            Diagnostic(
                path,
                n,
                len(raw) - len(raw.lstrip()) + 1,
                "cannot read this line: expected '[Statement]: text', '<Argument>: text', "
                "an indented '+ <Reason>' or '- <Reason>', a '// comment' or a '# heading'",
            )
        )
    if diags:
        raise SpecError(diags)
    return front, list(elements.values())


def _name(title: str, taken: set[str], prefix: str = "") -> str:
    base = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "item"
    base = prefix + base
    if base[0].isdigit():
        base = f"v_{base}"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def model_data(spec: ScenarioSpec) -> dict[str, JSONValue]:
    """A scenario spec as plain data (what ``yaml.safe_dump`` writes), unset fields left out."""
    data: dict[str, JSONValue] = spec.model_dump(mode="json", exclude_none=True)
    return data


def spec_from_argdown(front: YamlMapping, elements: list[ArgdownElement]) -> YamlMapping:
    """The model an exported map carries: its front matter's ``secondfront`` block plus
    one claim per argument element with claim data (``source`` and ``locator``).

    Raises:
        TypeError: the front matter's ``secondfront`` is not a mapping.
    """
    data = front["secondfront"]
    if not isinstance(data, dict):
        raise TypeError(f"the front matter's 'secondfront' is not a mapping: {data!r}")
    claims: list[YamlMapping] = []
    for e in sorted(elements, key=lambda e: e.line):  # file order, not first mention
        if e.kind == "argument" and "source" in e.meta and "locator" in e.meta:
            claim: YamlMapping = {"id": e.title}
            claim.update((k, e.meta[k]) for k in _CLAIM_FIELDS if k in e.meta)
            claim["says"] = e.text
            claims.append(claim)
    out = {k: v for k, v in data.items() if k != "claims"}
    order = list(out)
    at = order.index("sources") + 1 if "sources" in order else 1
    items = list(out.items())
    return dict([*items[:at], ("claims", claims), *items[at:]])


def _source_lines(sources: Iterable[str]) -> list[str]:
    """A draft's ``sources:`` entries, each to be completed by the analyst."""
    out: list[str] = []
    for sid in sources:
        out += [
            f"  - id: {sid}",
            f"    author: {quoted(PLACEHOLDER + ': author or issuing body')}",
            f"    title: {quoted(PLACEHOLDER + ': title')}",
            '    date: "2026"  # TODO: date of publication',
            f"    kind: {quoted(PLACEHOLDER + ': kind of document')}",
            "    grading: F6  # TODO: grade the source",
        ]
    return out


def _claim_lines(reasons: list[ArgdownElement], claim_ids: dict[str, str]) -> list[str]:
    """A draft's ``claims:`` entries: one per reason, its locator and grading if given."""
    out: list[str] = []
    for r in reasons:
        locator = r.meta.get("locator")
        grading = r.meta.get("grading")
        out += [
            f"  - id: {claim_ids[r.title]}",
            f"    source: {r.meta.get('source', 'argdown-source')}",
            f"    locator: {locator}"
            if locator
            else "    locator: P1.S1  # TODO: locator in the source",
            f"    says: {quoted(r.text or PLACEHOLDER + ': what ' + r.title + ' asserts')}",
            f"    grading: {grading}" if grading else "    grading: F6  # TODO: grade this claim",
        ]
    return out


def _outcome_variable(
    o: ArgdownElement, var: str, state: str, holds: dict[str, str], claim_ids: dict[str, str]
) -> list[str]:
    """An outcome's variable: a logistic on whether each reason holds, weight +1 for a
    support and -1 for an attack, the intercept left to the analyst."""
    parents = [holds[t] for t in o.supports + o.attacks]
    out = [
        f"  - name: {var}",
        f"    label: {quoted(o.text or o.title)}",
        f"    states: [{'no' if state == 'yes' else 'not_' + state}, {state}]",
    ]
    if parents:
        out.append(f"    parents: [{', '.join(parents)}]")
    out += [
        "    logistic:",
        f"      intercept: {{value: 0.0, assumption: {quoted(PLACEHOLDER + ': the base rate')}}}",
    ]
    if parents:
        out.append("      weights:")
        for t in o.supports:
            out.append(f"        {holds[t]}: {{value: 1.0, claims: [{claim_ids[t]}]}}")
        for t in o.attacks:
            out.append(f"        {holds[t]}: {{value: -1.0, claims: [{claim_ids[t]}]}}")
    return out


def draft_from_argdown(text: str, path: str = "<string>") -> str:
    """A draft scenario (YAML) from an Argdown map; see the module docstring.

    A map exported by ``secondfront export --format argdown`` comes back as the model
    it was exported from (less ``CANNOT_TRAVEL``).

    Raises:
        SpecError: unreadable lines, or a map with no supported or attacked element.
    """
    front, elements = parse_argdown(text, path)
    if isinstance(front.get("secondfront"), dict):
        spec = spec_from_argdown(front, elements)
        head = f"# The model carried by the Argdown map {path}.\n"
        return cast(
            "str", head + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
        )
    reasons = [e for e in elements if any(e.title in (o.supports + o.attacks) for o in elements)]
    outcomes = [e for e in elements if e.supports or e.attacks or "outcome" in e.tags]
    if not outcomes:
        raise SpecError(
            [
                Diagnostic(
                    path,
                    1,
                    1,
                    "no conclusion found: support or attack a statement "
                    "with '+ <Reason>' / '- <Reason>' lines, or tag it #outcome",
                )
            ]
        )
    taken: set[str] = set()
    claim_ids = {r.title: _name(r.title, taken).replace("_", "-") for r in reasons}
    sources: dict[str, None] = {}
    for r in reasons:
        sources.setdefault(str(r.meta.get("source", "argdown-source")), None)
    model = re.sub(r"[^a-z0-9]+", "-", str(front.get("model", "argdown-draft")).lower()).strip("-")
    out = [
        f"# A draft read from the Argdown map {path}. `secondfront check` lists what is left.",
        "format: secondfront/1",
        "",
        "model:",
        f"  name: {model or 'argdown-draft'}",
        f"  title: {quoted(str(front.get('title') or PLACEHOLDER + ': the question it answers'))}",
        f"  horizon: {quoted(str(front.get('horizon') or PLACEHOLDER + ': the time window'))}",
        "",
        "sources:",
    ]
    out += _source_lines(sources)
    out += ["", "claims:", *_claim_lines(reasons, claim_ids)]
    out += ["", "not_modelled: []", "", "variables:"]
    holds = {r.title: _name(r.title, taken, "holds_") for r in reasons}
    for r in reasons:
        out += [
            f"  - name: {holds[r.title]}",
            f"    label: {quoted('The reason holds: ' + (r.text or r.title))}",
            "    states: [no, yes]",
            f"    table: {{p: [0.5, 0.5], claims: [{claim_ids[r.title]}]}}",
        ]
    outcome_vars: dict[str, str] = {}
    states: dict[str, str] = {}
    for o in outcomes:
        outcome_vars[o.title] = str(o.meta.get("variable") or _name(o.title, taken))
        states[o.title] = str(o.meta.get("state") or "yes")
        out += _outcome_variable(o, outcome_vars[o.title], states[o.title], holds, claim_ids)
    out += ["", "indicators: []", "", "outcomes:"]
    for o in outcomes:
        out += [
            f"  - variable: {outcome_vars[o.title]}",
            f"    label: {quoted(o.text or o.title)}",
            f"    state: {states[o.title]}",
        ]
    return "\n".join(out) + "\n"
