"""How an ensemble uses the cores: the rule, and a seed that replays on any core count."""

from __future__ import annotations

import subprocess
import sys

import numba
import numpy as np
import pytest

from secondfront.simulation import ensemble
from secondfront.simulation.belarus import SERIES, run_belarus
from secondfront.simulation.ensemble import (
    TILE_SIDE,
    TILED_FROM,
    RunSpec,
    kernel_tile,
    run_ensemble,
    spawn_seeds,
)
from secondfront.simulation.epstein import EpsteinParams, run_epstein
from secondfront.simulation.params import load_society
from secondfront.simulation.stats import weekly


def test_the_rule_reads_the_size_of_a_run_only() -> None:
    assert kernel_tile(TILED_FROM - 1) is None
    assert kernel_tile(TILED_FROM) == TILE_SIDE
    assert kernel_tile(7_500_000) == TILE_SIDE


def test_a_tiled_run_is_the_same_on_one_thread_and_on_all() -> None:
    params = EpsteinParams(width=120, height=120, legitimacy=0.82, cop_density=0.04)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_epstein(params, 25, 9, tile=30)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        every = run_epstein(params, 25, 9, tile=30)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.active, every.active)
    assert np.array_equal(one.jailed, every.jailed)
    assert np.array_equal(one.arrests, every.arrests)


def test_big_runs_are_tiled_and_run_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ensemble, "TILED_FROM", 5_000)
    specs = [RunSpec("belarus", 6_000, 14, s, "entry") for s in spawn_seeds(5, 2)]
    # workers=2 would fork a pool for small runs; big ones ignore it and run here.
    result = run_ensemble(specs, workers=2)
    society = load_society()
    for i, spec in enumerate(specs):
        run = run_belarus(society, "entry", 6_000, 14, spec.seed, tile=TILE_SIDE)
        for name, values in run.series().items():
            assert np.array_equal(result.runs[name][i], weekly(values, SERIES[name], 7)), name


# A fresh interpreter, where nothing is compiled yet (numba's cache may hold the
# kernel). The ensemble's workers are forked processes: the kernel must be compiled, or
# loaded from the cache, here before they start, so that they inherit it instead of
# each compiling it (on a first run after an install, about 5 CPU seconds a worker).
# Then every other path (another model, another scenario, the scanning count, the
# synchronous twin, rules given as ints) must use the same single specialisation of
# each compiled function: a second one would be compiled on its first use.
_ONE_COMPILE = """
import numpy as np
from secondfront.simulation import kernel
from secondfront.simulation.ensemble import RunSpec, run_ensemble, run_one, spawn_seeds
from secondfront.simulation.epstein import EpsteinParams, init_epstein, run_epstein
specs = [RunSpec("belarus", 2000, 3, s, "entry") for s in spawn_seeds(3, 2)]
run_ensemble(specs, workers=2)
compiled = [kernel._run_serial, kernel._run_tile, kernel._arrest_table]
print(*(len(f.signatures) for f in compiled))
run_one(RunSpec("epstein", 0, 3, 1))
run_one(RunSpec("belarus", 2000, 3, 2, "2022"))
run_epstein(EpsteinParams(), 3, 4, synchronous=True)
lattice = init_epstein(EpsteinParams(), np.random.default_rng(5))
lattice.incremental = False
lattice.step(k=2, threshold=0, max_jail=30)
print(*(len(f.signatures) for f in compiled))
"""


def test_an_ensemble_compiles_the_kernel_once_before_its_workers_start() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _ONE_COMPILE], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before_the_pool, after_every_path = done.stdout.splitlines()
    # _run_tile is compiled with the runner, or not at all when the runner comes from
    # the cache (the runner's cached code holds it).
    assert before_the_pool.split()[::2] == ["1", "1"]
    assert after_every_path.split()[::2] == ["1", "1"]
    assert after_every_path.split()[1] in ("0", "1")
