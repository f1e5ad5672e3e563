"""The Questions routes of the workbench: a model's questions, forecasts over time, scores.

``GET /api/models/{model}/questions`` and ``/api/models/{model}/questions/{id}`` answer
JSON; ``/models/{model}/questions`` is the page. Both render one typed result,
:class:`~secondfront.forecasting.questions_view.QuestionsView`, which the forecasting
package computes (forecasts, ledger revisions, the score card and the reliability
bins); nothing here recomputes a number.

Forecasting every question refits the time model once per asked day (seconds), so
the view is kept per (model file, questions file, store file version): the page and
the API answer from it until one of them changes.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from secondfront.errors import unknown_name
from secondfront.forecasting.questions_view import QuestionsView, questions_path, questions_view
from secondfront.forecasting.scoring import LOG_CLIP
from secondfront.service.errors import NotFoundError
from secondfront.service.workbench import Workbench

ModelName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
QuestionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,200}$")]


class ForecastPointOut(BaseModel):
    as_of: dt.date = Field(description="The forecast day.")
    p: float = Field(description="P(yes), 0-1.")
    revision: int | None = Field(
        default=None, description="Ledger revision; null for a forecast computed now."
    )
    recorded_at: dt.datetime | None = None
    change: float | None = None
    new_evidence: float | None = None
    parameter_edits: float | None = None
    structure_changes: float | None = None


class CrowdOut(BaseModel):
    p: float
    source: str


class QuestionOut(BaseModel):
    id: str
    text: str
    target: str = Field(description="VAR=STATE.")
    kind: str = Field(description="variable or indicator.")
    asked: dt.date
    closes: dt.date
    outcome: bool | None = Field(description="The resolution; null while open.")
    crowd: CrowdOut | None = None
    p: float = Field(description="The forecast as of the asked day, 0-1.")
    in_sample: bool = Field(description="Whether that forecast's parameters knew the outcome.")
    history: list[ForecastPointOut] = Field(description="Forecasts over time, oldest first.")
    history_source: Literal["ledger", "asked"] = Field(
        description="ledger: the store's recorded revisions; asked: the forecast as of "
        "the asked day, computed now (no revision recorded)."
    )
    brier: float | None = Field(default=None, description="Brier score once resolved.")
    log: float | None = Field(default=None, description="Log score once resolved.")


class ReliabilityBin(BaseModel):
    lo: float
    hi: float
    n: int = Field(description="Questions in the bin.")
    forecast: float = Field(description="Mean forecast in the bin, 0-1.")
    observed: float = Field(description="Observed frequency of yes in the bin, 0-1.")


class ScoresOut(BaseModel):
    n: int = Field(description="Resolved questions scored.")
    independent: int = Field(description="Independent groups (same target, overlapping windows).")
    mean: dict[str, float] = Field(description="Mean Brier and log score of the model.")
    baselines: dict[str, dict[str, float]]
    reliability: float
    resolution: float
    uncertainty: float
    within_bin: float
    bins: list[ReliabilityBin] = Field(description="The reliability diagram's points.")
    parameters: str = Field(description="How the parameters were obtained.")
    in_sample: bool = Field(description="Every scored forecast's parameters knew the outcome.")
    in_sample_questions: int = Field(
        default=0, description="How many scored forecasts' parameters knew the outcome."
    )
    unresolved: list[str]
    log_clip: float


class QuestionsOut(BaseModel):
    status: Literal["ok", "no_questions", "no_timeline", "no_store", "no_events", "unavailable"]
    reason: str = Field(description="Why there is nothing to show (empty unless status is not ok).")
    file: str = Field(description="The questions file's name.")
    store: str = Field(description="The events store's file name.")
    questions: list[QuestionOut]
    scores: ScoresOut | None = None


def questions_out(view: QuestionsView) -> QuestionsOut:
    """The typed view as the route's schema (a change of shape, no computation)."""
    scores = None
    if view.card is not None and view.card.questions:
        card, d = view.card, view.card.decomposition
        scores = ScoresOut(
            n=len(card.questions),
            independent=len(card.groups),
            mean={k: v for k, v in card.mean.items() if v == v},
            baselines=card.baselines,
            reliability=d.reliability,
            resolution=d.resolution,
            uncertainty=d.uncertainty,
            within_bin=d.within_bin,
            bins=[
                ReliabilityBin(lo=b.lo, hi=b.hi, n=b.n, forecast=b.forecast, observed=b.observed)
                for b in d.bins
            ],
            parameters=card.parameters,
            in_sample=card.in_sample,
            in_sample_questions=card.in_sample_questions,
            unresolved=card.unresolved,
            log_clip=LOG_CLIP,
        )
    return QuestionsOut(
        status=view.status,
        reason=view.reason,
        file=view.file,
        store=view.store,
        questions=[
            QuestionOut(
                id=q.id,
                text=q.text,
                target=q.target,
                kind=q.kind,
                asked=q.asked,
                closes=q.closes,
                outcome=q.outcome,
                crowd=CrowdOut(p=q.crowd[0], source=q.crowd[1]) if q.crowd else None,
                p=q.p,
                in_sample=q.in_sample,
                history=[ForecastPointOut(**vars(h)) for h in q.history],
                history_source=q.history_source,
                brier=q.brier,
                log=q.log,
            )
            for q in view.questions
        ],
        scores=scores,
    )


