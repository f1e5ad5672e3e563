"""No ``Any`` in the public signatures of the library's typed modules: results are JSON
(``secondfront.jsontypes``), TypedDicts, protocols or plain types that say what they hold.

Every module is covered, with no exceptions: an override of a third-party method takes
``object`` where the library's own type is private, and a YAML document is a mapping of
plain values (``secondfront.model.argdown.YamlMapping``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import secondfront

PACKAGE = Path(secondfront.__file__).resolve().parent

COVERED = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py"))

# "module:function" -> why its signature keeps Any. Empty: a new exception needs its
# written reason here, and the test below fails once it is gone again.
ALLOWED: dict[str, str] = {}


def _public_functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found += [m for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)]
    return [f for f in found if not f.name.startswith("_")]


def _mentions_any(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    a = fn.args
    args = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
    notes = [x.annotation for x in args if x is not None and x.annotation is not None]
    notes += [fn.returns] if fn.returns is not None else []
    return any("Any" in ast.unparse(n) for n in notes)


@pytest.mark.parametrize("module", COVERED)
def test_no_any_in_public_signatures(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    offenders = [
        f"{f.name} (line {f.lineno})"
        for f in _public_functions(tree)
        if _mentions_any(f) and f"{module}:{f.name}" not in ALLOWED
    ]
    assert offenders == []


def test_the_allowed_list_holds_only_what_is_still_there() -> None:
    found = {
        f"{module}:{f.name}"
        for module in COVERED
        for f in _public_functions(ast.parse((PACKAGE / module).read_text(encoding="utf-8")))
        if _mentions_any(f)
    }
    assert set(ALLOWED) == found


def test_the_check_sees_any() -> None:
    tree = ast.parse("def f(x: dict[str, Any]) -> int: ...\nclass C:\n    def g(self) -> Any: ...")
    assert [_mentions_any(f) for f in _public_functions(tree)] == [True, True]
