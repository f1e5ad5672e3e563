"""Progress bars on stderr for the slow commands, quiet under --json."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from secondfront.cli import options
from secondfront.cli.app import app

runner = CliRunner()

SOBOL = ["sensitivity", "-t", "belarus_entry=entered", "--method", "sobol", "--samples", "64"]
SAMPLE = ["forecast", "--uncertainty", "--samples", "2500"]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Stderr as a terminal (where a bar shows), captured."""
    buffer = io.StringIO()
    monkeypatch.setattr(options, "err", Console(file=buffer, force_terminal=True, width=120))
    return buffer


@pytest.mark.parametrize(("args", "label"), [(SOBOL, "Sobol design"), (SAMPLE, "sampling")])
def test_slow_commands_draw_a_bar_on_a_terminal(
    terminal: io.StringIO, args: list[str], label: str
) -> None:
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.stderr
    assert label in terminal.getvalue()


@pytest.mark.parametrize("args", [SOBOL, SAMPLE])
def test_json_output_has_no_bar(terminal: io.StringIO, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0
    assert terminal.getvalue() == ""
    json.loads(result.stdout)


def test_chunked_sampling_gives_the_same_numbers() -> None:
    from secondfront.analysis.uncertainty import forecast_uncertainty
    from secondfront.model.formats import load

    m = load("belarus-second-front")
    seen: list[tuple[int, int]] = []
    one = forecast_uncertainty(m, 2500, seed=3)
    pieces = forecast_uncertainty(m, 2500, seed=3, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
    for a, b in zip(one.outcomes, pieces.outcomes, strict=True):
        assert a.interval == pytest.approx(b.interval, abs=1e-12)
        assert a.samples == pytest.approx(b.samples, abs=1e-12)


def test_sobol_with_a_bar_gives_the_same_numbers() -> None:
    from secondfront.analysis.sensitivity import Target, sobol
    from secondfront.model.formats import load

    m = load("belarus-second-front")
    target = Target.parse("belarus_entry=entered", m)
    seen: list[tuple[int, int]] = []
    plain = sobol(m, target, n_base=64)
    shown = sobol(m, target, n_base=64, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (plain.evaluations, plain.evaluations)
    assert shown == plain