class QuestionsCache:
    """Views by (model file, questions file, store file version); see the module docstring."""

    def __init__(self) -> None:
        self._views: dict[tuple[object, ...], QuestionsOut] = {}
        self._lock = threading.Lock()

    def get(self, bench: Workbench, name: str) -> QuestionsOut:
        """The questions of model ``name`` on the workbench's events store."""
        m = bench.model(name)
        db = bench.settings.events_db
        qpath = questions_path(m)
        key: tuple[object, ...] = (
            m.name,
            m.digest,
            qpath.stat().st_mtime_ns if qpath else None,
            db.stat().st_mtime_ns if db.is_file() else None,
            db.stat().st_size if db.is_file() else None,
        )
        found = self._views.get(key)
        if found is not None:
            return found
        with self._lock:
            out = questions_out(questions_view(m, db))
        if out.status == "ok":
            self._views = {k: v for k, v in self._views.items() if k[0] != name}
            self._views[key] = out
        return out


def routers(bench: Workbench) -> tuple[APIRouter, APIRouter]:
    """The questions API routes (under ``/api``) and the page, bound to ``bench``."""
    from secondfront.service.api import ERROR_RESPONSES

    api = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
    pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    cache = QuestionsCache()

    @api.get("/models/{model}/questions", response_model=QuestionsOut, tags=["questions"])
    def questions(model: ModelName) -> QuestionsOut:
        """Each question of the model's questions file with its forecasts over time, its
        scores once resolved, and the reliability diagram's bins. No questions file, time
        model or events store is an empty state (`status` and `reason` say which)."""
        return cache.get(bench, model)

    @api.get("/models/{model}/questions/{qid}", response_model=QuestionOut, tags=["questions"])
    def question(model: ModelName, qid: QuestionId) -> QuestionOut:
        """One question with its forecasts over time and, once resolved, its scores."""
        out = cache.get(bench, model)
        found = next((q for q in out.questions if q.id == qid), None)
        if found is None:
            raise NotFoundError(str(unknown_name("question", qid, [q.id for q in out.questions])))
        return found

    @pages.get("/models/{model}/questions")
    def questions_page(model: ModelName) -> str:
        from secondfront.service.pages import render, script_json

        out = cache.get(bench, model)
        context: dict[str, Any] = {
            "model": model,
            "summary": bench.summary(model),
            "page": "questions",
            "models": [s.name for s in bench.summaries() if s.error is None],
        }
        data = out.model_dump(mode="json")
        return render(
            "questions.html",
            **context,
            view=out,
            data_json=script_json(data) if out.status == "ok" else "null",
        )

    return api, pages


__all__ = ["QuestionOut", "QuestionsCache", "QuestionsOut", "ScoresOut", "questions_out", "routers"]
