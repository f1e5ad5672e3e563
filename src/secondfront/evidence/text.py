"""News text: plain text, HTML pages and RSS 2.0 / Atom feeds, in five language tags.

Every item keeps its URL (or the file path when it has none), its publication date,
its language, its source name and the file and line it came from. A feed gives one
item per ``<item>`` or ``<entry>``; an HTML page or a text file gives one item.

Languages: ``en``, ``ru``, ``uk``, ``be`` (Belarusian in Cyrillic) and ``be-Latn``
(Belarusian in the Łacinka alphabet). A declared language (``lang``/``xml:lang``,
RSS ``<language>``, a ``Language:`` header) is used when given; otherwise the
alphabet decides (see :func:`detect_language`). Text in another language is rejected
with the reason, not guessed at.

Plain-text files may start with ``Key: value`` header lines (``Title``, ``Date``,
``Source``, ``URL``, ``Language``) ended by a blank line; without a ``Date`` header a
``YYYY-MM-DD`` in the file name is used. An item with no date is rejected.

Items are identified by the sha256 of URL, title and body (an item without a URL by
its title and body alone: its file's path is kept as provenance but is no part of
its identity), so re-ingesting a file, a copy of it elsewhere, or the same article
from two feeds adds nothing. A rejected item is quarantined under its line and its
ordinal in the file, so two bad items on one line (a minified feed) or items whose
line cannot be told (in CDATA, all at line 1) each keep their own entry.

Bounds: a file over ``MAX_TEXT_BYTES`` is refused (a news file is kilobytes; the
whole file is parsed in memory), and an item dated outside the plausible event dates
(:func:`~secondfront.evidence.registry.event_date_window`) is rejected.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol

import duckdb
from pydantic import ConfigDict, RootModel, model_validator

from secondfront.errors import InputFormatError
from secondfront.evidence.language import model_language
from secondfront.evidence.lemmas import lemmatiser
from secondfront.evidence.registry import (
    Counts,
    EventSource,
    Progress,
    SourceFile,
    event_date_window,
    implausible_date,
    quarantine,
    register_adapter,
)
from secondfront.evidence.store import bulk_insert, transaction
from secondfront.evidence.textmatch import match_text

LANGUAGES = ("en", "ru", "uk", "be", "be-Latn")
MAX_TEXT_BYTES = 64 << 20
"""Largest text, HTML or feed file read (it is parsed whole, in memory)."""
TEXT_SUFFIXES = (".txt", ".text", ".html", ".htm", ".xml", ".rss", ".atom")
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Item:
    """One news item, before validation.

    Attributes:
        line: 1-based line where the item starts in its file.
        raw: the item's source text (kept in quarantine when rejected).
        url: link, or "" when none.
        published: date text as found ("" when none).
        language: declared language tag ("" when none).
        source_name: the publication.
        title: headline ("" when none).
        body: the text, markup removed.
        kind: "rss", "atom", "html" or "text".
        index: the item's 1-based ordinal in a feed; 0 for a page or text file, which
            holds one item.
    """

    line: int
    raw: str
    url: str
    published: str
    language: str
    source_name: str
    title: str
    body: str
    kind: str
    index: int = 0


def detect_language(text: str, declared: str = "") -> str | None:
    """The language tag of ``text``: one of ``LANGUAGES``, or None when unrecognised.

    A declared tag wins when it is one of ours (``be`` written in Latin letters becomes
    ``be-Latn``). Otherwise Latin-script text goes by :func:`alphabet_language`, and
    Cyrillic text by the language model of :mod:`secondfront.evidence.language` when
    the ``nlp`` extra is installed, by :func:`alphabet_language` when it is not.
    """
    letters = [c for c in text.lower() if c.isalpha()]
    cyr = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    latin_script = cyr < len(letters) / 2
    tag = declared.strip().lower().replace("_", "-")
    base = tag.split("-")[0]
    if base in ("be", "ru", "uk", "ua", "en"):
        if base == "be":
            return "be-Latn" if latin_script or "latn" in tag else "be"
        return "uk" if base == "ua" else base
    # Latin script stays with the alphabet: the model, choosing among four languages,
    # calls Polish or German text English and knows no Łacinka.
    if not latin_script and (found := model_language(text)) in ("ru", "uk", "be"):
        return found
    return alphabet_language(text)


def alphabet_language(text: str) -> str | None:
    """The language tag of undeclared ``text`` by its letters, or None.

    Letters unique to each language decide: ``ў`` is Belarusian only; ``ї``, ``є``,
    ``ґ`` Ukrainian only; ``і`` is Belarusian and Ukrainian, ``ы`` Belarusian and
    Russian, so ``і`` with ``ы`` is Belarusian, ``і`` without ``ы`` Ukrainian, Cyrillic
    with neither Russian. Latin text with ``ŭ``, or with ``ł`` together with
    ``č``/``š``/``ž`` (Polish has ``ł`` but no háčeks), is Łacinka; plain ASCII text
    with common English function words is English.
    """
    letters = [c for c in text.lower() if c.isalpha()]
    cyr = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    s = set(letters)
    if cyr >= len(letters) / 2:
        if "ў" in s:
            return "be"
        if s & {"ї", "є", "ґ"}:
            return "uk"
        if "і" in s:
            return "be" if "ы" in s else "uk"
        return "ru" if cyr else None
    if "ŭ" in s or ("ł" in s and s & {"č", "š", "ž"}):
        return "be-Latn"
    words = re.findall(r"[a-z']+", text.lower())
    common = sum(w in {"the", "and", "of", "to", "in", "is", "was", "that", "on"} for w in words)
    if words and all(c.isascii() for c in letters) and common >= max(1, len(words) // 20):
        return "en"
    return None


def parse_date(text: str) -> dt.date | None:
    """A date from RFC 822 (RSS), ISO 8601 (Atom, HTML meta) or ``YYYY-MM-DD`` text."""
    t = text.strip()
    if not t:
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", t)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(t).date()
    except (TypeError, ValueError, IndexError):
        return None


class _HtmlText(HTMLParser):
    """Collects visible text, ``lang``, ``<title>``, date, site name and canonical URL."""

    SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
    BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "article", "section"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.lang = ""
        self.date = ""
        self.site = ""
        self.url = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html" and a.get("lang"):
            self.lang = a["lang"]
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key in ("article:published_time", "date", "datepublished", "pubdate", "dc.date"):
                self.date = self.date or a.get("content", "")
            elif key == "og:site_name":
                self.site = a.get("content", "")
            elif key == "og:url":
                self.url = self.url or a.get("content", "")
        elif tag == "link" and a.get("rel") == "canonical":
            self.url = a.get("href", "")
        elif tag == "time" and a.get("datetime"):
            self.date = self.date or a["datetime"]
        elif tag == "title":
            self._in_title = True
        if tag in self.SKIP:
            self._skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return _squeeze("".join(self.parts))


def _squeeze(text: str) -> str:
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _markup_to_text(fragment: str) -> str:
    if "<" not in fragment:
        return _squeeze(html.unescape(fragment))
    p = _HtmlText()
    p.feed(fragment)
    p.close()
    return p.text


def _child_text(el: ET.Element, *names: str) -> str:
    for name in names:
        found = el.find(name)
        if found is not None and (found.text or "").strip():
            return found.text or ""
    return ""


def _feed_items(path: Path, raw: str) -> list[Item]:
    # Hand-written over ElementTree rather than feedparser, which was tried (6.0): its
    # entries carry no line or offset, so a rejected item could not be quarantined
    # under its line; on malformed XML it falls back to a lenient parser that returned
    # one item of two without saying which was lost (it flags the feed "bozo" with the
    # first error's line only); it expands entity declarations, which are refused
    # here; and it fetches a string that looks like a URL instead of parsing it.
    where = str(path)
    entity = raw.find("<!ENTITY")
    if entity >= 0:
        # Entities can expand without bound (the "billion laughs"); news feeds need none.
        line = raw.count("\n", 0, entity) + 1
        raise InputFormatError(
            where,
            line,
            "",
            "an <!ENTITY> declaration: feeds with entity declarations are "
            "not read (entities can expand without bound)",
        )
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        line, col = e.position
        raise InputFormatError(
            where, line, "", f"not well-formed XML (column {col}): {e}"
        ) from None
    starts = [m.start() for m in re.finditer(r"<(?:\w+:)?(?:item|entry)[\s>/]", raw)]
    items: list[Item] = []
    if root.tag == "rss" or root.find("channel") is not None:
        channel = root.find("channel")
        if channel is None:
            raise InputFormatError(where, 1, "channel", "RSS without a <channel>")
        source = _child_text(channel, "title") or path.stem
        lang = _child_text(channel, "language")
        elements = channel.findall("item")
        kind = "rss"
    elif root.tag == f"{ATOM}feed":
        source = _child_text(root, f"{ATOM}title") or path.stem
        lang = root.get(XML_LANG, "")
        elements = root.findall(f"{ATOM}entry")
        kind = "atom"
    else:
        raise InputFormatError(where, 1, "", f"XML root <{root.tag}> is neither RSS nor Atom")
    if len(starts) != len(elements):
        starts = [0] * len(elements)  # nested or unusual markup: fall back to the file start
    for index, (el, start) in enumerate(zip(elements, starts, strict=True), 1):
        end_match = re.compile(r"</(?:\w+:)?(?:item|entry)>").search(raw, start)
        fragment = raw[start : end_match.end()] if end_match else raw[start:]
        line = raw.count("\n", 0, start) + 1
        if kind == "rss":
            url = _child_text(el, "link", "guid")
            date = _child_text(el, "pubDate", "{http://purl.org/dc/elements/1.1/}date")
            title = _child_text(el, "title")
            body = _child_text(
                el, "{http://purl.org/rss/1.0/modules/content/}encoded", "description"
            )
            item_lang = _child_text(el, "{http://purl.org/dc/elements/1.1/}language") or lang
        else:
            link = el.find(f"{ATOM}link")
            url = link.get("href", "") if link is not None else _child_text(el, f"{ATOM}id")
            date = _child_text(el, f"{ATOM}published", f"{ATOM}updated")
            title = _child_text(el, f"{ATOM}title")
            body = _child_text(el, f"{ATOM}content", f"{ATOM}summary")
            item_lang = el.get(XML_LANG, "") or lang
        items.append(
            Item(
                line,
                fragment,
                url.strip(),
                date,
                item_lang,
                source.strip(),
                _markup_to_text(title),
                _markup_to_text(body),
                kind,
                index,
            )
        )
    return items


def _html_item(path: Path, raw: str) -> Item:
    p = _HtmlText()
    p.feed(raw)
    p.close()
    date = p.date or _date_in_name(path)
    return Item(
        1,
        raw,
        p.url.strip(),
        date,
        p.lang,
        p.site.strip() or path.stem,
        _squeeze(html.unescape(p.title)),
        p.text,
        "html",
    )


def _date_in_name(path: Path) -> str:
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    return m[1] if m else ""


def _text_item(path: Path, raw: str) -> Item:
    headers: dict[str, str] = {}
    lines = raw.splitlines()
    i = 0
    while i < len(lines) and (m := re.match(r"^([A-Za-z]+):\s*(.*)$", lines[i])):
        headers[m[1].lower()] = m[2].strip()
        i += 1
    if headers and i < len(lines) and not lines[i].strip():
        body = "\n".join(lines[i + 1 :])
    else:
        headers, body = {}, raw
    return Item(
        1,
        raw,
        headers.get("url", ""),
        headers.get("date") or _date_in_name(path),
        headers.get("language", ""),
        headers.get("source", path.stem),
        headers.get("title", ""),
        _squeeze(body),
        "text",
    )


def read_items(path: Path) -> list[Item]:
    """Every item of a text, HTML, RSS or Atom file (not yet validated).

    Raises:
        InputFormatError: undecodable bytes or malformed XML, naming the line.
    """
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise InputFormatError(
            str(path),
            0,
            "",
            f"{size:,} bytes; a news file is read whole and may hold at most "
            f"{MAX_TEXT_BYTES:,}: split the feed or give another --format",
        )
    data = path.read_bytes()
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputFormatError(str(path), line, "", f"not UTF-8 text (byte {e.start})") from None
    head = raw.lstrip()[:512].lower()
    if head.startswith("<?xml") or head.startswith("<rss") or head.startswith("<feed"):
        if "<html" not in head:
            return _feed_items(path, raw)
    if path.suffix.lower() in (".html", ".htm") or "<html" in head or head.startswith("<!doctype"):
        return [_html_item(path, raw)]
    return [_text_item(path, raw)]


def validate(
    item: Item, path: Path, window: tuple[dt.date, dt.date] | None = None
) -> tuple[dict[str, object] | None, str]:
    """The stored row of an item, or None and the reason it is rejected.

    ``window`` is the plausible event dates (default :func:`event_date_window`).
    """
    if not item.body.strip() and not item.title.strip():
        return None, "empty item: no title and no text"
    date = parse_date(item.published)
    if date is None:
        what = f"{item.published!r} is not a date" if item.published else "no publication date"
        return None, (
            f"field 'date': {what} (RSS pubDate, Atom published/updated, HTML meta "
            "article:published_time or <time datetime>, a 'Date:' header, or YYYY-MM-DD in "
            "the file name)"
        )
    lang = detect_language(f"{item.title}\n{item.body}", item.language)
    declared = f" (declared {item.language!r})" if item.language else ""
    if lang is None:
        return None, (
            f"field 'language': not recognised{declared}; "
            f"supported: {', '.join(LANGUAGES)}; declare it with lang= or a 'Language:' header"
        )
    if (why := implausible_date(date, window)) is not None:
        return None, f"field 'date': {why}"
    # Identity is content: the URL when there is one, never the file's path (a copy of
    # the file elsewhere is the same item). The path stays as the stored provenance.
    digest = hashlib.sha256(f"{item.url}\x00{item.title}\x00{item.body}".encode()).hexdigest()
    url = item.url or path.resolve().as_uri()
    return {
        "item_sha256": digest,
        "url": url,
        "published": date,
        "language": lang,
        "source_name": item.source_name or path.stem,
        "title": item.title or None,
        "body": item.body,
        "kind": item.kind,
    }, ""


class TextRules(RootModel[dict[str, list[list[str]]]]):
    """Conditions of a mapping rule on news text: per language, groups of word stems
    that must all occur in one sentence (see :mod:`secondfront.evidence.textmatch`)."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _langs(self) -> TextRules:
        for lang, groups in self.root.items():
            if lang not in LANGUAGES:
                raise ValueError(f"language {lang!r}; supported: {', '.join(LANGUAGES)}")
            if not groups or any(not g for g in groups):
                raise ValueError(f"{lang}: give one or more non-empty groups of stems")
        return self

    def __getitem__(self, lang: str) -> list[list[str]]:
        return self.root[lang]

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self.root)


