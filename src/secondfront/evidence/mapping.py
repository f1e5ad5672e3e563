"""From events to indicators: mapping rules as data, applied to the stored events.

The rules live in ``models/NAME.mapping.yaml`` beside the model. Each rule maps the
events of one source to one indicator of the model, with a weight and the Admiralty
grading of the source. A rule names its source by the key of its conditions, and the
sources are those of the adapter registry (:func:`~secondfront.evidence.registry.
event_sources`): each registered adapter that provides an ``EventSource`` brings the
schema of its conditions, how they are matched and where its events and their days
are stored. The built-in ones:

* ``acled``: event_type / sub_event_type, actor patterns (``*`` wildcard, matched
  against actor1, actor2 and the associated actors), country, admin1, words in the
  notes, tags (:class:`~secondfront.evidence.acled.AcledMatch`);
* ``gdelt``: CAMEO code prefixes (strings: ``"15"`` matches ``152`` and ``154``),
  actor country codes (CAMEO/ISO-3: ``BLR``) and action geography (FIPS 10-4: ``BO``);
  mixing the two code systems up is the classic GDELT mistake, so the loader refuses
  a 3-letter code where FIPS is expected and the reverse
  (:class:`~secondfront.evidence.gdelt.GdeltMatch`);
* ``text``: per language, groups of word stems that must all occur in one sentence;
  a sentence where a negation cue ("no", "not", "не", "nie"...) or a hypothetical cue
  ("if", "если", "kali"...) precedes the last matched stem does not count, so "no
  troops were moved" is not a movement (:mod:`~secondfront.evidence.textmatch`).

A third-party source registered the same way is named by rules, mapped, counted in
the weekly statuses and listed in the week detail without a change here. The weekly
statuses live in :mod:`~secondfront.evidence.weeks`, which reads what is mapped here.

When mapping happens (reads never write):

* at ingest: :func:`~secondfront.evidence.ingest.ingest` with rules maps the new files
  (``secondfront ingest``; ``--no-map`` leaves them unmapped);
* when a store is opened for writing with rules (:func:`open_mapped`: the command line
  and the workbench open their stores this way): a store whose observations were made
  with other rules (an edited ``*.mapping.yaml``) is remapped once, and files stored
  unmapped are mapped, under one process-wide lock (DuckDB admits one writing process
  per file, so that lock is the only one needed);
* explicitly, ``secondfront map --db STORE``.

A read of a store not brought up to date (a connection opened read-only, or one the
caller built without rules) does not map behind the caller's back: it raises
:class:`StaleMappingError` naming the command that remaps (:func:`require_mapped`).
"""

from __future__ import annotations

import functools
import os
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import duckdb
from pydantic import BaseModel, Field, create_model, field_validator, model_validator

from secondfront.errors import Diagnostic, StoreError
from secondfront.evidence.acled import AcledMatch
from secondfront.evidence.gdelt import GdeltMatch
from secondfront.evidence.registry import (
    EventSource,
    event_sources,
    present_sources,
    source_names,
)
from secondfront.evidence.rulesfile import (
    beside_model,
    items_at,
    network_for,
    raise_all,
    repeated,
    validate_model_file,
    value_at,
)
from secondfront.evidence.store import bulk_insert, connect, store_errors, transaction
from secondfront.evidence.textmatch import TextMatch, match_text
from secondfront.model.grading import parse_grading
from secondfront.model.model import ModelLike, as_model
from secondfront.model.schema import StrictModel as _Strict
from secondfront.model.yamlsource import YamlDocument


class Rule(_Strict):
    """One mapping from events of one source to one indicator.

    The conditions sit under the source's name (``acled: {...}``); the fields for them
    are added per registered source by :func:`rule_model`, so this class lists only
    what every rule has. ``source`` and ``match`` say which one a rule uses.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    indicator: str
    weight: float = Field(default=1.0, gt=0)
    grading: str
    absence_is_evidence: bool = False
    negation_aware: bool = True
    note: str = ""

    @field_validator("grading")
    @classmethod
    def _grading(cls, v: str) -> str:
        return str(parse_grading(v))

    @classmethod
    def source_fields(cls) -> tuple[str, ...]:
        """The source names this rule class has a conditions field for."""
        return tuple(n for n in cls.model_fields if n not in Rule.model_fields)

    @model_validator(mode="after")
    def _one_source(self) -> Rule:
        names = self.source_fields()
        given = [s for s in names if getattr(self, s) is not None]
        if len(given) != 1:
            raise ValueError(
                f"rule {self.id!r} needs exactly one of {', '.join(names)}; got {given}"
            )
        return self

    @property
    def source(self) -> str:
        """The name of the rule's source (``"acled"``, ``"gdelt"``, ``"text"``...)."""
        return next(s for s in self.source_fields() if getattr(self, s) is not None)

    @property
    def match(self) -> BaseModel:
        """The rule's conditions, an instance of its source's ``match`` schema."""
        return cast("BaseModel", getattr(self, self.source))


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
    """``models/NAME.mapping.yaml`` (format ``secondfront-mapping/1``).

    ``rules`` are validated against the registered sources by the class that
    :func:`mapping_file_model` derives from this one.
    """

    format: Literal["secondfront-mapping/1"]
    model: str
    description: str = ""
    coverage: dict[str, Literal["continuous", "weekly"]]
    gdelt_aggregation: GdeltAggregation
    negation: dict[str, list[str]]
    hypothetical: dict[str, list[str]]
    rules: list[Rule] = Field(min_length=1)

    @field_validator("coverage")
    @classmethod
    def _sources(cls, v: dict[str, str]) -> dict[str, str]:
        known = source_names()
        for name in v:
            if name not in known:
                raise ValueError(f"unknown source {name!r}; sources: {', '.join(known)}")
        return v


