"""Second-order uncertainty: sampled intervals against closed forms, and reproducibility."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import secondfront as sf
from secondfront.analysis.uncertainty import forecast_uncertainty
from tests.conftest import FLAGSHIP

FIXTURES = Path(__file__).parents[1] / "model" / "fixtures" / "uncertainty"


def test_beta_bernoulli_interval_matches_beta_quantiles() -> None:
    # P(heads) ~ Beta(0.3 * 10, 0.7 * 10); the outcome probability IS that parameter.
    n = 40_000
    result = forecast_uncertainty(sf.load(FIXTURES / "beta.yaml"), n_samples=n, seed=3)
    (heads,) = result.outcomes
    a, b = 3.0, 7.0
    lo, hi = stats.beta.ppf([0.05, 0.95], a, b)
    # Standard error of a sample quantile: sqrt(q (1 - q) / n) / density at the quantile.
    se = [np.sqrt(0.05 * 0.95 / n) / stats.beta.pdf(x, a, b) for x in (lo, hi)]
    assert heads.interval[0] == pytest.approx(lo, abs=4 * se[0])
    assert heads.interval[1] == pytest.approx(hi, abs=4 * se[1])
    assert heads.mean == pytest.approx(0.3, abs=4 * stats.beta.std(a, b) / np.sqrt(n))
    assert heads.median == pytest.approx(stats.beta.median(a, b), abs=0.005)
    assert heads.point == pytest.approx(0.3)


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    model = sf.load(FLAGSHIP)
    a = forecast_uncertainty(model, n_samples=500, seed=11)
    b = forecast_uncertainty(sf.load(FLAGSHIP), n_samples=500, seed=11)
    c = forecast_uncertainty(model, n_samples=500, seed=12)
    for x, y, z in zip(a.outcomes, b.outcomes, c.outcomes, strict=True):
        assert np.array_equal(x.samples, y.samples)
        assert x.interval == y.interval
        assert not np.array_equal(x.samples, z.samples)


def test_samples_agree_with_one_at_a_time_inference() -> None:
    model = sf.load(FIXTURES / "chain.yaml")
    result = forecast_uncertainty(model, n_samples=8, seed=5, evidence={"report": "present"})
    # Redraw the same parameters and evaluate each set on its own through the engine.
    from secondfront.model.parameters import ParameterSpace

    space = ParameterSpace(model)
    draws = space.sample(np.random.default_rng(5), 8)
    tables = space.tables(draws, 8)
    for b in range(8):
        single = model.with_cpts({k: v[b] for k, v in tables.items()})
        want = sf.infer(single, {"report": "present"})["effect"]["present"]
        assert result.outcomes[0].samples[b] == pytest.approx(want, abs=1e-12)


def test_exact_parameters_are_listed() -> None:
    result = forecast_uncertainty(sf.load(FIXTURES / "chain.yaml"), n_samples=10)
    assert result.exact == ["report.likelihood.absent", "report.likelihood.present"]
    assert result.from_default == 0
    assert len(result.uncertain) == 4
