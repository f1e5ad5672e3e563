"""Fixtures of the report tests: WeasyPrint's system libraries, installed when missing."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HISTORY = Path(__file__).resolve().parents[2] / "data" / "belarus-events.csv"


def _apt_install(*packages: str) -> str | None:
    """Install Debian packages as root; None on success, else why it could not."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "not running as root, so apt-get cannot install packages"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            return f"{' '.join(cmd)} failed: {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def pango() -> None:
    """Pango, which WeasyPrint needs (Debian: libpango-1.0-0, libpangoft2-1.0-0)."""
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    if ctypes.util.find_library("pango-1.0") is None:
        why = _apt_install("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")
        if why is not None:
            pytest.skip(f"Pango is missing and could not be installed: {why}")


@pytest.fixture(scope="session")
def events_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB events store holding the shipped history (data/belarus-events.csv)."""
    from secondfront.evidence import connect, ingest
    from secondfront.evidence.mapping import load_rules

    path = tmp_path_factory.mktemp("events") / "secondfront.duckdb"
    con = connect(path)
    try:
        ingest(con, [HISTORY], fmt="acled", rules=load_rules())
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def no_events_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where an events store would be, but is not."""
    return tmp_path_factory.mktemp("none") / "absent.duckdb"
