"""Commands of the evidence layer: ingest, map, rejects, indicators, timeline, backtest.

Each parses its options, calls one library function of ``secondfront.evidence`` and
prints a Rich table or, with ``--json``, JSON. The store is ``--db PATH``, else
``$SECONDFRONT_DB``, else ``./secondfront.duckdb``. Commands that read indicators open
the store for writing with their rules (``open_mapped``), which maps it once when it
was mapped with other rules or holds unmapped files; the library's reads never write.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from secondfront.cli.options import (
    DbOpt,
    FromOpt,
    JsonOpt,
    RefitOpt,
    ToOpt,
    command,
    date_option,
    emit_json,
    err,
    out,
)
from secondfront.errors import UsageError

if TYPE_CHECKING:
    import duckdb

    from secondfront.evidence.ingest import IngestReport
    from secondfront.evidence.mapping import MappingRules
    from secondfront.evidence.weeks import IndicatorWeek
    from secondfront.forecasting.backtest import QuestionScore
    from secondfront.timeline.chain import TimelineModel
    from secondfront.timeline.view import TimelineView

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
    from secondfront.evidence.mapping import load_rules, open_mapped
    from secondfront.evidence.weeks import weekly_statuses

    r = load_rules(rules)
    first, last = date_option(start, "--from"), date_option(end, "--to")
    con = open_mapped(db, r)
    _refuse_empty(con, db)
    return weekly_statuses(con, r, first, last)


def _refuse_empty(con: duckdb.DuckDBPyConnection, db: Path | None) -> None:
    """Refuse a store without events: an empty table would read as "nothing happened".

    Raises:
        UsageError: the store holds no events (the message says how to fill it).
    """
    from secondfront.evidence import store
    from secondfront.evidence.weeks import data_span

    if data_span(con) is None:
        where = shlex.quote(str(db or store.default_db_path()))
        raise UsageError(
            f"the events store {where} holds no events: ingest events with "
            f"`secondfront ingest FILE... --db {where}` (the shipped history: "
            f"`secondfront ingest data/belarus-events.csv --db {where}`)"
        )


def _remove_new_store(path: Path) -> None:
    """Delete a store this command created, with DuckDB's write-ahead log and spill folder."""
    for extra in (path, path.with_name(path.name + ".wal")):
        extra.unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


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
    from secondfront.evidence.mapping import load_rules

    mapping = None if no_map else load_rules(rules)
    path = Path(db) if db is not None else store.default_db_path()
    # A store that this ingest creates and then fails to fill is removed again: an
    # empty store left behind would answer later commands with empty tables.
    new = str(path) != ":memory:" and not path.exists()
    con = store.connect(path)
    try:
        report = _run_ingest(con, files, fmt, mapping, quiet=as_json)
    except BaseException:
        con.close()
        if new:
            _remove_new_store(path)
        raise
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


