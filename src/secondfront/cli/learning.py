"""Commands that learn numbers from data: ``fit`` (the time model) and ``fit-cases``
(network tables from a case file).

Each writes a new file with the fitted numbers and their provenance; the analyst's file
is never touched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from secondfront.cli.options import (
    JsonOpt,
    out,
    user_errors,
)
from secondfront.cli.options import (
    emit_json as _emit_json,
)
from secondfront.errors import UsageError

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Where to write the fitted copy.")]


def _date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date YYYY-MM-DD") from None


def fit(
    output: OutOpt,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="The DuckDB store (default: $SECONDFRONT_DB or ./secondfront.duckdb)."
        ),
    ] = None,
    timeline_file: Annotated[
        Path | None,
        typer.Option("--timeline", help="Time model (default: the flagship's *.timeline.yaml)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Use only events dated up to this day, YYYY-MM-DD."),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Mapping rules (default: the model's *.mapping.yaml)."),
    ] = None,
    ess_initial: Annotated[
        float | None, typer.Option("--ess-initial", help="Prior weight of the initial p.")
    ] = None,
    ess_transition: Annotated[
        float | None,
        typer.Option("--ess-transition", help="Prior weight of each transition row, in weeks."),
    ] = None,
    ess_emission: Annotated[
        float | None,
        typer.Option("--ess-emission", help="Prior weight of each emission p, in weeks."),
    ] = None,
    max_iter: Annotated[int, typer.Option("--max-iter", help="EM iteration limit.")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Fit the time model to the stored weekly series (Baum-Welch, MAP); write a copy."""
    from secondfront.evidence import store
    from secondfront.evidence.fit import DEFAULT_ESS, fit_as_of, write_fitted
    from secondfront.evidence.fitted import FitEss
    from secondfront.evidence.mapping import load_rules
    from secondfront.evidence.timeline import load_timeline

    ess = FitEss(
        initial=DEFAULT_ESS.initial if ess_initial is None else ess_initial,
        transition=DEFAULT_ESS.transition if ess_transition is None else ess_transition,
        emission=DEFAULT_ESS.emission if ess_emission is None else ess_emission,
    )
    if min(ess.initial, ess.transition, ess.emission) < 0:
        raise UsageError("equivalent sample sizes must be >= 0")
    model = load_timeline(timeline_file)
    mapping = load_rules(rules, model.network) if rules is not None else None
    result = fit_as_of(
        model, store.connect(db), _date(until, "--until"), mapping, ess=ess, max_iter=max_iter
    )
    write_fitted(result, output)
    if as_json:
        _emit_json({"out": str(output), **result.as_json()})
        return
    states = model.state_names
    table = Table(title=f"fitted transition (weeks {result.weeks[0]} to {result.weeks[-1]})")
    table.add_column("from \\ to")
    for s in states:
        table.add_column(s, justify="right")
    for k, s in enumerate(states):
        table.add_row(
            s,
            *(
                f"{result.params.transition[k, j]:.4f} ({model.transition[k, j]:.4f})"
                for j in range(len(states))
            ),
        )
    out.print(table)
    r = result.result
    out.print(
        f"{len(result.weeks)} weeks, {r.iterations} iterations"
        f"{'' if r.converged else ' (not converged)'}, log-likelihood {r.log_likelihood:.3f}; "
        f"analyst's numbers in brackets; wrote {output}",
        highlight=False,
    )


def fit_cases(
    model: Annotated[str, typer.Argument(help="Model name or file (YAML spec, BIF, XMLBIF).")],
    cases: Annotated[
        Path, typer.Argument(help="CSV: one column per variable, blank for a missing value.")
    ],
    output: OutOpt,
    ess: Annotated[
        float,
        typer.Option(
            "--ess", help="Prior weight of each table row, in cases (the model's tables)."
        ),
    ] = 10.0,
    max_iter: Annotated[int, typer.Option("--max-iter", help="EM iteration limit.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Learn the network's tables from a case file by EM (MAP); write the model as BIF."""
    from secondfront.analysis.learning import em_fit, ess_counts, read_cases, write_fitted
    from secondfront.model.formats import load

    loaded = load(model)
    data = read_cases(cases, loaded)
    result = em_fit(
        loaded,
        data,
        ess_counts(loaded, ess),
        max_iter=max_iter,
        prior_label=f"Dirichlet: the model's tables, ess {ess:g} cases per row",
    )
    write_fitted(result, model, output, str(cases))
    changes = {
        v.name: float(abs(result.network.cpts[v.name] - loaded.cpts[v.name]).max()) for v in loaded
    }
    if as_json:
        _emit_json(
            {
                "out": str(output),
                "cases": result.cases,
                "missing_share": round(result.missing_share, 6),
                "iterations": result.iterations,
                "converged": result.converged,
                "log_likelihood": result.log_likelihood,
                "ess": ess,
                "largest_change": changes,
            }
        )
        return
    table = Table(title=f"fit-cases: {result.cases} cases, {result.missing_share:.1%} missing")
    table.add_column("variable")
    table.add_column("largest change", justify="right")
    for name, d in sorted(changes.items(), key=lambda kv: -kv[1]):
        table.add_row(name, f"{d:.4f}")
    out.print(table)
    out.print(
        f"{result.iterations} iterations{'' if result.converged else ' (not converged)'}, "
        f"log-likelihood {result.log_likelihood:.3f}; wrote {output}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the learning commands to the ``secondfront`` app."""
    app.command("fit")(user_errors(fit))
    app.command("fit-cases")(user_errors(fit_cases))


__all__ = ["register"]