def rule_model() -> type[Rule]:
    """The rule schema for the sources registered now: one optional field per source."""
    return _rule_model(tuple((n, s.match) for n, s in event_sources().items()))


@functools.cache
def _rule_model(sources: tuple[tuple[str, type[Any]], ...]) -> type[Rule]:
    fields: dict[str, Any] = {name: (schema | None, None) for name, schema in sources}
    model: type[Rule] = create_model("Rule", __base__=Rule, **fields)
    return model


def mapping_file_model() -> type[MappingFile]:
    """The mapping file schema whose rules name the sources registered now."""
    return _mapping_file_model(rule_model())


@functools.cache
def _mapping_file_model(rule: type[Rule]) -> type[MappingFile]:
    model: type[MappingFile] = create_model(
        "MappingFile",
        __base__=MappingFile,
        rules=(list[rule], Field(min_length=1)),  # type: ignore[valid-type]
    )
    return model


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


def load_rules(path: str | Path | None = None, network: ModelLike | None = None) -> MappingRules:
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
    spec, doc, digest, diags = validate_model_file(p, mapping_file_model())
    model: str | None = value_at(doc.data, ("model",), str)
    net = network if network is not None else network_for(doc, model, diags)
    indicators = _indicators(net) if net is not None else None
    diags += _rule_references(doc, model or "the model", indicators)
    raise_all(diags)
    if spec is None or indicators is None:
        raise AssertionError("a failed check without a diagnostic")
    return MappingRules(spec, p, digest, indicators)


def _indicators(net: ModelLike) -> tuple[str, ...]:
    """The model's indicator names in model order (``Model.indicators``)."""
    return tuple(as_model(net).indicators())


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


# -- applying the rules --------------------------------------------------------------


def _unmapped(con: duckdb.DuckDBPyConnection, name: str, src: EventSource) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT file_sha256 FROM {src.relation} WHERE file_sha256 NOT IN "
            "(SELECT file_sha256 FROM mapped_files WHERE source = ?)",
            [name],
        ).fetchall()
    ]


class StaleMappingError(StoreError):
    """The store's indicator observations are not those of the rules given: made with
    another mapping file, or events stored without mapping (``ingest --no-map``)."""


# One mapping at a time in this process: two request threads that open the same store
# for writing must not both map its new files (DuckDB admits one writing process per
# file, so nothing wider is needed).
_MAPPING_LOCK = threading.Lock()


def mapping_gap(con: duckdb.DuckDBPyConnection, rules: MappingRules) -> str | None:
    """Why the stored observations are not those of ``rules``, or None when they are.

    Read-only: compares the digest the store was mapped with to ``rules.digest`` and
    looks for stored files of any registered source that were never mapped.
    """
    with store_errors(con):
        row = con.execute("SELECT rules_sha256 FROM mapping_state").fetchone()
        stored = present_sources(con)
        unmapped = sum(len(_unmapped(con, name, src)) for name, src in stored.items())
    if row is not None and row[0] != rules.digest:
        return f"its indicator observations were made with other mapping rules than {rules.path}"
    if unmapped:
        return (
            f"{unmapped} stored file(s) were never mapped to indicators (ingest --no-map, "
            "or a run stopped between storing and mapping)"
        )
    return None


def require_mapped(con: duckdb.DuckDBPyConnection, rules: MappingRules) -> None:
    """Refuse to read a store whose observations are not those of ``rules``.

    Raises:
        StaleMappingError: naming the store and the command that remaps it.
    """
    gap = mapping_gap(con, rules)
    if gap is None:
        return
    where = _store_file(con)
    if where is None:  # built in memory by the caller, who holds the only connection
        raise StaleMappingError(
            f"the in-memory store: {gap}; ingest with rules=, or call ensure_mapped(con, "
            f"rules) with {rules.path} before reading"
        )
    raise StaleMappingError(
        f"{where}: {gap}; map it with `secondfront map --db {where} --rules {rules.path}` "
        "(or open it for writing: the command line's evidence commands map it once)"
    )


