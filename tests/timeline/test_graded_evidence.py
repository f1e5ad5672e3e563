"""Observed indicators as evidence weighted by their sources' Admiralty gradings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from secondfront.evidence.mapping import IndicatorWeek, evidence_rows
from secondfront.timeline.chain import (
    EvidenceWeighting,
    engine_evidence,
    load_timeline,
    report_weights,
    run_timeline,
)
from tests.conftest import FLAGSHIP

TIMELINE = FLAGSHIP.with_name("belarus-second-front.timeline.yaml")


def _weeks(grading: str) -> list[IndicatorWeek]:
    quiet = [
        IndicatorWeek(f"2022-W0{w}", "troops_toward_southern_border", 0, 0.0, "not_observed", ())
        for w in range(1, 5)
    ]
    loud = [
        IndicatorWeek("2022-W05", ind, 2, 2.0, "observed", (grading,))
        for ind in ("troops_toward_southern_border", "reservist_callups")
    ]
    return quiet + loud


def _entry(model: object, statuses: list[IndicatorWeek]) -> float:
    weeks, evidence = evidence_rows(statuses)
    result = run_timeline(model, weeks, evidence, weights=report_weights(statuses))
    k = result.outcomes["belarus_entry"].shape[1] - 1
    return float(result.outcomes["belarus_entry"][-1, k])


@pytest.fixture(scope="module")
def models() -> tuple[object, object]:
    hard = load_timeline(TIMELINE)
    graded = replace(
        hard, spec=hard.spec.model_copy(update={"evidence": EvidenceWeighting(graded=True)})
    )
    return hard, graded


def test_weights_are_the_best_grading_of_each_observed_indicator() -> None:
    statuses = _weeks("C3")
    statuses.append(
        IndicatorWeek("2022-W05", "reservist_callups", 1, 1.0, "observed", ("B2", "F6"))
    )
    weights = report_weights(statuses)
    assert weights[0] == {}
    assert weights[-1]["troops_toward_southern_border"] == pytest.approx(0.36)
    assert weights[-1]["reservist_callups"] == pytest.approx(0.64)  # B2 beats F6 and C3


def test_graded_evidence_is_soft_and_a1_is_hard(models: tuple[object, object]) -> None:
    hard, graded = models
    rows = engine_evidence(
        graded, [{"reservist_callups": "present", "x": "absent"}], [{"reservist_callups": 0.36}]
    )
    assert rows[0]["x"] == "absent"
    states = graded.network.variables["reservist_callups"].states
    assert rows[0]["reservist_callups"] == [1.0 if s == "present" else 0.64 for s in states]
    assert engine_evidence(
        hard, [{"reservist_callups": "present"}], [{"reservist_callups": 0.36}]
    ) == [{"reservist_callups": "present"}]
    assert _entry(graded, _weeks("A1")) == pytest.approx(_entry(hard, _weeks("A1")), rel=1e-12)


def test_weaker_sources_move_the_timeline_less(models: tuple[object, object]) -> None:
    hard, graded = models
    baseline = _entry(hard, _weeks("A1")[:4])
    by_grade = [_entry(graded, _weeks(g)) for g in ("A1", "B2", "C3", "F6")]
    assert by_grade == sorted(by_grade, reverse=True)
    assert np.all(np.array(by_grade) > baseline)
