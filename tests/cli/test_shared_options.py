"""An option that two commands share reads the same in both: flags, default and help."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main

from secondfront.cli.app import app


def _options(*path: str) -> dict[str, Any]:
    """The parameters of the command at ``path`` (``("questions", "record")``), by name."""
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.get_command(None, name)
    return {p.name: p for p in cmd.params}


def _reading(param: Any) -> tuple[object, ...]:
    """What a user sees of an option: its flags, default, help, whether it is hidden."""
    return (tuple(param.opts), tuple(param.secondary_opts), param.default, param.help, param.hidden)


@pytest.mark.parametrize(
    ("one", "other", "names"),
    [
        (("simulate",), ("calibrate",), ["scheduler", "params", "as_json"]),
        (("questions", "forecast"), ("questions", "record"), ["as_of", "rules", "timeline"]),
        (("questions", "record"), ("questions", "history"), ["db"]),
    ],
)
def test_shared_options_read_the_same(
    one: tuple[str, ...], other: tuple[str, ...], names: list[str]
) -> None:
    a, b = _options(*one), _options(*other)
    for name in names:
        assert _reading(a[name]) == _reading(b[name]), name


def test_the_shared_options_keep_their_words() -> None:
    sim = _options("simulate")
    assert _reading(sim["params"]) == (
        ("--params",),
        (),
        None,
        "Society parameters file (default: shipped).",
        False,
    )
    assert _reading(sim["as_json"])[:4] == (("--json",), (), False, "Print JSON.")
    record = _options("questions", "record")
    assert record["db"].required and record["db"].opts == ["--db"]
    assert record["as_of"].help == "Forecast day YYYY-MM-DD (default: each asked)."
