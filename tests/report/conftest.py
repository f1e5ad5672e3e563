"""Fixtures of the report tests: WeasyPrint's system libraries, installed when missing."""

from __future__ import annotations

import ctypes.util
from pathlib import Path

import pytest

from tests.conftest import apt_install


@pytest.fixture(scope="session")
def pango() -> None:
    """Pango, which WeasyPrint needs (Debian: libpango-1.0-0, libpangoft2-1.0-0)."""
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    if ctypes.util.find_library("pango-1.0") is None:
        why = apt_install("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")
        if why is not None:
            pytest.skip(f"Pango is missing and could not be installed: {why}")


@pytest.fixture(scope="session")
def no_events_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where an events store would be, but is not."""
    return tmp_path_factory.mktemp("none") / "absent.duckdb"
