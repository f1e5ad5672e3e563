"""The ``secondfront`` command line: a thin shell over the library.

Each command parses its arguments, calls one library function and prints the result
(a Rich table, or JSON with ``--json``). Every error the library raises on purpose
(``SecondfrontError``) is printed as one line (or one line per diagnostic) on stderr,
and the command exits with status 2, without a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from secondfront.errors import (
    RulesError,
    SecondfrontError,
    SourceTextError,
    SpecError,
    UsageError,
)
from secondfront.model.formats import FLAGSHIP, available_models, load, resolve_model

app = typer.Typer(
    help="Sourced, runnable Bayesian scenario models: forecast, question and export them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sources_app = typer.Typer(help="Check a model's claims against source texts.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")

# Piped output (files, CI logs, tests) gets a wide fixed width so tables do not wrap
# mid-word; a terminal gets its own width.
_WIDTH = None if sys.stdout.isatty() else 160
out = Console(soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, soft_wrap=True, width=_WIDTH)

F = TypeVar("F", bound=Callable[..., Any])

ModelOpt = Annotated[
    str, typer.Option("--model", "-m", help="Model name (see `secondfront models`) or file path.")
]
EvidenceOpt = Annotated[
    list[str] | None,
    typer.Option("--evidence", "-e", help="Observed state, VAR=STATE. Repeatable."),
]
SoftOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--soft", help="Soft evidence, VAR=L1,L2,...: one likelihood per state. Repeatable."
    ),
]
DoOpt = Annotated[
    list[str] | None,
    typer.Option("--do", help="Intervention, VAR=STATE: set VAR, cutting its causes. Repeatable."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def user_errors(fn: F) -> F:
    """Turn library errors into a message on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (SpecError, RulesError) as e:
            if not e.diagnostics:  # a RulesError about the file as a whole
                err.print(f"error: {e}", markup=False, highlight=False)
            for d in e.diagnostics:  # each already reads "path:line:col: error: ..."
                err.print(str(d), markup=False, highlight=False)
            raise typer.Exit(2) from None
        except SecondfrontError as e:
            err.print(f"error: {e}", markup=False, highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def parse_assignments(items: list[str] | None, what: str) -> dict[str, str]:
    """``["A=x", "B=y"]`` -> ``{"A": "x", "B": "y"}``; a malformed item is a UsageError."""
    result: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{what} {item!r} is not VAR=STATE")
        result[name.strip()] = value.strip()
    return result


def parse_soft(items: list[str] | None) -> dict[str, list[float]]:
    """``["A=0.2,0.8"]`` -> ``{"A": [0.2, 0.8]}``."""
    result: dict[str, list[float]] = {}
    for name, value in parse_assignments(items, "soft evidence").items():
        try:
            result[name] = [float(x) for x in value.split(",")]
        except ValueError:
            raise UsageError(
                f"soft evidence {name}={value!r} needs numbers: VAR=L1,L2,..."
            ) from None
    return result


def _emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _fmt(p: float) -> str:
    return f"{p:.4f}"


# -- forecast ------------------------------------------------------------------------


@app.command()
@user_errors
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
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampler.")] = 0,
) -> None:
    """Forecast a model's outcomes, with the claims each one rests on."""
    from secondfront.analysis.forecast import forecast as run_forecast

    network = load(model)
    ev: dict[str, Any] = {**parse_assignments(evidence, "evidence"), **parse_soft(soft)}
    interventions = parse_assignments(do, "intervention")
    result = run_forecast(network, ev, interventions)
    spread = None
    if uncertainty:
        from secondfront.analysis.uncertainty import forecast_uncertainty

        if network.meta.get("spec") is None:
            raise UsageError("--uncertainty needs a scenario spec: only specs state priors")
        spread = forecast_uncertainty(network, samples, seed, ev, interventions)
    if as_json:
        data = result.as_json()
        if spread is not None:
            data["uncertainty"] = spread.as_json()
            data["samples"] = spread.n_samples
            data["seed"] = spread.seed
        _emit_json(data)
        return
    spec = network.meta.get("spec")
    title = spec.model.title if spec is not None else network.name
    table = Table(title=f"{title}" + (f" — horizon {result.horizon}" if result.horizon else ""))
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
        row = [o.label, o.state, _fmt(o.probability), str(o.words), basis]
        if o.variable in spreads:
            u = spreads[o.variable]
            row += [_fmt(u.mean), _fmt(u.median), f"{_fmt(u.interval[0])}–{_fmt(u.interval[1])}"]
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
        out.print(f"evidence: {result.evidence or '-'}   interventions: {result.do or '-'}")
    if claims:
        for o in result.outcomes:
            out.print(f"\n[bold]{o.label}[/bold]")
            for b in o.basis:
                mark = "direct" if b.direct else f"via {b.variable}"
                out.print(
                    f"  {b.locator} [{b.grading}] {b.source} ({mark}): {b.says}", highlight=False
                )
    if spec is not None:
        out.print(
            "\nA sourced rendering of an argument, with stated assumptions you can change "
            "(`secondfront explain VAR`); not an authoritative prediction.",
            style="dim",
        )


