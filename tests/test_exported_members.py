"""The public surface of the package, pinned: what notebooks and scripts may rely on."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import secondfront as sf


def test_api_contract_names() -> None:
    assert {"load", "infer", "infer_batch"} <= set(sf.__all__)


def _ruf022(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _modules() -> list[str]:
    """Every package of ``secondfront`` and every module in it that declares ``__all__``."""
    import pkgutil

    found = ["secondfront"]
    for info in pkgutil.walk_packages(sf.__path__, "secondfront."):
        if info.name.endswith("__main__"):
            continue
        if info.ispkg:
            found.append(info.name)
            continue
        path = Path(sf.__file__).parent.joinpath(*info.name.split(".")[1:]).with_suffix(".py")
        if "__all__" in path.read_text(encoding="utf-8"):
            found.append(info.name)
    return found


def test_every_package_is_covered() -> None:
    """A new package is pinned here without editing a list."""
    names = set(_modules())
    for package in ("model", "inference", "evidence", "timeline", "forecasting", "analysis"):
        assert f"secondfront.{package}" in names
    assert "secondfront.timeline.chain" in names


@pytest.mark.parametrize("module", _modules())
def test_all_is_sorted_and_every_name_resolves(module: str) -> None:
    mod = importlib.import_module(module)
    names = list(mod.__all__)
    assert names == sorted(names, key=_ruf022)
    for name in names:
        assert hasattr(mod, name), f"{module}.{name}"
