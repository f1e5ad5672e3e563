"""The public surface of the package, pinned: what notebooks and scripts may rely on."""

from __future__ import annotations

import importlib

import pytest

import secondfront as sf


def test_api_contract_names() -> None:
    assert {"load", "infer", "infer_batch"} <= set(sf.__all__)


def _ruf022(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize(
    "module",
    [
        "secondfront",
        "secondfront.model",
        "secondfront.inference",
        "secondfront.analysis",
        "secondfront.evidence",
        "secondfront.cli",
        "secondfront.forecasting",
    ],
)
def test_all_is_sorted_and_every_name_resolves(module: str) -> None:
    mod = importlib.import_module(module)
    names = list(mod.__all__)
    assert names == sorted(names, key=_ruf022)
    for name in names:
        assert hasattr(mod, name), f"{module}.{name}"
