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


def repeated_gdelt_file(path: Path, n: int) -> Path:
    """``n`` GDELT 2.0 lines with ids 900,000,000 and up: 20,000 generated lines repeated
    under new ids (generating every line takes ~2 s per 100,000; tests that need a file
    big enough for DuckDB to report progress before it commits only need its size)."""
    base = [line.split("\t", 1)[1] for line in gdelt_generator().rows(20_000)]
    with path.open("w") as fh:
        for i in range(n):
            fh.write(f"{900_000_000 + i}\t{base[i % len(base)]}\n")
    return path


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
