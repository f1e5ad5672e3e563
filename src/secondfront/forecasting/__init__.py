"""Forecasts that can be checked: questions, their forecasts, scores and a ledger.

A questions file asks binary questions of a model, each on a date and closing later
(:mod:`~secondfront.forecasting.questions`). Each is forecast from the evidence and
parameters of its day only (:mod:`~secondfront.forecasting.forecast`,
:mod:`~secondfront.forecasting.parameters`), scored once resolved against baselines
(:mod:`~secondfront.forecasting.scoring`, :mod:`~secondfront.forecasting.scorecard`),
and kept in the store with what it was made from (:mod:`~secondfront.forecasting.ledger`).
The weekly timeline is reached through one module, :mod:`~secondfront.timeline.asof`.

Dependencies point one way: forecasting -> evidence, analysis, inference, model.
"""

from secondfront.forecasting.forecast import QuestionForecast, forecast_all
from secondfront.forecasting.ledger import Revision, history, record
from secondfront.forecasting.parameters import IN_SAMPLE_LABEL, ParametersUsed, parameters_as_of
from secondfront.forecasting.questions import Question, QuestionSet, load_questions
from secondfront.forecasting.scorecard import ScoreCard, score, store_series
from secondfront.forecasting.scoring import murphy

__all__ = [
    "IN_SAMPLE_LABEL",
    "ParametersUsed",
    "Question",
    "QuestionForecast",
    "QuestionSet",
    "Revision",
    "ScoreCard",
    "forecast_all",
    "history",
    "load_questions",
    "murphy",
    "parameters_as_of",
    "record",
    "score",
    "store_series",
]
