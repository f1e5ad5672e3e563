"""From events to indicators: mapping rules as data, weekly indicator statuses.

The rules live in ``models/NAME.mapping.yaml`` beside the model. Each rule maps the
events of one source to one indicator of the model, with a weight and the Admiralty
grading of the source:

* ``acled``: event_type / sub_event_type, actor patterns (``*`` wildcard, matched
  against actor1, actor2 and the associated actors), country, admin1, words in the
  notes, tags;
* ``gdelt``: CAMEO code prefixes (strings: ``"15"`` matches ``152`` and ``154``),
  actor country codes (CAMEO/ISO-3: ``BLR``) and action geography (FIPS 10-4: ``BO``);
  mixing the two code systems up is the classic GDELT mistake, so the loader refuses
  a 3-letter code where FIPS is expected and the reverse;
* ``text``: per language, groups of word stems that must all occur in one sentence;
  a sentence where a negation cue ("no", "not", "не", "nie"...) or a hypothetical cue
  ("if", "если", "kali"...) precedes the last matched stem does not count, so "no
  troops were moved" is not a movement.

Weekly status of an indicator (ISO weeks, Monday to Sunday):

* **observed** when, in that week, the ACLED or text observations' weights sum to at
  least 1, or the GDELT support clears all three bars of ``gdelt_aggregation``: a
  weighted sum ``S = sum(weight * min(cap, ln(1 + NumSources) * ln(1 + NumArticles)))``
  of at least ``threshold``, at least ``min_rows`` distinct rows, and at least
  ``baseline_ratio`` times the median weekly ``S`` of the ``baseline_weeks`` before
  (when that many weeks are known). Since ``threshold > cap`` is enforced, no single
  GDELT row can make an indicator observed.
* **not_observed** when nothing supports it although a source covered it that week:
  with a declared coverage (:mod:`secondfront.evidence.coverage`, a history's coverage
  file), exactly where that declaration covers the indicator in the week; without one,
  where a rule for it says ``absence_is_evidence`` and its source covers the week
  (ACLED: every week between its first and last stored event; GDELT and text: weeks
  with at least one stored row).
* **unknown** otherwise: the filter treats it as missing evidence. Absence of a report
  is not a report of absence (``docs/vocabulary.md``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from secondfront.errors import Diagnostic
from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.rulesfile import (
    beside_model,
    items_at,
    network_for,
    raise_all,
    repeated,
    validate_model_file,
    value_at,
)
from secondfront.evidence.store import bulk_insert, transaction
from secondfront.model.grading import parse_grading
from secondfront.model.network import Network
from secondfront.model.yamlsource import YamlDocument

STATUSES = ("observed", "not_observed", "unknown")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AcledMatch(_Strict):
    """Conditions on ACLED columns; all given conditions must hold (lists are any-of)."""

    event_type: list[str] = Field(default_factory=list)
    sub_event_type: list[str] = Field(default_factory=list)
    actor: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    admin1: list[str] = Field(default_factory=list)
    notes_any: list[str] = Field(default_factory=list)
    tags_any: list[str] = Field(default_factory=list)


def _codes(codes: list[str], pattern: str, message: str) -> list[str]:
    """Check every country code against ``pattern``; ``message`` names the first misfit."""
    for code in codes:
        if not re.fullmatch(pattern, code):
            raise ValueError(message.format(code))
    return codes


class GdeltMatch(_Strict):
    """Conditions on GDELT columns; all given conditions must hold (lists are any-of)."""

    cameo: list[str] = Field(min_length=1)
    actor1_country: list[str] = Field(default_factory=list)
    actor2_country: list[str] = Field(default_factory=list)
    any_actor_country: list[str] = Field(default_factory=list)
    action_geo: list[str] = Field(default_factory=list)

    @field_validator("cameo")
    @classmethod
    def _digits(cls, v: list[str]) -> list[str]:
        for code in v:
            if not re.fullmatch(r"[0-9]{2,4}", str(code)):
                raise ValueError(
                    f"CAMEO prefix {code!r} must be 2-4 digits written as a quoted string "
                    "('010', not 10: leading zeros matter)"
                )
        return [str(c) for c in v]

    @field_validator("actor1_country", "actor2_country", "any_actor_country")
    @classmethod
    def _iso(cls, v: list[str]) -> list[str]:
        return _codes(
            v,
            r"[A-Z]{3}",
            "actor country {!r} must be a 3-letter CAMEO/ISO code such as "
            "BLR; FIPS codes (BO) are for geography fields",
        )

    @field_validator("action_geo")
    @classmethod
    def _fips(cls, v: list[str]) -> list[str]:
        return _codes(
            v,
            r"[A-Z]{2}",
            "action_geo {!r} must be a 2-letter FIPS 10-4 code (Belarus = BO, "
            "Russia = RS, Ukraine = UP); ISO-3 codes (BLR) are for actors",
        )


class Rule(_Strict):
    """One mapping from events of one source to one indicator."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    indicator: str
    weight: float = Field(default=1.0, gt=0)
    grading: str
    absence_is_evidence: bool = False
    negation_aware: bool = True
    note: str = ""
    acled: AcledMatch | None = None
    gdelt: GdeltMatch | None = None
    text: dict[str, list[list[str]]] | None = None

    @field_validator("grading")
    @classmethod
    def _grading(cls, v: str) -> str:
        return str(parse_grading(v))

    @field_validator("text")
    @classmethod
    def _langs(cls, v: dict[str, list[list[str]]] | None) -> dict[str, list[list[str]]] | None:
        from secondfront.evidence.text import LANGUAGES

        for lang, groups in (v or {}).items():
            if lang not in LANGUAGES:
                raise ValueError(f"language {lang!r}; supported: {', '.join(LANGUAGES)}")
            if not groups or any(not g for g in groups):
                raise ValueError(f"{lang}: give one or more non-empty groups of stems")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> Rule:
        given = [s for s in ("acled", "gdelt", "text") if getattr(self, s) is not None]
        if len(given) != 1:
            raise ValueError(
                f"rule {self.id!r} needs exactly one of acled, gdelt, text; got {given}"
            )
        return self

    @property
    def source(self) -> str:
        """``"acled"``, ``"gdelt"`` or ``"text"``."""
        return "acled" if self.acled else "gdelt" if self.gdelt else "text"


