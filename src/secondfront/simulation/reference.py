"""Mesa's Epstein example as the reference implementation, for tests and benchmarks.

Mesa is a test and benchmark dependency only, so it is imported inside the functions
that need it: importing this module costs nothing without it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from secondfront.simulation.epstein import EpsteinParams
from secondfront.simulation.kernel import ACTIVE, COP, JAILED, QUIET
from secondfront.simulation.lattice import Lattice

__all__ = ["lattice_from_mesa", "mesa_continuations", "mesa_speed", "run_mesa"]


def _mesa_model(params: EpsteinParams, seed: int):  # type: ignore[no-untyped-def]
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    return EpsteinCivilViolence(
        width=params.width,
        height=params.height,
        citizen_density=params.citizen_density,
        cop_density=params.cop_density,
        citizen_vision=params.vision,
        cop_vision=params.vision,
        legitimacy=params.legitimacy,
        max_jail_term=params.max_jail_term,
        active_threshold=params.active_threshold,
        arrest_prob_constant=params.arrest_prob_constant,
        movement=params.movement,
        max_iters=10**9,
        seed=seed,
    )


def run_mesa(params: EpsteinParams, steps: int, seed: int) -> NDArray[np.int64]:
    """Active citizens per step in Mesa's model, the initial state first.

    Returns:
        shape ``(steps + 1,)``.
    """
    model = _mesa_model(params, seed)
    active = [model.ACTIVE]
    for _ in range(steps):
        model.step()
        active.append(model.ACTIVE)
    return np.asarray(active, dtype=np.int64)


def mesa_speed(params: EpsteinParams, steps: int, seed: int = 0) -> tuple[int, float]:
    """``(agents, seconds per step)`` of Mesa's model, set-up excluded."""
    model = _mesa_model(params, seed)
    model.step()  # warm caches of neighbourhoods
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return len(model.agents), (time.perf_counter() - start) / steps


def lattice_from_mesa(model, vision: int) -> Lattice:  # type: ignore[no-untyped-def]
    """Our lattice in exactly the state of a Mesa Epstein model between two steps.

    Positions, kinds, states, jail terms, grievance and risk aversion are copied (Mesa's
    coordinate ``(x, y)`` becomes cell ``y * width + x``; Manhattan neighbourhoods on
    the torus are preserved). No agent has acted yet in the coming step.

    Args:
        model: an ``EpsteinCivilViolence`` model.
        vision: the agents' vision radius.

    Returns:
        a lattice with kernel seed 0 (``fork`` it to give it its own streams).
    """
    from mesa.examples.advanced.epstein_civil_violence.agents import CitizenState, Cop

    width, height = model.grid.dimensions
    agents = list(model.agents)
    n = len(agents)
    cell_agent = np.full(width * height, -1, dtype=np.int32)
    code = np.zeros(width * height, dtype=np.uint8)
    pos = np.zeros(n, dtype=np.int64)
    is_cop = np.zeros(n, dtype=np.bool_)
    jail = np.zeros(n, dtype=np.int32)
    grievance = np.zeros(n, dtype=np.float32)
    risk = np.zeros(n, dtype=np.float32)
    by_state = {
        CitizenState.ACTIVE: ACTIVE,
        CitizenState.QUIET: QUIET,
        CitizenState.ARRESTED: JAILED,
    }
    for i, agent in enumerate(agents):
        x, y = agent.cell.coordinate
        cell = y * width + x
        cell_agent[cell] = i
        pos[i] = cell
        if isinstance(agent, Cop):
            is_cop[i] = True
            code[cell] = COP
        else:
            code[cell] = by_state[agent.state]
            jail[i] = agent.jail_sentence
            grievance[i] = agent.grievance
            risk[i] = agent.risk_aversion
    return Lattice(
        height=height,
        width=width,
        vision=vision,
        cell_agent=cell_agent,
        code=code,
        pos=pos,
        is_cop=is_cop,
        jail=jail,
        grievance=grievance,
        risk=risk,
        kernel_seed=0,
    )


def mesa_continuations(
    params: EpsteinParams, seed: int, warmup: int, seeds: Sequence[int], horizon: int
) -> tuple[Lattice, NDArray[np.int64]]:
    """Many random continuations of one state of Mesa's model.

    Mesa's model runs ``warmup`` steps from ``seed``; then, for each of ``seeds``, the
    state is restored in place, Mesa's generator is reseeded and ``horizon`` steps are
    run. Comparing these with our continuations of the same state (``Lattice.fork``)
    tests the one-step rules directly: the spread between continuations of one state
    is far smaller than the spread between runs, so the test has power against small
    rule differences that whole-run statistics over 30 seeds cannot see.

    Args:
        params: model parameters.
        seed: Mesa's seed for the warm-up.
        warmup: steps before the state is taken.
        seeds: one seed per continuation.
        horizon: steps per continuation.

    Returns:
        ``(lattice, counts)``: the state as our lattice, and the active and jailed
        citizens after each step of each continuation, shape ``(len(seeds), horizon, 2)``.
    """
    model = _mesa_model(params, seed)
    for _ in range(warmup):
        model.step()
    lattice = lattice_from_mesa(model, params.vision)
    agents = list(model.agents)
    # Restoring in place (not a deep copy) keeps Mesa's cached neighbourhoods warm;
    # citizens carry no other state between steps than their cell, state and term.
    snapshot = [
        (a, a.cell, getattr(a, "state", None), getattr(a, "jail_sentence", None)) for a in agents
    ]
    counts = np.zeros((len(seeds), horizon, 2), dtype=np.int64)
    for r, s in enumerate(seeds):
        for agent in agents:
            agent.cell = None
        for agent, cell, state, term in snapshot:
            agent.cell = cell
            if state is not None:
                agent.state = state
                agent.jail_sentence = term
        # Agents, cells and neighbourhoods all hold this one generator.
        model.random.seed(s)
        for t in range(horizon):
            model.step()
            counts[r, t] = model.ACTIVE, model.ARRESTED
    return lattice, counts
