"""Mesa's Epstein example as the reference implementation, for tests and benchmarks.

Mesa is a test and benchmark dependency only, so it is imported inside the functions
that need it: importing this module costs nothing without it.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from secondfront.simulation.epstein import EpsteinParams

__all__ = ["mesa_speed", "run_mesa"]


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