class GdeltAggregation(_Strict):
    """How GDELT rows add up to a weekly status (see the module docstring)."""

    cap: float = Field(gt=0)
    threshold: float = Field(gt=0)
    min_rows: int = Field(ge=2)
    baseline_weeks: int = Field(ge=2)
    baseline_ratio: float = Field(ge=1)

    @model_validator(mode="after")
    def _no_single_row(self) -> GdeltAggregation:
        if self.threshold <= self.cap:
            raise ValueError(
                f"threshold {self.threshold} must exceed cap {self.cap}, or one GDELT row "
                "could make an indicator observed"
            )
        return self


class MappingFile(_Strict):
    """``models/NAME.mapping.yaml`` (format ``secondfront-mapping/1``)."""

    format: Literal["secondfront-mapping/1"]
    model: str
    description: str = ""
    coverage: dict[Literal["acled", "gdelt", "text"], Literal["continuous", "weekly"]]
    gdelt_aggregation: GdeltAggregation
    negation: dict[str, list[str]]
    hypothetical: dict[str, list[str]]
    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class MappingRules:
    """A validated mapping file bound to its model.

    Attributes:
        spec: the file's content.
        path: where it was read from.
        digest: sha256 of the file; stored observations made with other rules are redone.
        indicators: the model's indicator names, in model order.
    """

    spec: MappingFile
    path: Path
    digest: str
    indicators: tuple[str, ...]

    @property
    def rules(self) -> list[Rule]:
        """The rules, in file order."""
        return self.spec.rules


