"""Every ``secondfront`` command in the README's code blocks runs as written.

A command line is taken from a fenced code block when it starts with ``secondfront``,
``$ secondfront`` or ``.venv/bin/secondfront``; a trailing ``# comment`` and optional
``[--flag]`` groups are dropped. Lines with placeholders (upper-case words such as FILE,
VAR or HOST, or ``...``) and ``serve`` (which runs until stopped) are not run. The
commands run in order, in a scratch folder that sees the checkout's ``data/`` and
``models/``, so an ``ingest --db events.duckdb`` feeds the commands after it.

The README's examples are sized to run in seconds (about 50 s for all of them on a quiet
two-core machine). A command that would take minutes (a simulation of 100,000 agents
or more) runs only with ``SECONDFRONT_FULL=1``: better to size the example down and say
so in the README, as the simulation and Sobol examples do.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(
    r"\.\.\.|\b(?:FILE|VAR|STATE|PATH|HOST|NAME|ADDR|ID|MODEL|STORE|DATE|OUT|TEXT|[NSKRVM])\b"
)
PREFIX = re.compile(r"^(?:\$ |\.venv/bin/)?secondfront\s+")
NOT_RUN = ("serve",)
SLOW = re.compile(r"--agents\s+\d{6,}|--samples\s+(?:[1-9]\d{5,})")
FULL = os.environ.get("SECONDFRONT_FULL") == "1"


def readme_commands() -> list[str]:
    """The runnable command lines of the README, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands: list[str] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if not PREFIX.match(line):
                continue
            command = PREFIX.sub("", line)
            command = re.sub(r"\s+#.*$", "", command)
            command = re.sub(r"\s*\[[^\]]*\]", "", command).strip()
            if PLACEHOLDER.search(command) or command.split()[0] in NOT_RUN:
                continue
            commands.append(command)
    return commands


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("data", "models"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def test_the_readme_has_commands() -> None:
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command: str, scratch: Path) -> None:
    if SLOW.search(command) and not FULL:
        pytest.skip("takes minutes: runs with SECONDFRONT_FULL=1")
    env = {**os.environ, "SECONDFRONT_DB": str(scratch / "secondfront.duckdb")}
    done = subprocess.run(
        [sys.executable, "-m", "secondfront", *shlex.split(command)],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, (
        f"secondfront {command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )
    out = re.search(r"(?:--out|-o|--output)\s+(\S+)", command)
    if out:
        written = scratch / out.group(1)
        assert written.is_file() and written.stat().st_size > 0, written


def test_no_readme_example_takes_minutes() -> None:
    slow = [c for c in readme_commands() if SLOW.search(c)]
    assert not slow, f"size these README examples to run in seconds: {slow}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """CI's script runs the README's command 2 (set up and test), checks included."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"# 2\. set up and run the whole test suite[^\n]*\n([^\n]+)\n", readme)
    assert block is not None, "the README lost its command 2"
    command = block.group(1).strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci
    for check in ("ruff check", "ruff format --check", "mypy", "lint-imports", "pytest"):
        assert check in command
