"""One strict base for the package's YAML formats: unknown keys refused, values frozen.

The mapping rules, the time model and its ``fitted:`` block, questions, declared
coverage and the society parameters each declared the same two-line base; they now
share :class:`secondfront.model.schema.StrictModel`, and keep what it did.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

import secondfront
from secondfront.model.schema import StrictModel

# (module, one of its models, a valid payload of that model)
SHARERS = [
    ("secondfront.forecasting.questions", "Crowd", {"p": 0.3, "source": "a market"}),
    ("secondfront.timeline.chain", "Distribution", {"p": [0.5, 0.5], "assumption": "flat"}),
    (
        "secondfront.timeline.fitted",
        "FitWindow",
        {"first_week": "2021-W01", "last_week": "2021-W10", "weeks": 10},
    ),
    ("secondfront.simulation.params", "Source", {"id": "s1", "cite": "a page"}),
    (
        "secondfront.evidence.coverage",
        "Period",
        {"indicator": "x", "from": "2021-01-01", "to": "2021-02-01"},
    ),
    (
        "secondfront.evidence.mapping",
        "GdeltAggregation",
        {"cap": 1.0, "threshold": 2.0, "min_rows": 2, "baseline_weeks": 4, "baseline_ratio": 2.0},
    ),
    ("secondfront.evidence.acled", "AcledMatch", {"event_type": ["Battles"]}),
    ("secondfront.evidence.gdelt", "GdeltMatch", {"cameo": ["15"]}),
    (
        "secondfront.timeline.rolling",
        "RollingQuestion",
        {"id": "q1", "label": "a question", "variable": "v", "state": "s", "resolves": {}},
    ),
]


def _models_of(module: str) -> list[type[BaseModel]]:
    """The pydantic models a module defines itself."""
    mod = importlib.import_module(module)
    return [
        c
        for _, c in inspect.getmembers(mod, inspect.isclass)
        if issubclass(c, BaseModel) and c.__module__ == module
    ]


@pytest.mark.parametrize(("module", "name", "payload"), SHARERS)
def test_each_format_forbids_unknown_keys_and_is_frozen_through_the_shared_base(
    module: str, name: str, payload: dict[str, object]
) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, StrictModel)
    value = cls.model_validate(payload)
    with pytest.raises(ValidationError) as extra:
        cls.model_validate({**payload, "misspelt_key": 1})
    assert [e["type"] for e in extra.value.errors()] == ["extra_forbidden"]
    assert extra.value.errors()[0]["loc"] == ("misspelt_key",)
    first = next(iter(type(value).model_fields))
    with pytest.raises(ValidationError, match="frozen"):
        setattr(value, first, getattr(value, first))


@pytest.mark.parametrize("module", sorted({m for m, _, _ in SHARERS}))
def test_every_model_of_the_six_modules_rests_on_the_shared_base(module: str) -> None:
    models = _models_of(module)
    assert models
    # Each strict model of the module: the shared base, not a copy declared beside it.
    strict = [c for c in models if c.model_config.get("extra") == "forbid"]
    assert strict and all(issubclass(c, StrictModel) for c in strict), module
    assert all(c.model_config.get("frozen") is True for c in strict)


def test_no_module_declares_its_own_strict_base() -> None:
    """Neither a base of its own nor the shared base's configuration written again on a
    model (the shared base's own module aside)."""
    root = Path(secondfront.__file__).parent
    config = 'ConfigDict(extra="forbid", frozen=True)'
    found = [
        str(p.relative_to(root))
        for p in sorted(root.rglob("*.py"))
        if "class _Strict(" in p.read_text(encoding="utf-8")
        or (config in p.read_text(encoding="utf-8") and p.name != "schema.py")
    ]
    assert found == []