def load_rules(path: str | Path | None = None, network: Network | None = None) -> MappingRules:
    """Load and check a mapping file against its model.

    Every problem of the file is reported in one run: schema errors (unknown fields, bad
    gradings, country codes, a missing source...) together with the cross-reference
    checks of :func:`_rule_references`, which run on the raw data of every rule, also
    of the rules that failed the schema check.

    Args:
        path: the YAML file; ``None`` means the flagship's ``*.mapping.yaml``.
        network: the model; ``None`` loads the one the file names.

    Raises:
        RulesError: every problem, as ``file:line:col: error: message``; a YAML syntax
            error alone, since nothing after it can be read.
    """
    p = Path(path) if path is not None else beside_model("", "mapping")
    spec, doc, digest, diags = validate_model_file(p, MappingFile)
    model: str | None = value_at(doc.data, ("model",), str)
    net = network if network is not None else network_for(doc, model, diags)
    indicators = _indicators(net) if net is not None else None
    diags += _rule_references(doc, model or "the model", indicators)
    raise_all(diags)
    if spec is None or indicators is None:
        raise AssertionError("a failed check without a diagnostic")
    return MappingRules(spec, p, digest, indicators)


def _indicators(net: Network) -> tuple[str, ...]:
    """The model's indicator names in model order (every variable for a model without a spec)."""
    model_spec = net.meta.get("spec")
    return tuple(i.name for i in model_spec.indicators) if model_spec else tuple(net.names)


def _rule_references(
    doc: YamlDocument, model: str, indicators: tuple[str, ...] | None
) -> list[Diagnostic]:
    """Cross-reference checks of the rules, on the raw data, one rule at a time.

    Checked: each rule's ``indicator`` is an indicator of the model (skipped when the
    model could not be loaded), and no two rules share an ``id``. A field that is missing
    or not a string is left to the schema errors.
    """
    diags: list[Diagnostic] = []
    first: dict[str, int] = {}
    for i, _ in items_at(doc.data, ("rules",)):
        indicator: str | None = value_at(doc.data, ("rules", i, "indicator"), str)
        if indicators is not None and indicator is not None and indicator not in indicators:
            diags.append(
                doc.diagnostic(
                    ("rules", i, "indicator"),
                    f"rules.{i}.indicator: {indicator!r} is not an indicator of "
                    f"{model}; indicators: {', '.join(indicators)}",
                )
            )
        rule_id: str | None = value_at(doc.data, ("rules", i, "id"), str)
        if rule_id is None:
            continue
        if (d := repeated(doc, first, "rules", i, "id", rule_id, "id")) is not None:
            diags.append(d)
    return diags


# -- text matching -------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_TOKEN = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)


@dataclass(frozen=True)
class TextMatch:
    """A sentence that matched a rule's stems.

    Attributes:
        sentence: the sentence.
        counted: False when a negation or hypothetical cue precedes the last stem.
        cue: the cue that cancelled it ("" when counted).
    """

    sentence: str
    counted: bool
    cue: str


def _is_cue(token: str, cues: Sequence[str]) -> bool:
    # A cue ending in '*' is a stem ("опроверг*" covers опроверг, опровергли...).
    return any(token.startswith(c[:-1]) if c.endswith("*") else token == c for c in cues) or (
        token.endswith("n't")
    )


def match_text(
    text: str,
    groups: Sequence[Sequence[str]],
    negation: Sequence[str] = (),
    hypothetical: Sequence[str] = (),
) -> list[TextMatch]:
    """Sentences of ``text`` in which every group has a word starting with one of its stems.

    Args:
        text: the item's title and body.
        groups: stems, lower case; a sentence matches when each group matches a word.
        negation: cues that negate (exact words, or stems ending in ``*``).
        hypothetical: cues that make a statement conditional, same syntax.

    Returns:
        one ``TextMatch`` per matching sentence, in order.
    """
    found: list[TextMatch] = []
    for sentence in _SENTENCE.split(text):
        tokens = [t.lower() for t in _TOKEN.findall(sentence)]
        if not tokens:
            continue
        last = -1
        for group in groups:
            idx = next((k for k, t in enumerate(tokens) if t.startswith(tuple(group))), None)
            if idx is None:
                break
            last = max(last, idx)
        else:
            cue = next((t for t in tokens[:last] if _is_cue(t, negation)), "") or next(
                (t for t in tokens[:last] if _is_cue(t, hypothetical)), ""
            )
            found.append(TextMatch(sentence.strip(), not cue, cue))
    return found


# -- applying the rules --------------------------------------------------------------


def _like(pattern: str) -> str:
    return pattern.replace("%", r"\%").replace("_", r"\_").replace("*", "%")


