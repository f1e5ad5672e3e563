"""Each question's probability as of a day: the one dated forecast, asked of a question.

For a question asked on day D (or ``--as-of D``) closing on day C, with
``n = ceil((C - D) / 7)`` weeks ahead, P(yes) is
:func:`secondfront.forecasting.outlook.forecast_from` of the question's target as of D
for n weeks: the store read up to D only, coefficients learned from windows closed by D.
The time model behind it (the chain's numbers) is the spec's (in-sample, labelled so) or
refitted on the store up to D (``refit``, out of sample) (:func:`parameters_as_of`).

A question asked earlier than the forecast day (``--as-of`` inside its window) whose
event the store already shows between ``asked`` and D resolves to 1: what already
happened in the window is not forgotten. A question already closed on D is 1 or 0 by
its store series.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np

from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.forecasting.outlook import History, forecast_from, history_as_of, series_for
from secondfront.forecasting.parameters import ParametersUsed, parameters_as_of
from secondfront.forecasting.questions import Question, QuestionSet, TargetKind
from secondfront.timeline.asof import (
    EvidenceAsOf,
    evidence_as_of,
)
from secondfront.timeline.chain import TimelineModel


def weeks_ahead(as_of: dt.date, closes: dt.date) -> int:
    """Whole weeks from ``as_of`` to ``closes``, rounded up; 0 when already closed."""
    return max(0, math.ceil((closes - as_of).days / 7))


@dataclass(frozen=True)
class QuestionForecast:
    """One question's forecast.

    Attributes:
        id: the question.
        target: ``VAR=STATE``.
        kind: ``"variable"`` or ``"indicator"``.
        as_of: the forecast day (the question's ``asked`` unless overridden).
        closes: the question's last day.
        weeks: weeks ahead.
        p: P(yes).
        evidence: the evidence used (days up to ``as_of``).
        parameters: the parameters used.
    """

    id: str
    target: str
    kind: TargetKind
    as_of: dt.date
    closes: dt.date
    weeks: int
    p: float
    evidence: EvidenceAsOf
    parameters: ParametersUsed

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "id": self.id,
            "target": self.target,
            "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "closes": self.closes.isoformat(),
            "weeks": self.weeks,
            "p": round(self.p, 6),
            "evidence_weeks": len(self.evidence.weeks),
            "evidence_observations": self.evidence.observations,
            "parameters": self.parameters.label,
            "in_sample": self.parameters.in_sample,
            "fitted_through": (
                self.parameters.through.isoformat() if self.parameters.through else None
            ),
        }


EvidenceSource = Callable[[dt.date], EvidenceAsOf]
ParameterSource = Callable[[dt.date], ParametersUsed]


def evidence_source(
    con: duckdb.DuckDBPyConnection, rules: MappingRules, coverage: DeclaredCoverage | None
) -> EvidenceSource:
    """Weekly evidence by day, computed once per distinct day."""
    cache: dict[dt.date, EvidenceAsOf] = {}

    def get(day: dt.date) -> EvidenceAsOf:
        if day not in cache:
            cache[day] = evidence_as_of(con, rules, day, coverage)
        return cache[day]

    return get


def parameter_source(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    refit: bool,
    evidence: EvidenceSource,
) -> ParameterSource:
    """Parameters by day (:func:`parameters_as_of`), fitted once per distinct day on the
    weekly statuses ``evidence`` read for that day: the fit sees the weeks the forecast
    reads, under the same declared coverage (as :func:`~secondfront.forecasting.outlook.outlook`
    fits them), and the store is read once per day."""
    cache: dict[dt.date, ParametersUsed] = {}

    def get(day: dt.date) -> ParametersUsed:
        if day not in cache:
            statuses = evidence(day).record.statuses if refit else None
            cache[day] = parameters_as_of(model, con, rules, day, refit, statuses)
        return cache[day]

    return get


HistorySource = Callable[[dt.date, TimelineModel], History]


def history_source(
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    coverage: DeclaredCoverage | None,
    evidence: EvidenceSource,
) -> HistorySource:
    """The store as of a day under a time model, read once per (day, model); its weekly
    evidence is the one ``evidence`` already read for that day."""
    cache: dict[tuple[dt.date, int], History] = {}

    def get(day: dt.date, model: TimelineModel) -> History:
        key = (day, id(model))
        if key not in cache:
            record = evidence(day).record
            cache[key] = history_as_of(model, con, rules, day, coverage, record)
        return cache[key]

    return get


def dated_probability(
    history: History,
    model: TimelineModel,
    target: str,
    asked: dt.date,
    day: dt.date,
    closes: dt.date,
) -> float:
    """P(``target`` happens in ``[asked, closes]``) as of ``day`` (see the module)."""
    series = series_for(history, target)
    lo = min(asked, day).toordinal() - 1
    seen = series.count(np.array([lo]), np.array([day.toordinal()]))[0] > 0
    if seen:
        return 1.0
    n = weeks_ahead(day, closes)
    if n == 0:
        return 0.0
    return forecast_from(history, model, target, day, n).p


def forecast_question(
    model: TimelineModel,
    questions: QuestionSet,
    question: Question,
    evidence: EvidenceSource,
    parameters: ParameterSource,
    histories: HistorySource,
    as_of: dt.date | None = None,
) -> QuestionForecast:
    """Forecast one question as of its ``asked`` day (or ``as_of``)."""
    day = as_of or question.asked
    ev = evidence(day)
    params = parameters(day)
    kind = questions.kinds[question.id]
    history = histories(day, params.model)
    p = dated_probability(
        history, params.model, question.target, question.asked, day, question.closes
    )
    return QuestionForecast(
        question.id,
        question.target,
        kind,
        day,
        question.closes,
        weeks_ahead(day, question.closes),
        p,
        ev,
        params,
    )


def forecast_all(
    model: TimelineModel,
    questions: QuestionSet,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    coverage: DeclaredCoverage | None,
    as_of: dt.date | None = None,
    refit: bool = False,
) -> list[QuestionForecast]:
    """Every question's forecast, in file order.

    Args:
        model: the time model as written.
        questions: the questions.
        con: the store.
        rules: the mapping rules.
        coverage: declared coverage; None: what the store's histories declare.
        as_of: one forecast day for every question instead of each one's ``asked``.
        refit: refit the time model on the store up to each forecast day (out of
            sample) instead of using the spec's numbers (in-sample).
    """
    evidence = evidence_source(con, rules, coverage)
    parameters = parameter_source(model, con, rules, refit, evidence)
    histories = history_source(con, rules, coverage, evidence)
    return [
        forecast_question(model, questions, q, evidence, parameters, histories, as_of)
        for q in questions.questions
    ]


__all__ = [
    "EvidenceSource",
    "HistorySource",
    "ParameterSource",
    "QuestionForecast",
    "dated_probability",
    "evidence_source",
    "forecast_all",
    "forecast_question",
    "history_source",
    "parameter_source",
    "weeks_ahead",
]
