"""Commands that query a model: ``forecast``, ``infer`` and ``plan``.

Each parses its options, calls one library function and renders the typed result: a
Rich table, or JSON with ``--json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from secondfront.cli.options import (
    FLAGSHIP,
    DoOpt,
    EvidenceOpt,
    JsonOpt,
    ModelOpt,
    RefitOpt,
    SoftOpt,
    command,
    describe_assignments,
    emit_json,
    evidence_options,
    fmt,
    out,
)
from secondfront.cli.progress import progress_bar
from secondfront.defaults import DEFAULT_SAMPLES
from secondfront.errors import QueryError, UsageError

if TYPE_CHECKING:
    from secondfront.analysis.forecast import Forecast
    from secondfront.model.model import Model


_OverlayOpt = Annotated[
    list[Path] | None,
    typer.Option("--overlay", help="An analyst's numbers (overlay file). Repeatable."),
]
_AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The dated forecast as of this day (YYYY-MM-DD or 'today'), from the "
        "events store read up to it; 'last' is the store's last event day.",
    ),
]
_StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--db", help="The events store of the dated forecast (default: the shipped history)."
    ),
]
_ArgumentOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--argument-only",
        help="The argument's view: the network alone over its horizon, no date, no events.",
    ),
]


def forecast(
    model: ModelOpt = FLAGSHIP,
    evidence: EvidenceOpt = None,
    soft: SoftOpt = None,
    do: DoOpt = None,
    as_json: JsonOpt = False,
    claims: Annotated[
        bool, typer.Option("--claims", help="List every claim each outcome rests on.")
    ] = False,
    uncertainty: Annotated[
        bool,
        typer.Option(
            "--uncertainty", help="Sample the parameters' priors: mean, median, 90% interval."
        ),
    ] = False,
    samples: Annotated[
        int, typer.Option("--samples", min=1, help="Parameter sets to sample.")
    ] = DEFAULT_SAMPLES,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampler.")] = 0,
    overlay: _OverlayOpt = None,
    as_of: _AsOfOpt = None,
    horizon: Annotated[
        str | None,
        typer.Option("--horizon", help="With --as-of: weeks ahead, like 13w (default 13w)."),
    ] = None,
    db: _StoreOpt = None,
    argument_only: _ArgumentOnlyOpt = False,
    refit: RefitOpt = False,
) -> None:
    """Forecast a model's outcomes: dated, from the events, or the argument alone.

    With no option this is the dated forecast: P(each outcome happens in the next 13
    weeks) as of the last day of the events store (the shipped history unless --db),
    learned from the history without peeking, with the argument alone beside it.
    --argument-only, or any of --model, --evidence, --soft, --do, --claims,
    --uncertainty and --overlay, gives the argument's view: the network alone, over its
    own horizon, with no date.
    """
    network_view = argument_only or bool(
        evidence or soft or do or claims or uncertainty or overlay or model != FLAGSHIP
    )
    if as_of is not None or horizon is not None or refit or not network_view:
        if network_view:
            raise UsageError(
                "--as-of, --horizon and --refit give the dated forecast of the flagship "
                "model; drop them for the argument's view (--argument-only, --evidence, ...)"
            )
        from secondfront.cli.outlook import dated

        day = None if as_of in (None, "last") else as_of
        from secondfront.forecasting.outlook import DEFAULT_HORIZON

        dated(day, horizon or f"{DEFAULT_HORIZON}w", db, as_json, refit)
        return
    from secondfront.analysis.forecast import forecast as run_forecast
    from secondfront.analysis.overlay import apply_overlay, load_overlay
    from secondfront.model.formats import load

    m = load(model)
    for path in overlay or []:
        m = apply_overlay(m, load_overlay(path, m))
    ev, interventions = evidence_options(evidence, soft, do)
    with progress_bar("sampling parameter sets", quiet=as_json or not uncertainty) as bar:
        result = run_forecast(
            m, ev, interventions, samples=samples if uncertainty else 0, seed=seed, progress=bar
        )
    if as_json:
        emit_json(result.as_json())
        return
    render_forecast(m, result, claims)


def render_forecast(m: Model, result: Forecast, claims: bool = False) -> None:
    """The forecast as a table, with the sampling summary and the claims when asked."""
    from secondfront.analysis.overlay import OverlaidModel

    spread = result.uncertainty
    title = m.title + (f" — horizon {result.horizon}" if result.horizon else "")
    table = Table(title=title)
    table.add_column("outcome")
    table.add_column("state")
    table.add_column("P", justify="right")
    table.add_column("in words (ICD 203)")
    table.add_column("rests on (claims: locator/grading)")
    if spread is not None:
        table.add_column("mean", justify="right")
        table.add_column("median", justify="right")
        table.add_column(f"{spread.confidence:.0%} interval", justify="right")
    spreads = {u.variable: u for u in spread.outcomes} if spread is not None else {}
    for o in result.outcomes:
        direct = [f"{b.locator}/{b.grading}" for b in o.basis if b.direct]
        upstream = sum(1 for b in o.basis if not b.direct)
        basis = ", ".join(direct) or "—"
        if upstream:
            basis += f" (+{upstream} upstream)"
        if o.assumptions:
            basis += f"; {o.assumptions} assumptions"
        row = [o.label, o.state, fmt(o.probability), str(o.words), basis]
        if o.variable in spreads:
            u = spreads[o.variable]
            row += [fmt(u.mean), fmt(u.median), f"{fmt(u.interval[0])}–{fmt(u.interval[1])}"]
        table.add_row(*row)
    out.print(table)
    if spread is not None:
        out.print(
            f"{spread.n_samples} parameter sets, seed {spread.seed}: "
            f"{len(spread.uncertain)} parameters sampled "
            f"({spread.from_default} with the model's default uncertainty), "
            f"{len(spread.exact)} treated as exact"
            + (
                f"; {spread.impossible} samples made the evidence impossible"
                if spread.impossible
                else ""
            ),
            highlight=False,
        )
    if result.evidence or result.do:
        out.print(f"given: {describe_assignments(result.evidence, result.do)}", highlight=False)
    if isinstance(m, OverlaidModel):
        out.print(f"with the analysts' numbers of: {', '.join(m.overlays)}", highlight=False)
    if claims:
        for o in result.outcomes:
            out.print(f"\n[bold]{o.label}[/bold]")
            for b in o.basis:
                mark = "direct" if b.direct else f"via {b.variable}"
                out.print(
                    f"  {b.locator} [{b.grading}] {b.source} ({mark}): {b.says}", highlight=False
                )
    if m.spec is not None:
        out.print(
            "\nA sourced rendering of an argument, with stated assumptions you can change "
            "(`secondfront explain VAR`); not an authoritative prediction.",
            style="dim",
        )


def _read_batch(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, evidence) for each non-blank line of a JSON-lines file."""
    from secondfront.inference.evidencefile import read_evidence_lines

    yield from read_evidence_lines(path)


