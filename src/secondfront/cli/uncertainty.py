"""Commands that question a model's numbers: ``sensitivity`` and ``watchlist``."""

from __future__ import annotations

from dataclasses import asdict
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
    SoftOpt,
    command,
    emit_json,
    err,
    evidence_options,
    fmt,
    out,
)
from secondfront.cli.progress import progress_bar
from secondfront.errors import UsageError

if TYPE_CHECKING:
    from secondfront.analysis.sensitivity import OneAtATime, SobolResult, Target

TargetOpt = Annotated[
    str, typer.Option("--target", "-t", help="VAR=STATE whose probability is explained.")
]


def sensitivity(
    target: TargetOpt,
    model: ModelOpt = FLAGSHIP,
    method: Annotated[str, typer.Option("--method", help="oat (tornado) or sobol.")] = "oat",
    evidence: EvidenceOpt = None,
    soft: SoftOpt = None,
    do: DoOpt = None,
    samples: Annotated[
        int, typer.Option("--samples", help="Sobol base sample size N (a power of 2).")
    ] = 4096,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Sobol design.")] = 0,
    top: Annotated[int, typer.Option("--top", help="Rows to print.")] = 20,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the chart to FILE.png and FILE.svg.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank the assumptions that drive P(VAR=STATE): one at a time, or Sobol indices."""
    from secondfront.analysis.sensitivity import Target, one_at_a_time, sobol
    from secondfront.model.formats import load

    network = load(model)
    tgt = Target.parse(target, network)
    ev, interventions = evidence_options(evidence, soft, do)
    if method == "oat":
        res = one_at_a_time(network, tgt, ev, interventions)
        _show_oat(res, tgt, top, plot, as_json)
        return
    if method != "sobol":
        raise UsageError(f"unknown method {method!r}; choose oat or sobol")
    with progress_bar("Sobol design: evaluations", quiet=as_json) as bar:
        sob = sobol(
            network, tgt, n_base=samples, seed=seed, evidence=ev, do=interventions, progress=bar
        )
    _show_sobol(sob, tgt, seed, top, plot, as_json)


def _show_oat(res: OneAtATime, tgt: Target, top: int, plot: Path | None, as_json: bool) -> None:
    """The one-at-a-time swings as JSON or a table (``top`` rows), and the tornado chart."""
    from secondfront.analysis import charts
    from secondfront.analysis.language import describe

    if as_json:
        emit_json(
            {
                "target": str(tgt),
                "method": "oat",
                "baseline": res.baseline,
                "confidence": res.confidence,
                "rows": [{**asdict(s), "swing": s.swing} for s in res.swings],
            }
        )
    else:
        table = Table(title=f"One at a time: P({tgt}) = {describe(res.baseline)}")
        for col in ("parameter", "low", "high", "P at low", "P at high", "swing"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for s in res.swings[:top]:
            table.add_row(
                s.parameter,
                f"{round(s.low, 9):.3g}",
                f"{round(s.high, 9):.3g}",
                fmt(s.p_low),
                fmt(s.p_high),
                fmt(s.swing),
            )
        out.print(table)
    if plot is not None:
        for p in charts.tornado(res, plot):
            err.print(f"wrote {p}", highlight=False)


def _show_sobol(
    sob: SobolResult, tgt: Target, seed: int, top: int, plot: Path | None, as_json: bool
) -> None:
    """The Sobol indices as JSON or a table (``top`` rows), and their bar chart."""
    from secondfront.analysis import charts

    if as_json:
        emit_json(
            {
                "target": str(tgt),
                "method": "sobol",
                "n_base": sob.n_base,
                "evaluations": sob.evaluations,
                "conf_level": sob.conf_level,
                "seed": seed,
                "rows": [asdict(i) for i in sob.indices],
            }
        )
    else:
        table = Table(
            title=f"Sobol indices of P({tgt}): N = {sob.n_base}, "
            f"{sob.evaluations} evaluations, seed {seed}"
        )
        for col in ("parameter", "S1", "±", "ST", "±"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for i in sob.indices[:top]:
            table.add_row(
                i.name, f"{i.s1:.3f}", f"{i.s1_conf:.3f}", f"{i.st:.3f}", f"{i.st_conf:.3f}"
            )
        out.print(table)
    if plot is not None:
        for p in charts.sobol_bars(sob, str(tgt), plot):
            err.print(f"wrote {p}", highlight=False)


def watchlist(
    target: TargetOpt,
    model: ModelOpt = FLAGSHIP,
    evidence: EvidenceOpt = None,
    soft: SoftOpt = None,
    do: DoOpt = None,
    pairs: Annotated[int, typer.Option("--pairs", help="How many indicator pairs.")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Rank indicators by how much observing them would move P(VAR=STATE)."""
    from secondfront.analysis.language import describe
    from secondfront.analysis.sensitivity import Target
    from secondfront.analysis.watchlist import watchlist as run_watchlist
    from secondfront.model.formats import load

    network = load(model)
    tgt = Target.parse(target, network)
    ev, interventions = evidence_options(evidence, soft, do)
    wl = run_watchlist(network, tgt, ev, interventions, top_pairs=pairs)

    def row(w: Any) -> dict[str, Any]:
        return {
            "indicators": list(w.indicators),
            "mutual_information_bits": w.mutual_information,
            "expected_abs_change": w.expected_change,
            "if_seen": w.if_seen(),
            "if_not_seen": w.if_not_seen(),
            "outcomes": [
                {"states": list(s), "p_observation": p, "p_target": t} for s, p, t in w.outcomes
            ],
        }

    if as_json:
        emit_json(
            {
                "target": str(tgt),
                "baseline": wl.baseline,
                "indicators": [row(w) for w in wl.singles],
                "pairs": [row(w) for w in wl.pairs],
            }
        )
        return
    table = Table(title=f"What to watch for P({tgt}) = {describe(wl.baseline)}")
    for col in ("indicator", "MI (bits)", "E|ΔP|", "if seen", "if not seen"):
        table.add_column(col, justify="left" if col == "indicator" else "right")
    for w in wl.singles:
        table.add_row(
            w.indicators[0],
            f"{w.mutual_information:.4f}",
            fmt(w.expected_change),
            fmt(w.outcomes[-1][2]),  # a single indicator: its last state ("present")
            fmt(w.outcomes[0][2]),
        )
    out.print(table)
    if wl.pairs:
        pt = Table(title="Best pairs observed together")
        for col in ("indicators", "MI (bits)", "E|ΔP|"):
            pt.add_column(col, justify="left" if col == "indicators" else "right")
        for w in wl.pairs:
            pt.add_row(
                " + ".join(w.indicators), f"{w.mutual_information:.4f}", fmt(w.expected_change)
            )
        out.print(pt)


def register(app: typer.Typer) -> None:
    """Add ``sensitivity`` and ``watchlist`` to the command line."""
    command(app, sensitivity)
    command(app, watchlist)
