"""Ensembles of runs, fanned out over local processes or a Dask cluster.

A run is described by a ``RunSpec`` (plain data, so it pickles to any worker) and
returns its series aggregated to periods (weeks for the Belarus model). Seeds of the
runs are spawned from the ensemble's seed with ``numpy.random.SeedSequence``, so the
ensemble is reproducible whatever executes it and in whatever order runs finish.

How the cores are used (``kernel_tile``, ``run_ensemble``), by a rule on the size of a
run alone:

* a run of fewer than ``TILED_FROM`` agents uses one tile (Mesa's exact global random
  order) on one core, and the runs of an ensemble go one per process: with several
  small runs at once, one run per core beats threads inside a run (a thread-pool launch
  per step costs more than a small lattice's whole step);
* a run of ``TILED_FROM`` agents or more uses the tiled kernel (tiles of ``TILE_SIDE``
  cells) on every core through numba's threads, and the runs of the ensemble go one
  after another in this process, so a single big run uses the whole machine.

The rule reads the run's size, never the number of cores, and the tiled kernel's
random streams are keyed by seed, step and tile, never by thread: a seed gives the
same run on any machine, with any number of cores or workers.

Before anything is allocated, ``run_ensemble`` estimates the ensemble's memory and
refuses what does not fit (``budget.check_memory``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict

import numpy as np

from secondfront.errors import UsageError
from secondfront.simulation.belarus import SCENARIOS, SERIES, run_belarus
from secondfront.simulation.budget import check_memory
from secondfront.simulation.epstein import EpsteinParams, run_epstein, side_for_agents
from secondfront.simulation.lattice import load_kernel
from secondfront.simulation.params import SocietyParams, load_society
from secondfront.simulation.stats import bands, weekly

__all__ = [
    "MODELS",
    "TILED_FROM",
    "TILE_SIDE",
    "EnsembleJSON",
    "EnsembleResult",
    "RunSpec",
    "kernel_tile",
    "run_ensemble",
    "run_one",
    "spawn_seeds",
]

MODELS: tuple[str, ...] = ("epstein", "belarus")
# A run with this many agents or more is tiled and uses every core (module doc).
TILED_FROM = 250_000
# Tile side of those runs, in cells: large enough that a step's thread launches are
# negligible, small enough that a tile's cells stay in cache and the tiles of one
# colour keep every core busy.
TILE_SIDE = 64

# Epstein series, per step.
_EPSTEIN_SERIES: dict[str, str] = {"active_share": "mean", "jailed_share": "mean", "arrests": "sum"}


@dataclass(frozen=True)
class RunSpec:
    """One run of an ensemble.

    Attributes:
        model: ``"epstein"`` or ``"belarus"``.
        agents: citizens to simulate (Epstein: 0 keeps Mesa's 40 x 40 lattice).
        steps: steps (days for the Belarus model).
        seed: the run's own seed.
        scenario: Belarus scenario (ignored by Epstein).
        params_path: society parameters file, ``None`` for the shipped one.
        overrides: ``{"group.name": value}`` replacing parameter values.
    """

    model: str
    agents: int
    steps: int
    seed: int
    scenario: str = "entry"
    params_path: str | None = None
    overrides: tuple[tuple[str, float], ...] = field(default_factory=tuple)


def spawn_seeds(seed: int, runs: int) -> list[int]:
    """Independent run seeds spawned from one ensemble seed."""
    children = np.random.SeedSequence(seed).spawn(runs)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def kernel_tile(agents: int) -> int | None:
    """Tile side for a run of ``agents`` agents: ``None`` (one tile) below ``TILED_FROM``.

    Depends on the run alone, never on the machine, so that a seed replays a run
    anywhere.
    """
    return TILE_SIDE if agents >= TILED_FROM else None


def _period(model: str) -> int:
    return 7 if model == "belarus" else 1


def run_one(spec: RunSpec) -> dict[str, list[float]]:
    """Run one simulation; its series aggregated to periods (see ``_period``)."""
    if spec.model == "epstein":
        base = EpsteinParams()
        if spec.agents:
            side = side_for_agents(spec.agents, base.citizen_density, base.cop_density)
            base = replace(base, width=side, height=side)
        r = run_epstein(base, spec.steps, spec.seed, tile=kernel_tile(spec.agents))
        raw = {
            "active_share": r.active / r.n_citizens,
            "jailed_share": r.jailed / r.n_citizens,
            "arrests": r.arrests.astype(float),
        }
        return {k: weekly(v, _EPSTEIN_SERIES[k], 1).tolist() for k, v in raw.items()}
    params = load_society(spec.params_path)
    if spec.overrides:
        params = with_overrides(params, dict(spec.overrides))
    run = run_belarus(
        params, spec.scenario, spec.agents, spec.steps, spec.seed, tile=kernel_tile(spec.agents)
    )
    return {k: weekly(v, SERIES[k], 7).tolist() for k, v in run.series().items()}


def with_overrides(params: SocietyParams, overrides: Mapping[str, float]) -> SocietyParams:
    """A copy of the society parameters with ``{"group.name": value}`` replaced."""
    data = params.model_dump(by_alias=True)
    for key, value in overrides.items():
        group, _, name = key.partition(".")
        if group not in data or not isinstance(data[group], dict) or name not in data[group]:
            raise UsageError(f"unknown parameter {key!r}")
        data[group][name]["value"] = float(value)
    return type(params).model_validate(data)


class EnsembleJSON(TypedDict):
    """:meth:`EnsembleResult.as_json`: the ensemble's settings and percentile bands.

    ``series`` maps each series to its ``[p5, p50, p95]`` per period; ``scenario`` is
    None for the Epstein model.
    """

    runs: int
    model: str
    scenario: str | None
    agents: int
    steps: int
    period_steps: int
    seeds: list[int]
    series: dict[str, list[list[float]]]


@dataclass(frozen=True)
class EnsembleResult:
    """Per-period series of every run and their percentile bands.

    Attributes:
        specs: the runs, in seed order.
        runs: ``{series: array (n_runs, n_periods)}``.
        period: steps per reported period (7 for the Belarus model's weeks).
    """

    specs: tuple[RunSpec, ...]
    runs: dict[str, np.ndarray]
    period: int

    def as_json(self) -> EnsembleJSON:
        """``{"runs": R, "series": {name: [[p5, p50, p95] per period]}, ...}``."""
        first = self.specs[0]
        return {
            "runs": len(self.specs),
            "model": first.model,
            "scenario": first.scenario if first.model == "belarus" else None,
            "agents": first.agents,
            "steps": first.steps,
            "period_steps": self.period,
            "seeds": [s.seed for s in self.specs],
            "series": {name: bands(values) for name, values in self.runs.items()},
        }


def run_ensemble(
    specs: Sequence[RunSpec],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[], None] | None = None,
    memory_limit: int | None = None,
) -> EnsembleResult:
    """Run every spec and collect the series in the order of ``specs``.

    Small runs go one per local process; runs of ``TILED_FROM`` agents or more run one
    after another in this process, each on every core (see the module doc for why).

    Args:
        specs: the runs.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or a
            ``dask.distributed.Client``; ``None`` for local processes.
        workers: local processes for small runs (default: the cores, at most the runs);
            1 runs them in this process.
        progress: called once per finished run.
        memory_limit: bytes the ensemble may use on this machine; ``None`` for its
            physical memory (see ``budget.check_memory``).

    Returns:
        the ensemble.

    Raises:
        UsageError: unknown model or scenario, no steps, or more memory than allowed.
    """
    if not specs:
        raise UsageError("an ensemble needs at least one run")
    for s in specs:
        if s.model not in MODELS:
            raise UsageError(f"unknown model {s.model!r}; models: {', '.join(MODELS)}")
        if s.model == "belarus" and s.scenario not in SCENARIOS:
            raise UsageError(f"unknown scenario {s.scenario!r}; scenarios: {', '.join(SCENARIOS)}")
        if s.steps < 1:
            raise UsageError(f"steps must be at least 1, got {s.steps}")
    results: list[dict[str, list[float]] | None] = [None] * len(specs)
    big = any(kernel_tile(s.agents) is not None for s in specs)
    n = 1 if big else workers or min(len(specs), os.cpu_count() or 1)
    if scheduler is None:
        check_memory(specs, n, memory_limit)
    if scheduler is not None:
        _run_dask(specs, scheduler, results, progress)
    else:
        if n <= 1:
            for i, s in enumerate(specs):
                results[i] = run_one(s)
                if progress:
                    progress()
        else:
            # Compiled here once, before the workers start, rather than by every worker.
            load_kernel()
            with ProcessPoolExecutor(max_workers=n, mp_context=_pool_context()) as pool:
                futures = {pool.submit(run_one, s): i for i, s in enumerate(specs)}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    if progress:
                        progress()
    done = [r for r in results if r is not None]
    assert len(done) == len(specs)
    runs = {name: np.asarray([r[name] for r in done]) for name in done[0]}
    return EnsembleResult(tuple(specs), runs, _period(specs[0].model))


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork, unless this process already runs numba's OpenMP threads (after a tiled run).

    A process forked from one that uses GNU OpenMP dies; a fork server starts its
    workers from a clean process instead, at the cost of importing the package again.
    """
    import numba

    try:
        numba.threading_layer()
    except ValueError:  # no parallel code has run here: forking is safe and fastest
        return multiprocessing.get_context()
    return multiprocessing.get_context("forkserver")


def _run_dask(
    specs: Sequence[RunSpec],
    scheduler: Any,
    results: list[dict[str, list[float]] | None],
    progress: Callable[[], None] | None,
) -> None:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the environment
        raise UsageError(
            "--scheduler needs dask.distributed: pip install 'dask[distributed]'"
        ) from None
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="5s") if own else scheduler
    except OSError as e:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    try:
        futures = client.map(run_one, list(specs), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            results[index[fut.key]] = fut.result()
            if progress:
                progress()
    finally:
        if own:
            client.close()
