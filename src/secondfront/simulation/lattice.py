"""The lattice state of a civil-violence run: arrays, not agent objects.

``Lattice`` is the small mutable state object of one run; the rules live in
``kernel.step_tiles``. Everything random at set-up comes from one
``numpy.random.Generator``; the kernel's streams are keyed by a seed drawn from it, so a
run is replayed exactly from its seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from secondfront.simulation.kernel import (
    ACTIVE,
    COP,
    EMPTY,
    JAILED,
    KIND,
    QUIET,
    Agents,
    Geometry,
    Rules,
    geometry,
    run_steps,
)

__all__ = ["STRIPS_UP_TO", "Lattice", "load_kernel", "populate"]

# Largest tile, in cells, whose neighbourhoods are counted with strip sums by default.
STRIPS_UP_TO = 32_768


@dataclass
class Lattice:
    """One run's lattice and agents (structure of arrays).

    Attributes:
        height: rows of the torus, in cells.
        width: columns of the torus, in cells.
        vision: vision radius of every agent, in cells (von Neumann, Manhattan).
        cell_agent: agent index per cell, -1 when empty; shape ``(height * width,)``.
        code: cell code per cell (``kernel.EMPTY`` ... ``kernel.JAILED``); same shape.
        pos: cell index per agent; shape ``(n_agents,)``.
        is_cop: whether each agent is a cop (police); shape ``(n_agents,)``.
        jail: remaining jail term per agent, in steps; shape ``(n_agents,)``.
        grievance: per agent, in [0, 1] (0 for cops); shape ``(n_agents,)``.
        risk: risk aversion per agent, in [0, 1]; shape ``(n_agents,)``.
        kernel_seed: the key of the kernel's random streams.
        tile: target tile side in cells, or ``None`` for Mesa's exact global order.
        synchronous: citizens decide on a snapshot of the step's start (the naive twin).
        steps_done: steps taken so far.
        incremental: count neighbourhoods from strip sums kept up to date as agents act
            (``kernel._window``) rather than by scanning them; the runs are identical.
            ``None`` chooses: strips when every tile has at most ``STRIPS_UP_TO``
            cells, so that a tile's codes and strips stay in the core's cache; beyond
            that the strips' extra memory traffic costs more than the reads they save.
            The synchronous twin always scans.
    """

    height: int
    width: int
    vision: int
    cell_agent: NDArray[np.int32]
    code: NDArray[np.uint8]
    pos: NDArray[np.int64]
    is_cop: NDArray[np.bool_]
    jail: NDArray[np.int32]
    grievance: NDArray[np.float32]
    risk: NDArray[np.float32]
    kernel_seed: int
    tile: int | None = None
    synchronous: bool = False
    steps_done: int = 0
    incremental: bool | None = None
    _geometry: Geometry = field(init=False, repr=False)
    _strips: NDArray[np.int64] = field(init=False, repr=False)
    _strips_of: NDArray[np.uint8] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._geometry = geometry(self.height, self.width, self.vision, self.tile)
        if self.incremental is None:
            t = self._geometry.tiles
            largest = int(np.max((t[:, 1] - t[:, 0]) * (t[:, 3] - t[:, 2])))
            self.incremental = largest <= STRIPS_UP_TO
        # Built from the codes when a run starts, unless ``_strips_of`` (a copy of the
        # codes the strips were left holding the sums of) shows the codes untouched
        # since: so codes changed from outside (a state copied from Mesa) need no care,
        # and a day-by-day caller does not rebuild them every day.
        self._strips = np.empty(0, dtype=np.int64)
        self._strips_of = None

    @property
    def n_citizens(self) -> int:
        """Number of citizens (agents that are not cops)."""
        return int(self.pos.shape[0] - np.count_nonzero(self.is_cop))

    def step(self, rules: Rules | None = None, **kwargs: float | int | bool) -> int:
        """Advance one step (see ``kernel.step_tiles`` for the rules); return arrests.

        Args:
            rules: the rule constants; or give them as keywords (``k=2.3,
                threshold=0.1, max_jail=30``, the other fields of ``Rules`` default).
        """
        if rules is None:
            rules = Rules(**kwargs)  # type: ignore[arg-type]
        elif kwargs:
            raise TypeError("give the rules as a Rules tuple or as keywords, not both")
        return int(self.run(rules, 1)[0, 0])

    def run(self, rules: Rules, steps: int) -> NDArray[np.int64]:
        """Advance ``steps`` steps in one compiled call (``kernel.run_steps``).

        Returns:
            shape ``(4, steps)``: arrests during each step, then active, quiet and
            jailed citizens after it.
        """
        use_strips = bool(self.incremental) and not self.synchronous
        if use_strips and self._strips.shape[0] != self.code.shape[0]:
            self._strips = np.empty(self.code.shape[0], dtype=np.int64)
            self._strips_of = None
        # Rebuilding the strips is a pass over every cell (at 10.7 M cells, 0.23 CPU-s,
        # an eighth of a step); comparing the codes with the copy costs a hundredth.
        fill = not (
            use_strips and self._strips_of is not None and _same_codes(self._strips_of, self.code)
        )
        # The twin decides on the state at the start of each step, so it steps one at a
        # time to take that snapshot.
        series = []
        for chunk in [1] * steps if self.synchronous else [steps]:
            agents = Agents(
                cell_agent=self.cell_agent,
                code=self.code,
                code_seen=self.code.copy() if self.synchronous else self.code,
                pos=self.pos,
                jail=self.jail,
                grievance=self.grievance,
                risk=self.risk,
                synchronous=self.synchronous,
                strips=self._strips,
                use_strips=use_strips,
            )
            series.append(
                run_steps(
                    self._geometry,
                    agents,
                    rules,
                    self.steps_done,
                    chunk,
                    self.kernel_seed,
                    fill=fill,
                )
            )
            self.steps_done += chunk
        if use_strips:
            if self._strips_of is None:
                self._strips_of = self.code.copy()
            else:
                np.copyto(self._strips_of, self.code)
        else:
            self._strips_of = None  # a scan does not keep the strips up to date
        return np.concatenate(series, axis=1)

    def fork(
        self,
        kernel_seed: int,
        *,
        synchronous: bool | None = None,
        incremental: bool | None = None,
    ) -> Lattice:
        """An independent copy of this state whose future draws come from ``kernel_seed``.

        The copy keeps ``steps_done`` (the parity of the acted bit in ``code`` depends on
        it), so it continues exactly where this lattice stands; only the random streams
        differ. The validation against Mesa runs many such continuations of one state.

        Args:
            kernel_seed: key of the copy's random streams.
            synchronous: the copy's update mode; ``None`` keeps this lattice's.
            incremental: the copy's way of counting; ``None`` keeps this lattice's.

        Returns:
            the copy, sharing no array with this lattice.
        """
        return Lattice(
            height=self.height,
            width=self.width,
            vision=self.vision,
            cell_agent=self.cell_agent.copy(),
            code=self.code.copy(),
            pos=self.pos.copy(),
            is_cop=self.is_cop.copy(),
            jail=self.jail.copy(),
            grievance=self.grievance.copy(),
            risk=self.risk.copy(),
            kernel_seed=int(kernel_seed),
            tile=self.tile,
            synchronous=self.synchronous if synchronous is None else synchronous,
            steps_done=self.steps_done,
            incremental=self.incremental if incremental is None else incremental,
        )

    def counts(self) -> dict[str, int]:
        """Citizens by state: ``{"active", "quiet", "jailed"}``."""
        kinds = self.code & KIND  # the acted bit cleared
        return {
            "active": int(np.count_nonzero(kinds == ACTIVE)),
            "quiet": int(np.count_nonzero(kinds == QUIET)),
            "jailed": int(np.count_nonzero(kinds == JAILED)),
        }

    def nbytes(self) -> int:
        """Bytes held by the state arrays."""
        arrays: tuple[np.ndarray, ...] = (self.cell_agent, self.code, self.pos, self.is_cop)
        arrays += (self.jail, self.grievance, self.risk, self._strips)
        if self._strips_of is not None:
            arrays += (self._strips_of,)
        return sum(a.nbytes for a in arrays)


def _same_codes(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> bool:
    """Whether two code arrays are equal, compared in blocks of 2**20 cells.

    Blocks keep the temporary at a megabyte (a whole comparison would hold a boolean per
    cell, 10.7 MB at Belarus's size); numpy compares a block at memory speed, and a
    compiled twin would cost a first run after an install its compile time.
    """
    block = 1 << 20
    return a.shape == b.shape and all(
        np.array_equal(a[i : i + block], b[i : i + block]) for i in range(0, a.shape[0], block)
    )


def populate(
    height: int,
    width: int,
    citizen_density: float,
    cop_density: float,
    rng: np.random.Generator,
    *,
    vision: int = 7,
    tile: int | None = None,
    synchronous: bool = False,
) -> tuple[Lattice, NDArray[np.float64], NDArray[np.float64]]:
    """Place citizens and cops on an empty torus, each cell independently.

    As in Mesa's example, each cell holds a citizen with probability
    ``citizen_density``, a cop with probability ``cop_density``, else nothing.

    Args:
        height: rows, in cells.
        width: columns, in cells.
        citizen_density: probability that a cell holds a citizen.
        cop_density: probability that a cell holds a cop.
        rng: the run's generator; draws the layout and the kernel seed.
        vision: vision radius, in cells.
        tile: target tile side for the parallel kernel, ``None`` for one tile.
        synchronous: build the synchronous-activation twin.

    Returns:
        ``(lattice, u1, u2)``: the lattice with zero grievance and risk, and two
        uniform draws in [0, 1) per agent (shape ``(n_agents,)``; zero for cops) that
        the model turns into grievance and risk aversion.
    """
    if citizen_density < 0 or cop_density < 0 or citizen_density + cop_density > 1:
        raise ValueError(
            f"citizen density {citizen_density} + cop density {cop_density} must lie in [0, 1]"
        )
    n_cells = height * width
    # One byte per cell from the start (a nested np.where would hold two int64 arrays
    # per cell at the peak); the comparisons are the same, so the layout is too.
    u = rng.random(n_cells, dtype=np.float32)
    code = np.full(n_cells, EMPTY, dtype=np.uint8)
    code[u < citizen_density + cop_density] = COP
    code[u < citizen_density] = QUIET
    del u
    occupied = np.flatnonzero(code != EMPTY)
    n = occupied.shape[0]
    cell_agent = np.full(n_cells, -1, dtype=np.int32)
    cell_agent[occupied] = np.arange(n, dtype=np.int32)
    is_cop = code[occupied] == COP
    u1 = rng.random(n)
    u2 = rng.random(n)
    u1[is_cop] = 0.0
    u2[is_cop] = 0.0
    lattice = Lattice(
        height=height,
        width=width,
        vision=vision,
        cell_agent=cell_agent,
        code=code,
        pos=occupied,
        is_cop=is_cop,
        jail=np.zeros(n, dtype=np.int32),
        grievance=np.zeros(n, dtype=np.float32),
        risk=u2.astype(np.float32),
        kernel_seed=int(rng.integers(0, 2**63 - 1)),
        tile=tile,
        synchronous=synchronous,
    )
    return lattice, u1, u2


def load_kernel() -> None:
    """Compile the one-tile kernel in this process, or load it from numba's cache.

    A process pool forked afterwards inherits the compiled code, and one started
    otherwise finds it in the cache, so an ensemble of small runs compiles the kernel
    once instead of once in every worker at the same time (the first run after an
    install: about 5 CPU seconds a process). Steps a 15 x 15 lattice with the dtypes
    ``populate`` gives every run, so that no other specialisation is compiled later.
    """
    lattice, _, _ = populate(15, 15, 0.7, 0.04, np.random.default_rng(0))
    lattice.run(Rules(k=2.3, threshold=0.1, max_jail=30), 1)
