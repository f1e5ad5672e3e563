"""Hostile and broken inputs for the parser tests, and a way to run them safely.

Generators build the inputs (an alias bomb, a gzip bomb, 50,000 nested brackets, a
noisy-OR with 36 parents, ...) from a few parameters, so each test states what it sends.
:func:`run_limited` runs a command in a child Python whose address space is capped
with ``resource.setrlimit(RLIMIT_AS)``: a reader that forgets a bound dies there with
a MemoryError (a traceback the test then reports) instead of taking the machine's memory.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMORY_MB = 1024  # the CLI needs about 150 MB; a bomb needs gigabytes
TRACEBACK = "Traceback (most recent call last)"

_PRELUDE = """
import resource, sys
limit = {limit}
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
"""

_CLI = """
sys.argv = ["secondfront", *sys.argv[1:]]
from secondfront.cli.app import main
main()
"""


def loader_code(module: str, function: str) -> str:
    """Child code for :func:`run_limited`: ``module.function(sys.argv[1])``, a SpecError
    printed to stderr with exit status 2 (what the command line does with it)."""
    return f"""
from secondfront.errors import SpecError
from {module} import {function}
try:
    {function}(sys.argv[1])
except SpecError as e:
    print(e, file=sys.stderr)
    sys.exit(2)
"""


def run_limited(
    args: list[str],
    *,
    code: str = _CLI,
    memory_mb: int = MEMORY_MB,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``secondfront ARGS`` (or Python ``code`` with ``sys.argv[1:] == args``) in a
    child process limited to ``memory_mb`` MiB of address space and ``timeout`` seconds.
    """
    child_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        # One BLAS thread: each extra thread reserves address space of its own.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "COLUMNS": "200",
        **(env or {}),
    }
    prelude = _PRELUDE.format(limit=memory_mb * 2**20)
    return subprocess.run(
        [sys.executable, "-c", prelude + code, *args],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=timeout,
        cwd=ROOT,
    )


def assert_located(stderr: str, path: str | Path, pattern: str) -> re.Match[str]:
    """Assert that ``stderr`` has a line ``PATH:LINE:COL: error: ...`` matching ``pattern``
    (a regular expression for the part after ``error: ``) and no traceback."""
    assert TRACEBACK not in stderr, stderr
    rx = re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): error: .*{pattern}", re.MULTILINE)
    m = rx.search(stderr)
    assert m is not None, f"no located error matching {pattern!r} in:\n{stderr[:2000]}"
    return m


# -- YAML ----------------------------------------------------------------------------


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" of YAML: each anchor lists the previous one ``width`` times,
    so ``levels`` short lines stand for ``width ** levels`` values."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 30, width: int = 4) -> str:
    """Merge keys that merge the previous mapping ``width`` times at each level."""
    lines = ["m0: &m0 {k0: 1, k1: 2}"]
    for i in range(1, levels):
        refs = ", ".join([f"*m{i - 1}"] * width)
        lines.append(f"m{i}: &m{i}\n  <<: [{refs}]\n  own{i}: 1")
    return "\n".join(lines) + "\n"


def deep_flow(depth: int) -> str:
    """``a: [[[...]]]`` nested ``depth`` levels on one line."""
    return "a: " + "[" * depth + "]" * depth + "\n"


def deep_block(depth: int) -> str:
    """Block sequences nested ``depth`` levels, one per line."""
    return "".join(" " * i + "-\n" for i in range(depth))


def alias_chain(n: int) -> str:
    """Each anchor holds the previous one in a one-item list: ``n`` levels once expanded."""
    lines = ["- &a0 []"] + [f"- &a{i} [*a{i - 1}]" for i in range(1, n)]
    return "\n".join(lines) + "\n"


SPEC_HEAD = """\
model: {name: wide, title: "Wide", horizon: "1 year"}
sources:
  - {id: src, author: A, title: T, date: "2024", kind: news-report, grading: B2}
claims:
  - {id: c1, source: src, locator: P1.S1, says: Something., grading: B2}
variables:
"""


def wide_spec(form: str, parents: int) -> str:
    """A spec whose variable ``c`` has ``parents`` binary parents and the given form
    (``noisy_or``, ``noisy_max`` or ``logistic``): a table of 2 ** (parents + 1) entries."""
    roots = "".join(
        f"  - {{name: p{i}, label: P, states: [no, yes], table: {{p: [0.5, 0.5], "
        "assumption: even}}\n"
        for i in range(parents)
    )
    names = ", ".join(f"p{i}" for i in range(parents))
    a = "assumption: x"
    if form == "noisy_or":
        links = ", ".join(f"p{i}: {{yes: {{p: 0.1, {a}}}}}" for i in range(parents))
        body = f"noisy_or: {{leak: {{p: 0.01, {a}}}, links: {{{links}}}}}"
    elif form == "noisy_max":
        links = ", ".join(f"p{i}: {{yes: {{p: [0.9, 0.1], {a}}}}}" for i in range(parents))
        body = f"noisy_max: {{leak: {{p: [0.99, 0.01], {a}}}, links: {{{links}}}}}"
    else:
        weights = ", ".join(f"p{i}: {{value: 0.1, {a}}}" for i in range(parents))
        body = f"logistic: {{intercept: {{value: 0.0, {a}}}, weights: {{{weights}}}}}"
    child = f"  - {{name: c, label: C, states: [no, yes], parents: [{names}], {body}}}\n"
    return SPEC_HEAD + roots + child


# -- BIF -----------------------------------------------------------------------------


def gzip_bomb(mib: int, fill: bytes = b" ") -> bytes:
    """A gzip file of ``mib`` MiB of ``fill`` (about 1,000 times smaller): one member of
    64 MiB repeated, as gzip allows, so it is quick to build and the test never holds
    the expanded text."""
    step = min(mib, 64)
    member = gzip.compress(fill * (step * 2**20 // len(fill)), compresslevel=9)
    return gzip.compress(b"network bomb { }\n") + member * (mib // step)


def wide_bif(parents: int) -> str:
    """BIF whose ``c`` has ``parents`` binary parents and one ``default`` row."""
    text = "variable c { type discrete [ 2 ] { a, b }; }\n"
    for i in range(parents):
        text += f"variable p{i} {{ type discrete [ 2 ] {{ a, b }}; }}\n"
        text += f"probability ( p{i} ) {{ table 0.5, 0.5; }}\n"
    names = ", ".join(f"p{i}" for i in range(parents))
    return text + f"probability ( c | {names} ) {{ default 0.5, 0.5; }}\n"
