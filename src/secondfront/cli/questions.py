"""``secondfront questions``: forecast, score, record and trace questions of a model.

Each command loads the questions file, opens the store (``--db``; default: the shipped
history in memory), calls one function of :mod:`secondfront.forecasting` and prints a
table or, with ``--json``, its result as JSON.

Coverage (where a week without a report counts as "not observed"): ``--coverage auto``
(default) uses the coverage files beside the store's ingested files, as the timeline
does; ``--coverage none`` treats every silent week as unknown; ``--coverage store`` lets
the mapping rules' sources declare it; a path reads that coverage file.

Parameters: with ``--refit`` (the default) the time model is refitted by Baum-Welch on
the store up to each question's forecast day, so the scores are out of sample for the
time model; ``--no-refit`` uses the spec's numbers, written knowing the history, and
the results say they are in-sample.
"""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from secondfront.cli.options import Commands, JsonOpt, RefitOpt, command, date_option, out
from secondfront.cli.options import emit_json as _emit_json
from secondfront.errors import UsageError

if TYPE_CHECKING:
    from secondfront.forecasting.alerts import AlertRecord
    from secondfront.forecasting.scorecard import ScoreCard

questions_app = typer.Typer(
    cls=Commands,
    help="Questions with dates: forecast them, score them, keep a ledger.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="A questions file (secondfront-questions/1).")]
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="The DuckDB store (default: the shipped history, in memory)."),
]
# ``record`` and ``history`` need a named store: the ledger lives in it, and the shipped
# history (the default of DbOpt) is built in memory and gone when the command ends.
LedgerDbOpt = Annotated[Path, typer.Option("--db", help="The DuckDB store that keeps the ledger.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Forecast day YYYY-MM-DD (default: each asked).")
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="Mapping rules (default: the model's *.mapping.yaml)."),
]
TimelineOpt = Annotated[
    Path | None,
    typer.Option("--timeline", help="Time model (default: the model's *.timeline.yaml)."),
]
CoverageOpt = Annotated[
    str,
    typer.Option("--coverage", help="auto, none, store, or a coverage file (see the help)."),
]


def _open(db: Path | None, rules=None):  # type: ignore[no-untyped-def]
    """The store, opened for writing; mapped with ``rules`` when given (``open_mapped``)."""
    from secondfront.evidence import store
    from secondfront.evidence.coverage import SHIPPED_HISTORY
    from secondfront.evidence.mapping import open_mapped
    from secondfront.forecasting.backtest import history_store

    if db is None:
        return history_store(rules=rules)
    if not db.exists():
        # Name a file that exists: an ingest of nothing would fail in its turn.
        source = shlex.quote(str(SHIPPED_HISTORY)) if SHIPPED_HISTORY.is_file() else "FILE..."
        raise UsageError(
            f"--db {db}: no such store; fill one with `secondfront ingest {source} "
            f"--db {shlex.quote(str(db))}`, or leave out --db to read the shipped history "
            "in memory"
        )
    return store.connect(db, create=False) if rules is None else open_mapped(db, rules)


def _coverage(con, option: str):  # type: ignore[no-untyped-def]
    from secondfront.evidence.coverage import (
        NOTHING_COVERED,
        STORE_SOURCES,
        coverage_for_store,
        load_coverage,
    )

    if option == "auto":
        return coverage_for_store(con)
    if option == "none":
        return NOTHING_COVERED
    if option == "store":
        return STORE_SOURCES
    declared = load_coverage(option)
    if declared is None:
        raise UsageError(f"--coverage {option}: no such file; give auto, none, store or a file")
    return declared


def _setup(file: Path, db: Path | None, rules: Path | None, timeline: Path | None, coverage: str):  # type: ignore[no-untyped-def]
    from secondfront.evidence.mapping import load_rules
    from secondfront.evidence.rulesfile import beside_model
    from secondfront.forecasting.questions import load_questions
    from secondfront.timeline.chain import load_timeline

    qs = load_questions(file)
    name = qs.spec.model
    tm = load_timeline(timeline or beside_model(name, "timeline"), qs.model)
    r = load_rules(rules or beside_model(name, "mapping"), qs.model)
    con = _open(db, r)
    return qs, tm, r, con, _coverage(con, coverage)


