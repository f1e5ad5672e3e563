"""Sizes are estimated before allocating: a query, a sample or a design that cannot fit
is refused in one line with the estimate and the variable that raises the limit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.errors import UsageError
from secondfront.inference import infer
from secondfront.model.network import Network, Variable

ROOT = Path(__file__).resolve().parents[1]


def grid(n: int, states: int) -> Network:
    """An n x n grid, each variable caused by its left and upper neighbours."""
    variables: dict[str, Variable] = {}
    cpts: dict[str, np.ndarray] = {}
    for i in range(n):
        for j in range(n):
            parents = tuple(
                p for p in ((f"v{i}_{j - 1}" if j else ""), (f"v{i - 1}_{j}" if i else "")) if p
            )
            variables[f"v{i}_{j}"] = Variable(f"v{i}_{j}", tuple(map(str, range(states))), parents)
            shape = (*([states] * len(parents)), states)
            cpts[f"v{i}_{j}"] = np.full(shape, 1.0 / states)
    return Network("grid", variables, cpts)


def test_a_junction_tree_beyond_memory_is_refused_before_it_is_built() -> None:
    # A 12 x 12 grid of 10-state variables: cliques of 10^12 entries and more. Run in a
    # child under a 2 GiB address-space cap, so that a regression (allocating before
    # checking) fails the test instead of exhausting the machine.
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from tests.test_allocation_limits import grid\n"
        "from secondfront.errors import UsageError\n"
        "from secondfront.inference import infer\n"
        "try:\n"
        "    infer(grid(12, 10), {})\n"
        "except UsageError as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"(TiB|PiB|EiB).*SECONDFRONT_MAX_PLAN_BYTES", done.stdout), done.stdout


def test_the_plan_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    small = grid(2, 2)
    assert infer(small, {})["v1_1"]["0"] == pytest.approx(0.5)
    monkeypatch.setenv("SECONDFRONT_MAX_PLAN_BYTES", "64")
    with pytest.raises(UsageError, match="over the limit of 64 bytes"):
        infer(small, {})


def test_a_refused_plan_names_the_model_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECONDFRONT_MAX_PLAN_BYTES", "64")
    result = CliRunner().invoke(app, ["forecast", "--model", "belarus-second-front"])
    assert result.exit_code == 2
    assert result.output.startswith("error: belarus-second-front.yaml: this network's junction")
    assert "SECONDFRONT_MAX_PLAN_BYTES" in result.output and len(result.output.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "--uncertainty", "--samples", "1000000000"],
        [
            "sensitivity",
            "-t",
            "belarus_entry=entered",
            "--method",
            "sobol",
            "--samples",
            "1073741824",
        ],
    ],
)
def test_absurd_sample_sizes_are_one_line_refusals(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "SECONDFRONT_MAX_BATCH_BYTES" in result.output and "Traceback" not in result.output