class NegationAware(Protocol):
    """What matching needs of a mapping rule (:class:`~secondfront.evidence.mapping.Rule`)."""

    @property
    def negation_aware(self) -> bool:
        """Whether a negation cue cancels a match."""
        ...


class Cues(Protocol):
    """What matching needs of a mapping file's spec: negation and hypothetical cues per
    language (:class:`~secondfront.evidence.mapping.MappingFile`)."""

    @property
    def negation(self) -> Mapping[str, Sequence[str]]:
        """Language -> negation cues."""
        ...

    @property
    def hypothetical(self) -> Mapping[str, Sequence[str]]:
        """Language -> hypothetical cues."""
        ...


def text_matches(
    con: duckdb.DuckDBPyConnection,
    match: TextRules,
    rule: NegationAware,
    files: list[str],
    spec: Cues,
) -> list[tuple[str, str, dt.date]]:
    """``(file_sha256, item_sha256, published)`` of each item of ``files`` in which a
    sentence matches the rule's stems and is not cancelled by a cue of ``spec`` (the
    mapping file's ``negation``, used when the rule is ``negation_aware``, and its
    ``hypothetical``)."""
    items = con.execute(
        "SELECT file_sha256, item_sha256, published, language, coalesce(title, '') || '\n' || body "
        "FROM text_items WHERE file_sha256 IN (SELECT unnest(?)) "
        "AND language IN (SELECT unnest(?))",
        [files, list(match.root)],
    ).fetchall()
    return [
        (file_sha, key, day)
        for file_sha, key, day, lang, text in items
        if rule_counts(text, lang, match, rule, spec, lemmatiser(lang))
    ]


