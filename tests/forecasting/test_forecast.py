"""Forecasts: closed forms for one week ahead, and no peeking past the forecast day."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest

from secondfront.evidence import store
from secondfront.evidence.coverage import NOTHING_COVERED
from secondfront.evidence.ingest import ingest
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.timeline import TimelineModel
from secondfront.forecasting.forecast import forecast_all, question_probability, weeks_ahead
from secondfront.forecasting.parameters import IN_SAMPLE_LABEL, fit_as_of
from secondfront.forecasting.questions import load_questions
from secondfront.forecasting.seam import (
    WeeklyEvidence,
    filtered_belief,
    indicator_rates,
    variable_hazards,
    weekly_evidence,
)
from tests.forecasting.conftest import ROOT

DAY = dt.date(2022, 2, 20)


def test_weeks_ahead_rounds_up() -> None:
    assert weeks_ahead(dt.date(2022, 2, 1), dt.date(2022, 3, 29)) == 8
    assert weeks_ahead(dt.date(2022, 2, 1), dt.date(2022, 2, 2)) == 1
    assert weeks_ahead(dt.date(2022, 2, 1), dt.date(2022, 1, 2)) == 0


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("variable", "russian_operations_from_belarus"),
        ("indicator", "russian_troop_trains_into_belarus"),
    ],
)
def test_one_week_ahead_is_the_predicted_belief_times_the_rate(
    history: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    timeline: TimelineModel,
    kind: str,
    target: str,
) -> None:
    ev = weekly_evidence(history, rules, DAY, NOTHING_COVERED)
    b = filtered_belief(timeline, ev.rows, ev.weights)
    state = "present"
    rate = (
        variable_hazards(timeline, target, state)
        if kind == "variable"
        else indicator_rates(timeline, target, state)
    )
    p = question_probability(timeline, kind, target, state, ev, DAY + dt.timedelta(days=7))  # type: ignore[arg-type]
    assert p == pytest.approx(float((b @ timeline.transition) @ rate))
    # Two weeks: 1 - P(no event in week 1 and none in week 2), by hand.
    v1 = (b @ timeline.transition) * (1 - rate)
    v2 = (v1 @ timeline.transition) * (1 - rate)
    p2 = question_probability(timeline, kind, target, state, ev, DAY + dt.timedelta(days=14))  # type: ignore[arg-type]
    assert p2 == pytest.approx(1 - v2.sum())


def test_no_evidence_means_the_prior(timeline: TimelineModel) -> None:
    ev = WeeklyEvidence(DAY, [], [], [], 0)
    assert filtered_belief(timeline, ev.rows).tolist() == pytest.approx(timeline.prior.tolist())


def _store_until(tmp_path: Path, last: dt.date) -> duckdb.DuckDBPyConnection:
    """The shipped history cut at ``last``, in its own store."""
    src = ROOT / "data" / "belarus-events.csv"
    cut = tmp_path / "cut.csv"
    with (
        src.open(newline="", encoding="utf-8") as f,
        cut.open("w", newline="", encoding="utf-8") as g,
    ):
        r = csv.DictReader(f)
        assert r.fieldnames is not None
        w = csv.DictWriter(g, r.fieldnames)
        w.writeheader()
        for row in r:
            if dt.date.fromisoformat(row["event_date"]) <= last:
                w.writerow(row)
    con = store.connect(":memory:")
    ingest(con, [cut], fmt="acled")
    return con


def test_a_forecast_reads_nothing_dated_after_its_day(
    tmp_path: Path,
    history: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    timeline: TimelineModel,
) -> None:
    """The full store and a store holding only events up to the day give the same answer."""
    full = weekly_evidence(history, rules, DAY, NOTHING_COVERED)
    cut = weekly_evidence(_store_until(tmp_path, DAY), rules, DAY, NOTHING_COVERED)
    assert full.weeks == cut.weeks and full.rows == cut.rows
    assert full.observations == cut.observations
    later = weekly_evidence(history, rules, dt.date(2022, 3, 20), NOTHING_COVERED)
    assert later.rows[: len(full.rows) - 1] == full.rows[:-1]
    assert later.observations > full.observations


def test_forecast_all_labels_in_sample_parameters(
    small_file: Path,
    history: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    timeline: TimelineModel,
) -> None:
    qs = load_questions(small_file)
    out = forecast_all(timeline, qs, history, rules, NOTHING_COVERED)
    assert [f.id for f in out] == ["ops-a", "air-b", "entry-c"]
    assert all(0 < f.p < 1 for f in out)
    assert {f.parameters.label for f in out} == {IN_SAMPLE_LABEL}
    assert out[0].as_of == dt.date(2022, 2, 1) and out[0].weeks == 8
    shifted = forecast_all(
        timeline, qs, history, rules, NOTHING_COVERED, as_of=dt.date(2022, 2, 20)
    )
    assert shifted[0].as_of == dt.date(2022, 2, 20) and shifted[0].p != out[0].p


def test_fit_as_of_uses_the_fitter_on_that_days_evidence(
    history: duckdb.DuckDBPyConnection, rules: MappingRules, timeline: TimelineModel
) -> None:
    import dataclasses

    seen: list[dt.date] = []

    def fitter(model: TimelineModel, ev: WeeklyEvidence) -> TimelineModel:
        seen.append(ev.through)
        return dataclasses.replace(model, prior=np.array([0.2, 0.7, 0.1]))

    ev = weekly_evidence(history, rules, DAY, NOTHING_COVERED)
    fitted = fit_as_of(timeline, ev, fitter)
    assert seen == [DAY] and not fitted.in_sample and fitted.through == DAY
    assert fitted.as_json()["initial"] == [0.2, 0.7, 0.1]
    assert fit_as_of(timeline, ev).in_sample
