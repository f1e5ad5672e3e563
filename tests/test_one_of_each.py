"""One class for each concept the project names once: a class of the same name in
another module would be a second implementation of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import secondfront

HOMES = [
    # The dated question of the questions file; the chain's backtest asks rolling-origin
    # questions, a type of their own with its own name.
    ("Question", "forecasting/questions.py"),
    # The parameters a forecast used: the forecasting record points at this one.
    ("FittedParameters", "timeline/fitted.py"),
]


@pytest.mark.parametrize(("name", "home"), HOMES)
def test_one_class_bears_the_name(name: str, home: str) -> None:
    package = Path(secondfront.__file__).parent
    homes = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name == name
    ]
    assert homes == [home]
