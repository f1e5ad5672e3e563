"""The questions of a model as shown: forecasts over time, scores and the reliability bins.

One typed result (:class:`QuestionsView`) for the workbench's Questions page and its
JSON route; it only gathers what the forecasting functions compute:

* the questions of ``models/NAME.questions.yaml`` (:func:`load_questions`);
* each question's forecast history: the revisions kept in the store's ledger
  (:func:`secondfront.forecasting.ledger.history`) when the store has recorded any for
  it; otherwise the one forecast as of its ``asked`` day
  (:func:`~secondfront.forecasting.forecast.forecast_all`, as ``questions forecast``);
* the score card (:func:`~secondfront.forecasting.scorecard.score`, as ``questions
  score``): per question Brier and log score once resolved, the means, the baselines
  and Murphy's decomposition whose bins are the reliability diagram.

Parameters are refitted on the store up to each question's asked day (out of sample
for the time model), the command line's default. A model without a questions file,
time model or mapping rules, and a missing or empty store, are not errors: ``status``
and ``reason`` say which, and the page shows that sentence as its empty state. The
store is opened for this call and closed; it is never created, and the ledger's tables
are read only where they exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from secondfront.errors import StoreError
from secondfront.evidence import store as events_store
from secondfront.evidence.coverage import coverage_for_store
from secondfront.evidence.mapping import data_span, load_rules
from secondfront.forecasting.forecast import QuestionForecast, forecast_all
from secondfront.forecasting.ledger import history
from secondfront.forecasting.questions import QuestionSet, load_questions
from secondfront.forecasting.scorecard import ScoreCard, score, store_series
from secondfront.model.model import Model
from secondfront.timeline.chain import load_timeline

ViewStatus = Literal["ok", "no_questions", "no_timeline", "no_store", "no_events", "unavailable"]


def questions_path(model: Model) -> Path | None:
    """``NAME.questions.yaml`` beside the model's file, or None when there is none."""
    if model.path is None:
        return None
    stem = model.path.name.split(".")[0]
    found = model.path.with_name(f"{stem}.questions.yaml")
    return found if found.is_file() else None


@dataclass(frozen=True)
class ForecastPoint:
    """One forecast of a question: a ledger revision, or the forecast as of ``asked``.

    Attributes:
        as_of: the forecast day.
        p: P(yes), 0-1.
        revision: the ledger's revision number; None for a forecast computed now.
        recorded_at: when the revision was recorded (UTC); None when computed now.
        change: p minus the previous revision's p (None for the first).
        new_evidence, parameter_edits, structure_changes: the split of ``change``.
    """

    as_of: dt.date
    p: float
    revision: int | None = None
    recorded_at: dt.datetime | None = None
    change: float | None = None
    new_evidence: float | None = None
    parameter_edits: float | None = None
    structure_changes: float | None = None


@dataclass(frozen=True)
class QuestionRow:
    """One question with its forecasts and, once resolved, its scores.

    Attributes:
        id, text, target, kind, asked, closes: as in the questions file.
        outcome: the resolution (the file's outcome, else the store's); None if open.
        crowd: a public forecast (p, source) where the file gives one.
        p: the forecast as of ``asked`` (refitted parameters up to that day).
        in_sample: whether that forecast's parameters knew the outcome.
        history: the forecasts over time, oldest first.
        history_source: ``"ledger"`` (recorded revisions) or ``"asked"`` (computed now).
        brier, log: the question's scores once resolved (lower is better), else None.
    """

    id: str
    text: str
    target: str
    kind: str
    asked: dt.date
    closes: dt.date
    outcome: bool | None
    crowd: tuple[float, str] | None
    p: float
    in_sample: bool
    history: list[ForecastPoint]
    history_source: Literal["ledger", "asked"]
    brier: float | None = None
    log: float | None = None