# -- infer ---------------------------------------------------------------------------


def _read_batch(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, evidence) for each non-blank line of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise UsageError(f"{path}:{n}:{e.colno}: not JSON: {e.msg}") from None
            if not isinstance(row, dict):
                raise UsageError(f"{path}:{n}:1: each line must be a JSON object {{var: state}}")
            yield n, row


BATCH_CHUNK = 4096  # evidence sets per vectorised call: bounds memory for long files


@app.command()
@user_errors
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
    from secondfront.errors import QueryError
    from secondfront.inference.query import infer as run_infer
    from secondfront.inference.query import posterior_batch

    network = load(path)
    interventions = parse_assignments(do, "intervention")
    if batch is not None:
        if not batch.exists():
            raise UsageError(f"{batch}: no such file")
        rows = list(_read_batch(batch))
        for lo in range(0, len(rows), BATCH_CHUNK):
            chunk = rows[lo : lo + BATCH_CHUNK]
            try:
                post = posterior_batch(network, [r for _, r in chunk], do=interventions)
            except QueryError as e:
                # Name the line: find the first row that fails on its own.
                for n, row in chunk:
                    try:
                        posterior_batch(network, [row], do=interventions)
                    except QueryError as single:
                        raise UsageError(f"{batch}:{n}: {single}") from None
                raise e
            for b in range(len(chunk)):
                line = {
                    name: dict(zip(network.variables[name].states, m[b].tolist(), strict=True))
                    for name, m in post.marginals.items()
                }
                sys.stdout.write(json.dumps(line) + "\n")
        return
    ev: dict[str, Any] = {**parse_assignments(evidence, "evidence"), **parse_soft(soft)}
    marginals = run_infer(network, ev, do=interventions)
    if as_json:
        _emit_json({"marginals": marginals})
        return
    table = Table(title=f"{network.name}: posterior marginals")
    table.add_column("variable")
    table.add_column("distribution")
    for name, dist in marginals.items():
        table.add_row(name, "  ".join(f"{s}={_fmt(p)}" for s, p in dist.items()))
    out.print(table)


