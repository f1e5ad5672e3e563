"""``secondfront calibrate VAR``: simulate a flagship variable's table into a copy.

A thin shell over ``secondfront.analysis.calibration.calibrate``: every run of
every parent row goes to one pool (local processes, or a Dask cluster with
``--scheduler``), a progress bar counts finished runs on stderr (none under
``--json``), and the output lists each row's shares with their standard errors and
warns when the new table moves the variable's marginal by more than its interval.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from secondfront.cli.options import SchedulerOpt, SimulationJsonOpt, SocietyParamsOpt

if TYPE_CHECKING:
    from secondfront.analysis.calibration import Calibration

# The command's run size, also what the deprecated ``simulate --calibrate`` alias uses
# when its own --agents and --steps are not given.
DEFAULT_AGENTS = 20_000  # citizens per run
DEFAULT_STEPS = 56  # days per run


def run_calibration(
    variable: str,
    *,
    spec: str,
    output: Path | None,
    runs: int,
    seed: int,
    agents: int,
    steps: int,
    scheduler: str | None,
    workers: int | None,
    params: Path | None,
    as_json: bool,
    memory_limit: str | None = None,
) -> None:
    """Calibrate, showing progress, and print the result (shared with the old alias)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from secondfront.analysis.calibration import SimulationSettings, calibrate, calibration_runs
    from secondfront.cli.options import emit_json as _emit_json
    from secondfront.cli.options import err
    from secondfront.errors import UsageError
    from secondfront.model.formats import resolve_model
    from secondfront.simulation.budget import parse_size

    if output is None:
        raise UsageError("calibrate needs -o/--output: the original spec is never changed")
    path = resolve_model(spec)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    )
    with progress:
        task = progress.add_task(
            f"calibrating {variable} (runs)", total=calibration_runs(path, variable, runs)
        )
        how = SimulationSettings(
            runs,
            seed,
            agents,
            steps,
            scheduler=scheduler,
            workers=workers,
            params_path=str(params) if params is not None else None,
            progress=lambda: progress.advance(task),
            memory_limit=parse_size(memory_limit) if memory_limit else None,
        )
        result = calibrate(path, variable, output, how)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    if as_json:
        _emit_json(result.as_json())
        return
    render_calibration(result)


def render_calibration(result: Calibration) -> None:
    """Print a calibration: the copy written, each row's shares and the marginal's shift."""
    from secondfront.cli.options import out

    out.print(f"wrote {result.output} (ok: passes secondfront check)", highlight=False)
    out.print(
        f"{result.runs} runs per row, seed {result.seed}; shares with their standard errors:",
        highlight=False,
    )
    for row in result.rows:
        given = ", ".join(f"{k}={v}" for k, v in row.given.items())
        shares = "  ".join(f"{p:.3f}±{e:.3f}" for p, e in zip(row.p, row.se, strict=True))
        out.print(f"  {given}: {shares}", highlight=False)
    for s in result.shift:
        out.print(
            f"P({result.variable}={s.state}): {s.before:.1%} -> {s.after:.1%} "
            f"(95% interval of the simulation +/-{s.half_width:.1%})",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` command to ``app``."""
    from secondfront.cli.options import user_errors

    @app.command()
    @user_errors
    def calibrate(
        variable: Annotated[
            str,
            typer.Argument(
                help="The flagship variable whose table to simulate "
                "(mass_mobilisation or logistics_disruption)."
            ),
        ],
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="Where the calibrated copy goes.")
        ] = None,
        spec: Annotated[
            str, typer.Option(help="The spec to copy (name or path).")
        ] = "belarus-second-front",
        runs: Annotated[int, typer.Option(help="Runs per parent row.")] = 8,
        seed: Annotated[int, typer.Option(help="Seed; run seeds are spawned from it.")] = 0,
        agents: Annotated[int, typer.Option(help="Citizens per run.")] = DEFAULT_AGENTS,
        steps: Annotated[int, typer.Option(help="Days per run.")] = DEFAULT_STEPS,
        scheduler: SchedulerOpt = None,
        workers: Annotated[
            int | None, typer.Option(help="Local processes (default: the cores).")
        ] = None,
        params: SocietyParamsOpt = None,
        memory_limit: Annotated[
            str | None,
            typer.Option(help="Memory the runs may use, e.g. 64GB (default: this machine's)."),
        ] = None,
        as_json: SimulationJsonOpt = False,
    ) -> None:
        """Simulate a variable's table (all rows in parallel) into a checked copy of a spec."""
        run_calibration(
            variable,
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