def _one_of(
    columns: Sequence[tuple[str, list[str]]], conds: list[str], params: list[object]
) -> None:
    """Add ``col IN (values)`` for each column with values (an empty list: any value)."""
    for col, values in columns:
        if values:
            conds.append(f"{col} IN (SELECT unnest(?))")
            params.append(values)


def _acled_sql(m: AcledMatch) -> tuple[str, list[object]]:
    conds: list[str] = []
    params: list[object] = []
    _one_of(
        (
            ("event_type", m.event_type),
            ("sub_event_type", m.sub_event_type),
            ("country", m.country),
            ("admin1", m.admin1),
        ),
        conds,
        params,
    )
    if m.actor:
        ors = []
        for pat in m.actor:
            for col in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2"):
                ors.append(f"{col} ILIKE ? ESCAPE '\\'")
                params.append(_like(pat))
        conds.append("(" + " OR ".join(ors) + ")")
    for col, words in (("notes", m.notes_any), ("tags", m.tags_any)):
        if words:
            conds.append("(" + " OR ".join(f"{col} ILIKE ? ESCAPE '\\'" for _ in words) + ")")
            params.extend(f"%{_like(w)}%" for w in words)
    return " AND ".join(conds) or "true", params


def _gdelt_sql(m: GdeltMatch) -> tuple[str, list[object]]:
    conds = ["(" + " OR ".join("starts_with(eventcode, ?)" for _ in m.cameo) + ")"]
    params: list[object] = list(m.cameo)
    _one_of(
        (
            ("actor1countrycode", m.actor1_country),
            ("actor2countrycode", m.actor2_country),
            ("actiongeo_countrycode", m.action_geo),
        ),
        conds,
        params,
    )
    if m.any_actor_country:
        conds.append(
            "(actor1countrycode IN (SELECT unnest(?)) OR actor2countrycode IN (SELECT unnest(?)))"
        )
        params += [m.any_actor_country, m.any_actor_country]
    return " AND ".join(conds), params


# What each source's events are read from, and their key. A GDELT event names its file
# by ``file_id``; the file's digest lives in ``gdelt_files`` (schema version 3).
_TABLES = {
    "acled": ("acled_events", "event_id_cnty"),
    "gdelt": ("gdelt_events JOIN gdelt_files USING (file_id)", "globaleventid"),
    "text": ("text_items", "item_sha256"),
}


def _unmapped(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    table, _ = _TABLES[source]
    return [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT file_sha256 FROM {table} WHERE file_sha256 NOT IN "
            "(SELECT file_sha256 FROM mapped_files WHERE source = ?)",
            [source],
        ).fetchall()
    ]


def ensure_mapped(con: duckdb.DuckDBPyConnection, rules: MappingRules) -> int:
    """Bring ``observations`` up to date with the stored events and these rules.

    A change of rules (a different file digest) re-maps everything; otherwise only files
    not yet mapped are. Each source's batch is one transaction.

    Returns:
        the number of observations added.
    """
    row = con.execute("SELECT rules_sha256 FROM mapping_state").fetchone()
    if row is None or row[0] != rules.digest:
        with transaction(con):
            con.execute("DELETE FROM observations")
            con.execute("DELETE FROM mapped_files")
            con.execute("DELETE FROM mapping_state")
            con.execute("INSERT INTO mapping_state VALUES (?)", [rules.digest])
    added = 0
    for source in ("acled", "gdelt", "text"):
        files = _unmapped(con, source)
        if not files:
            continue
        table, key = _TABLES[source]
        with transaction(con):
            # Events re-stored from a new file (an ACLED edit) lose their old observations.
            con.execute(
                f"DELETE FROM observations WHERE source = ? AND ref IN (SELECT {key}::VARCHAR "
                f"FROM {table} WHERE file_sha256 IN (SELECT unnest(?)))",
                [source, files],
            )
            for rule in rules.rules:
                if rule.source != source:
                    continue
                added += _apply(con, rules, rule, files)
            bulk_insert(
                con, "mapped_files", {"file_sha256": files, "source": [source] * len(files)}
            )
    return added


