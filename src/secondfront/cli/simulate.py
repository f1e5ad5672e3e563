"""``secondfront simulate``: agent-based ensembles of the Epstein and Belarus models.

A thin shell over ``secondfront.simulation``: parse, run the ensemble (local
processes, or a Dask cluster with ``--scheduler``), print. ``--calibrate VAR`` is a
hidden, deprecated alias of ``secondfront calibrate VAR``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from secondfront.cli.options import (
    SchedulerOpt,
    SimulationJsonOpt,
    SocietyParamsOpt,
    command,
    emit_json,
    err,
    out,
)
from secondfront.errors import UsageError

if TYPE_CHECKING:
    from secondfront.simulation.ensemble import EnsembleJSON, EnsembleResult, RunSpec

_WorkersOpt = Annotated[
    int | None,
    typer.Option(
        help="Local processes (default: the cores); runs of 250,000 agents or more "
        "run one at a time, each on every core."
    ),
]
_MemoryOpt = Annotated[
    str | None,
    typer.Option(
        help="Memory the ensemble may use, e.g. 64GB (default: this machine's); "
        "larger ensembles are refused before they start."
    ),
]
# The deprecated ``--calibrate VAR`` alias and its two options, hidden from the help.
_CalibrateOpt = Annotated[
    str | None,
    typer.Option(hidden=True, help="Deprecated: use secondfront calibrate VAR."),
]
_SpecOpt = Annotated[str, typer.Option(hidden=True, help="With --calibrate: the spec to copy.")]
_OutputOpt = Annotated[
    Path | None, typer.Option("-o", "--output", hidden=True, help="With --calibrate.")
]


def simulate(
    model: Annotated[str, typer.Option("--model", "-m", help="epstein or belarus.")] = "belarus",
    agents: Annotated[
        int | None,
        typer.Option(help="Citizens per run (default: 40x40 Mesa lattice; belarus 100000)."),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(help="Steps per run; days for belarus (default 84 / 200).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Ensemble seed; run seeds are spawned from it.")] = 0,
    runs: Annotated[int, typer.Option(help="Runs in the ensemble.")] = 8,
    scenario: Annotated[
        str, typer.Option(help="belarus: entry, no-entry, 2020 or 2022.")
    ] = "entry",
    as_json: SimulationJsonOpt = False,
    plot: Annotated[
        Path | None, typer.Option(help="Write a picture of the bands (needs matplotlib).")
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: _WorkersOpt = None,
    params: SocietyParamsOpt = None,
    memory_limit: _MemoryOpt = None,
    calibrate: _CalibrateOpt = None,
    spec: _SpecOpt = "belarus-second-front",
    output: _OutputOpt = None,
) -> None:
    """Simulate society under a second front: weekly bands over an ensemble of runs."""
    from secondfront.simulation.ensemble import RunSpec, spawn_seeds

    if agents is not None and agents < 100:
        raise UsageError(f"--agents must be at least 100, got {agents}")
    if calibrate is not None:
        _deprecated_calibrate(
            calibrate,
            spec=spec,
            output=output,
            runs=runs,
            seed=seed,
            agents=agents,
            steps=steps,
            scheduler=scheduler,
            workers=workers,
            params=params,
            as_json=as_json,
            memory_limit=memory_limit,
        )
        return
    if model not in ("epstein", "belarus"):
        raise UsageError(f"unknown model {model!r}; models: epstein, belarus")
    params_path = str(params) if params is not None else None
    n_agents = agents if agents is not None else (100_000 if model == "belarus" else 0)
    n_steps = steps if steps is not None else (84 if model == "belarus" else 200)
    specs = [
        RunSpec(model, n_agents, n_steps, s, scenario, params_path) for s in spawn_seeds(seed, runs)
    ]
    ensemble = _run(specs, f"{model} x {runs}", scheduler, workers, memory_limit, quiet=as_json)
    _show(
        ensemble,
        model=model,
        scenario=scenario,
        runs=runs,
        n_agents=n_agents,
        params_path=params_path,
        plot=plot,
        as_json=as_json,
    )


def _show(
    ensemble: EnsembleResult,
    *,
    model: str,
    scenario: str,
    runs: int,
    n_agents: int,
    params_path: str | None,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Write the plot if asked, then print the ensemble's bands (JSON or a table)."""
    data = ensemble.as_json()
    # Belarus counts are scaled from the simulated citizens to the country's adults: the
    # parameters file is read once, for the plot's labels and the table's title alike.
    per = ""
    if model == "belarus" and (plot is not None or not as_json):
        from secondfront.simulation.params import load_society

        per = _millions(load_society(params_path).value("society", "adults"))
    if plot is not None:
        _plot(data, plot, f"counts per {per} adults" if per else "")
        err.print(f"wrote {plot}", highlight=False)
    if as_json:
        emit_json(data)
        return
    scaled = f"; counts per {per} adults (scaled from {n_agents:,} agents)" if per else ""
    title = (
        f"{model}"
        + (f", scenario {scenario}" if model == "belarus" else "")
        + f": median [5th-95th percentile] over {runs} runs"
        + scaled
    )
    _print_bands(data, title, "week" if ensemble.period == 7 else "step")


