"""Each question's probability as of a day, from the evidence and parameters of that day.

For a question asked on day D (or ``--as-of D``) closing on day C, with
``n = ceil((C - D) / 7)`` weeks ahead:

1. the weekly evidence is the timeline's, read from the store's events dated up to D
   only (:func:`secondfront.timeline.asof.evidence_as_of`);
2. the parameters are the time model refitted on the store up to D (``refit``,
   out of sample), or the spec's numbers (in-sample) (:func:`parameters_as_of`);
3. the filtered belief ``b = P(S_D | evidence up to D)`` [K] is pushed through the
   chain week by week, and the question's event happens in a week in state k with
   rate ``h_k``::

       P(yes) = 1 - b @ (A diag(1 - h))^n @ 1        (hmm.event_within)

   where ``h_k`` is, for a network variable, the weekly hazard of ``VAR = STATE`` in
   state k (the network's horizon probability spread evenly over its weeks), and for
   an indicator, P(indicator in STATE in one week | state k).

A question whose outcome is already known on day D is not special-cased: the model
is asked what it would say.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.forecasting.parameters import FittedParameters, parameters_as_of
from secondfront.forecasting.questions import Question, QuestionSet, TargetKind
from secondfront.timeline import hmm
from secondfront.timeline.asof import (
    EvidenceAsOf,
    evidence_as_of,
    filtered_belief,
    indicator_rates,
    variable_hazards,
)
from secondfront.timeline.chain import TimelineModel


def weeks_ahead(as_of: dt.date, closes: dt.date) -> int:
    """Whole weeks from ``as_of`` to ``closes``, rounded up; 0 when already closed."""
    return max(0, math.ceil((closes - as_of).days / 7))


def question_probability(
    model: TimelineModel,
    kind: TargetKind,
    variable: str,
    state: str,
    evidence: EvidenceAsOf,
    closes: dt.date,
) -> float:
    """P(the target happens, or is observed, by ``closes``) given ``evidence`` (see module).

    Args:
        model: the time model with the parameters to use.
        kind: ``"variable"`` (a network variable's state happens) or ``"indicator"``
            (an indicator is observed in some week).
        variable, state: the target.
        evidence: the weekly evidence up to the forecast day.
        closes: the question's last day.
    """
    belief = filtered_belief(model, evidence)
    rate = (
        variable_hazards(model, variable, state)
        if kind == "variable"
        else indicator_rates(model, variable, state)
    )
    n = weeks_ahead(evidence.through, closes)
    return float(hmm.event_within(belief, model.transition, rate, n))


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
    parameters: FittedParameters

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
ParameterSource = Callable[[dt.date], FittedParameters]


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
    model: TimelineModel, con: duckdb.DuckDBPyConnection, rules: MappingRules, refit: bool
) -> ParameterSource:
    """Parameters by day (:func:`parameters_as_of`), fitted once per distinct day."""
    cache: dict[dt.date, FittedParameters] = {}

    def get(day: dt.date) -> FittedParameters:
        if day not in cache:
            cache[day] = parameters_as_of(model, con, rules, day, refit)
        return cache[day]

    return get


def forecast_question(
    model: TimelineModel,
    questions: QuestionSet,
    question: Question,
    evidence: EvidenceSource,
    parameters: ParameterSource,
    as_of: dt.date | None = None,
) -> QuestionForecast:
    """Forecast one question as of its ``asked`` day (or ``as_of``)."""
    day = as_of or question.asked
    ev = evidence(day)
    params = parameters(day)
    kind = questions.kinds[question.id]
    p = question_probability(
        params.model, kind, question.variable, question.state, ev, question.closes
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
    parameters = parameter_source(model, con, rules, refit)
    return [
        forecast_question(model, questions, q, evidence, parameters, as_of)
        for q in questions.questions
    ]


__all__ = [
    "EvidenceSource",
    "ParameterSource",
    "QuestionForecast",
    "evidence_source",
    "forecast_all",
    "forecast_question",
    "parameter_source",
    "question_probability",
    "weeks_ahead",
]