@dataclass(frozen=True)
class QuestionsView:
    """The questions page's content; see the module docstring.

    Attributes:
        status, reason: ``"ok"``, or the empty state and the sentence that explains it.
        file: the questions file's name.
        store: the events store's file name (never its folder).
        questions: one row per question, in file order.
        card: the score card of the resolved questions (None unless ``ok``).
    """

    status: ViewStatus
    reason: str = ""
    file: str = ""
    store: str = ""
    questions: list[QuestionRow] = field(default_factory=list)
    card: ScoreCard | None = None


def questions_view(model: Model, store: str | Path) -> QuestionsView:
    """The questions of ``model`` forecast and scored on the events store ``store``.

    Args:
        model: the model; its questions file, time model and mapping rules are the
            companion files beside it.
        store: the DuckDB events store (opened for this call and closed, never created).
    """
    db = Path(store)
    name = db.name
    qpath = questions_path(model)
    if qpath is None:
        return QuestionsView(
            "no_questions",
            f"model {model.name} has no questions file beside it ({model.name}.questions.yaml)",
            store=name,
        )
    files = model.companions
    if files.timeline is None or files.mapping is None:
        return QuestionsView(
            "no_timeline",
            f"model {model.name} has no time model and mapping rules beside it "
            f"({model.name}.timeline.yaml, {model.name}.mapping.yaml)",
            file=qpath.name,
            store=name,
        )
    if not db.is_file():
        return QuestionsView(
            "no_store",
            f"no events store {name} yet: ingest events with `secondfront ingest FILE... "
            f"--db {name}`",
            file=qpath.name,
            store=name,
        )
    try:
        con = events_store.connect(db, create=False)
    except StoreError as e:
        return QuestionsView(
            "unavailable",
            f"the events store {name} cannot be opened now ({str(e).replace(str(db), name)})",
            file=qpath.name,
            store=name,
        )
    try:
        if data_span(con) is None:
            return QuestionsView(
                "no_events",
                f"the events store {name} holds no events: ingest events with "
                f"`secondfront ingest FILE... --db {name}`",
                file=qpath.name,
                store=name,
            )
        qs = load_questions(qpath, model)
        return _view(qs, con, files.timeline, files.mapping, qpath.name, name)
    finally:
        con.close()


def _has_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'forecast_ledger'"
    ).fetchone()
    return bool(row and row[0])


def _view(
    qs: QuestionSet,
    con: duckdb.DuckDBPyConnection,
    timeline: Path,
    mapping: Path,
    file: str,
    store: str,
) -> QuestionsView:
    tm = load_timeline(timeline, qs.model)
    rules = load_rules(mapping, qs.model)
    forecasts = forecast_all(tm, qs, con, rules, coverage_for_store(con), refit=True)
    series = store_series(con, rules, qs, tm.spec.reports)
    card = score(qs, forecasts, series)
    scored = {s.id: s for s in card.questions}
    ledger = _has_ledger(con)
    by_id: dict[str, QuestionForecast] = {f.id: f for f in forecasts}
    rows = []
    for q in qs.questions:
        f = by_id[q.id]
        revisions = history(con, q.id) if ledger else []
        points = [
            ForecastPoint(
                r.as_of,
                r.p,
                r.revision,
                r.recorded_at,
                r.change,
                r.new_evidence,
                r.parameter_edits,
                r.structure_changes,
            )
            for r in revisions
        ] or [ForecastPoint(f.as_of, f.p)]
        s = scored.get(q.id)
        rows.append(
            QuestionRow(
                q.id,
                q.text,
                q.target,
                f.kind,
                q.asked,
                q.closes,
                s.outcome if s is not None else (q.outcome if q.outcome is not None else None),
                (q.crowd.p, q.crowd.source) if q.crowd is not None else None,
                f.p,
                f.parameters.in_sample,
                points,
                "ledger" if revisions else "asked",
                s.brier if s is not None else None,
                s.log if s is not None else None,
            )
        )
    return QuestionsView("ok", "", file, store, rows, card)


__all__ = [
    "ForecastPoint",
    "QuestionRow",
    "QuestionsView",
    "ViewStatus",
    "questions_path",
    "questions_view",
]