def map_events(
    db: DbOpt = None,
    rules: RulesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Map the stored events to indicators: after `ingest --no-map` or a change of rules.

    A store mapped with other rules is remapped from scratch; otherwise only files not
    yet mapped are mapped. Ingest with rules does this itself.
    """
    from secondfront.evidence import store
    from secondfront.evidence.mapping import ensure_mapped, load_rules

    r = load_rules(rules)
    con = store.connect(db, create=False)
    try:
        added = ensure_mapped(con, r)
        row = con.execute("SELECT count(*) FROM observations").fetchone()
    finally:
        con.close()
    total = int(row[0]) if row else 0
    if as_json:
        emit_json({"added": added, "observations": total, "rules": str(r.path)})
        return
    out.print(f"{added} observations added; {total} in the store ({r.path.name})", highlight=False)


def _run_ingest(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    fmt: str | None,
    mapping: MappingRules | None,
    quiet: bool,
) -> IngestReport:
    """The library's ingest with a progress bar on a terminal's stderr."""
    from secondfront.evidence.ingest import ingest as run_ingest

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    quiet = quiet or not err.is_terminal
    with Progress(*columns, console=err, transient=True, disable=quiet) as bar:

        def progress(label: str, total: int):  # type: ignore[no-untyped-def]
            task = bar.add_task(label, total=total)
            return lambda n: bar.advance(task, n)

        return run_ingest(con, files, fmt=fmt, rules=mapping, progress=progress)


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
    network: Annotated[
        bool,
        typer.Option(
            "--network",
            help="Show the network's 12-month probabilities under each week's chain "
            "instead of the dated forecast.",
        ),
    ] = False,
    refit: RefitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Per week, the dated forecast of each outcome; alert lines when a rule fires.

    Each week shows P(the outcome happens in the next 8 weeks) as of the week's last
    day (what `forecast --as-of` prints for that day; with --refit, what `forecast
    --as-of DAY --refit` prints: the chain refitted up to each week, out of sample, a
    fit per week up to the last one shown); --network shows the chain's 12-month
    network probabilities instead. The chain runs over every stored week; --from and
    --to only choose the weeks shown.
    """
    from secondfront.cli.progress import progress_bar
    from secondfront.evidence.mapping import load_rules, open_mapped
    from secondfront.evidence.weeks import check_range
    from secondfront.forecasting.dated import dated_timeline
    from secondfront.timeline.chain import load_timeline

    if refit and network:
        raise UsageError(
            "--refit refits the chain behind the dated forecast; --network shows the "
            "analyst's chain's network numbers: give one of them"
        )
    time_model = load_timeline(model_file)
    first, last = date_option(start, "--from"), date_option(end, "--to")
    check_range(first, last)  # in the flags' own words, before the store opens
    mapping = load_rules(rules, time_model.model)
    con = open_mapped(db, mapping)
    _refuse_empty(con, db)
    with progress_bar("weeks refitted", quiet=as_json or not refit) as bar:
        view = dated_timeline(
            time_model.model,
            con,
            first,
            last,
            smooth,
            rules=mapping,
            time_model=time_model,
            events_per_week=0,
            max_weeks=None,
            refit=refit,
            progress=bar,
        )
    if as_json:
        emit_json(view.as_json())  # the view's own shape, as the API serves it
        return
    _timeline_table(view, smooth, dated=view.dated_weeks is not None and not network)
    out.print(
        "conflict: log(prod P(e_i) / P(e)) of the week's findings in nats under the chain's "
        'prediction; positive when they fit the model badly together ("conflict most '
        'from": the finding most responsible)',
        style="dim",
        highlight=False,
    )
    # The dated view's alerts are the early warning of the dated forecast; the network
    # view's are the time model's own rules on the chain's numbers.
    for a in view.rule_alerts if network else view.alerts:
        out.print(a.message, highlight=False, markup=False)


def _timeline_table(view: TimelineView, smooth: bool, dated: bool) -> None:
    """Print the timeline's weeks so that no name is ever cut.

    Each outcome's column is headed by a letter and a key above names it in full (a
    variable name as a header would be cut to its column's few characters). A week's
    row holds its numbers (the dated forecast, or with ``dated`` false the network's
    probabilities); the indicators observed that week and the conflict's culprit
    follow on their own indented lines, whole, however narrow the terminal (a long
    line wraps there rather than being cut).
    """
    what = (
        f"P(outcome in the next {view.dated_weeks} weeks) as of each week's end, the chain's"
        " numbers "
        + ("refitted up to each week (out of sample)" if view.dated_refit else "the analyst's")
        if dated
        else "the network's P(outcome) over its horizon, per ISO week"
    )
    keys = [chr(ord("A") + k) if k < 26 else f"O{k + 1}" for k in range(len(view.series))]
    lines = [
        f"timeline: {what}"
        + (" (smoothed)" if smooth else "")
        + (" (fitted time model)" if view.fitted else "")
    ]
    lines += [
        f"  {k}  {s.variable}={s.state}: {s.label}" for k, s in zip(keys, view.series, strict=True)
    ]
    lines.append("week     " + "".join(f"{k:>7}" for k in keys) + "  conflict")
    for w in view.weeks:
        c = w.conflict
        p = w.dated if dated else w.p
        # "—": a week before the first training window closed has no dated number.
        numbers = "".join(
            f"{p[s.variable]:>7.3f}" if s.variable in p else f"{'—':>7}" for s in view.series
        )
        lines.append(f"{w.week} {numbers}  {c.value:+.2f}")
        seen = [i for i, st in w.evidence.items() if st == "present"]
        if seen:
            lines.append(f"         observed: {', '.join(seen)}")
        if c.value > 0 and c.culprit:
            lines.append(f"         conflict most from: {c.culprit}")
    for line in lines:
        out.print(line, highlight=False, markup=False)


def _generated(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    time_model: TimelineModel,
    as_json: bool,
    plot: Path | None,
    refit: bool = False,
) -> None:
    """Render :func:`secondfront.forecasting.generated.score_generated`."""
    from secondfront.cli.progress import progress_bar
    from secondfront.forecasting.generated import BASELINES, score_generated

    with progress_bar("forecast days", quiet=as_json) as bar:
        card = score_generated(time_model, con, rules, progress=bar, refit=refit)
    if plot is not None:
        from secondfront.forecasting.charts import generated_reliability

        for written in generated_reliability(card, plot):
            err.print(f"wrote {written}", highlight=False, markup=False)
    if as_json:
        emit_json(card.as_json())
        return
    table = Table(
        title=f"generated questions, every {card.step_weeks} weeks from {card.start} to "
        f"{card.end}: mean Brier (log), lower is better; the chain's numbers "
        + ("refitted up to each day" if card.refit else "the analyst's")
    )
    names = ["model", *BASELINES]
    for c in ("weeks", "questions", "independent", *names, "model - best baseline [90%]"):
        table.add_column(c, justify="right", overflow="fold")
    for h in card.horizons:
        table.add_row(
            str(h.horizon),
            str(h.n),
            str(h.independent),
            *(f"{h.brier[n]:.3f} ({h.log[n]:.2f})" for n in names),
            f"{h.diff:+.3f} [{h.low:+.3f}, {h.high:+.3f}] vs {h.best}",
        )
    out.print(table)


def backtest(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Use this store instead of the shipped history (data/belarus-events.csv)."
        ),
    ] = None,
    rules: RulesOpt = None,
    model_file: TimelineOpt = None,
    generated: Annotated[
        bool,
        typer.Option(
            "--generated",
            help="Score the dated forecast on questions generated from the store (every "
            "outcome, every 4th week from 2021, horizons 4, 8, 13, 26 weeks) against a coin, "
            "the base rate, climatology and persistence.",
        ),
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="With --generated: write the reliability diagram per horizon to FILE.png "
            "and FILE.svg.",
        ),
    ] = None,
    refit: RefitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Rolling-origin Brier and log scores against the baselines.

    Without --generated: the escalation chain's own forecast of three questions. With
    --generated: the dated forecast (what `forecast` prints) on generated questions.
    """
    from secondfront.evidence.mapping import load_rules, open_mapped
    from secondfront.forecasting.backtest import backtest as run_backtest
    from secondfront.forecasting.backtest import history_store
    from secondfront.timeline.chain import load_timeline

    mapping = load_rules(rules)
    con = history_store(rules=mapping) if db is None else open_mapped(db, mapping)
    if generated:
        _generated(con, mapping, load_timeline(model_file), as_json, plot, refit)
        return
    if refit:
        raise UsageError("--refit goes with --generated")
    scores = run_backtest(con, mapping, load_timeline(model_file))
    if as_json:
        emit_json({"questions": [s.as_json() for s in scores]})
        return
    _print_scores(scores)
    _print_warnings(scores)


def _print_scores(scores: list[QuestionScore]) -> None:
    """Each question's Brier and log scores beside climatology's and persistence's."""
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


def _print_warnings(scores: list[QuestionScore]) -> None:
    """Each question's alert rules: lead per event week and false alarms."""
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
    command(app, map_events, name="map")


__all__ = ["register"]