def _deprecated_calibrate(
    variable: str,
    *,
    spec: str,
    output: Path | None,
    runs: int,
    seed: int,
    agents: int | None,
    steps: int | None,
    scheduler: str | None,
    workers: int | None,
    params: Path | None,
    as_json: bool,
    memory_limit: str | None,
) -> None:
    """``simulate --calibrate VAR``: the deprecated alias of ``secondfront calibrate VAR``,
    kept for old scripts."""
    from secondfront.cli.calibrate import DEFAULT_AGENTS, DEFAULT_STEPS, run_calibration

    if output is None:
        raise UsageError("--calibrate needs -o/--output: the original spec is never changed")
    err.print(
        f"note: simulate --calibrate is deprecated; use secondfront calibrate {variable}",
        highlight=False,
    )
    run_calibration(
        variable,
        spec=spec,
        output=output,
        runs=runs,
        seed=seed,
        agents=agents or DEFAULT_AGENTS,
        steps=steps or DEFAULT_STEPS,
        scheduler=scheduler,
        workers=workers,
        params=params,
        as_json=as_json,
        memory_limit=memory_limit,
    )


def _run(
    specs: list[RunSpec],
    description: str,
    scheduler: str | None,
    workers: int | None,
    memory_limit: str | None,
    *,
    quiet: bool,
) -> EnsembleResult:
    """Run the ensemble with a progress bar on stderr (none under ``--json`` or when
    stderr is not a terminal)."""
    from secondfront.simulation.budget import parse_size
    from secondfront.simulation.ensemble import run_ensemble

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,  # quiet under --json
    )
    with progress:
        task = progress.add_task(description, total=len(specs))
        return run_ensemble(
            specs,
            scheduler=scheduler,
            workers=workers,
            progress=lambda: progress.advance(task),
            memory_limit=parse_size(memory_limit) if memory_limit else None,
        )


def _print_bands(data: EnsembleJSON, title: str, unit: str) -> None:
    """The ensemble's bands as a table, about 20 rows (every k-th period)."""
    table = Table(title=title)
    table.add_column(unit, justify="right")
    names = list(data["series"])
    for name in names:
        table.add_column(name, justify="right")
    n_periods = len(data["series"][names[0]])
    stride = max(1, n_periods // 20)  # at most about 20 lines on screen
    for i in range(0, n_periods, stride):
        cells = [_cell(name, data["series"][name][i]) for name in names]
        table.add_row(str(i + 1), *cells)
    out.print(table)


def _millions(n: float) -> str:
    return f"{n / 1e6:g} million" if n >= 1e6 else f"{n:,.0f}"


def _cell(name: str, band: list[float]) -> str:
    lo, mid, hi = band
    if "share" in name or "capacity" in name:
        return f"{mid:.2%} [{lo:.2%}-{hi:.2%}]"
    return f"{mid:,.0f} [{lo:,.0f}-{hi:,.0f}]"


def _plot(data: EnsembleJSON, path: Path, scaled_to: str = "") -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install matplotlib") from None
    series = data["series"]
    fig, axes = plt.subplots(len(series), 1, figsize=(7, 2.2 * len(series)), sharex=True)
    for ax, (name, bands) in zip(axes, series.items(), strict=True):
        lo, mid, hi = zip(*bands, strict=True)
        x = range(1, len(mid) + 1)
        ax.fill_between(x, lo, hi, alpha=0.3)
        ax.plot(x, mid)
        unit = "share" if ("share" in name or "capacity" in name) else "count"
        if unit == "count" and scaled_to:
            unit = scaled_to.removeprefix("counts ")
        ax.set_ylabel(f"{name}\n({unit})", fontsize=8)
    axes[-1].set_xlabel("week" if data["period_steps"] == 7 else "step")
    where = f", scenario {data['scenario']}" if data.get("scenario") else ""
    fig.suptitle(
        f"{data['model']}{where}: median and 5th-95th percentile over {data['runs']} runs"
        + (f"\n{scaled_to}" if scaled_to else ""),
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""
    command(app, simulate)