def _apply(
    con: duckdb.DuckDBPyConnection, rules: MappingRules, rule: Rule, files: list[str]
) -> int:
    agg = rules.spec.gdelt_aggregation
    if rule.acled is not None:
        where, params = _acled_sql(rule.acled)
        res = con.execute(
            "INSERT INTO observations SELECT file_sha256, 'acled', event_id_cnty, ?, ?, "
            "event_date, "
            f"?, ? FROM acled_events WHERE file_sha256 IN (SELECT unnest(?)) AND {where}",
            [rule.id, rule.indicator, rule.weight, rule.grading, files, *params],
        ).fetchone()
        return int(res[0]) if res else 0
    if rule.gdelt is not None:
        where, params = _gdelt_sql(rule.gdelt)
        res = con.execute(
            "INSERT INTO observations SELECT file_sha256, 'gdelt', globaleventid::VARCHAR, ?, ?, "
            "sqldate, ? * least(?, ln(1 + coalesce(numsources, 0)) "
            "* ln(1 + coalesce(numarticles, 0))), "
            f"? FROM {_TABLES['gdelt'][0]} WHERE file_sha256 IN (SELECT unnest(?)) AND {where}",
            [rule.id, rule.indicator, rule.weight, agg.cap, rule.grading, files, *params],
        ).fetchone()
        return int(res[0]) if res else 0
    assert rule.text is not None
    cols: dict[str, list] = defaultdict(list)
    items = con.execute(
        "SELECT file_sha256, item_sha256, published, language, coalesce(title, '') || '\n' || body "
        "FROM text_items WHERE file_sha256 IN (SELECT unnest(?)) "
        "AND language IN (SELECT unnest(?))",
        [files, list(rule.text)],
    ).fetchall()
    for file_sha, key, day, lang, text in items:
        negation = rules.spec.negation.get(lang, ()) if rule.negation_aware else ()
        matches = match_text(text, rule.text[lang], negation, rules.spec.hypothetical.get(lang, ()))
        if any(m.counted for m in matches):
            for c, v in (
                ("file_sha256", file_sha),
                ("source", "text"),
                ("ref", key),
                ("rule", rule.id),
                ("indicator", rule.indicator),
                ("day", day),
                ("weight", rule.weight),
                ("grading", rule.grading),
            ):
                cols[c].append(v)
    bulk_insert(con, "observations", dict(cols))
    return len(cols.get("ref", []))


# -- weekly statuses -----------------------------------------------------------------


def iso_week(day: dt.date) -> str:
    """``2022-W08`` for any day of ISO week 8 of ISO year 2022."""
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def week_start(label: str) -> dt.date:
    """The Monday of an ISO week label such as ``2022-W08``."""
    return dt.date.fromisocalendar(int(label[:4]), int(label[6:]), 1)


def weeks_between(start: dt.date, end: dt.date) -> list[str]:
    """ISO week labels from the week of ``start`` to the week of ``end``, inclusive."""
    monday = start - dt.timedelta(days=start.weekday())
    out = []
    while monday <= end:
        out.append(iso_week(monday))
        monday += dt.timedelta(days=7)
    return out


@dataclass(frozen=True)
class IndicatorWeek:
    """One indicator in one week.

    Attributes:
        week: ISO week label.
        indicator: indicator name.
        count: supporting observations (rows) that week, all sources.
        support: their summed weight (GDELT rows weighted as in the module docstring).
        status: ``observed``, ``not_observed`` or ``unknown``.
        gradings: distinct Admiralty gradings of the supporting sources, sorted.
    """

    week: str
    indicator: str
    count: int
    support: float
    status: str
    gradings: tuple[str, ...]


