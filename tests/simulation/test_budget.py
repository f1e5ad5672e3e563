"""Memory estimates: absurd sizes are refused before anything is allocated."""

from __future__ import annotations

import tracemalloc

import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.errors import UsageError
from secondfront.simulation.budget import (
    BYTES_PER_AGENT,
    PROCESS_BYTES,
    check_memory,
    estimate_memory,
    format_bytes,
    parse_size,
)
from secondfront.simulation.ensemble import RunSpec, run_ensemble, run_one

runner = CliRunner()


@pytest.mark.parametrize("model", ["epstein", "belarus"])
def test_the_estimate_bounds_the_measured_peak_of_a_run(model: str) -> None:
    run_one(RunSpec(model, 2000, 2, 1))  # compile first: numba's own allocations
    tracemalloc.start()
    try:
        run_one(RunSpec(model, 60_000, 3, 1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bound = estimate_memory([RunSpec(model, 60_000, 3, 1)], 1).per_run - PROCESS_BYTES
    assert peak <= bound
    assert bound < 2 * peak  # an upper bound, but not a wild one


def test_concurrent_runs_multiply_the_estimate() -> None:
    specs = [RunSpec("belarus", 100_000, 10, s) for s in range(8)]
    one, four = estimate_memory(specs, 1), estimate_memory(specs, 4)
    assert four.total == 4 * one.total and four.concurrent == 4
    assert one.per_run >= BYTES_PER_AGENT["belarus"] * 100_000


def test_library_refuses_before_running_and_names_the_override() -> None:
    specs = [RunSpec("belarus", 50_000_000, 84, s) for s in range(2)]
    with pytest.raises(UsageError, match=r"would need about .* pass --memory-limit \d+GB"):
        run_ensemble(specs, memory_limit=parse_size("1GB"))
    with pytest.raises(UsageError, match="the kernel indexes at most 2,147,483,647 agents"):
        check_memory([RunSpec("epstein", 10**12, 10, 0)], 1, limit=10**18)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "epstein", "--agents", "1000000000000"], "would need about 88.0 TB per run"),
        (
            ["--model", "belarus", "--agents", "20000000", "--memory-limit", "1GB"],
            "more than the memory limit (1.0 GB); use fewer --agents or --workers, or pass "
            "--memory-limit",
        ),
        (["--memory-limit", "lots"], "'lots' is not a memory size"),
    ],
)
def test_cli_refuses_with_exit_2_and_the_estimate(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["simulate", *args, "--runs", "2"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_sizes_parse_and_print() -> None:
    assert parse_size("16GB") == 16 * 10**9
    assert parse_size("512 MiB") == 512 * 2**20
    assert parse_size("1000") == 1000
    assert format_bytes(96.3e12) == "96.3 TB"
