"""The command line answers ``--help`` and ``--version`` without importing the library.

Registering the commands must not import what the commands use: each command module
imports the library inside the command's body. These tests run a fresh interpreter
with ``-X importtime``, which lists every module the process imported, and fail when a
numerical library, the web stack or the pydantic schemas appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import secondfront

# Top-level packages the help and the version must not import: fastapi, starlette and
# uvicorn stand for the workbench, the rest for the engine, the analyses, the spec
# schemas and the evidence store.
HEAVY = frozenset(
    {
        "numpy",
        "scipy",
        "duckdb",
        "fastapi",
        "starlette",
        "uvicorn",
        "numba",
        "matplotlib",
        "pandas",
        "opt_einsum",
        "SALib",
        "networkx",
        "jinja2",
        "yaml",
    }
)
# The project's own layers below the command line (the spec's pydantic schemas among them).
LIBRARY = (
    "secondfront.model",
    "secondfront.analysis",
    "secondfront.inference",
    "secondfront.evidence",
    "secondfront.forecasting",
    "secondfront.simulation",
    "secondfront.report",
    "secondfront.service.app",
)


def imported_modules(*args: str) -> tuple[set[str], str]:
    """Every module ``python -m secondfront ARGS`` imports, and what it printed."""
    src = str(Path(secondfront.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "secondfront", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    # Lines read "import time: self | cumulative | <indent>module.name".
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    names.discard("imported package")  # the header line
    return names, proc.stdout


@pytest.mark.parametrize(
    "args", [("--help",), ("--version",), ("forecast", "--help"), ("questions", "score", "--help")]
)
def test_help_and_version_import_no_heavy_library(args: tuple[str, ...]) -> None:
    names, stdout = imported_modules(*args)
    assert "secondfront.cli.app" in names  # the listing is read correctly
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY or n.startswith(LIBRARY))
    assert heavy == [], f"`secondfront {' '.join(args)}` imported {heavy[:10]}"
    assert stdout.strip()


@pytest.mark.parametrize("args", [("--help",), ("--version",)])
def test_help_and_version_import_no_pydantic(args: tuple[str, ...]) -> None:
    """(A command's own help may: Typer coerces its parameters with pydantic.)"""
    names, _ = imported_modules(*args)
    assert "pydantic" not in names


def test_the_listing_sees_a_heavy_import() -> None:
    """The check above can fail: a command that runs imports the engine."""
    names, stdout = imported_modules("explain", "belarus_entry")
    assert "numpy" in names and "pydantic" in names
    assert "belarus_entry" in stdout


def test_version_prints_the_installed_version() -> None:
    _, stdout = imported_modules("--version")
    assert stdout.strip() == f"secondfront {secondfront.__version__}"


def test_import_secondfront_is_light_and_the_api_resolves_on_use() -> None:
    code = (
        "import sys, secondfront as sf\n"
        "assert 'numpy' not in sys.modules and 'pydantic' not in sys.modules, sorted(sys.modules)\n"
        "m = sf.load('belarus-second-front')\n"
        "assert isinstance(m, sf.Model) and 'numpy' in sys.modules\n"
        "print(len(m))\n"
    )
    src = str(Path(secondfront.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 10