def _store_file(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file behind ``con``, or None for an in-memory store."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    path = row[0] if row else None
    return os.fspath(path) if path else None


def open_mapped(
    path: str | os.PathLike[str] | None, rules: MappingRules, *, create: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open a store for writing and bring its observations up to date with ``rules``.

    The one place, besides ingest, where mapping happens: a store mapped with other
    rules is remapped once, unmapped files are mapped, under one lock; a store already up
    to date is only read. Reads of the returned connection never write.

    Args:
        path: the DuckDB file (``None``: the default store).
        rules: the mapping rules the caller will read with.
        create: make a new store when none exists.

    Raises:
        StoreError: no store at the path (without ``create``), a locked or damaged file.
    """
    con = connect(path, create=create)
    try:
        if mapping_gap(con, rules) is not None:
            ensure_mapped(con, rules)
    except BaseException:
        con.close()
        raise
    return con


def ensure_mapped(con: duckdb.DuckDBPyConnection, rules: MappingRules) -> int:
    """Bring ``observations`` up to date with the stored events and these rules.

    A change of rules (a different file digest) re-maps everything; otherwise only files
    not yet mapped are. Each source's batch is one transaction, and one mapping runs at a
    time in the process. Every registered source with an ``EventSource`` is mapped,
    third-party ones included. Called by ingest and :func:`open_mapped`; reads call
    :func:`require_mapped` instead.

    Returns:
        the number of observations added.

    Raises:
        StoreError: the store failed (a full disk, a damaged file).
    """
    with _MAPPING_LOCK, store_errors(con):
        return _ensure_mapped(con, rules)


def _ensure_mapped(con: duckdb.DuckDBPyConnection, rules: MappingRules) -> int:
    row = con.execute("SELECT rules_sha256 FROM mapping_state").fetchone()
    if row is None or row[0] != rules.digest:
        with transaction(con):
            con.execute("DELETE FROM observations")
            con.execute("DELETE FROM mapped_files")
            con.execute("DELETE FROM mapping_state")
            con.execute("INSERT INTO mapping_state VALUES (?)", [rules.digest])
    added = 0
    for name, src in present_sources(con).items():
        files = _unmapped(con, name, src)
        if not files:
            continue
        with transaction(con):
            # Events re-stored from a new file (an ACLED edit) lose their old observations.
            con.execute(
                "DELETE FROM observations WHERE source = ? AND ref IN (SELECT "
                f"({src.key})::VARCHAR FROM {src.relation} "
                "WHERE file_sha256 IN (SELECT unnest(?)))",
                [name, files],
            )
            for rule in rules.rules:
                if rule.source == name:
                    added += _apply(con, rules, rule, src, files)
            bulk_insert(con, "mapped_files", {"file_sha256": files, "source": [name] * len(files)})
    return added


def _apply(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    rule: Rule,
    src: EventSource,
    files: list[str],
) -> int:
    """Add the observations of one rule over the events of ``files``; returns how many.

    SQL text here comes from the source's adapter (its relation, columns and predicate);
    every value of the rule and the files travel as parameters.
    """
    if src.where is not None:
        where, params = src.where(rule.match)
        if src.row_support is None:
            weight, weights = "?", [rule.weight]
        else:
            cap = rules.spec.gdelt_aggregation.cap
            weight, weights = f"? * least(?, {src.row_support})", [rule.weight, cap]
        res = con.execute(
            f"INSERT INTO observations SELECT file_sha256, ?, ({src.key})::VARCHAR, ?, ?, "
            f"{src.day}, {weight}, ? FROM {src.relation} "
            f"WHERE file_sha256 IN (SELECT unnest(?)) AND ({where})",
            [rule.source, rule.id, rule.indicator, *weights, rule.grading, files, *params],
        ).fetchone()
        return int(res[0]) if res else 0
    assert src.matches is not None, f"source {rule.source!r} has neither where nor matches"
    cols: dict[str, list[Any]] = defaultdict(list)
    for file_sha, ref, day in src.matches(con, rule.match, rule, files, rules.spec):
        for c, v in (
            ("file_sha256", file_sha),
            ("source", rule.source),
            ("ref", str(ref)),
            ("rule", rule.id),
            ("indicator", rule.indicator),
            ("day", day),
            ("weight", rule.weight),
            ("grading", rule.grading),
        ):
            cols[c].append(v)
    bulk_insert(con, "observations", dict(cols))
    return len(cols.get("ref", []))


__all__ = [
    "AcledMatch",
    "GdeltAggregation",
    "GdeltMatch",
    "MappingFile",
    "MappingRules",
    "Rule",
    "StaleMappingError",
    "TextMatch",
    "ensure_mapped",
    "load_rules",
    "mapping_file_model",
    "mapping_gap",
    "match_text",
    "open_mapped",
    "require_mapped",
    "rule_model",
]
