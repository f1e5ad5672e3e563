"""Habits of the code base, checked: no function of the package runs over 80 lines.

A long function hides its steps; splitting it names them. The length of a function is
counted from its ``def`` line to its last line, its decorators left out, with the
functions nested in it counted inside it (a route registrar whose routes are nested
functions is one long function). The exceptions are listed below with their reasons:
numba kernels, where a call in the hot loop costs what the split would save, and
functions not yet split, which the list names so that it can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import secondfront

PACKAGE = Path(secondfront.__file__).resolve().parent
MAX_LINES = 80

# "path relative to the package:function" -> why it may be longer.
ALLOWED: dict[str, str] = {
    "simulation/kernel.py:_run_tile": "numba kernel: one pass over a tile's agents, no call "
    "in the hot loop",
}


def long_functions(root: Path, max_lines: int = MAX_LINES) -> dict[str, int]:
    """Every function under ``root`` longer than ``max_lines``: ``"path:name"`` (path
    relative to ``root``, with ``/``) -> its length in lines."""
    found: dict[str, int] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > max_lines:
                    found[f"{path.relative_to(root).as_posix()}:{node.name}"] = length
    return found


def test_no_function_runs_over_80_lines_but_the_stated_exceptions() -> None:
    over = {k: n for k, n in long_functions(PACKAGE).items() if k not in ALLOWED}
    assert not over, (
        f"functions over {MAX_LINES} lines (split them, or state why in ALLOWED): "
        + ", ".join(f"{k} ({n} lines)" for k, n in sorted(over.items()))
    )


def test_every_exception_is_still_needed() -> None:
    # A function split (or renamed) since leaves the list: it can only shrink.
    long = long_functions(PACKAGE)
    stale = sorted(k for k in ALLOWED if k not in long)
    assert not stale, f"no longer over {MAX_LINES} lines; remove from ALLOWED: {stale}"
    assert all(reason.strip() for reason in ALLOWED.values())


@pytest.mark.parametrize("extra", [0, 1])
def test_the_count_takes_nested_functions_and_the_last_line_in(tmp_path: Path, extra: int) -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_LINES - 4 + extra))
    source = f"def outer():\n    def inner():\n{body}\n        return 0\n    return inner\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    found = long_functions(tmp_path)
    # outer: its def line, inner's def line, the body, inner's return, its own return.
    if extra:
        assert found == {"m.py:outer": MAX_LINES + 1}
    else:
        assert found == {}
