"""Commands of the evidence layer: ingest, rejects, indicators, timeline, backtest.

Each parses its options, calls one library function of ``secondfront.evidence`` and
prints a Rich table or, with ``--json``, JSON. The store is ``--db PATH``, else
``$SECONDFRONT_DB``, else ``./secondfront.duckdb``.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from secondfront.cli.options import (
    DbOpt,
    FromOpt,
    JsonOpt,
    ToOpt,
    command,
    date_option,
    emit_json,
    err,
    out,
)

if TYPE_CHECKING:
    from secondfront.evidence.mapping import IndicatorWeek

RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="Mapping rules (default: the flagship's *.mapping.yaml)."),
]
TimelineOpt = Annotated[
    Path | None,
    typer.Option("--timeline", help="Time model (default: the flagship's *.timeline.yaml)."),
]


def _statuses(
    db: Path | None, rules: Path | None, start: str | None, end: str | None
) -> list[IndicatorWeek]:
    """The weekly indicator statuses of the store over the dates asked for."""
    from secondfront.evidence import store
    from secondfront.evidence.mapping import load_rules, weekly_statuses

    r = load_rules(rules)
    first, last = date_option(start, "--from"), date_option(end, "--to")
    con = store.connect(db, create=False)
    return weekly_statuses(con, r, first, last)


def ingest(
    files: Annotated[list[Path], typer.Argument(help="ACLED CSV, GDELT event files, news text.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="acled, acled-deletions, gdelt or text (default: detect)."),
    ] = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
    no_map: Annotated[
        bool, typer.Option("--no-map", help="Store only; map to indicators later.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Read event files into the store; bad rows go to quarantine, never away.

    News text needs a date and a language. The optional nlp extra
    (pip install "secondfront\\[nlp]") tells undeclared Russian, Ukrainian
    and Belarusian apart by a language model and matches Russian and
    Ukrainian words by lemma; without it the alphabet and stems decide.
    """
    from secondfront.evidence import store
    from secondfront.evidence.ingest import ingest as run_ingest
    from secondfront.evidence.mapping import load_rules

    mapping = None if no_map else load_rules(rules)
    con = store.connect(db)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=err, transient=True, disable=as_json or not err.is_terminal
    ) as bar:

        def progress(label: str, total: int):  # type: ignore[no-untyped-def]
            task = bar.add_task(label, total=total)
            return lambda n: bar.advance(task, n)

        report = run_ingest(con, files, fmt=fmt, rules=mapping, progress=progress)
    if as_json:
        data = report.as_json()
        emit_json(
            {k: data[k] for k in ("read", "accepted", "rejected", "duplicates")}
            | {"files": data["files"]}
        )
        return
    table = Table(title="ingest")
    for c in ("file", "format", "read", "accepted", "rejected", "duplicates"):
        table.add_column(c, justify="left" if c in ("file", "format") else "right")
    for f in report.files:
        n = f.counts
        table.add_row(
            f.path, f.format, str(n.read), str(n.accepted), str(n.rejected), str(n.duplicates)
        )
    out.print(table)
    if report.total.rejected:
        out.print(
            f"{report.total.rejected} rejected rows kept in quarantine: "
            f"secondfront rejects --db {shlex.quote(str(db or store.default_db_path()))}",
            highlight=False,
        )


