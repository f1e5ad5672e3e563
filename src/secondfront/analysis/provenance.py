"""Where a model's numbers come from: its sources, claims and stated assumptions as rows.

The rows are plain data (the spec's own fields, plus the variables citing each claim),
shared by the workbench's Sources page and API and by the report.
"""

from __future__ import annotations

from typing import TypedDict

from secondfront.model.model import ModelLike, as_model
from secondfront.model.schema import Indicator, VariableSpec


def assumption_rows(model: ModelLike) -> list[tuple[str, str, str, str]]:
    """(variable, parameter path, assumption, claims) for every stated assumption."""
    spec = as_model(model).spec
    if spec is None:
        return []
    rows = []
    entries: list[VariableSpec | Indicator] = [*spec.variables, *spec.indicators]
    for entry in entries:
        for path, basis in entry.parameters():
            if basis.assumption is not None:
                where = ".".join(str(p) for p in path)
                rows.append((entry.name, where, basis.assumption, ", ".join(basis.claims)))
    return rows


class ClaimRow(TypedDict):
    """A claim of the spec as a row: its source, where in the source, its grading, what it
    says, and the variables citing it."""

    id: str
    source: str
    locator: str
    grading: str
    grading_words: str
    says: str
    note: str
    variables: list[str]


def source_rows(model: ModelLike) -> tuple[list[dict[str, str]], list[ClaimRow]]:
    """The spec's sources and claims as plain dicts (claims with the variables citing them);
    empty for a bare network."""
    spec = as_model(model).spec
    if spec is None:
        return [], []
    sources = [
        {
            "id": s.id,
            "author": s.author,
            "title": s.title,
            "date": str(s.date),
            "kind": s.kind,
            "grading": str(s.grading),
            "grading_words": s.grading.describe(),
            "url": s.url or "",
        }
        for s in spec.sources
    ]
    claims: list[ClaimRow] = [
        {
            "id": c.id,
            "source": c.source,
            "locator": str(c.locator),
            "grading": str(c.grading),
            "grading_words": c.grading.describe(),
            "says": c.says,
            "note": c.note or "",
            "variables": spec.citing(c.id),
        }
        for c in spec.claims
    ]
    return sources, claims


__all__ = ["ClaimRow", "assumption_rows", "source_rows"]
