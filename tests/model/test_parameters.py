"""Parameter spaces: priors from the spec, and tables rebuilt from parameter values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import secondfront as sf
from secondfront.model.parameters import ParameterSpace, beta_from_interval
from secondfront.model.scenario import check_spec_text
from tests.conftest import FLAGSHIP

FIXTURES = Path(__file__).parent / "fixtures" / "uncertainty"


def test_tables_at_stated_values_equal_the_compiled_network() -> None:
    model = sf.load(FLAGSHIP)
    space = ParameterSpace(model)
    values = {p.path: np.broadcast_to(p.value, (3, *p.value.shape)) for p in space.parameters}
    tables = space.tables(values, 3)
    assert set(tables) == set(model.names)
    for name, t in tables.items():
        np.testing.assert_allclose(t, np.broadcast_to(model.cpts[name], t.shape), atol=1e-15)


def test_priors_follow_the_spec() -> None:
    space = ParameterSpace(sf.load(FIXTURES / "chain.yaml"))
    by = space.by_path
    assert by["effect.noisy_or.leak"].prior.args == pytest.approx((0.05 * 50, 0.95 * 50))
    assert by["unrelated.logistic.intercept"].prior.args == (0.0, 1.0)
    assert by["report.likelihood.absent"].prior is None  # no uncertainty: exact
    cause = by["cause.table"].prior
    assert cause.family == "dirichlet" and cause.args == pytest.approx((24.0, 6.0))
    assert [p.path for p in space.exact] == [
        "report.likelihood.absent",
        "report.likelihood.present",
    ]


def test_beta_fitted_to_an_interval_reproduces_it() -> None:
    prior = beta_from_interval(0.6, 0.4, 0.8, 0.9)
    a, b = prior.args
    assert a / (a + b) == pytest.approx(0.6)
    assert stats.beta.ppf([0.05, 0.95], a, b) == pytest.approx([0.4, 0.8], abs=0.02)


def test_swept_tables_change_only_their_variable() -> None:
    model = sf.load(FIXTURES / "chain.yaml")
    space = ParameterSpace(model)
    tables = space.tables({"effect.noisy_or.links.cause.yes": np.array([0.0, 1.0])}, 2)
    assert set(tables) == {"effect"}
    # cause=yes row: P(present) = 1 - (1 - leak)(1 - link)
    assert tables["effect"][:, 1, 1] == pytest.approx([0.05, 1.0])
    assert tables["effect"][:, 0, 1] == pytest.approx([0.05, 0.05])


HEADER = "model: {name: m, title: t, horizon: h}\n"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "    table: {p: [0.5, 0.5], assumption: a, uncertainty: {low: 0.9, high: 0.1}}\n",
            6,
            r"low 0.9 > high 0.1; swap them",
        ),
        (
            "    table: {p: [0.5, 0.5], assumption: a, uncertainty: {ess: 5, confidence: 1.5}}\n",
            6,
            r"confidence",
        ),
        (
            "    logistic: {intercept: {value: 2.0, assumption: a, "
            "uncertainty: {low: -1, high: 1}}}\n",
            6,
            r"outside its own uncertainty interval",
        ),
        (
            "    logistic: {intercept: {value: 0.0, assumption: a, uncertainty: {ess: 3}}}\n",
            6,
            r"'ess' is for probabilities",
        ),
    ],
)
def test_bad_uncertainty_is_reported_at_its_line(body: str, line: int, message: str) -> None:
    text = HEADER + "variables:\n  - name: x\n    label: x\n    states: [a, b]\n" + body
    diags = check_spec_text(text, "m.yaml")
    assert diags, "expected an error"
    assert any(d.line == line and __import__("re").search(message, d.message) for d in diags), [
        str(d) for d in diags
    ]