def _day(value: str | None) -> dt.date | None:
    return date_option(value, "--as-of")


def _parameters_json(results) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """How the parameters of a run were obtained, for ``--json``."""
    in_sample = sorted({f.parameters.in_sample for f in results})
    return {
        "in_sample": in_sample[0] if len(in_sample) == 1 else "mixed",
        "labels": sorted({f.parameters.label for f in results}),
    }


def forecast(
    file: FileArg,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
    timeline: TimelineOpt = None,
    coverage: CoverageOpt = "auto",
    refit: RefitOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Each question's probability from the evidence and parameters of its day only."""
    from secondfront.forecasting.forecast import forecast_all

    qs, tm, r, con, cov = _setup(file, db, rules, timeline, coverage)
    results = forecast_all(tm, qs, con, r, cov, _day(as_of), refit)
    if as_json:
        _emit_json(
            {"questions": [f.as_json() for f in results], "parameters": _parameters_json(results)}
        )
        return
    sample = "in-sample" if all(f.parameters.in_sample for f in results) else "out of sample"
    table = Table(title=f"forecasts ({sample})")
    for c in ("question", "target", "as of", "closes", "weeks", "P(yes)", "parameters"):
        table.add_column(c, justify="right" if c in ("weeks", "P(yes)") else "left")
    for f in results:
        table.add_row(
            f.id,
            f.target,
            f.as_of.isoformat(),
            f.closes.isoformat(),
            str(f.weeks),
            f"{f.p:.3f}",
            f.parameters.label,
        )
    out.print(table)


def score(
    file: FileArg,
    db: DbOpt = None,
    rules: RulesOpt = None,
    timeline: TimelineOpt = None,
    coverage: CoverageOpt = "auto",
    refit: RefitOpt = True,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the reliability diagram as FILE.png/.svg.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Brier and log scores of the resolved questions, baselines and Murphy's decomposition."""
    from secondfront.forecasting.scorecard import score_questions

    qs, tm, r, con, cov = _setup(file, db, rules, timeline, coverage)
    card = score_questions(qs, tm, con, r, cov, refit)
    if plot is not None:
        from secondfront.forecasting.charts import reliability_diagram

        reliability_diagram(card, plot, f"{qs.spec.model}: questions of {file.name}")
    if as_json:
        _emit_json(card.as_json())
        return
    _score_tables(card, {q.id: q.crowd.p for q in qs.questions if q.crowd is not None})
    summary = Table(title="means (log score clipped to [0.01, 0.99])")
    summary.add_column("forecaster")
    summary.add_column("Brier", justify="right")
    summary.add_column("log", justify="right")
    summary.add_row("model", f"{card.mean['brier']:.4f}", f"{card.mean['log']:.4f}")
    for name, m in card.baselines.items():
        summary.add_row(name, f"{m['brier']:.4f}", f"{m['log']:.4f}")
    out.print(summary)
    d = card.decomposition
    out.print(
        f"Murphy: reliability {d.reliability:.4f} - resolution {d.resolution:.4f} + "
        f"uncertainty {d.uncertainty:.4f} + within-bin {d.within_bin:.4f} = {d.brier:.4f}",
        highlight=False,
    )
    out.print(
        f"{len(card.questions)} resolved questions in {len(card.groups)} independent groups "
        f"(same target, overlapping windows); unresolved: {len(card.unresolved)}",
        highlight=False,
    )
    if card.versus_best is not None:
        v = card.versus_best
        out.print(
            f"model - best baseline ({v.baseline}) in Brier: {v.diff:+.4f}, 90% interval "
            f"[{v.low:+.4f}, {v.high:+.4f}] (the {v.groups} independent groups resampled, "
            f"{v.draws} draws, seed {v.seed}): {v.verdict}",
            highlight=False,
        )
    if card.crowd_subset.get("n"):
        mine: dict[str, float] = card.crowd_subset["model"]  # type: ignore[assignment]
        theirs: dict[str, float] = card.crowd_subset["crowd"]  # type: ignore[assignment]
        out.print(
            f"on the {card.crowd_subset['n']} questions with a crowd figure: model Brier "
            f"{mine['brier']:.4f}, crowd {theirs['brier']:.4f}",
            highlight=False,
        )


def _score_tables(card: ScoreCard, crowd: dict[str, float]) -> None:
    """Per question: the model's scores, then the other forecasters' probabilities.

    The two are separate tables because they are different quantities: Brier and log
    are scores (lower is better), the baselines' and the crowd's columns are
    probabilities of yes, like the model's P(yes). Side by side they read as scores.
    """
    scores = Table(title=f"scores of the model (lower is better; {card.parameters})")
    for c in ("question", "P(yes)", "outcome", "Brier", "log"):
        scores.add_column(c, justify="left" if c == "question" else "right")
    for s in card.questions:
        outcome = "yes" if s.outcome else "no"
        scores.add_row(s.id, f"{s.p:.3f}", outcome, f"{s.brier:.3f}", f"{s.log:.3f}")
    out.print(scores)
    others = Table(title="the baselines' forecasts: P(yes) of each, not scores")
    names = list(card.questions[0].baselines) if card.questions else []
    for c in ("question", "model", *(n.replace("_", " ") for n in names), "crowd"):
        others.add_column(c, justify="left" if c == "question" else "right")
    for s in card.questions:
        others.add_row(
            s.id,
            f"{s.p:.3f}",
            *(f"{s.baselines[n]:.3f}" for n in names),
            f"{crowd[s.id]:.2f}" if s.id in crowd else "",
        )
    out.print(others)


def record(
    file: FileArg,
    db: LedgerDbOpt,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
    timeline: TimelineOpt = None,
    coverage: CoverageOpt = "auto",
    refit: RefitOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Keep each forecast in the store's ledger with the model, evidence and parameters used."""
    from secondfront.forecasting.forecast import forecast_all
    from secondfront.forecasting.ledger import record as keep

    qs, tm, r, con, cov = _setup(file, db, rules, timeline, coverage)
    done = keep(con, forecast_all(tm, qs, con, r, cov, _day(as_of), refit), str(file))
    if as_json:
        _emit_json(
            {
                "recorded": [
                    {"id": d.id, "revision": d.revision, "p": d.p, "status": d.status} for d in done
                ]
            }
        )
        return
    for d in done:
        out.print(f"{d.id}: revision {d.revision} p={d.p:.4f} ({d.status})", highlight=False)


def history(
    question: Annotated[str, typer.Argument(help="A question id.")],
    db: LedgerDbOpt,
    as_json: JsonOpt = False,
) -> None:
    """The recorded revisions of one question; each change split into its causes."""
    from secondfront.forecasting.ledger import history as trace

    con = _open(db)
    revs = trace(con, question)
    if not revs:
        raise UsageError(f"no recorded forecast of question {question!r} in {db}")
    if as_json:
        _emit_json({"question": question, "revisions": [r.as_json() for r in revs]})
        return

    def f(x: float | None) -> str:
        return "" if x is None else f"{x:+.4f}"

    table = Table(title=f"revisions of {question}")
    for c in (
        "rev",
        "recorded",
        "as of",
        "p",
        "change",
        "new evidence",
        "parameters",
        "structure",
        "model",
        "evidence",
    ):
        table.add_column(c)
    for r in revs:
        table.add_row(
            str(r.revision),
            r.recorded_at.isoformat(timespec="seconds"),
            r.as_of.isoformat(),
            f"{r.p:.4f}",
            f(r.change),
            f(r.new_evidence),
            f(r.parameter_edits),
            f(r.structure_changes),
            r.model_sha256[:10],
            f"{r.evidence_sha256[:10]} ({r.evidence_count})",
        )
    out.print(table)


def alerts(
    db: DbOpt = None,
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event", help="RULE=YYYY-MM-DD: a day the rule's event happened. Repeatable."
        ),
    ] = None,
    window: Annotated[
        int, typer.Option("--window", min=1, help="Warning window W, in weeks.")
    ] = 12,
    fit_through: Annotated[
        str | None,
        typer.Option(
            "--fit-through",
            help="Refit the time model on the store up to YYYY-MM-DD: alerts after that "
            "day are out of sample (default: the spec's numbers, in-sample).",
        ),
    ] = None,
    rules: RulesOpt = None,
    timeline: TimelineOpt = None,
    coverage: CoverageOpt = "auto",
    as_json: JsonOpt = False,
) -> None:
    """The timeline's alerts on the store, lead times before events, false alarms per year."""
    from secondfront.evidence.mapping import load_rules
    from secondfront.forecasting.alerts import alert_record
    from secondfront.timeline.chain import load_timeline

    tm = load_timeline(timeline)
    r = load_rules(rules, tm.model)
    con = _open(db, r)
    cov = _coverage(con, coverage)
    ids = {a.id for a in tm.spec.alerts}
    events: dict[str, list[dt.date]] = {}
    for item in event or []:
        rule, sep, day = item.partition("=")
        if not sep or rule not in ids:
            raise UsageError(f"--event {item}: give RULE=YYYY-MM-DD with a rule of {tm.path}")
        d = date_option(day, "--event")
        assert d is not None
        events.setdefault(rule, []).append(d)
    through = date_option(fit_through, "--fit-through")
    result = alert_record(tm, con, r, cov, events, window, through)
    if as_json:
        _emit_json(result.as_json())
        return
    _print_alerts(result)


def _print_alerts(result: AlertRecord) -> None:
    """The alerts one per line, which parameters raised them, and each rule's record."""
    params = result.parameters
    for f in result.fired:
        out.print(f.message, highlight=False, markup=False)
    out.print(
        params.label + ("" if params.in_sample else ": alerts after that day are out of sample"),
        highlight=False,
    )
    table = Table(
        title=f"alerts over {len(result.weeks)} weeks (warning window {result.window} weeks)"
    )
    for c in ("rule", "alerts", "lead times (weeks before event)", "false alarms", "per year"):
        table.add_column(c)
    for row in result.rules:
        rec = row.record
        leads = ", ".join(
            f"{result.weeks[e.event]}: {e.lead_weeks if e.lead_weeks is not None else 'missed'}"
            for e in rec.events
        )
        table.add_row(
            row.rule,
            str(row.alerts),
            leads,
            str(rec.false_alarms),
            str(round(rec.false_alarms_per_year, 4)),
        )
    out.print(table)


def warning(
    db: DbOpt = None,
    horizon: Annotated[
        int, typer.Option("--horizon", min=1, max=52, help="Weeks ahead of each alert's forecast.")
    ] = 8,
    rules: RulesOpt = None,
    timeline: TimelineOpt = None,
    refit: RefitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Early warning from the dated forecast: lead times and false alarms per outcome.

    Every Sunday, each outcome's dated forecast for the next --horizon weeks; an alert
    when it reaches a threshold chosen by rolling origin (only windows closed by then).
    """
    from secondfront.cli.progress import progress_bar
    from secondfront.evidence.mapping import load_rules
    from secondfront.forecasting.warning import early_warning
    from secondfront.timeline.chain import load_timeline

    tm = load_timeline(timeline)
    con, r = _open(db), load_rules(rules, tm.model)
    with progress_bar("Sundays refitted", quiet=as_json or not refit) as bar:
        card = early_warning(tm, con, r, horizon, refit=refit, progress=bar)
    if as_json:
        _emit_json(card.as_json())
        return
    table = Table(
        title=f"early warning: P(within {horizon} weeks) against a rolling-origin threshold, "
        f"{card.days[0]} to {card.days[-1]}; the chain's numbers "
        + ("refitted up to each Sunday" if card.refit else "the analyst's")
    )
    columns = ("outcome", "onsets", "lead (weeks) per onset", "false alarms", "per year")
    for c in (*columns, "raised while quiet", "quiet per year"):
        table.add_column(c, justify="left" if c == "outcome" else "right", overflow="fold")
    for o in card.outcomes:
        leads = ", ".join(
            f"{d}: {'missed' if w is None else w}"
            for d, w in zip(o.onsets, o.lead_weeks, strict=True)
        )
        table.add_row(
            o.target,
            str(len(o.onsets)),
            leads,
            str(o.false_alarms),
            f"{o.per_year:.2f}",
            str(o.quiet_false_alarms),
            f"{o.quiet_per_year:.2f}",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``questions`` command group to the ``secondfront`` app."""
    for fn in (forecast, score, record, history, alerts, warning):
        command(questions_app, fn)
    app.add_typer(questions_app, name="questions")


__all__ = ["register"]
