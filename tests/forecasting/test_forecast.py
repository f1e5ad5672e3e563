"""Forecasts: closed forms for one week ahead, and no peeking past the forecast day."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from secondfront.evidence import store
from secondfront.evidence.coverage import NOTHING_COVERED
from secondfront.evidence.ingest import ingest
from secondfront.evidence.mapping import MappingRules, load_rules
from secondfront.forecasting.forecast import forecast_all, weeks_ahead
from secondfront.forecasting.parameters import IN_SAMPLE_LABEL, parameters_as_of
from secondfront.forecasting.questions import load_questions
from secondfront.timeline.asof import evidence_as_of
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.view import weekly_evidence as timeline_record
from tests.forecasting.conftest import ROOT

DAY = dt.date(2022, 2, 20)


def test_weeks_ahead_rounds_up() -> None:
    assert weeks_ahead(dt.date(2022, 2, 1), dt.date(2022, 3, 29)) == 8
    assert weeks_ahead(dt.date(2022, 2, 1), dt.date(2022, 2, 2)) == 1
    assert weeks_ahead(dt.date(2022, 2, 1), dt.date(2022, 1, 2)) == 0


def test_the_evidence_as_of_the_last_day_is_the_timelines_record(
    history: duckdb.DuckDBPyConnection, rules: MappingRules
) -> None:
    """As of the last stored day, a question reads the timeline's own weekly record."""
    from secondfront.evidence.weeks import data_span as store_span

    span = store_span(history)
    assert span is not None
    ev = evidence_as_of(history, rules, span[1])
    whole = timeline_record(history, rules)
    assert ev.weeks == whole.weeks and ev.rows == whole.evidence


def _store_until(tmp_path: Path, last: dt.date) -> duckdb.DuckDBPyConnection:
    """The shipped history cut at ``last``, in its own store, with the same coverage file."""
    src = ROOT / "data" / "belarus-events.csv"
    cut = tmp_path / "cut.csv"
    shutil.copy(ROOT / "data" / "belarus-events.coverage.yaml", tmp_path / "cut.coverage.yaml")
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
    ingest(con, [cut], fmt="acled", rules=load_rules())
    return con


def test_a_forecast_reads_nothing_dated_after_its_day(
    tmp_path: Path,
    history: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    timeline: TimelineModel,
) -> None:
    """The full store and a store holding only events up to the day give the same answer."""
    full = evidence_as_of(history, rules, DAY, NOTHING_COVERED)
    cut = evidence_as_of(_store_until(tmp_path, DAY), rules, DAY, NOTHING_COVERED)
    assert full.weeks == cut.weeks and full.rows == cut.rows
    assert full.observations == cut.observations
    later = evidence_as_of(history, rules, dt.date(2022, 3, 20), NOTHING_COVERED)
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


def test_refit_reads_nothing_dated_after_its_day(
    tmp_path: Path,
    history: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    timeline: TimelineModel,
) -> None:
    """Parameters refitted as of a day are the same on the full store and on a store cut
    at that day, differ from the spec's, and say they are out of sample."""
    full = parameters_as_of(timeline, history, rules, DAY, refit=True)
    cut = parameters_as_of(timeline, _store_until(tmp_path, DAY), rules, DAY, refit=True)
    assert not full.in_sample and full.through == DAY and "up to 2022-02-20" in full.label
    np.testing.assert_allclose(full.model.transition, cut.model.transition, atol=1e-9)
    np.testing.assert_allclose(full.model.prior, cut.model.prior, atol=1e-9)
    assert not np.allclose(full.model.transition, timeline.transition)
    later = parameters_as_of(timeline, history, rules, dt.date(2023, 6, 1), refit=True)
    assert not np.allclose(later.model.transition, full.model.transition)
    spec = parameters_as_of(timeline, history, rules, DAY, refit=False)
    assert spec.in_sample and spec.label == IN_SAMPLE_LABEL and spec.model is timeline


def test_refit_before_any_stored_week_falls_back_to_the_spec_labelled_in_sample(
    history: duckdb.DuckDBPyConnection, rules: MappingRules, timeline: TimelineModel
) -> None:
    p = parameters_as_of(timeline, history, rules, dt.date(2001, 1, 1), refit=True)
    assert p.in_sample and p.label.startswith(IN_SAMPLE_LABEL) and p.model is timeline


def test_forecast_all_with_refit_labels_each_forecast_out_of_sample(
    small_file: Path,
    history: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    timeline: TimelineModel,
) -> None:
    qs = load_questions(small_file)
    out = forecast_all(timeline, qs, history, rules, NOTHING_COVERED, refit=True)
    assert all(not f.parameters.in_sample for f in out)
    assert [f.parameters.through for f in out] == [q.asked for q in qs.questions]
    assert all(0 < f.p < 1 for f in out)
    assert out[0].as_json()["fitted_through"] == "2022-02-01"


def test_a_question_and_the_refitted_forecast_of_its_day_are_one_number(
    history: duckdb.DuckDBPyConnection, rules: MappingRules, timeline: TimelineModel
) -> None:
    from secondfront.forecasting.outlook import outlook

    qs = load_questions(ROOT / "models" / "belarus-second-front.questions.yaml")
    (q,) = [q for q in qs.questions if q.id == "ops-2022-02-01-8w"]
    (f,) = [f for f in forecast_all(timeline, qs, history, rules, None, refit=True) if f.id == q.id]
    ahead = outlook(timeline, history, rules, q.asked, f.weeks, refit=True)
    (same,) = [x for x in ahead.forecasts if x.target == q.target]
    assert f.weeks == 8 and same.p == pytest.approx(f.p, abs=1e-12)
    assert "fitted on data up to 2022-02-01" in same.note
    # Without the refit the analyst's chain answers, and the note says that instead.
    plain = outlook(timeline, history, rules, q.asked, 8)
    (other,) = [x for x in plain.forecasts if x.target == q.target]
    assert other.p != pytest.approx(f.p, abs=1e-3) and "in-sample" in other.note


@pytest.mark.parametrize("declared", ["none", "store"])
def test_under_a_declared_coverage_the_refit_reads_the_weeks_the_forecast_reads(
    history: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    timeline: TimelineModel,
    declared: str,
) -> None:
    # Under a coverage other than the store's own, the question's refit must see the
    # weekly statuses its forecast reads (silent weeks unknown, or declared by the
    # rules' sources), as the dated forecast's refit does: before, the questions fitted
    # on the store's own coverage and forecast under the declared one.
    from secondfront.evidence.coverage import NOTHING_COVERED, STORE_SOURCES
    from secondfront.forecasting.outlook import outlook

    coverage = NOTHING_COVERED if declared == "none" else STORE_SOURCES
    qs = load_questions(ROOT / "models" / "belarus-second-front.questions.yaml")
    (q,) = [q for q in qs.questions if q.id == "ops-2022-02-01-8w"]
    (f,) = [
        f for f in forecast_all(timeline, qs, history, rules, coverage, refit=True) if f.id == q.id
    ]
    ahead = outlook(timeline, history, rules, q.asked, f.weeks, coverage, refit=True)
    (same,) = [x for x in ahead.forecasts if x.target == q.target]
    assert same.p == pytest.approx(f.p, abs=1e-12)
    # And the declared coverage matters to the fit: the default coverage's refit differs.
    (own,) = [
        x for x in forecast_all(timeline, qs, history, rules, None, refit=True) if x.id == q.id
    ]
    assert own.p != pytest.approx(f.p, abs=1e-6)
