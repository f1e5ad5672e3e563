"""The parameters a forecast used point at the one fitted-parameters type (the time
model's ``fitted:`` block) instead of copying its numbers."""

from __future__ import annotations

import datetime as dt

import duckdb

from secondfront.evidence.mapping import MappingRules
from secondfront.forecasting.parameters import IN_SAMPLE_LABEL, parameters_as_of
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.fitted import FittedParameters

DAY = dt.date(2022, 2, 20)


def test_a_refit_carries_the_fitted_block_with_its_provenance(
    history: duckdb.DuckDBPyConnection, rules: MappingRules, timeline: TimelineModel
) -> None:
    used = parameters_as_of(timeline, history, rules, DAY, refit=True)
    assert isinstance(used.fit, FittedParameters) and used.fit is used.model.spec.fitted
    assert used.fit.data.until == DAY.isoformat() and used.through == DAY
    assert used.iterations == used.fit.iterations > 0
    assert used.converged == used.fit.converged
    assert used.fit.basis["store"].startswith("sha256:")
    assert not used.in_sample
    data = used.as_json()
    assert set(data) == {
        "label",
        "in_sample",
        "fitted_through",
        "iterations",
        "converged",
        "states",
        "initial",
        "transition",
        "fitted",
    }
    assert data["fitted_through"] == "2022-02-20" and data["iterations"] == used.fit.iterations
    # The whole fitted block (emissions included), so the ledger can rebuild the model.
    assert FittedParameters.model_validate(data["fitted"]) == used.fit


def test_the_specs_numbers_have_no_fit(
    history: duckdb.DuckDBPyConnection, rules: MappingRules, timeline: TimelineModel
) -> None:
    used = parameters_as_of(timeline, history, rules, DAY, refit=False)
    assert used.fit is None and used.in_sample and used.through is None
    assert (used.iterations, used.converged, used.label) == (0, True, IN_SAMPLE_LABEL)
    assert used.as_json()["fitted_through"] is None and used.as_json()["fitted"] is None
