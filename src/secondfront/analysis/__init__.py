"""Analysis on top of inference: each feature one function returning a typed result.

Forecasts with their basis and What-if pairs (``forecast``), explanations, ICD 203
wording, uncertainty, sensitivity, the watchlist, ACH assessments and the content of a
report (``report_data``).
"""

from secondfront.analysis.ach import Assessment, assess
from secondfront.analysis.assignments import parse_assignments, parse_soft
from secondfront.analysis.explain import Explanation, explain
from secondfront.analysis.forecast import Forecast, OutcomeForecast, WhatIf, forecast, whatif
from secondfront.analysis.language import ICD203, describe, icd203
from secondfront.analysis.report_data import ReportData, report_data
from secondfront.analysis.sensitivity import OneAtATime, Target, one_at_a_time, sobol
from secondfront.analysis.uncertainty import UncertaintyResult, forecast_uncertainty
from secondfront.analysis.watchlist import Watchlist, watchlist

__all__ = [
    "ICD203",
    "Assessment",
    "Explanation",
    "Forecast",
    "OneAtATime",
    "OutcomeForecast",
    "ReportData",
    "Target",
    "UncertaintyResult",
    "Watchlist",
    "WhatIf",
    "assess",
    "describe",
    "explain",
    "forecast",
    "forecast_uncertainty",
    "icd203",
    "one_at_a_time",
    "parse_assignments",
    "parse_soft",
    "report_data",
    "sobol",
    "watchlist",
    "whatif",
]
