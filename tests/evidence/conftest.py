"""Shared fixtures of the evidence tests: fixture files, a fresh store, GDELT files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from secondfront.evidence import store

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


def gdelt_generator() -> ModuleType:
    """The benchmark's GDELT generator (benchmarks/ is not a package)."""
    name = "gdelt_generator"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "gdelt_generator.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Path of a store file in a temporary folder (not yet created)."""
    return tmp_path / "store.duckdb"


@pytest.fixture
def con(db: Path) -> duckdb.DuckDBPyConnection:
    """A fresh, migrated store."""
    c = store.connect(db)
    yield c
    c.close()