BATCH_CHUNK = 4096  # evidence sets per vectorised call: bounds memory for long files


def infer(
    path: Annotated[str, typer.Argument(help="A spec (.yaml), BIF (.bif) or XMLBIF (.xml) file.")],
    evidence: EvidenceOpt = None,
    soft: SoftOpt = None,
    do: DoOpt = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help="JSON-lines file, one {var: state} object per line."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Posterior marginals of every variable, for one evidence set or a batch of them."""
    from secondfront.inference.query import compile_query
    from secondfront.model.formats import load

    m = load(path)
    ev, interventions = evidence_options(evidence, soft, do)
    if batch is not None:
        if not batch.exists():
            raise UsageError(f"{batch}: no such file")
        rows = list(_read_batch(batch))
        for lo in range(0, len(rows), BATCH_CHUNK):
            chunk = rows[lo : lo + BATCH_CHUNK]
            try:
                query = compile_query(m, {name for _, row in chunk for name in row})
                post = query.run([r for _, r in chunk], do=interventions)
            except QueryError as e:
                # Name the line: find the first row that fails on its own.
                for n, row in chunk:
                    try:
                        compile_query(m, row).run([row], do=interventions)
                    except QueryError as single:
                        raise UsageError(f"{batch}:{n}: {single}") from None
                raise e
            for b in range(len(chunk)):
                line = {
                    name: dict(zip(m.variables[name].states, p[b].tolist(), strict=True))
                    for name, p in post.marginals.items()
                }
                sys.stdout.write(json.dumps(line) + "\n")
        return
    marginals = compile_query(m).infer(ev, do=interventions)
    if as_json:
        emit_json({"marginals": marginals})
        return
    table = Table(title=f"{m.network.name}: posterior marginals")
    table.add_column("variable")
    table.add_column("distribution")
    for name, dist in marginals.items():
        table.add_row(name, "  ".join(f"{s}={fmt(p)}" for s, p in dist.items()))
    out.print(table)


def plan_info(
    path: Annotated[str, typer.Argument(help="Model file or name.")],
    evidence_vars: Annotated[
        list[str] | None,
        typer.Option("--observe", help="A variable that will carry evidence. Repeatable."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the compiled plan: cliques, largest intermediate, memory per evidence set."""
    from secondfront.inference.query import plan
    from secondfront.model.formats import load

    m = load(path)
    p = plan(m, evidence_vars or [])
    info = {
        "variables": len(m),
        "cliques": len(p.tree.cliques),
        "largest_clique_entries": p.largest_clique,
        "total_clique_entries": sum(p.tree.size(c) for c in range(len(p.tree.cliques))),
        "bytes_per_evidence_set": p.bytes_per_row,
        "skipped_messages": sum(p.trivial),
    }
    if as_json:
        emit_json(info)
        return
    for key, value in info.items():
        out.print(f"{key.replace('_', ' ')}: {value}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``forecast``, ``infer`` and ``plan`` to the command line."""
    command(app, forecast)
    command(app, infer)
    command(app, plan_info, "plan")


__all__ = ["register", "render_forecast"]
