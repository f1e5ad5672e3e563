"""Every environment variable the package reads is declared in one of its three tables."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import secondfront
from secondfront.environment import ENVIRONMENT, env_value
from secondfront.model.limits import LIMITS
from secondfront.service.settings import SETTINGS

PACKAGE = Path(secondfront.__file__).resolve().parent
DECLARED = {v.name for v in ENVIRONMENT} | {x.env for x in LIMITS} | {s.env for s in SETTINGS}
# The modules that read os.environ: the three tables' own readers, and the terminal's
# width (COLUMNS is the terminal's variable, not a setting of the project).
READERS = {"environment.py", "model/limits.py", "service/settings.py", "cli/options.py"}
NAME = re.compile(r"^(?:SECONDFRONT|ACLED)_[A-Z0-9_]+$")


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (p.relative_to(PACKAGE).as_posix(), ast.parse(p.read_text(encoding="utf-8")))
        for p in sorted(PACKAGE.rglob("*.py"))
    ]


def test_only_the_tables_readers_touch_os_environ() -> None:
    found = set()
    for rel, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                if isinstance(node.value, ast.Name) and node.value.id == "os":
                    found.add(rel)
    assert found - READERS == set(), "read the variable through secondfront.environment.env_value"
    assert {"environment.py", "model/limits.py", "service/settings.py"} <= found


def _exported(tree: ast.Module) -> set[int]:
    """ids of the string constants listed in ``__all__`` (names, not variables)."""
    return {
        id(c)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        for c in ast.walk(node.value)
    }


def test_every_variable_named_in_the_package_is_declared() -> None:
    named = set()
    for rel, tree in _modules():
        skip = _exported(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and NAME.match(node.value)
                and id(node) not in skip
            ):
                named.add((rel, node.value))
    assert {name for _, name in named} >= {"SECONDFRONT_DB", "ACLED_KEY"}
    assert {(rel, name) for rel, name in named if name not in DECLARED} == set()


def test_env_value_refuses_an_undeclared_name_and_strips() -> None:
    assert env_value("SECONDFRONT_DB", {"SECONDFRONT_DB": "  x.duckdb "}) == "x.duckdb"
    assert env_value("SECONDFRONT_DB", {}) == ""
    with pytest.raises(KeyError):
        env_value("SECONDFRONT_NOT_A_SETTING", {})