@app.command("plan")
@user_errors
def plan_info(
    path: Annotated[str, typer.Argument(help="Model file or name.")],
    evidence_vars: Annotated[
        list[str] | None,
        typer.Option("--observe", help="A variable that will carry evidence. Repeatable."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the compiled plan: cliques, largest intermediate, memory per evidence set."""
    from secondfront.inference.query import check_variable, plan

    network = load(path)
    for name in evidence_vars or []:
        check_variable(network, name)
    p = plan(network, frozenset(evidence_vars or []))
    info = {
        "variables": len(network),
        "cliques": len(p.tree.cliques),
        "largest_clique_entries": p.largest_clique,
        "total_clique_entries": sum(p.tree.size(c) for c in range(len(p.tree.cliques))),
        "bytes_per_evidence_set": p.bytes_per_row,
        "skipped_messages": sum(p.trivial),
    }
    if as_json:
        _emit_json(info)
        return
    for key, value in info.items():
        out.print(f"{key.replace('_', ' ')}: {value}", highlight=False)


# -- check ---------------------------------------------------------------------------


@app.command()
@user_errors
def check(
    path: Annotated[str, typer.Argument(help="A spec, BIF or XMLBIF file, or a model name.")],
) -> None:
    """Validate a model file: print `ok`, or every problem as path:line:col and exit 2."""
    network = load(path)
    out.print(f"ok: {network.name}: {len(network)} variables", highlight=False)


# -- explain -------------------------------------------------------------------------


@app.command()
@user_errors
def explain(
    variable: Annotated[str, typer.Argument(help="Variable name.")],
    model: ModelOpt = FLAGSHIP,
    as_json: JsonOpt = False,
) -> None:
    """Show a variable's parents, table, and the claims and sources behind it."""
    from dataclasses import asdict

    from secondfront.analysis.explain import explain as run_explain

    network = load(model)
    ex = run_explain(network, variable)
    if as_json:
        _emit_json(asdict(ex))
        return
    out.print(f"[bold]{ex.variable}[/bold]: {ex.label}", highlight=False)
    out.print(f"states: {', '.join(ex.states)}   form: {ex.form}", highlight=False)
    out.print(f"parents: {', '.join(ex.parents) or '(none)'}", highlight=False)
    out.print(f"children: {', '.join(ex.children) or '(none)'}", highlight=False)
    table = Table(title="conditional probability table")
    for p in ex.parents:
        table.add_column(p)
    for s in ex.states:
        table.add_column(f"P({s})", justify="right")
    for given, dist in ex.rows:
        table.add_row(*[given[p] for p in ex.parents], *[_fmt(x) for x in dist.values()])
    out.print(table)
    if ex.claims:
        out.print("[bold]claims[/bold]")
        for c in ex.claims:
            src = c.source
            out.print(
                f"  {c.id} {c.locator} [{c.grading}]: {c.says}\n"
                f"      source {src.id}: {src.author}, {src.title} "
                f"({src.date}, {src.kind}, graded {src.grading})"
                + (f" {src.url}" if src.url else ""),
                highlight=False,
            )
            if c.note:
                out.print(f"      grading: {c.note}", highlight=False)
    if ex.assumptions:
        out.print("[bold]assumptions[/bold]")
        for a in ex.assumptions:
            out.print(f"  - {a}", highlight=False)


# -- export --------------------------------------------------------------------------


@app.command()
@user_errors
def export(
    path: Annotated[str, typer.Argument(help="Model file or name.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="bif, json or dot.")] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
) -> None:
    """Export a model as BIF, JSON or Graphviz DOT."""
    from secondfront.model.export import export as run_export

    text = run_export(load(path), fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", highlight=False)


# -- models, sources -----------------------------------------------------------------


@app.command()
@user_errors
def models(as_json: JsonOpt = False) -> None:
    """List the models found in the model folders."""
    found = available_models()
    if as_json:
        _emit_json({name: str(p) for name, p in found.items()})
        return
    for name, p in found.items():
        out.print(f"{name}\t{p}", highlight=False)


@sources_app.command("verify")
@user_errors
def sources_verify(
    text: Annotated[Path, typer.Argument(help="The source text (plain UTF-8).")],
    model: ModelOpt = FLAGSHIP,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Source id the text belongs to (default: the only one "
            "with a `text`, or the first).",
        ),
    ] = None,
) -> None:
    """Check that every locator citing a source resolves to a sentence of TEXT."""
    from secondfront.model.sourcetext import split_source, unresolved_locators

    if not text.exists():
        raise UsageError(f"{text}: no such file")
    network = load(model)
    spec = network.meta.get("spec")
    if spec is None:
        raise UsageError(f"{model} is not a scenario spec; only specs cite sources")
    if source is None:
        with_text = [s.id for s in spec.sources if s.text]
        source = with_text[0] if len(with_text) == 1 else spec.sources[0].id
    if source not in spec.sources_by_id:
        raise UsageError(f"unknown source {source!r}; sources: {', '.join(spec.sources_by_id)}")
    body = text.read_text(encoding="utf-8")
    locators = [str(c.locator) for c in spec.claims if c.source == source]
    locators += [str(n.locator) for n in spec.not_modelled]
    missing = unresolved_locators(locators, body)
    if missing:
        for loc in missing:
            err.print(
                f"{text}: error: locator {loc} does not resolve to a sentence", highlight=False
            )
        raise SourceTextError(f"{len(missing)} of {len(set(locators))} locators do not resolve")
    n = sum(len(p) for p in split_source(body))
    out.print(
        f"ok: {len(set(locators))} locators of source {source!r} resolve in {text} ({n} sentences)",
        highlight=False,
    )


# Commands of other capabilities live in modules of their own under secondfront.cli;
# each defines ``register(app)``. Listed explicitly: a missing module is an error, not
# a silently absent command.
COMMAND_MODULES: tuple[str, ...] = ("evidence", "uncertainty", "workbench", "simulate", "questions")


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"secondfront.cli.{name}").register(app)


_register_commands()


def main() -> None:
    """Entry point of the ``secondfront`` script."""
    app()


__all__ = ["app", "main", "resolve_model"]
