"""Analysis on top of inference: forecasts with their basis, explanations, wording."""

from secondfront.analysis.explain import Explanation, explain
from secondfront.analysis.forecast import Forecast, OutcomeForecast, forecast
from secondfront.analysis.language import ICD203, describe, icd203

__all__ = [
    "ICD203",
    "Explanation",
    "Forecast",
    "OutcomeForecast",
    "describe",
    "explain",
    "forecast",
    "icd203",
]