def rejects(
    db: DbOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most N rows.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List quarantined rows: file, line, reason and the raw row."""
    from secondfront.evidence import store
    from secondfront.evidence.ingest import rejects as list_rejects

    rows = list_rejects(store.connect(db, create=False), limit)
    if as_json:
        emit_json({"rejects": rows})
        return
    for r in rows:
        out.print(
            f"{r['path']}:{r['line']}: {r['format']}: {r['reason']}", highlight=False, markup=False
        )
        out.print(f"    {str(r['raw'])[:200]!r}", highlight=False, markup=False)
    if not rows:
        out.print("no rejected rows", highlight=False)


def indicators(
    start: FromOpt = None,
    end: ToOpt = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list unknown statuses.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Per ISO week and indicator: supporting observations and the status."""
    statuses = _statuses(db, rules, start, end)
    if as_json:
        emit_json({"weeks": _by_week(statuses)})
        return
    table = Table(title="indicators by ISO week")
    for c in ("week", "indicator", "count", "support", "status", "gradings"):
        table.add_column(c, justify="right" if c in ("count", "support") else "left")
    for s in statuses:
        if show_all or s.status != "unknown":
            table.add_row(
                s.week,
                s.indicator,
                str(s.count),
                f"{s.support:.2f}",
                s.status,
                ",".join(s.gradings),
            )
    out.print(table)


def _by_week(statuses: list[IndicatorWeek]) -> list[dict[str, object]]:
    weeks: dict[str, dict[str, object]] = {}
    for s in statuses:
        weeks.setdefault(s.week, {})[s.indicator] = {
            "count": s.count,
            "support": s.support,
            "status": s.status,
            "gradings": list(s.gradings),
        }
    return [{"week": w, "indicators": inds} for w, inds in weeks.items()]


def timeline(
    start: FromOpt = None,
    end: ToOpt = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
    model_file: TimelineOpt = None,
    smooth: Annotated[
        bool, typer.Option("--smooth", help="Use all weeks (smoothing), not only the past.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Per week, the probability of each outcome; alert lines when a rule fires.

    The chain runs over every stored week; --from and --to only choose the weeks shown.
    """
    from secondfront.evidence import store
    from secondfront.evidence.mapping import load_rules
    from secondfront.evidence.timeline import load_timeline
    from secondfront.evidence.timeline_view import timeline_view
    from secondfront.evidence.weeks import check_range

    time_model = load_timeline(model_file)
    first, last = date_option(start, "--from"), date_option(end, "--to")
    check_range(first, last)  # in the flags' own words, before the store opens
    view = timeline_view(
        time_model.model,
        store.connect(db, create=False),
        first,
        last,
        smooth,
        rules=load_rules(rules, time_model.model),
        time_model=time_model,
        events_per_week=0,
        max_weeks=None,
    )
    if as_json:
        emit_json(
            {
                "weeks": [
                    {
                        "week": w.week,
                        "outcomes": w.outcomes,
                        "states": w.states,
                        "evidence": w.evidence,
                        "conflict": w.conflict.summary(),
                    }
                    for w in view.weeks
                ],
                "alerts": [
                    {
                        "week": a.week,
                        "rule": a.rule,
                        "message": a.message,
                        "indicators": a.indicators,
                    }
                    for a in view.alerts
                ],
                "fitted": view.fitted,
            }
        )
        return
    table = Table(
        title="timeline: P(outcome) per ISO week"
        + (" (smoothed)" if smooth else "")
        + (" (fitted time model)" if view.fitted else "")
    )
    table.add_column("week")
    for s in view.series:
        table.add_column(f"{s.variable}={s.state}", justify="right")
    table.add_column("conflict", justify="right")
    table.add_column("observed")
    for w in view.weeks:
        seen = [i for i, st in w.evidence.items() if st == "present"]
        c = w.conflict
        conflict = f"{c.value:+.2f}" + (f" ({c.culprit})" if c.value > 0 and c.culprit else "")
        table.add_row(
            w.week, *(f"{w.p[s.variable]:.3f}" for s in view.series), conflict, ", ".join(seen)
        )
    out.print(table)
    out.print(
        "conflict: log(prod P(e_i) / P(e)) of the week's findings in nats under the chain's "
        "prediction; positive when they fit the model badly together (in brackets: the "
        "finding most responsible)",
        style="dim",
        highlight=False,
    )
    for a in view.alerts:
        out.print(a.message, highlight=False, markup=False)


def backtest(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Use this store instead of the shipped history (data/belarus-events.csv)."
        ),
    ] = None,
    rules: RulesOpt = None,
    model_file: TimelineOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rolling-origin Brier and log scores against climatology and persistence."""
    from secondfront.evidence import store
    from secondfront.evidence.backtest import backtest as run_backtest
    from secondfront.evidence.backtest import history_store
    from secondfront.evidence.mapping import load_rules
    from secondfront.evidence.timeline import load_timeline

    con = history_store() if db is None else store.connect(db, create=False)
    scores = run_backtest(con, load_rules(rules), load_timeline(model_file))
    if as_json:
        emit_json({"questions": [s.as_json() for s in scores]})
        return
    table = Table(title="backtest (rolling origin; lower is better)")
    for c in (
        "question",
        "origins",
        "positive",
        "Brier model",
        "clim.",
        "persist.",
        "log model",
        "clim.",
        "persist.",
    ):
        table.add_column(c, justify="left" if c == "question" else "right")
    for s in scores:
        table.add_row(
            s.question,
            str(s.origins),
            str(s.positives),
            *(f"{s.brier[k]:.4f}" for k in ("model", "climatology", "persistence")),
            *(f"{s.log[k]:.4f}" for k in ("model", "climatology", "persistence")),
        )
    out.print(table)
    out.print(
        "Consecutive origins share most of their window: about origins/12 independent "
        "windows, and a question with no positive window measures false alarms only.",
        style="dim",
        highlight=False,
    )
    warn = Table(title="early warning (the time model's alert rules on each question)")
    for c in ("question", "alert rules", "lead per event week", "false alarms", "per year"):
        warn.add_column(c, justify="right" if c in ("false alarms", "per year") else "left")
    for s in scores:
        r = s.warning
        if r is None:
            warn.add_row(s.question, "none watches it", "", "", "")
            continue
        leads = [
            f"{s.weeks[e.event]}: " + ("missed" if e.lead_weeks is None else f"{e.lead_weeks} wk")
            for e in r.events
        ]
        warn.add_row(
            s.question,
            ", ".join(s.alert_rules),
            "\n".join(leads) or "no event",
            f"{r.false_alarms} of {len(r.onsets)}"
            + (f" ({r.pending} pending)" if r.pending else ""),
            f"{r.false_alarms_per_year:.2f}",
        )
    out.print(warn)
    out.print(
        "Lead: weeks from the first alert within the question's window before an event "
        "week (0: with the event); a false alarm is an alert onset with no event in the "
        "window after it; per year of weeks whose window has closed.",
        style="dim",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the evidence commands to the ``secondfront`` app."""
    for fn in (ingest, rejects, indicators, timeline, backtest):
        command(app, fn)


__all__ = ["register"]
