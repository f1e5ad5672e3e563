"""Every ``secondfront`` command in the README's code blocks runs as written, and prints
what the README shows.

A command line is taken from a fenced code block when it starts with ``secondfront``,
``$ secondfront`` or ``.venv/bin/secondfront``; a trailing ``# comment`` and optional
``[--flag]`` groups are dropped. Lines with placeholders (upper-case words such as FILE,
VAR or HOST, or ``...``) and ``serve`` (which runs until stopped) are not run. The
commands run in order, in a scratch folder that sees the checkout's ``data/`` and
``models/`` and stands for the README's ``$SCRATCH``, so an ``ingest --db
$SCRATCH/events.duckdb`` feeds the commands after it.

The lines under a ``$ secondfront ...`` line, up to the next ``$`` line or the end of
the block, are that command's output as the README shows it: each must appear in what
the command prints, in order, numbers included. ``...`` stands for anything (the rest of
a line, or lines left out); table rules and spacing do not count. A block after an
``<!-- readme-output: pending`` comment is run but not compared: its figures await an
update, and ``test_no_readme_output_is_pending`` says which.

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
from dataclasses import dataclass
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
PENDING = "<!-- readme-output: pending"
# Box-drawing characters of Rich's tables: rules, not content.
RULES = re.compile(r"[\u2500-\u257f]")


@dataclass(frozen=True)
class Example:
    """One runnable command of the README.

    Attributes:
        command: the command line after ``secondfront``.
        shown: the output lines the README shows under it (empty when none).
        pending: the README marks the output as awaiting an update.
    """

    command: str
    shown: tuple[str, ...] = ()
    pending: bool = False


def readme_examples() -> list[Example]:
    """The runnable commands of the README, in order, with the output shown under each."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    examples: list[Example] = []
    for block in re.finditer(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        pending = text[: block.start()].rstrip().endswith("-->") and (
            text[: block.start()].rfind(PENDING) > text[: block.start()].rfind("```")
        )
        lines = block.group(1).splitlines()
        for k, line in enumerate(lines):
            if not PREFIX.match(line):
                continue
            command = PREFIX.sub("", line)
            command = re.sub(r"\s+#.*$", "", command)
            command = re.sub(r"\s*\[[^\]]*\]", "", command).strip()
            if PLACEHOLDER.search(command) or command.split()[0] in NOT_RUN:
                continue
            shown: list[str] = []
            if line.startswith("$ "):
                for after in lines[k + 1 :]:
                    if after.startswith("$ "):
                        break
                    shown.append(after)
            examples.append(Example(command, tuple(shown), pending and bool(shown)))
    return examples


def readme_commands() -> list[str]:
    """The runnable command lines of the README, in order."""
    return [e.command for e in readme_examples()]


def _flat(text: str) -> str:
    """``text`` with table rules dropped and every run of whitespace one space."""
    return " ".join(RULES.sub(" ", text).split())


def missing_lines(shown: tuple[str, ...], printed: str) -> list[str]:
    """The README's lines that the output does not hold, in order (``...``: anything)."""
    flat = _flat(printed)
    at, missing = 0, []
    for line in shown:
        parts = [re.escape(_flat(p)) for p in line.split("...")]
        if not any(parts):
            continue
        found = re.compile(r".*?".join(parts)).search(flat, at)
        if found is None:
            missing.append(line)
        else:
            at = found.end()
    return missing


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("data", "models"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def test_the_readme_has_commands() -> None:
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("example", readme_examples(), ids=lambda e: e.command)
def test_readme_command_runs(example: Example, scratch: Path) -> None:
    command = example.command.replace("$SCRATCH", str(scratch))
    if SLOW.search(command) and not FULL:
        pytest.skip("takes minutes: runs with SECONDFRONT_FULL=1")
    # Tables as wide as a pipe gets them (the README shows that width).
    env = {
        **os.environ,
        "SECONDFRONT_DB": str(scratch / "secondfront.duckdb"),
        "COLUMNS": "160",
    }
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
    if example.shown and not example.pending:
        missing = missing_lines(example.shown, done.stdout)
        assert not missing, (
            f"the README shows lines that `secondfront {command}` does not print: {missing}\n"
            f"it printed:\n{done.stdout[-3000:]}"
        )


def test_readme_examples_write_only_into_the_scratch_folder() -> None:
    writes = re.compile(r"(?:--out|-o|--output|--db|--plot)\s+(\S+)")
    for command in readme_commands():
        for target in writes.findall(command):
            assert target.startswith("$SCRATCH/"), f"{command}: writes {target} in the checkout"


def test_readme_outputs_are_compared() -> None:
    compared = [e for e in readme_examples() if e.shown and not e.pending]
    assert len(compared) >= 3  # forecast --uncertainty, sensitivity, watchlist
    # The comparison sees a changed figure.
    example = next(e for e in compared if e.command == "forecast --uncertainty")
    figure = next(re.findall(r"0\.\d{4}", line)[-1] for line in example.shown if "0." in line)
    printed = "\n".join(example.shown).replace("...", "")
    assert missing_lines(example.shown, printed) == []
    assert missing_lines(example.shown, printed.replace(figure, "0.9999"))


def test_no_readme_output_is_pending() -> None:
    pending = [e.command for e in readme_examples() if e.pending]
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    if pending or PENDING in text:
        pytest.skip(
            f"{text.count(PENDING)} README outputs await an update ({PENDING} ...): "
            f"{pending or 'a table'}"
        )


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
