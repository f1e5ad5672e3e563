"""Ensembles of runs, fanned out over local processes or a Dask cluster.

A run is described by a ``RunSpec`` (plain data, so it pickles to any worker) and
returns its series aggregated to periods (weeks for the Belarus model). Seeds of the
runs are spawned from the ensemble's seed with ``numpy.random.SeedSequence``, so the
ensemble is reproducible whatever executes it and in whatever order runs finish.

Each run uses the single-tile kernel on one core: with several runs at once, one run
per core beats threads inside a run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from secondfront.errors import UsageError
from secondfront.simulation.belarus import SCENARIOS, SERIES, run_belarus
from secondfront.simulation.epstein import EpsteinParams, run_epstein, side_for_agents
from secondfront.simulation.params import load_society
from secondfront.simulation.stats import bands, weekly

__all__ = ["MODELS", "EnsembleResult", "RunSpec", "run_ensemble", "run_one", "spawn_seeds"]

MODELS: tuple[str, ...] = ("epstein", "belarus")

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


def _period(model: str) -> int:
    return 7 if model == "belarus" else 1


def run_one(spec: RunSpec) -> dict[str, list[float]]:
    """Run one simulation; its series aggregated to periods (see ``_period``)."""
    if spec.model == "epstein":
        base = EpsteinParams()
        if spec.agents:
            side = side_for_agents(spec.agents, base.citizen_density, base.cop_density)
            base = replace(base, width=side, height=side)
        r = run_epstein(base, spec.steps, spec.seed)
        raw = {
            "active_share": r.active / r.n_citizens,
            "jailed_share": r.jailed / r.n_citizens,
            "arrests": r.arrests.astype(float),
        }
        return {k: weekly(v, _EPSTEIN_SERIES[k], 1).tolist() for k, v in raw.items()}
    params = load_society(spec.params_path)
    if spec.overrides:
        params = with_overrides(params, dict(spec.overrides))
    run = run_belarus(params, spec.scenario, spec.agents, spec.steps, spec.seed)
    return {k: weekly(v, SERIES[k], 7).tolist() for k, v in run.series().items()}


def with_overrides(params: Any, overrides: dict[str, float]) -> Any:
    """A copy of the society parameters with ``{"group.name": value}`` replaced."""
    data = params.model_dump(by_alias=True)
    for key, value in overrides.items():
        group, _, name = key.partition(".")
        if group not in data or not isinstance(data[group], dict) or name not in data[group]:
            raise UsageError(f"unknown parameter {key!r}")
        data[group][name]["value"] = float(value)
    return type(params).model_validate(data)


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

    def as_json(self) -> dict[str, Any]:
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
) -> EnsembleResult:
    """Run every spec and collect the series in the order of ``specs``.

    Args:
        specs: the runs.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or a
            ``dask.distributed.Client``; ``None`` for local processes.
        workers: local processes (default: the cores, at most the runs); 1 runs in this
            process.
        progress: called once per finished run.

    Returns:
        the ensemble.
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
    if scheduler is not None:
        _run_dask(specs, scheduler, results, progress)
    else:
        n = workers or min(len(specs), os.cpu_count() or 1)
        if n <= 1:
            for i, s in enumerate(specs):
                results[i] = run_one(s)
                if progress:
                    progress()
        else:
            with ProcessPoolExecutor(max_workers=n) as pool:
                futures = {pool.submit(run_one, s): i for i, s in enumerate(specs)}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    if progress:
                        progress()
    done = [r for r in results if r is not None]
    assert len(done) == len(specs)
    runs = {name: np.asarray([r[name] for r in done]) for name in done[0]}
    return EnsembleResult(tuple(specs), runs, _period(specs[0].model))


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
