"""Sensitivity: Sobol indices of a known function, and sweeps of small models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import secondfront as sf
from secondfront.analysis.charts import sobol_bars, tornado
from secondfront.analysis.sensitivity import (
    Factor,
    Target,
    TargetFunction,
    one_at_a_time,
    sobol,
    sobol_analysis,
)
from secondfront.errors import QueryError, UsageError
from tests.conftest import FLAGSHIP

FIXTURES = Path(__file__).parents[1] / "model" / "fixtures" / "uncertainty"


def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_indices_are_recovered() -> None:
    # Closed forms for a = 7, b = 0.1 (Ishigami and Homma 1990; Sobol' 2001).
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    s1 = {"x1": v1 / v, "x2": v2 / v, "x3": 0.0}
    st = {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v}
    result = sobol_analysis(
        [Factor("x1"), Factor("x2"), Factor("x3")], ishigami, n_base=4096, seed=1
    )
    for idx in result.indices:
        # Within SALib's bootstrap interval, with a floor for its own sampling noise.
        assert idx.s1 == pytest.approx(s1[idx.name], abs=max(idx.s1_conf, 0.01) * 1.5)
        assert idx.st == pytest.approx(st[idx.name], abs=max(idx.st_conf, 0.01) * 1.5)
    assert result.evaluations == 4096 * 5


def test_only_parameters_upstream_of_the_target_vary() -> None:
    model = sf.load(FIXTURES / "chain.yaml")
    fn = TargetFunction(model, Target("effect", "present"))
    assert {p.variable for p in fn.parameters} == {"cause", "effect"}
    with_report = TargetFunction(model, Target("effect", "present"), {"report": "present"})
    # The report's likelihoods are exact, so evidence adds no new uncertain parameter.
    assert {p.variable for p in with_report.parameters} == {"cause", "effect"}


def test_fast_contraction_equals_junction_tree() -> None:
    model = sf.load(FLAGSHIP)
    target = Target("belarus_entry", "entered")
    fast = TargetFunction(model, target)
    assert fast._fast is not None
    slow = TargetFunction(model, target)
    slow._fast = None
    draws = fast.space.sample(np.random.default_rng(0), 64, fast.parameters)
    np.testing.assert_allclose(fast(draws, 64), slow(draws, 64), atol=1e-12)


def test_one_at_a_time_closed_form() -> None:
    # P(effect) = 1 - (1 - leak)(1 - 0.2 link): linear in the link, so its swing is
    # 0.2 (1 - leak) (high - low).
    model = sf.load(FIXTURES / "chain.yaml")
    res = one_at_a_time(model, Target("effect", "present"))
    row = next(s for s in res.swings if s.parameter == "effect.noisy_or.links.cause.yes")
    assert row.swing == pytest.approx(0.2 * 0.95 * (row.high - row.low), rel=1e-9)
    assert res.baseline == pytest.approx(1 - 0.95 * (1 - 0.2 * 0.6))
    assert res.swings == sorted(res.swings, key=lambda s: -s.swing)


def test_sobol_on_a_model_ranks_the_strongest_parameter_first() -> None:
    model = sf.load(FIXTURES / "chain.yaml")
    res = sobol(model, Target("effect", "present"), n_base=1024, seed=2)
    assert {i.name for i in res.indices} == {
        "cause.table",
        "effect.noisy_or.leak",
        "effect.noisy_or.links.cause.yes",
    }
    assert sum(i.s1 for i in res.indices) == pytest.approx(1.0, abs=0.15)


def test_charts_are_written(tmp_path: Path) -> None:
    model = sf.load(FIXTURES / "chain.yaml")
    target = Target("effect", "present")
    files = tornado(one_at_a_time(model, target), tmp_path / "t")
    files += sobol_bars(sobol(model, target, n_base=256), str(target), tmp_path / "s.png")
    assert sorted(p.name for p in files) == ["s.png", "s.svg", "t.png", "t.svg"]
    for p in files:
        head = p.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") or b"<?xml" in p.read_bytes()[:64]
        assert p.stat().st_size > 5_000


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("nosuch=yes", QueryError, "unknown variable 'nosuch'"),
        ("effect=maybe", QueryError, "unknown state of effect"),
        ("effect", UsageError, "is not VAR=STATE"),
    ],
)
def test_bad_targets(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Target.parse(text, sf.load(FIXTURES / "chain.yaml"))


def test_sobol_rejects_a_base_size_that_is_not_a_power_of_two() -> None:
    with pytest.raises(UsageError, match="power of 2"):
        sobol_analysis([Factor("x")], lambda u: u[:, 0], n_base=1000)
