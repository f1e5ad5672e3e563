"""The compiled kernel: neighbourhoods, tiles, invariants, reproducibility, the twins."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from secondfront.simulation.epstein import EpsteinParams, init_epstein, run_epstein
from secondfront.simulation.kernel import (
    COP,
    EMPTY,
    JAILED,
    KIND,
    diamond_offsets,
    tile_layout,
)


@pytest.mark.parametrize(("radius", "cells"), [(1, 4), (2, 12), (7, 112)])
def test_diamond_is_von_neumann_without_centre(radius: int, cells: int) -> None:
    dy, dx = diamond_offsets(radius)
    assert len(dy) == cells
    assert not np.any((dy == 0) & (dx == 0))
    assert np.all(np.abs(dy) + np.abs(dx) <= radius)


@pytest.mark.parametrize(("side", "tile"), [(40, 16), (100, 32), (333, 64), (1000, 64)])
def test_tiles_cover_the_lattice_in_even_strips_of_safe_width(side: int, tile: int) -> None:
    tiles, start = tile_layout(side, side, 7, tile)
    area = np.zeros((side, side), dtype=int)
    for y0, y1, x0, x1 in tiles:
        assert y1 - y0 >= 15 and x1 - x0 >= 15  # 2 * vision + 1
        area[y0:y1, x0:x1] += 1
    assert np.all(area == 1)
    assert len(start) == 5 and start[-1] == len(tiles)
    n_rows = len({(y0, y1) for y0, y1, _, _ in tiles})
    assert n_rows % 2 == 0


def test_too_small_a_side_for_tiles_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot hold 2 strips of 15 cells"):
        tile_layout(20, 20, 7, 10)


@pytest.mark.parametrize("tile", [None, 20])
def test_agents_are_conserved_and_positions_consistent(tile: int | None) -> None:
    params = EpsteinParams(width=60, height=60, legitimacy=0.7, max_jail_term=5)
    lattice = init_epstein(params, np.random.default_rng(3), tile=tile)
    n_before = np.count_nonzero(lattice.cell_agent >= 0)
    for _ in range(15):
        lattice.step(k=2.3, threshold=0.1, max_jail=5)
        occupied = np.flatnonzero(lattice.cell_agent >= 0)
        assert len(occupied) == n_before
        assert np.array_equal(np.sort(lattice.pos), occupied)
        assert np.array_equal(lattice.cell_agent[lattice.pos], np.arange(len(lattice.pos)))
        kinds = lattice.code & KIND
        assert np.all(kinds[occupied] != EMPTY)
        assert np.array_equal(kinds[lattice.pos] == COP, lattice.is_cop)


@pytest.mark.parametrize("tile", [None, 20])
def test_a_seed_replays_a_run_exactly(tile: int | None) -> None:
    params = EpsteinParams(width=80, height=80, legitimacy=0.7)
    a = run_epstein(params, 30, 11, tile=tile)
    b = run_epstein(params, 30, 11, tile=tile)
    c = run_epstein(params, 30, 12, tile=tile)
    assert np.array_equal(a.active, b.active) and np.array_equal(a.jailed, b.jailed)
    assert not np.array_equal(a.active, c.active)


REBELLION = EpsteinParams(legitimacy=0.82, cop_density=0.04, max_jail_term=30)


def test_jail_terms_include_the_maximum() -> None:
    """Terms are U{0..J} with J included, as Mesa's ``random.randint(0, J)``.

    The same-state comparison with Mesa runs too few steps to see an off-by-one in the
    term (an exclusive upper bound), so it is checked here: a citizen arrested after
    its own turn keeps its whole term until the step ends, so J shows up, and J + 1
    never does.
    """
    params = EpsteinParams(width=60, height=60, legitimacy=0.7, max_jail_term=3)
    lattice = init_epstein(params, np.random.default_rng(5))
    seen: set[int] = set()
    for _ in range(10):
        lattice.step(k=2.3, threshold=0.1, max_jail=3)
        jailed = (lattice.code[lattice.pos] & KIND) == JAILED
        seen |= set(lattice.jail[jailed].tolist())
    assert seen == {0, 1, 2, 3}


@pytest.mark.slow
def test_tiled_order_matches_the_global_random_order() -> None:
    """The parallel tiled kernel against its exact twin (one global random order)."""
    params = EpsteinParams(
        width=120, height=120, legitimacy=0.82, cop_density=0.04, max_jail_term=30
    )
    exact = [run_epstein(params, 40, s).active for s in range(30)]
    tiled = [run_epstein(params, 40, 100 + s, tile=30).active for s in range(30)]
    for stat in (np.max, np.mean):
        p = mannwhitneyu([stat(a) for a in exact], [stat(a) for a in tiled]).pvalue
        assert p > 0.01, (stat.__name__, p)


@pytest.mark.slow
def test_synchronous_twin_shrinks_outbursts() -> None:
    """The statistic used against Mesa can tell update orders apart at the same size."""
    seq = [run_epstein(REBELLION, 30, s).active.max() for s in range(30)]
    syn = [run_epstein(REBELLION, 30, s, synchronous=True).active.max() for s in range(30)]
    assert np.median(syn) < np.median(seq)
    assert mannwhitneyu(seq, syn, alternative="greater").pvalue < 0.01


# Run in fresh interpreters that share numba's cache: the first puts the parallel driver
# in it (a run with tiles), the second runs the serial driver and then forks a process
# pool, which dies if the serial run started OpenMP's threads. The cache is the
# installed one, which the other simulation tests fill with the same kernels: a private
# empty cache made this test compile them all again (about 30 CPU seconds).
_PARALLEL_FIRST = """
from secondfront.simulation.belarus import run_belarus
from secondfront.simulation.params import load_society
run_belarus(load_society(), "entry", 3000, 3, 1, tile=16)
"""
_SERIAL_THEN_FORK = """
import numba
from secondfront.simulation.ensemble import RunSpec, run_ensemble, spawn_seeds
specs = [RunSpec("belarus", 2000, 3, s, "entry") for s in spawn_seeds(7, 2)]
run_ensemble(specs, workers=1)
try:
    numba.threading_layer()
    print("thread pool started")
except ValueError:
    pass
run_ensemble(specs, workers=2)
print("forked fine")
"""


def test_serial_driver_never_loads_the_parallel_code() -> None:
    for code in (_PARALLEL_FIRST, _SERIAL_THEN_FORK):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["forked", "fine"]
