"""Commands that learn numbers from data: ``fit`` (the time model) and ``fit-cases``
(network tables from a case file).

Each writes a new file with the fitted numbers and their provenance; the analyst's file
is never touched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from secondfront.cli.options import JsonOpt, command, out
from secondfront.cli.options import emit_json as _emit_json
from secondfront.errors import UsageError

if TYPE_CHECKING:
    from secondfront.analysis.learning import CaseFitSummary
    from secondfront.model.model import Model
    from secondfront.timeline.chain import TimelineModel
    from secondfront.timeline.fit import Emissions, TimelineFit

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
        typer.Option(
            "--ess-emission",
            help="Prior weight of each indicator's reporting rate (with --emissions "
            "per-state: of each state's emission p), in weeks.",
        ),
    ] = None,
    emissions: Annotated[
        str,
        typer.Option(
            "--emissions",
            help="detection: one reporting rate per indicator times the network's "
            "per-state probabilities (a state the history never held keeps the network's "
            "contrasts); per-state: each state's emissions free.",
        ),
    ] = "detection",
    max_iter: Annotated[int, typer.Option("--max-iter", help="EM iteration limit.")] = 200,
    trace: Annotated[
        bool, typer.Option("--trace", help="Print the log posterior before each iteration.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit the time model to the stored weekly series (Baum-Welch, MAP); write a copy."""
    from secondfront.evidence.mapping import load_rules, open_mapped
    from secondfront.timeline.chain import load_timeline
    from secondfront.timeline.fit import DEFAULT_ESS, fit_as_of, rules_for, write_fitted
    from secondfront.timeline.fitted import FitEss

    ess = FitEss(
        initial=DEFAULT_ESS.initial if ess_initial is None else ess_initial,
        transition=DEFAULT_ESS.transition if ess_transition is None else ess_transition,
        emission=DEFAULT_ESS.emission if ess_emission is None else ess_emission,
    )
    if min(ess.initial, ess.transition, ess.emission) < 0:
        raise UsageError("equivalent sample sizes must be >= 0")
    form = {"detection": "detection", "per-state": "per_state"}.get(emissions)
    if form is None:
        raise UsageError(f"--emissions {emissions!r}: give detection or per-state")
    model = load_timeline(timeline_file)
    mapping = load_rules(rules, model.network) if rules is not None else rules_for(model)
    con = open_mapped(db, mapping)
    day = _date(until, "--until")
    result = fit_as_of(
        model, con, day, mapping, ess=ess, max_iter=max_iter, emissions=cast("Emissions", form)
    )
    write_fitted(result, output)
    if as_json:
        _emit_json(
            {"out": str(output), **result.as_json(), "log_posterior_trace": result.result.trace}
        )
        return
    _print_fit(model, result, output, trace)


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
    latent: Annotated[
        list[str] | None,
        typer.Option(
            "--latent",
            help="A variable deliberately without a column (never observed). Repeatable; "
            "every other variable needs a column.",
        ),
    ] = None,
    trace: Annotated[
        bool, typer.Option("--trace", help="Print the log posterior before each iteration.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Learn the network's tables from a case file by EM (MAP); write the model as BIF,
    or, for a YAML spec and -o COPY.yaml, the spec with the learned tables written back
    beside the claims they replace."""
    from secondfront.analysis.learning import fit_case_file
    from secondfront.model.formats import load

    loaded = load(model)
    summary = fit_case_file(loaded, cases, ess=ess, max_iter=max_iter, latent=latent or [])
    _write_cases_fit(loaded, summary, model, cases, output)
    if as_json:
        _emit_json({"out": str(output), **summary.as_json()})
        return
    _print_cases_fit(summary, output, trace)


def _print_fit(model: TimelineModel, result: TimelineFit, output: Path, trace: bool) -> None:
    """The fitted transition table beside the analyst's numbers, and the fit's summary."""
    if trace:
        for k, value in enumerate(result.result.trace):
            out.print(f"iteration {k}: log posterior {value:.6f}", highlight=False)
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


def _write_cases_fit(
    loaded: Model, summary: CaseFitSummary, model: str, cases: Path, output: Path
) -> None:
    """Write the learned tables: a YAML spec copy (learned tables beside the claims they
    replace) for a ``.yaml`` output, else the network as BIF.

    Raises:
        UsageError: the output is the model file being fitted.
    """
    from secondfront.analysis.learned_spec import write_fitted_spec
    from secondfront.analysis.learning import write_fitted

    if output.suffix.lower() in (".yaml", ".yml"):
        write_fitted_spec(loaded, summary.fit, list(summary.basis), model, str(cases), output)
    else:
        write_fitted(summary.fit, model, output, str(cases))


def _print_cases_fit(summary: CaseFitSummary, output: Path, trace: bool) -> None:
    """Each table's largest change and how well the cases pin its rows down."""
    table = Table(title=f"fit-cases: {summary.caption}")
    table.add_column("variable")
    table.add_column("largest change", justify="right")
    table.add_column("cases per row (min-max)", justify="right")
    table.add_column("rows not pinned down", justify="right")
    for t in summary.by_change():
        table.add_row(
            t.variable,
            f"{t.change:.4f}",
            f"{t.fewest_cases:.1f}-{t.most_cases:.1f}",
            f"{t.unpinned} of {t.rows}",
        )
    out.print(table)
    fit = summary.fit
    if trace:
        for k, value in enumerate(fit.trace):
            out.print(f"iteration {k}: log posterior {value:.6f}", highlight=False)
    out.print(
        f"{fit.iterations} iterations{'' if fit.converged else ' (not converged)'}, "
        f"log-likelihood {fit.log_likelihood:.3f}; wrote {output}. A row is pinned down "
        f"when the cases informing it (expected counts) weigh at least its prior "
        f"({summary.ess:g}).",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the learning commands to the ``secondfront`` app."""
    command(app, fit)
    command(app, fit_cases, "fit-cases")


__all__ = ["register"]
