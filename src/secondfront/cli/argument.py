"""Commands for an analyst's own argument.

``new`` (a draft from a source text or an Argdown file), ``assumptions`` (key
assumptions check), ``sources influence`` (if a source were false), ``pool`` (several
analysts' overlays pooled) and ``compare`` (two models of the same question).

Each command parses, calls one library function and prints its typed result (a Rich
table, or JSON with ``--json``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from secondfront.cli.models import sources_app
from secondfront.cli.options import (
    EvidenceOpt,
    JsonOpt,
    ModelOpt,
    command,
    err,
    out,
)
from secondfront.cli.options import (
    emit_json as _emit_json,
)
from secondfront.defaults import FLAGSHIP
from secondfront.errors import UsageError

if TYPE_CHECKING:
    from secondfront.analysis.compare import Comparison


def _pct(p: float) -> str:
    return f"{p:.3f}"


def _value(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(f"{x:.3g}" for x in v) + "]"
    return f"{v:.3g}" if isinstance(v, float | int) else str(v)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def new(
    output: Annotated[Path, typer.Option("-o", "--output", help="The draft file to write.")],
    source: Annotated[
        Path | None, typer.Option("--source", help="The source text (plain UTF-8).")
    ] = None,
    source_id: Annotated[
        str | None, typer.Option("--id", help="Id of the source, e.g. smith-2024.")
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the text: en, ru, uk or be.")
    ] = "en",
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="An outcome to forecast, in words. Repeatable."),
    ] = None,
    from_argdown: Annotated[
        Path | None,
        typer.Option("--from-argdown", help="Read a simple Argdown argument instead."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT.")] = False,
) -> None:
    """Write a draft model of a source's argument; `check` then lists what is left."""
    from secondfront.model.draft import new_draft, render_draft

    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    if from_argdown is not None:
        from secondfront.model.argdown import draft_from_argdown

        if not from_argdown.exists():
            raise UsageError(f"{from_argdown}: no such file")
        text = draft_from_argdown(from_argdown.read_text(encoding="utf-8"), str(from_argdown))
    else:
        if source is None or source_id is None:
            raise UsageError("give --source TEXT and --id ID (or --from-argdown FILE)")
        if not source.exists():
            raise UsageError(f"{source}: no such file")
        rel = os.path.relpath(source.resolve(), output.resolve().parent)
        draft = new_draft(
            source.read_text(encoding="utf-8"),
            source_id,
            language=lang,
            outcomes=outcome or [],
            source_text=rel,
        )
        text = render_draft(draft)
    output.write_text(text, encoding="utf-8")
    err.print(
        f"wrote {output}; run `secondfront check {output}` to see what is left",
        highlight=False,
    )


