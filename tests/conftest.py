"""Shared fixtures: paths to the shipped model, the seed text and a small BIF network."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# pytest-xdist's workers inherit COLUMNS=80 and LINES=24 from their launcher; the command
# line reads COLUMNS as the user's wish for a width (cli/options.py), so tables in the
# workers would be cut to 80 columns where a plain run prints 160. Tests that want a
# width set COLUMNS themselves, in a child process's environment.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "models" / "belarus-second-front.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"
HISTORY = ROOT / "data" / "belarus-events.csv"
# The number of events in the shipped history (a property of the file, which grows).
HISTORY_EVENTS = sum(1 for line in HISTORY.read_text(encoding="utf-8").splitlines()[1:] if line)
# First and last event day of the shipped history (the second column, ISO dates).
_DAYS = sorted(
    line.split(",")[1] for line in HISTORY.read_text(encoding="utf-8").splitlines()[1:] if line
)
HISTORY_SPAN = [_DAYS[0], _DAYS[-1]]

ASIA_BIF = """\
network asia { }
variable asia { type discrete [ 2 ] { yes, no }; }
variable tub { type discrete [ 2 ] { yes, no }; }
variable smoke { type discrete [ 2 ] { yes, no }; }
variable lung { type discrete [ 2 ] { yes, no }; }
variable bronc { type discrete [ 2 ] { yes, no }; }
variable either { type discrete [ 2 ] { yes, no }; }
variable xray { type discrete [ 2 ] { yes, no }; }
variable dysp { type discrete [ 2 ] { yes, no }; }
probability ( asia ) { table 0.01, 0.99; }
probability ( tub | asia ) { (yes) 0.05, 0.95; (no) 0.01, 0.99; }
probability ( smoke ) { table 0.5, 0.5; }
probability ( lung | smoke ) { (yes) 0.1, 0.9; (no) 0.01, 0.99; }
probability ( bronc | smoke ) { (yes) 0.6, 0.4; (no) 0.3, 0.7; }
probability ( either | lung, tub ) {
  (yes, yes) 1.0, 0.0; (no, yes) 1.0, 0.0; (yes, no) 1.0, 0.0; (no, no) 0.0, 1.0;
}
probability ( xray | either ) { (yes) 0.98, 0.02; (no) 0.05, 0.95; }
probability ( dysp | bronc, either ) {
  (yes, yes) 0.9, 0.1; (no, yes) 0.7, 0.3; (yes, no) 0.8, 0.2; (no, no) 0.1, 0.9;
}
"""


@pytest.fixture
def asia_bif(tmp_path: Path) -> Path:
    """The ASIA network (Lauritzen and Spiegelhalter 1988) as a BIF file."""
    path = tmp_path / "asia.bif"
    path.write_text(ASIA_BIF)
    return path


@pytest.fixture
def seed_text() -> Path:
    """The flagship's source column; skips when ../shared is not beside the checkout."""
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip(f"no source text in {SEEDS}")
    return files[0]


def apt_install(*packages: str) -> str | None:
    """Install Debian packages as root; None on success, else why it could not.

    The browser and PDF tests need system packages (Chromium, Pango) that pip cannot
    provide; the test run installs them where it can and the tests skip, saying why,
    where it cannot.
    """
    if shutil.which("apt-get") is None:
        return "apt-get is not available"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "not running as root, so apt-get cannot install packages"
    import fcntl  # POSIX, like apt-get

    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Test processes running side by side (pytest-xdist) take turns: apt and dpkg take
    # a lock, and a second apt-get would fail at once rather than wait for it.
    with (Path(tempfile.gettempdir()) / "secondfront-tests-apt.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
            if done.returncode != 0:
                return f"{' '.join(cmd)} failed: {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def events_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB events store holding the shipped history, mapped to the flagship's indicators."""
    from secondfront.evidence import connect, ingest
    from secondfront.evidence.mapping import load_rules

    path = tmp_path_factory.mktemp("events") / "secondfront.duckdb"
    con = connect(path)
    try:
        report = ingest(con, [HISTORY], fmt="acled", rules=load_rules())
    finally:
        con.close()  # the workbench opens the file itself, per request
    assert report.total.accepted > 50
    return path
