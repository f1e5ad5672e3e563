"""Commands about model files: ``models``, ``check``, ``explain``, ``export``, ``sources``."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from secondfront.cli.options import (
    FLAGSHIP,
    Commands,
    JsonOpt,
    ModelOpt,
    command,
    emit_json,
    err,
    fmt,
    out,
)
from secondfront.errors import SourceTextError, UsageError


def models(as_json: JsonOpt = False) -> None:
    """List the models found in the model folders (not their companion files)."""
    from secondfront.model.formats import available_models

    found = available_models()
    if as_json:
        emit_json({name: str(p) for name, p in found.items()})
        return
    for name, p in found.items():
        out.print(f"{name}\t{p}", highlight=False)


def check(
    path: Annotated[str, typer.Argument(help="A spec, BIF or XMLBIF file, or a model name.")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 while a draft has work left.")
    ] = False,
) -> None:
    """Validate a model file: print `ok`, or every problem as path:line:col and exit 2.

    A valid spec that is still a draft also gets what is left as warnings."""
    from secondfront.model.draft import leftovers
    from secondfront.model.formats import load

    m = load(path)
    left = leftovers(m.path) if m.spec is not None and m.path is not None else []
    for item in left:
        err.print(str(item), markup=False, highlight=False)
    note = f" (draft: {len(left)} items left)" if left else ""
    out.print(f"ok: {m.network.name}: {len(m)} variables{note}", highlight=False)
    if left and strict:
        raise typer.Exit(1)


def explain(
    variable: Annotated[str, typer.Argument(help="Variable name.")],
    model: ModelOpt = FLAGSHIP,
    as_json: JsonOpt = False,
) -> None:
    """Show a variable's parents, table, and the claims and sources behind it."""
    from secondfront.analysis.explain import explain as run_explain
    from secondfront.model.formats import load

    ex = run_explain(load(model), variable)
    if as_json:
        emit_json(asdict(ex))
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
        table.add_row(*[given[p] for p in ex.parents], *[fmt(x) for x in dist.values()])
    if ex.parameters:
        out.print(f"[bold]parameters ({ex.form})[/bold]: the numbers the table is computed from")
        for path, value in ex.parameters:
            shown = (
                ", ".join(f"{x:.4g}" for x in value) if isinstance(value, list) else f"{value:.4g}"
            )
            out.print(f"  {path} = {shown}", highlight=False)
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


def export(
    path: Annotated[str, typer.Argument(help="Model file or name.")],
    fmt_: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="bif, net (Hugin), xdsl (GeNIe), json, dot or argdown."
        ),
    ] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
) -> None:
    """Export a model as BIF, Hugin NET, GeNIe XDSL, JSON, Graphviz DOT or an Argdown map."""
    from secondfront.model.export import export as run_export
    from secondfront.model.formats import load

    if fmt_ == "argdown":  # an argument map needs the model evaluated (analysis layer)
        from secondfront.analysis.argmap import argument_map, render_argdown

        text = render_argdown(argument_map(load(path)))
    else:
        text = run_export(load(path), fmt_)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", highlight=False)


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
    """Check every locator of a source against TEXT: it resolves, its sentence has not
    changed or moved (fingerprints), and every sentence is cited or in not_modelled."""
    from secondfront.model.formats import load
    from secondfront.model.sourcetext import Cited, check_source

    if not text.exists():
        raise UsageError(f"{text}: no such file")
    spec = load(model).require_spec("sources verify")
    if source is None:
        with_text = [s.id for s in spec.sources if s.text]
        source = with_text[0] if len(with_text) == 1 else spec.sources[0].id
    if source not in spec.sources_by_id:
        raise UsageError(f"unknown source {source!r}; sources: {', '.join(spec.sources_by_id)}")
    body = text.read_text(encoding="utf-8")
    cited = [
        Cited(str(c.locator), c.fingerprint, f"claim {c.id}")
        for c in spec.claims
        if c.source == source
    ]
    cited += [
        Cited(str(n.locator), n.fingerprint, f"not_modelled {n.locator}")
        for n in spec.not_modelled
        if n.source in (None, source)
    ]
    result = check_source(body, cited)
    for who, loc, fp in result.unfingerprinted:
        err.print(
            f"{text}: warning: {who}: locator {loc} stores no fingerprint; add "
            f"'fingerprint: {fp}' so a changed text is noticed",
            highlight=False,
        )
    if not result.ok:
        problems = result.problems()
        for line in problems:
            err.print(f"{text}: error: {line}", highlight=False)
        raise SourceTextError(
            f"{len(problems)} problems with the {result.locators} locators of source {source!r}"
        )
    out.print(
        f"ok: {result.locators} locators of source {source!r} resolve in {text} "
        f"({result.sentences} sentences, each cited or listed in not_modelled)",
        highlight=False,
    )


# The ``sources`` group: other command modules add their source commands to it.
sources_app = typer.Typer(
    cls=Commands, help="Check a model's claims against source texts.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the model commands, and the ``sources`` group, to the command line."""
    command(app, models)
    command(app, check)
    command(app, explain)
    command(app, export)
    command(sources_app, sources_verify, "verify")
    app.add_typer(sources_app, name="sources")


__all__ = ["register", "sources_app"]
