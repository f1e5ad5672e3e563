"""Declared coverage: where silence in a history means "not observed".

Absence of a report is not a report of absence. A week in which no source reported an
indicator is **not observed** only where some source *covered* that indicator in that
week; everywhere else it is **unknown** and the timeline leaves it out (see
``docs/vocabulary.md``). A hand-coded history declares what it covers in a coverage
file beside it (``data/NAME.coverage.yaml``, format ``secondfront-coverage/1``)::

    format: secondfront-coverage/1
    history: data/belarus-events.csv
    periods:
      - indicator: rail_sabotage_reports
        from: 2020-08-01          # inclusive
        to: 2022-12-31            # inclusive
        sources: [rferl.org, belsat.eu]
        note: free text

An indicator or period without an entry is unknown in every week. Where no coverage
file exists, :func:`load_coverage` gives ``None`` and the store's own sources declare
coverage as before (the mapping file's ``coverage:`` per source together with each
rule's ``absence_is_evidence``); callers that know the store holds only a hand-coded
selection pass :data:`NOTHING_COVERED` instead, so that every silent week is unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import Field, field_validator, model_validator

from secondfront.checkout import SHIPPED_HISTORY
from secondfront.evidence.rulesfile import raise_all, validate_model_file
from secondfront.model.schema import StrictModel as _Strict


class Period(_Strict):
    """One indicator covered by some sources over a closed range of days."""

    indicator: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    sources: list[str] = Field(default_factory=list)
    note: str = ""

    @field_validator("sources", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to < self.from_:
            raise ValueError(f"'to' {self.to} comes before 'from' {self.from_}")
        return self


class CoverageFile(_Strict):
    """``data/NAME.coverage.yaml`` (format ``secondfront-coverage/1``)."""

    format: Literal["secondfront-coverage/1"]
    history: str = ""
    codebook: str = ""
    description: str = ""
    periods: list[Period] = Field(default_factory=list)


@dataclass(frozen=True)
class DeclaredCoverage:
    """Indicator -> covered day ranges, from a coverage file (or nothing at all).

    Attributes:
        periods: indicator -> list of (first day, last day), both inclusive.
        path: the file it came from (None for :data:`NOTHING_COVERED`).
        digest: sha256 of the file ("" when there is none).
        by_sources: declare nothing here and let the store's sources decide
            (:data:`STORE_SOURCES`), even where a history declares its coverage.
    """

    periods: dict[str, tuple[tuple[dt.date, dt.date], ...]]
    path: Path | None = None
    digest: str = ""
    by_sources: bool = False

    def covers(self, indicator: str, monday: dt.date) -> bool:
        """Whether any covered day of ``indicator`` falls in the ISO week of ``monday``."""
        sunday = monday + dt.timedelta(days=6)
        return any(a <= sunday and monday <= b for a, b in self.periods.get(indicator, ()))


NOTHING_COVERED = DeclaredCoverage({})
"""No coverage declared: every week without a report is unknown."""

STORE_SOURCES = DeclaredCoverage({}, by_sources=True)
"""The store's sources declare coverage (the mapping file's ``coverage:`` per source with
each rule's ``absence_is_evidence``), whatever the histories declare."""


def coverage_path(history: Path) -> Path:
    """``data/NAME.coverage.yaml`` beside ``data/NAME.csv``."""
    return history.with_name(history.name.split(".")[0] + ".coverage.yaml")


def load_coverage(path: str | Path) -> DeclaredCoverage | None:
    """Read a coverage file; ``None`` when it does not exist.

    Raises:
        RulesError: every problem of the file as ``file:line:col: error: message``.
    """
    p = Path(path)
    if not p.is_file():
        return None
    spec, _, digest, diags = validate_model_file(p, CoverageFile)
    raise_all(diags)
    assert spec is not None
    periods: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for period in spec.periods:
        periods.setdefault(period.indicator, []).append((period.from_, period.to))
    return DeclaredCoverage({k: tuple(sorted(v)) for k, v in periods.items()}, p, digest)


def coverage_for_store(con: duckdb.DuckDBPyConnection) -> DeclaredCoverage | None:
    """The declared coverage of the files a store was filled from.

    Each ingested file may have a coverage file beside it (:func:`coverage_path`); the
    periods of all that exist are merged. A store holding a file that declares nothing
    but is known to be a hand-coded selection (the shipped ``data/belarus-events.csv``,
    recognised by its content hash) gets :data:`NOTHING_COVERED`. Otherwise None: the
    store's sources declare coverage through the mapping rules.
    """
    rows = con.execute("SELECT DISTINCT path, file_sha256 FROM ingests").fetchall()
    merged: dict[str, list[tuple[dt.date, dt.date]]] = {}
    found: list[DeclaredCoverage] = []
    for path, _ in rows:
        declared = load_coverage(coverage_path(Path(path)))
        if declared is not None:
            found.append(declared)
            for ind, spans in declared.periods.items():
                merged.setdefault(ind, []).extend(spans)
    if found:
        digest = hashlib.sha256("".join(sorted(d.digest for d in found)).encode()).hexdigest()
        return DeclaredCoverage(
            {k: tuple(sorted(v)) for k, v in merged.items()}, found[0].path, digest
        )
    shipped = SHIPPED_HISTORY
    if shipped.is_file():
        sha = hashlib.sha256(shipped.read_bytes()).hexdigest()
        if any(r[1] == sha for r in rows):
            return load_coverage(coverage_path(shipped)) or NOTHING_COVERED
    return None


__all__ = [
    "NOTHING_COVERED",
    "SHIPPED_HISTORY",
    "STORE_SOURCES",
    "CoverageFile",
    "DeclaredCoverage",
    "Period",
    "coverage_for_store",
    "coverage_path",
    "load_coverage",
]
