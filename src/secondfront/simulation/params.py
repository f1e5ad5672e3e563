"""The society parameters file (``models/belarus-society.yaml``), validated.

Every number of the Belarus simulation lives in that file next to its basis: the
column's locators (``claims``), public sources (``sources``, ids declared in the file)
or an ``assumption`` with a reason. A parameter without a basis, an unknown key or an
unknown source id is an error naming the parameter.

The file can be any file given on the command line, so it is read by the same bounded
YAML reader as scenario specs (:func:`secondfront.model.yamlsource.yaml_data`: size,
nesting and values with aliases expanded are limited, and each problem is reported at
its line and column).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from secondfront.checkout import MODELS
from secondfront.errors import UsageError
from secondfront.jsontypes import JSONObject
from secondfront.model.schema import StrictModel as _Strict
from secondfront.model.yamlsource import yaml_data

__all__ = ["DEFAULT_SOCIETY", "Parameter", "SocietyParams", "load_society"]

DEFAULT_SOCIETY = MODELS / "belarus-society.yaml"
"""The society parameters of a source checkout (not package data: :mod:`secondfront.checkout`)."""
_LOCATOR = re.compile(r"^P\d+\.S\d+(-S\d+)?$")


class Basis(_Strict):
    """Why a number is what it is."""

    claims: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    assumption: str | None = None

    @model_validator(mode="after")
    def _has_basis(self) -> Basis:
        if not (self.claims or self.sources or self.assumption):
            raise ValueError("needs claims, sources or an assumption")
        bad = [c for c in self.claims if not _LOCATOR.match(c)]
        if bad:
            raise ValueError(f"claims must be locators such as P6.S2, got {bad}")
        return self


class Parameter(Basis):
    """A number with its basis."""

    value: float


class Source(_Strict):
    """A public source, cited by id."""

    id: str
    cite: str


class Line(_Strict):
    """A main-line section between two nodes."""

    from_: str = Field(alias="from")
    to: str
    km: float = Field(gt=0)
    trains_per_day: float = Field(default=1.0, gt=0)


class Rail(_Strict):
    """The rail graph and its basis."""

    basis: Basis
    entries: list[str]
    crossings: list[str]
    lines: list[Line]


class Target(Basis):
    """A public fact the simulation must reproduce within ``[low, high]``."""

    low: float
    high: float
    measure: str


class SocietyParams(_Strict):
    """The whole parameters file."""

    format: str
    name: str
    sources: list[Source]
    society: dict[str, Parameter]
    police: dict[str, Parameter]
    scenarios: dict[str, Parameter]
    army: dict[str, Parameter]
    partisans: dict[str, Parameter]
    rail: Rail
    calibration: dict[str, Target]

    @model_validator(mode="after")
    def _known_sources(self) -> SocietyParams:
        known = {s.id for s in self.sources}
        groups: dict[str, Any] = {
            "society": self.society,
            "police": self.police,
            "scenarios": self.scenarios,
            "army": self.army,
            "partisans": self.partisans,
            "calibration": self.calibration,
            "rail": {"basis": self.rail.basis},
        }
        for group, entries in groups.items():
            for name, p in entries.items():
                unknown = [s for s in p.sources if s not in known]
                if unknown:
                    raise ValueError(
                        f"{group}.{name}: unknown source {unknown}; declared: {sorted(known)}"
                    )
        return self

    def value(self, group: str, name: str) -> float:
        """The value of parameter ``group.name``."""
        return getattr(self, group)[name].value  # type: ignore[no-any-return]

    def rail_section(self) -> JSONObject:
        """The rail section as plain data, for ``RailNetwork.from_params``."""
        return {
            "entries": self.rail.entries,
            "crossings": self.rail.crossings,
            "lines": [
                {"from": ln.from_, "to": ln.to, "km": ln.km, "trains_per_day": ln.trains_per_day}
                for ln in self.rail.lines
            ],
        }


def load_society(path: str | os.PathLike[str] | None = None) -> SocietyParams:
    """Read and validate a society parameters file (default: the shipped one).

    Raises:
        SpecError: the file is not YAML the spec reader accepts (a syntax error, over a
            size, nesting or alias-expansion limit, a duplicate key, a value that cannot
            be built); one located diagnostic per problem.
        UsageError: the file is missing or does not fit the schema; the message names
            each field.
    """
    p = Path(path) if path is not None else DEFAULT_SOCIETY
    if not p.exists():
        raise UsageError(f"{p}: no such parameters file")
    data = yaml_data(str(p))
    try:
        return SocietyParams.model_validate(data)
    except ValidationError as e:
        lines = [f"{p}: {'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()]
        raise UsageError("\n".join(lines)) from None