def data_span(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """First and last event day over all sources, or None for an empty store."""
    row = con.execute(
        "SELECT min(d), max(d) FROM (SELECT event_date d FROM acled_events UNION ALL "
        "SELECT sqldate FROM gdelt_events UNION ALL SELECT published FROM text_items)"
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def weekly_statuses(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    start: dt.date | None = None,
    end: dt.date | None = None,
    coverage: DeclaredCoverage | None = None,
) -> list[IndicatorWeek]:
    """Status of every indicator in every ISO week from ``start`` to ``end``.

    Args:
        con: the store (mapped first, see :func:`ensure_mapped`).
        rules: the mapping rules.
        start, end: the range; default: the span of the stored events. Observations
            dated after ``end`` are not read.
        coverage: declared coverage; when given, it alone decides where a silent week
            is ``not_observed`` (see the module docstring); None: the store's sources
            declare it.

    Returns:
        week-major, indicators in model order; empty when the store holds no events.
    """
    ensure_mapped(con, rules)
    span = data_span(con)
    if span is None:
        return []
    start = start or span[0]
    end = end or span[1]
    weeks = weeks_between(start, end)
    if not weeks:
        return []
    agg = rules.spec.gdelt_aggregation
    # Baselines need weeks before the range.
    lookback = week_start(weeks[0]) - dt.timedelta(weeks=agg.baseline_weeks)
    obs = con.execute(
        "SELECT source, indicator, day - CAST(isodow(day) - 1 AS INTEGER) AS monday, count(*), "
        "sum(weight), list(DISTINCT grading) FROM observations WHERE day BETWEEN ? AND ? "
        "GROUP BY ALL",
        [lookback, end],
    ).fetchall()
    per: dict[tuple[str, str, str], tuple[int, float, list[str]]] = {}
    for source, ind, monday, n, s, graded in obs:
        per[(source, ind, iso_week(monday))] = (int(n), float(s), list(graded))
    covered = _coverage(con, rules, lookback, end)
    by_indicator: dict[str, set[str]] = defaultdict(set)
    for rule in rules.rules:
        if rule.absence_is_evidence:
            by_indicator[rule.indicator].add(rule.source)
    all_weeks = weeks_between(lookback, end)
    gdelt_support = {
        ind: [per.get(("gdelt", ind, w), (0, 0.0, []))[1] for w in all_weeks]
        for ind in rules.indicators
    }
    offset = len(all_weeks) - len(weeks)
    out: list[IndicatorWeek] = []
    for k, week in enumerate(weeks):
        for ind in rules.indicators:
            count = 0
            support = 0.0
            grades: set[str] = set()
            observed = False
            for source in ("acled", "gdelt", "text"):
                n, s, g = per.get((source, ind, week), (0, 0.0, []))
                if not n:
                    continue
                count += n
                support += s
                grades.update(g)
                if source != "gdelt":
                    observed |= s >= 1.0
                else:
                    past = gdelt_support[ind][max(0, offset + k - agg.baseline_weeks) : offset + k]
                    base = _median(past) if len(past) >= agg.baseline_weeks else 0.0
                    observed |= (
                        s >= agg.threshold and n >= agg.min_rows and s >= agg.baseline_ratio * base
                    )
            if observed:
                status = "observed"
            elif coverage is not None:
                status = "not_observed" if coverage.covers(ind, week_start(week)) else "unknown"
            elif any(week in covered[src] for src in by_indicator.get(ind, ())):
                status = "not_observed"
            else:
                status = "unknown"
            out.append(
                IndicatorWeek(week, ind, count, round(support, 6), status, tuple(sorted(grades)))
            )
    return out


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return 0.0 if not n else (s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2)


def _coverage(
    con: duckdb.DuckDBPyConnection, rules: MappingRules, start: dt.date, end: dt.date
) -> dict[str, set[str]]:
    """Source -> ISO weeks it covers (see the module docstring)."""
    cols = {
        "acled": ("acled_events", "event_date"),
        "gdelt": ("gdelt_events", "sqldate"),
        "text": ("text_items", "published"),
    }
    out: dict[str, set[str]] = {}
    for source, (table, col) in cols.items():
        mode = rules.spec.coverage.get(source, "weekly")  # type: ignore[call-overload]
        if mode == "continuous":
            row = con.execute(f"SELECT min({col}), max({col}) FROM {table}").fetchone()
            out[source] = set(weeks_between(row[0], row[1])) if row and row[0] else set()
        else:
            days = con.execute(
                f"SELECT DISTINCT {col} - CAST(isodow({col}) - 1 AS INTEGER) FROM {table} "
                f"WHERE {col} BETWEEN ? AND ?",
                [start, end],
            ).fetchall()
            out[source] = {iso_week(d[0]) for d in days}
    return out


def evidence_rows(statuses: Iterable[IndicatorWeek]) -> tuple[list[str], list[dict[str, str]]]:
    """Weekly evidence for the network: ``(weeks, [{indicator: "present"|"absent"}])``.

    Observed -> ``present``, not observed -> ``absent``, unknown -> left out.
    """
    weeks: list[str] = []
    rows: dict[str, dict[str, str]] = {}
    for s in statuses:
        if s.week not in rows:
            weeks.append(s.week)
            rows[s.week] = {}
        if s.status == "observed":
            rows[s.week][s.indicator] = "present"
        elif s.status == "not_observed":
            rows[s.week][s.indicator] = "absent"
    return weeks, [rows[w] for w in weeks]


def week_events(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, per_week: int = 25
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """The stored events mapped to indicators, per ISO week, strongest first.

    Returns:
        ISO week -> up to ``per_week`` events, and ISO week -> how many events it
        has in all. One row per event (an event can support several indicators).
    """

    rows = con.execute(
        """
        WITH per_event AS (
            SELECT o.source, o.ref, min(o.day) AS day, max(o.weight) AS weight,
                   list(DISTINCT o.indicator ORDER BY o.indicator) AS indicators,
                   list(DISTINCT o.grading ORDER BY o.grading) AS gradings
            FROM observations o WHERE o.day BETWEEN ? AND ?
            GROUP BY o.source, o.ref
        ), ranked AS (
            SELECT *, row_number() OVER w AS rank, count(*) OVER (PARTITION BY monday) AS total
            FROM (SELECT *, day - CAST(isodow(day) - 1 AS INTEGER) AS monday FROM per_event)
            WINDOW w AS (PARTITION BY monday ORDER BY weight DESC, day, ref)
        ), picked AS (
            SELECT * FROM ranked WHERE rank <= ?
        ), gdelt AS (
            -- Only the picked rows: a GDELT store can hold millions.
            SELECT DISTINCT ON (globaleventid) * FROM gdelt_events
            WHERE globaleventid IN (
                SELECT TRY_CAST(ref AS BIGINT) FROM picked WHERE source = 'gdelt')
        )
        SELECT r.source, r.ref, r.day, r.weight, r.indicators, r.gradings, r.total,
               coalesce(a.notes, t.title, g.actor1name || ' / ' || g.actor2name || ' (CAMEO '
                        || g.eventcode || ')', '') AS summary,
               coalesce(a.source, t.source_name, g.sourceurl, '') AS origin,
               coalesce(a.event_type, t.kind, 'CAMEO ' || g.eventcode, '') AS kind
        FROM picked r
        LEFT JOIN acled_events a ON r.source = 'acled' AND a.event_id_cnty = r.ref
        LEFT JOIN text_items t ON r.source = 'text' AND t.item_sha256 = r.ref
        LEFT JOIN gdelt g ON r.source = 'gdelt' AND g.globaleventid::VARCHAR = r.ref
        ORDER BY r.day, r.weight DESC, r.ref
        """,
        [start, end, per_week],
    ).fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    totals: dict[str, int] = {}
    for source, ref, day, weight, inds, grades, total, summary, origin, kind in rows:
        totals[iso_week(day)] = int(total)
        out.setdefault(iso_week(day), []).append(
            {
                "id": str(ref),
                "source": source,
                "date": day.isoformat(),
                "weight": float(weight),
                "indicators": list(inds),
                "gradings": list(grades),
                "kind": kind,
                "summary": summary,
                "origin": origin,
            }
        )
    return out, totals


def gdelt_row_weight(num_sources: int, num_articles: int, cap: float) -> float:
    """``min(cap, ln(1 + NumSources) * ln(1 + NumArticles))``: one row's GDELT support."""
    return min(cap, math.log1p(num_sources) * math.log1p(num_articles))


__all__ = [
    "STATUSES",
    "AcledMatch",
    "GdeltAggregation",
    "GdeltMatch",
    "IndicatorWeek",
    "MappingFile",
    "MappingRules",
    "Rule",
    "TextMatch",
    "data_span",
    "ensure_mapped",
    "evidence_rows",
    "gdelt_row_weight",
    "iso_week",
    "load_rules",
    "match_text",
    "week_events",
    "week_start",
    "weekly_statuses",
    "weeks_between",
]
