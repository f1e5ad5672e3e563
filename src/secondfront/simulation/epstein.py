"""Epstein's civil violence model (Model I), with the defaults of Mesa's example.

Epstein, J. M. (2002), "Modeling civil violence: An agent-based computational
approach", PNAS 99 (suppl. 3), 7243-7250. Rules, per agent and step:

* grievance ``G = H * (1 - L)``: hardship ``H ~ U(0, 1)``, legitimacy ``L``;
* estimated arrest probability ``P = 1 - exp(-k * round(C / A))``, ``C`` cops and
  ``A`` active citizens in vision (the citizen counts itself), ``k = 2.3``;
* a citizen is active when ``G - R * P > T`` (risk aversion ``R ~ U(0, 1)``,
  ``T = 0.1``);
* a cop arrests one active citizen in vision for ``U{0..J}`` steps;
* every free agent then moves to a random empty cell in vision.

Mesa's example (``mesa.examples.advanced.epstein_civil_violence``, Mesa 3.3) is the
reference: 40 x 40 torus, citizen density 0.7, cop density 0.074, legitimacy 0.8, vision
7, maximum jail term 1000, ``round`` half to even, jailed citizens keep their cell, and
agents act one at a time in a random order each step (see ``kernel`` for how that order
is kept when the lattice is processed in parallel tiles).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from secondfront.simulation.kernel import Rules
from secondfront.simulation.lattice import Lattice, populate

__all__ = [
    "EpsteinParams",
    "EpsteinRun",
    "continue_epstein",
    "init_epstein",
    "run_epstein",
    "side_for_agents",
]


@dataclass(frozen=True)
class EpsteinParams:
    """Parameters of Epstein's Model I; the defaults are those of Mesa's example.

    Attributes:
        width: torus columns, in cells.
        height: torus rows, in cells.
        citizen_density: probability that a cell starts with a citizen.
        cop_density: probability that a cell starts with a cop.
        vision: vision radius of citizens and cops, in cells.
        legitimacy: perceived legitimacy ``L`` of the regime, in [0, 1].
        max_jail_term: longest jail term ``J``, in steps.
        active_threshold: ``T``.
        arrest_prob_constant: ``k``.
        movement: whether agents move after acting.
    """

    width: int = 40
    height: int = 40
    citizen_density: float = 0.7
    cop_density: float = 0.074
    vision: int = 7
    legitimacy: float = 0.8
    max_jail_term: int = 1000
    active_threshold: float = 0.1
    arrest_prob_constant: float = 2.3
    movement: bool = True

    def rules(self) -> Rules:
        """The step rules of Epstein's model with these constants."""
        return Rules(
            k=self.arrest_prob_constant,
            threshold=self.active_threshold,
            max_jail=self.max_jail_term,
            movement=self.movement,
        )

    def as_dict(self) -> dict[str, object]:
        """The parameters as a plain dict (for JSON output)."""
        return asdict(self)


@dataclass(frozen=True)
class EpsteinRun:
    """Series of one run, one entry per step, the initial state first.

    Attributes:
        active: active citizens; shape ``(steps + 1,)``.
        quiet: quiet citizens; same shape.
        jailed: jailed citizens; same shape.
        arrests: arrests made during each step (0 for the initial state); same shape.
        n_citizens: number of citizens.
        n_cops: number of cops.
    """

    active: NDArray[np.int64]
    quiet: NDArray[np.int64]
    jailed: NDArray[np.int64]
    arrests: NDArray[np.int64]
    n_citizens: int
    n_cops: int


def side_for_agents(n_agents: int, citizen_density: float, cop_density: float) -> int:
    """Side of the square torus whose expected population is ``n_agents``."""
    return cast("int", max(15, round((n_agents / (citizen_density + cop_density)) ** 0.5)))


def init_epstein(
    params: EpsteinParams,
    rng: np.random.Generator,
    *,
    tile: int | None = None,
    synchronous: bool = False,
) -> Lattice:
    """Populate a lattice for Epstein's model.

    Args:
        params: model parameters.
        rng: the run's generator.
        tile: target tile side for the parallel kernel; ``None`` keeps Mesa's exact
            global random order (one core).
        synchronous: the naive twin, in which citizens decide on the state at the start
            of the step; it shrinks outbursts and exists to show that the tests can
            tell the difference.

    Returns:
        the lattice, every citizen quiet.
    """
    lattice, hardship, _ = populate(
        params.height,
        params.width,
        params.citizen_density,
        params.cop_density,
        rng,
        vision=params.vision,
        tile=tile,
        synchronous=synchronous,
    )
    lattice.grievance[:] = hardship * (1.0 - params.legitimacy)
    lattice.grievance[lattice.is_cop] = 0.0
    return lattice


def run_epstein(
    params: EpsteinParams,
    steps: int,
    seed: int | np.random.Generator,
    *,
    tile: int | None = None,
    synchronous: bool = False,
) -> EpsteinRun:
    """Run Epstein's model for ``steps`` steps.

    Args:
        params: model parameters.
        steps: number of steps.
        seed: an int seed or a ``numpy.random.Generator`` (the run's only randomness).
        tile: see ``init_epstein``.
        synchronous: see ``init_epstein``.

    Returns:
        the run's series.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lattice = init_epstein(params, rng, tile=tile, synchronous=synchronous)
    return continue_epstein(lattice, params, steps)


def continue_epstein(lattice: Lattice, params: EpsteinParams, steps: int) -> EpsteinRun:
    """Advance an existing lattice by ``steps`` steps under Epstein's rules.

    Args:
        lattice: the state to start from (changed in place); for instance a ``fork`` of
            another run, or a state taken over from Mesa's model.
        params: model parameters (the rule constants; the lattice's own size, agents
            and vision are used as they are).
        steps: number of steps.

    Returns:
        the run's series, the lattice's current state first.
    """
    series = np.zeros((4, steps + 1), dtype=np.int64)
    c = lattice.counts()
    series[:3, 0] = c["active"], c["quiet"], c["jailed"]
    ran = lattice.run(params.rules(), steps)  # arrests, active, quiet, jailed
    series[3, 1:] = ran[0]
    series[:3, 1:] = ran[1:]
    n_cops = int(np.count_nonzero(lattice.is_cop))
    active, quiet, jailed, arrests = series
    return EpsteinRun(active, quiet, jailed, arrests, lattice.n_citizens, n_cops)