def rule_counts(
    text: str,
    lang: str,
    match: TextRules,
    rule: NegationAware,
    spec: Cues,
    lemmas: Callable[[str], Sequence[str]] | None,
) -> bool:
    """Whether a sentence of ``text`` (in ``lang``) matches the rule and is not cancelled
    by a cue of ``spec`` (negation only when the rule is ``negation_aware``).

    ``lemmas`` gives a word's lemmas (:func:`~secondfront.evidence.lemmas.lemmatiser`),
    or None to match the written words alone.
    """
    if lang not in match.root:
        return False
    negation = spec.negation.get(lang, ()) if rule.negation_aware else ()
    found = match_text(text, match.root[lang], negation, spec.hypothetical.get(lang, ()), lemmas)
    return any(m.counted for m in found)


EVENTS = EventSource(
    match=TextRules,
    relation="text_items",
    key="item_sha256",
    day="published",
    summary="coalesce(title, '')",
    origin="coalesce(source_name, '')",
    kind="coalesce(kind, '')",
    matches=text_matches,
)
"""News text's part in the mapping: rules under ``text:``, matched sentence by sentence."""


class TextAdapter:
    """News text: ``.txt``, HTML, RSS and Atom; items keyed by a content digest."""

    name = "text"
    description = "news text: plain text, HTML, RSS or Atom (en, ru, uk, be, be-Latn)"
    table = "text_items"
    key = "item_sha256"
    events = EVENTS

    def sniff(self, path: Path, head: bytes) -> bool:
        """A known suffix, or markup at the start of the file."""
        start = head.lstrip()[:256].lower()
        return path.suffix.lower() in TEXT_SUFFIXES or start.startswith(
            (b"<?xml", b"<rss", b"<feed", b"<!doctype html", b"<html")
        )

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        """Read the items, validate them and store the new ones in one transaction."""
        items = read_items(source.path)
        counts = Counts(read=len(items))
        rejects: list[tuple[int, str, str, int]] = []
        rows: dict[str, dict[str, object]] = {}
        lines: dict[str, int] = {}
        window = event_date_window()
        for item in items:
            row, reason = validate(item, source.path, window)
            if row is None:
                rejects.append((item.line, item.raw, reason, item.index))
                continue
            key = str(row["item_sha256"])
            if key in rows:
                counts.duplicates += 1
                continue
            rows[key] = row
            lines[key] = item.line
        counts.rejected = len(rejects)
        with transaction(con):
            quarantine(con, source, self.name, rejects)
            existing = (
                {
                    r[0]
                    for r in con.execute(
                        "SELECT item_sha256 FROM text_items "
                        "WHERE item_sha256 IN (SELECT unnest(?))",
                        [list(rows)],
                    ).fetchall()
                }
                if rows
                else set()
            )
            new = [k for k in rows if k not in existing]
            counts.duplicates += len(rows) - len(new)
            counts.accepted = len(new)
            cols = (
                "item_sha256",
                "url",
                "published",
                "language",
                "source_name",
                "title",
                "body",
                "kind",
            )
            columns: dict[str, list[Any]] = {c: [rows[k][c] for k in new] for c in cols}
            columns.update(
                path=[str(source.path)] * len(new),
                line=[lines[k] for k in new],
                file_sha256=[source.sha256] * len(new),
            )
            bulk_insert(con, "text_items", columns)
        progress(source.size)
        return counts.check(str(source.path))


ADAPTER = register_adapter(TextAdapter())

__all__ = [
    "ADAPTER",
    "EVENTS",
    "LANGUAGES",
    "MAX_TEXT_BYTES",
    "Cues",
    "Item",
    "NegationAware",
    "TextAdapter",
    "TextRules",
    "alphabet_language",
    "detect_language",
    "parse_date",
    "read_items",
    "rule_counts",
    "text_matches",
    "validate",
]
