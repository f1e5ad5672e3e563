"""The public surface of each evidence module, pinned."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "store",
    "registry",
    "acled",
    "gdelt",
    "text",
    "ingest",
    "mapping",
    "hmm",
    "timeline",
    "backtest",
    "rulesfile",
    "baumwelch",
    "fit",
    "fitted",
    "conflict",
    "leadtime",
    "update",
    "acleddeletions",
    "csvrecords",
    "gdeltfile",
    "textmatch",
    "weeks",
]


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(f"secondfront.evidence.{name}")
    exported = module.__all__
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    assert list(exported) == sorted(exported, key=_isort_key)
    for item in exported:
        assert hasattr(module, item), f"{name}.{item}"


def test_package_surface_resolves() -> None:
    import secondfront.evidence as evidence

    assert list(evidence.__all__) == sorted(evidence.__all__, key=_isort_key)
    for item in evidence.__all__:
        assert hasattr(evidence, item), item
