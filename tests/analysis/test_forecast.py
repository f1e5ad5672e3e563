"""Forecasts carry the claims behind each outcome, including its ancestors' claims."""

from __future__ import annotations

from pathlib import Path

import pytest

import secondfront as sf
from secondfront.analysis import explain, forecast
from secondfront.analysis.forecast import ancestors
from secondfront.analysis.language import icd203
from tests.conftest import FLAGSHIP


def test_forecast_matches_inference_and_lists_basis() -> None:
    model = sf.load(FLAGSHIP)
    spec = model.spec
    result = forecast(model)
    marginals = sf.infer(model)
    assert [o.variable for o in result.outcomes] == spec.outcome_variables()
    for o in result.outcomes:
        assert o.distribution == pytest.approx(marginals[o.variable])
        cited = {
            c.id
            for v in [o.variable, *ancestors(model, o.variable)]
            for c in spec.claims_for_variable(v)
        }
        assert {b.claim for b in o.basis} == cited
        assert {b.claim for b in o.basis if b.direct} == {
            c.id for c in spec.claims_for_variable(o.variable)
        }


def test_ancestors_nearest_first(asia_bif: Path) -> None:
    model = sf.load(asia_bif)
    assert ancestors(model, "dysp")[:2] in (["bronc", "either"], ["either", "bronc"])
    assert set(ancestors(model, "dysp")) == {"bronc", "either", "smoke", "lung", "tub", "asia"}


def test_bif_model_forecasts_every_variable(asia_bif: Path) -> None:
    result = forecast(sf.load(asia_bif), {"xray": "yes"})
    assert len(result.outcomes) == 8
    assert all(o.basis == [] for o in result.outcomes)


def test_explain_rows_cover_every_parent_configuration(asia_bif: Path) -> None:
    ex = explain(sf.load(asia_bif), "either")
    assert ex.parents == ["lung", "tub"]
    assert len(ex.rows) == 4
    assert ex.rows[-1] == ({"lung": "no", "tub": "no"}, {"yes": 0.0, "no": 1.0})


def test_whatif_pair_is_the_two_forecasts_from_one_call() -> None:
    from secondfront.analysis.forecast import whatif

    model = sf.load(FLAGSHIP)
    evidence = {"reservist_callups": "present"}
    do = {"staged_provocation": "present"}
    pair = whatif(model, evidence, do)
    for got, want in (
        (pair.scenario, forecast(model, evidence, do)),
        (pair.baseline, forecast(model)),
    ):
        for a, b in zip(got.outcomes, want.outcomes, strict=True):
            assert a.distribution == pytest.approx(b.distribution, abs=1e-12)
            assert a.basis == b.basis and a.assumptions == b.assumptions
    cached = whatif(model, evidence, do, baseline=pair.baseline)
    assert cached.baseline is pair.baseline
    assert cached.scenario.headlines == pytest.approx(pair.scenario.headlines, abs=1e-12)
    first = pair.scenario.outcomes[0]
    assert first.term == str(icd203(first.probability)) and first.term.endswith("%)")
    # With intervals the scenario is the one sampled forecast (not a point one beside it).
    sampled = whatif(model, evidence, do, baseline=pair.baseline, samples=200)
    direct = forecast(model, evidence, do, samples=200)
    assert sampled.scenario.uncertainty is not None and direct.uncertainty is not None
    assert sampled.scenario.headlines == pytest.approx(direct.headlines, abs=1e-12)
    intervals = [o.interval for o in sampled.scenario.uncertainty.outcomes]
    assert intervals == [o.interval for o in direct.uncertainty.outcomes]