def assumptions(
    model: ModelOpt = FLAGSHIP,
    evidence: EvidenceOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to show.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Key assumptions check: what each assumption and claim moves, and what would expose it."""
    from secondfront.analysis.assignments import parse_assignments
    from secondfront.analysis.assumptions import key_assumptions
    from secondfront.model.formats import load

    result = key_assumptions(load(model), evidence=parse_assignments(evidence, "evidence"))
    if as_json:
        _emit_json(result.as_json())
        return
    table = Table(
        title=f"{result.model}: key assumptions (each parameter over its "
        f"{result.confidence:.0%} prior interval; --json for every outcome)"
    )
    table.add_column("rests on", max_width=70)
    table.add_column("params", justify="right")
    table.add_column("largest swing", justify="right")
    table.add_column("on outcome")
    table.add_column("would show if wrong (bits)")
    for item in result.items[:top]:
        head = (
            f"claim {item.claim} {item.locator} [{item.grading}]: {item.text}"
            if item.kind == "claim"
            else f"assumption: {item.text}"
        )
        worst = max(item.swings, key=lambda w: w.swing)
        watch = f"{item.indicator} ({item.indicator_information:.3f})" if item.indicator else "-"
        table.add_row(
            _short(head, 140),
            str(len(item.parameters)),
            f"{worst.swing:.3f}",
            f"{worst.outcome}: {_pct(worst.low)}-{_pct(worst.high)}",
            watch,
        )
    out.print(table)
    if result.fallback:
        out.print(
            f"{len(result.fallback)} parameters state no uncertainty; swept as if "
            "estimated from 20 cases (weights +-0.75).",
            highlight=False,
        )


def sources_influence(
    model: ModelOpt = FLAGSHIP,
    evidence: EvidenceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The model without each source: its parameters at their fallback ranges, ranked."""
    from secondfront.analysis.assignments import parse_assignments
    from secondfront.analysis.assumptions import source_influence
    from secondfront.model.formats import load

    result = source_influence(load(model), parse_assignments(evidence, "evidence"))
    if as_json:
        _emit_json(result.as_json())
        return
    table = Table(title=f"{result.model}: the model without each source (--json for all)")
    table.add_column("source")
    table.add_column("grading (weight)")
    table.add_column("params", justify="right")
    table.add_column("largest change: as written -> range without it")
    table.add_column("influence", justify="right")
    table.add_column("at risk", justify="right")
    for s in result.sources:
        worst = max(s.swings, key=lambda w: w.swing)
        table.add_row(
            s.source,
            f"{s.grading} ({s.weight:.2f})",
            str(len(s.parameters)),
            f"{worst.outcome}: {_pct(worst.baseline)} -> {_pct(worst.low)}–{_pct(worst.high)}",
            _pct(s.influence),
            _pct(s.at_risk),
        )
    out.print(table)
    out.print("without a source, each parameter resting on it takes:", highlight=False)
    for kind, rule in result.rule.items():
        out.print(f"  {kind}: {rule}", highlight=False)
    for s in result.sources:
        for d in s.disagreements:
            lo, hi = d.effect
            out.print(
                f"direction {d.verdict}: claim {d.claim} says it {d.stated} "
                f"P({d.variable}={d.state}); the model moves it by {lo:+.4f} to {hi:+.4f}",
                highlight=False,
            )
    out.print(
        "at risk = (1 - grading weight) x influence; gradings enter no parameter of "
        "the model, only this column (re-grade a source to move it).",
        style="dim",
    )


def pool_command(
    model: Annotated[str, typer.Argument(help="Model name or file.")],
    overlays: Annotated[list[Path], typer.Argument(help="Overlay files, one per analyst.")],
    evidence: EvidenceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pool several analysts' overlays (linear and logarithmic) and show where they differ."""
    from secondfront.analysis.assignments import parse_assignments
    from secondfront.analysis.overlay import load_overlay, pool
    from secondfront.model.formats import load

    m = load(model)
    for path in overlays:
        if not path.exists():
            raise UsageError(f"{path}: no such file")
    loaded = [load_overlay(path, m) for path in overlays]
    result = pool(m, loaded, parse_assignments(evidence, "evidence"))
    if as_json:
        _emit_json(result.as_json())
        return
    table = Table(title=f"{result.model}: {len(result.analysts)} analysts pooled")
    table.add_column("outcome")
    table.add_column("model", justify="right")
    for a, w in zip(result.analysts, result.weights, strict=True):
        table.add_column(f"{a} (w {w:.2f})", justify="right")
    table.add_column("linear pool", justify="right")
    table.add_column("log pool", justify="right")
    table.add_column("spread", justify="right")
    for o in result.outcomes:
        table.add_row(
            f"{o.outcome}={o.state}",
            _pct(o.model),
            *[_pct(p) for p in o.analysts],
            _pct(o.linear),
            _pct(o.logarithmic),
            _pct(o.spread),
        )
    out.print(table)
    disputed = Table(title="parameters the analysts set")
    disputed.add_column("parameter")
    disputed.add_column("model", justify="right")
    for a in result.analysts:
        disputed.add_column(a, justify="right")
    for key, row in result.disputed.items():
        disputed.add_row(
            key,
            _value(row["model"]),
            *[_value(row["analysts"][a]) for a in result.analysts],
        )
    out.print(disputed)
    out.print(
        "linear pool: sum_i w_i P_i; logarithmic pool: prod_i P_i^w_i renormalised "
        "(externally Bayesian; confident analysts weigh more).",
        style="dim",
    )


def compare_command(
    model_a: Annotated[str, typer.Argument(help="Model A (name or file).")],
    model_b: Annotated[str, typer.Argument(help="Model B (name or file).")],
    evidence: EvidenceOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per section.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Two arguments on one question: forecasts, where they differ, what would decide."""
    from secondfront.analysis.assignments import parse_assignments
    from secondfront.analysis.compare import compare
    from secondfront.model.formats import load

    result = compare(load(model_a), load(model_b), parse_assignments(evidence, "evidence"))
    if as_json:
        _emit_json(result.as_json())
        return
    _print_compare(result, top)


def _print_compare(result: Comparison, top: int) -> None:
    """Print ``compare``'s tables: shared outcomes, deciding indicators, variables,
    parameters and links, ``top`` rows per section."""
    a, b = result.model_a, result.model_b
    out.print(f"A = {a}   B = {b}", highlight=False)
    table = Table(title="shared outcomes")
    table.add_column("outcome")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("A - B", justify="right")
    for o in result.outcomes:
        table.add_row(f"{o.outcome}={o.state}", _pct(o.p_a), _pct(o.p_b), f"{o.difference:+.3f}")
    out.print(table)
    if result.only_a or result.only_b:
        out.print(
            f"outcomes of A only: {', '.join(result.only_a) or '-'}; "
            f"of B only: {', '.join(result.only_b) or '-'}",
            highlight=False,
        )
    _print_compare_indicators(result, top)
    _print_compare_differences(result, top)


def _print_compare_indicators(result: Comparison, top: int) -> None:
    """The indicators that decide between the two models, most decisive first."""
    ind = Table(title="indicators that decide between them (expected log Bayes factor, nats)")
    ind.add_column("indicator")
    ind.add_column("P seen A / B", justify="right")
    ind.add_column("BF A:B if seen", justify="right")
    ind.add_column("if not seen", justify="right")
    ind.add_column("E[log BF] A / B", justify="right")
    ind.add_column("outcome if seen A / B", justify="right")
    for d in result.indicators[:top]:
        ind.add_row(
            d.indicator,
            f"{_pct(d.p_a)} / {_pct(d.p_b)}",
            f"{d.bf_if_seen:.2f}",
            f"{d.bf_if_not_seen:.2f}",
            f"{d.expected_log_bf_a:.3f} / {d.expected_log_bf_b:.3f}",
            f"{d.outcome}: {_pct(d.a_if_seen)} / {_pct(d.b_if_seen)}",
        )
    out.print(ind)


def _print_compare_differences(result: Comparison, top: int) -> None:
    """Shared variables and parameters that differ most, and links one model draws alone."""
    var = Table(title="shared variables whose marginals differ most (total variation)")
    var.add_column("variable")
    var.add_column("A")
    var.add_column("B")
    var.add_column("distance", justify="right")
    for v in result.variables[:top]:
        var.add_row(
            v.variable,
            " ".join(f"{s}={x:.2f}" for s, x in zip(v.states, v.a, strict=True)),
            " ".join(f"{s}={x:.2f}" for s, x in zip(v.states, v.b, strict=True)),
            f"{v.distance:.3f}",
        )
    out.print(var)
    if result.parameters:
        par = Table(title="shared parameters that differ most")
        par.add_column("parameter")
        par.add_column("A", justify="right")
        par.add_column("B", justify="right")
        par.add_column("distance", justify="right")
        for p in result.parameters[:top]:
            par.add_row(p.path, _value(p.a), _value(p.b), f"{p.distance:.3f}")
        out.print(par)
    wiring = [link for link in result.links if link.ends_shared]
    if wiring:
        out.print("[bold]links drawn by one argument only[/bold] (both have the variables)")
        for link in wiring[:top]:
            out.print(f"  {link.in_model} only: {link.parent} -> {link.child}", highlight=False)
    out.print(
        f"{sum(not link.ends_shared for link in result.links)} further links involve "
        "variables "
        "only one model has (--json lists them).",
        style="dim",
    )


def register(app: typer.Typer) -> None:
    """Add ``new``, ``assumptions``, ``sources influence``, ``pool`` and ``compare``."""

    command(app, new)
    command(app, assumptions)
    command(sources_app, sources_influence, "influence")
    command(app, pool_command, "pool")
    command(app, compare_command, "compare")
