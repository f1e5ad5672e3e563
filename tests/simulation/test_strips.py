"""Incremental neighbourhood counts: the strips cover the diamond and give the same runs."""

from __future__ import annotations

import numpy as np
import pytest

from secondfront.simulation.epstein import EpsteinParams, init_epstein
from secondfront.simulation.kernel import _PACKED, Rules, diamond_offsets, geometry
from secondfront.simulation.lattice import STRIPS_UP_TO

BELARUS_LIKE = Rules(
    k=2.3,
    threshold=0.1,
    max_jail=15,
    social_weight=0.3,
    severity=1.5,
    long_jail_p=0.1,
    long_jail=100,
    perceived_police=0.5,
    arrest_p=0.6,
    round_ratio=False,
)


@pytest.mark.parametrize("radius", [1, 2, 5, 7])
def test_the_lines_cover_the_neighbourhood_and_its_centre_once(radius: int) -> None:
    g = geometry(4 * radius + 3, 4 * radius + 3, radius, None)
    covered: list[tuple[int, int]] = []
    for y, x, shift in zip(g.line_dy, g.line_dx, g.line_shift, strict=True):
        length = radius + 1 if shift == 0 else radius
        covered += [(int(y) + t, int(x) + t) for t in range(length)]
    dy, dx = diamond_offsets(radius)
    assert sorted(covered) == sorted([(0, 0), *zip(dy.tolist(), dx.tolist(), strict=True)])


def _strips_from_scratch(code: np.ndarray, height: int, width: int, radius: int) -> np.ndarray:
    """Packed sums along the diagonals, by brute force (no shared code with the kernel)."""
    values = _PACKED[code].reshape(height, width)
    long = np.zeros_like(values)
    short = np.zeros_like(values)
    for t in range(radius + 1):
        shifted = np.roll(values, (-t, -t), axis=(0, 1))
        long += shifted
        if t < radius:
            short += shifted
    return (long + (short << 32)).ravel()


@pytest.mark.parametrize("tile", [None, 24])
def test_strips_stay_equal_to_sums_from_scratch(tile: int | None) -> None:
    params = EpsteinParams(width=72, height=53, legitimacy=0.6, cop_density=0.04)
    lattice = init_epstein(params, np.random.default_rng(2), tile=tile)
    lattice.incremental = True
    for _ in range(6):
        lattice.step(BELARUS_LIKE)
        expected = _strips_from_scratch(lattice.code, 53, 72, params.vision)
        assert np.array_equal(lattice._strips, expected)


@pytest.mark.parametrize(
    ("params", "tile", "rules"),
    [
        (EpsteinParams(legitimacy=0.82, cop_density=0.04, max_jail_term=30), None, None),
        (EpsteinParams(width=97, height=61, legitimacy=0.7, cop_density=0.04), 25, None),
        (EpsteinParams(width=90, height=90, legitimacy=0.6, cop_density=0.03), None, BELARUS_LIKE),
    ],
)
def test_counting_with_strips_gives_the_very_same_run_as_scanning(
    params: EpsteinParams, tile: int | None, rules: Rules | None
) -> None:
    rules = rules or params.rules()
    strips = init_epstein(params, np.random.default_rng(1), tile=tile)
    strips.incremental = True
    scan = strips.fork(strips.kernel_seed, incremental=False)
    a = strips.run(rules, 40)
    b = scan.run(rules, 40)
    assert np.array_equal(a, b)
    assert a[0].sum() > 0  # arrests happened, so cells changed kind
    for name in ("code", "cell_agent", "pos", "jail"):
        assert np.array_equal(getattr(strips, name), getattr(scan, name)), name


def test_the_lattice_chooses_strips_only_for_tiles_that_stay_in_cache() -> None:
    small = init_epstein(EpsteinParams(), np.random.default_rng(0))
    assert small.incremental is True
    side = int(STRIPS_UP_TO**0.5) + 20
    big = init_epstein(EpsteinParams(width=side, height=side), np.random.default_rng(0))
    assert big.incremental is False
    tiled = init_epstein(EpsteinParams(width=side, height=side), np.random.default_rng(0), tile=64)
    assert tiled.incremental is True


def test_the_synchronous_twin_scans() -> None:
    lattice = init_epstein(EpsteinParams(), np.random.default_rng(0), synchronous=True)
    lattice.step(EpsteinParams().rules())  # no error: the twin ignores the strips
    assert lattice._strips.shape[0] == 0


def test_codes_changed_from_outside_between_runs_are_seen() -> None:
    params = EpsteinParams(width=72, height=53, legitimacy=0.6, cop_density=0.04)
    lattice = init_epstein(params, np.random.default_rng(3), tile=24)
    lattice.incremental = True
    lattice.run(BELARUS_LIKE, 3)
    assert lattice._strips_of is not None
    assert np.array_equal(lattice._strips_of, lattice.code)  # the copy the next run checks
    # A change from outside between runs: quiet citizens turned active.
    quiet = np.flatnonzero((lattice.code & 7) == 2)[:40]
    lattice.code[quiet] = (lattice.code[quiet] & 8) | 3
    fresh = lattice.fork(lattice.kernel_seed)  # a copy builds its strips from scratch
    assert np.array_equal(lattice.run(BELARUS_LIKE, 4), fresh.run(BELARUS_LIKE, 4))
    expected = _strips_from_scratch(lattice.code, 53, 72, params.vision)
    assert np.array_equal(lattice._strips, expected)
