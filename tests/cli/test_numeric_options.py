"""Every numeric option is checked in one place: a bad number is one line and exit 2."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.cli.options import NUMBER_RULES, check_numbers
from secondfront.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


def _commands(t: typer.Typer, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for c in t.registered_commands:
        assert c.callback is not None
        yield prefix + (c.name or c.callback.__name__), c.callback
    for g in t.registered_groups:
        assert g.typer_instance is not None and g.name is not None
        yield from _commands(g.typer_instance, prefix + g.name + " ")


def _numeric(fn: Any) -> dict[str, type]:
    hints = typing.get_type_hints(fn, include_extras=True)
    out = {}
    for name, hint in hints.items():
        base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
        kinds = set(typing.get_args(base)) or {base}
        for kind in (int, float):
            if kind in kinds:
                out[name] = kind
    return out


def test_every_command_checks_its_numbers_before_it_runs() -> None:
    numeric = 0
    for name, callback in _commands(app):
        assert hasattr(callback, "__wrapped__"), f"{name} is not registered through command()"
        fn = callback.__wrapped__
        params = inspect.signature(fn).parameters
        for option, kind in _numeric(fn).items():
            numeric += 1
            least, _ = NUMBER_RULES.get(option, (0, None))
            flag = "--" + option.replace("_", "-")
            with pytest.raises(UsageError, match=f"^{flag} must be at least"):
                check_numbers({option: kind(least - 1)})
            if kind is float:
                with pytest.raises(UsageError, match=f"^{flag} must be a finite number"):
                    check_numbers({option: float("nan")})
            default = params[option].default
            if isinstance(default, int | float):
                check_numbers({option: default})  # the defaults pass their own rules
    assert numeric >= 25  # seeds, sample sizes, runs, ports, ... (found, not listed)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "--seed", "-1"], "error: --seed must be at least 0, got -1"),
        (["forecast", "--seed", "-5"], "error: --seed must be at least 0, got -5"),
        (["simulate", "--runs", "0"], "error: --runs must be at least 1, got 0"),
        (["sensitivity", "--top", "-1", "-t", "belarus_entry=entered"], "--top must be at least"),
        (["serve", "--port", "70000"], "error: --port must be at most 65535, got 70000"),
        (["forecast", "--seed", str(2**64)], "--seed must be at most 9223372036854775807"),
    ],
)
def test_a_bad_number_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_an_unreadable_number_is_one_line_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "secondfront", "simulate", "--runs", "abc"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Invalid value for '--runs'" in lines[0], done.stderr
