"""Key assumptions and source influence, against closed forms and the sensitivity sweep."""

from __future__ import annotations

import pytest
from scipy import stats

from secondfront.analysis.assumptions import key_assumptions, source_influence
from secondfront.analysis.sensitivity import Target, one_at_a_time
from secondfront.errors import UsageError
from secondfront.model.formats import load
from secondfront.model.scenario import load_spec_text
from tests.analysis.argument_models import TINY
from tests.conftest import FLAGSHIP


def _beta90(a: float, b: float) -> tuple[float, float]:
    lo, hi = stats.beta.ppf([0.05, 0.95], a, b)
    return float(lo), float(hi)


def test_source_influence_is_a_range_from_the_no_source_interval() -> None:
    result = source_influence(load_spec_text(TINY))
    by_id = {s.source: s for s in result.sources}
    # Without the report the leak (no 'without' stated) stays a bare assumption over its
    # 90% prior interval, Beta(0.1 * 20, 0.9 * 20): P = 1 - (1 - leak) * 0.8 at both ends.
    lo, hi = _beta90(2, 18)
    rep = by_id["rep"].swings[0]
    assert rep.baseline == pytest.approx(0.28)
    assert (rep.low, rep.high) == pytest.approx((1 - (1 - lo) * 0.8, 1 - (1 - hi) * 0.8))
    # Without the column the link lies in [0, 0.5] and P(high) in its Beta(8, 12)
    # interval: from the leak alone (0.1) to 1 - 0.9 * (1 - 0.5 * q_hi). Not uniform.
    _, q_hi = _beta90(8, 12)
    col = by_id["col"].swings[0]
    assert (col.low, col.high) == pytest.approx((0.1, 1 - 0.9 * (1 - 0.5 * q_hi)))
    rules = {path: rule for path, _, rule in by_id["col"].parameters}
    assert rules == {"pressure.table": "prior", "entry.noisy_or.links.pressure.high": "link"}
    assert (
        dict((p, d) for p, d, _ in by_id["col"].parameters)["entry.noisy_or.links.pressure.high"]
        == "0–0.5"
    )
    # The indicator likelihood citing the report moves no outcome without evidence.
    assert "troops.likelihood.yes" in [p for p, _, _ in by_id["rep"].parameters]
    assert by_id["rep"].at_risk == pytest.approx((1 - 0.64) * by_id["rep"].influence)


def test_a_stated_without_is_used_as_written() -> None:
    text = TINY.replace(
        'leak: {p: 0.1, assumption: "base rate (rep)"}',
        'leak: {p: 0.1, assumption: "base rate (rep)", without: {low: 0.2, high: 0.3}}',
    )
    result = source_influence(load_spec_text(text))
    rep = next(s for s in result.sources if s.source == "rep").swings[0]
    # P = 1 - (1 - leak) * 0.8 over the stated range [0.2, 0.3].
    assert (rep.low, rep.high) == pytest.approx((1 - 0.8 * 0.8, 1 - 0.7 * 0.8))
    point = TINY.replace(
        'assumption: "base rate (rep)"', 'assumption: "base rate (rep)", without: 0.2'
    )
    rep = next(s for s in source_influence(load_spec_text(point)).sources if s.source == "rep")
    assert rep.swings[0].low == rep.swings[0].high == pytest.approx(1 - 0.8 * 0.8)
    assert ("entry.noisy_or.leak", "0.2", "stated") in rep.parameters


def test_source_influence_with_evidence_counts_the_indicator() -> None:
    net = load_spec_text(TINY)
    without = source_influence(net, {"troops": "present"})
    rep = next(s for s in without.sources if s.source == "rep").swings[0]
    # With troops seen, dropping the report also moves P(troops | yes) over its interval;
    # P(yes | seen) rises with both the leak and that likelihood, so the corners are exact.
    l_lo, l_hi = _beta90(2, 18)
    t_lo, t_hi = _beta90(18, 2)

    def post(leak: float, like: float) -> float:
        p = 1 - (1 - leak) * 0.8
        return p * like / (p * like + (1 - p) * 0.2)

    assert (rep.low, rep.high) == pytest.approx((post(l_lo, t_lo), post(l_hi, t_hi)))


def test_key_assumptions_group_by_text_and_claim_with_fallback_sweep() -> None:
    check = key_assumptions(load_spec_text(TINY))
    keys = {(i.kind, i.claim or i.text): i for i in check.items}
    assert set(keys) == {
        ("claim", "ca1"),
        ("claim", "cb1"),
        ("assumption", "base rate (rep)"),
        ("assumption", "exercises"),
    }
    assert keys[("claim", "ca1")].parameters == (
        "pressure.table",
        "entry.noisy_or.links.pressure.high",
    )
    assert len(check.fallback) == 5  # the tiny model states no uncertainty
    assert keys[("claim", "cb1")].max_swing == 0.0  # an indicator likelihood
    assert keys[("claim", "cb1")].indicator == "troops"  # checked by watching it
    # A tie between the variables a claim shapes goes to the first in the file.
    assert keys[("claim", "ca1")].exposes == "pressure"
    assert check.items[0].max_swing >= check.items[-1].max_swing
    # The one indicator exposes what shapes entry.
    assert keys[("assumption", "base rate (rep)")].indicator == "troops"
    assert keys[("assumption", "base rate (rep)")].indicator_information > 0


def test_key_assumption_swings_agree_with_the_tornado() -> None:
    net = load(FLAGSHIP)
    check = key_assumptions(net)
    tornado = one_at_a_time(net, Target("belarus_entry", "entered"))
    by_path = {s.parameter: s.swing for s in tornado.swings}
    checked = 0
    for item in check.items:
        entry = next(s for s in item.swings if s.outcome == "belarus_entry")
        expected = max((by_path.get(p, 0.0) for p in item.parameters), default=0.0)
        assert abs(entry.high - entry.low) == pytest.approx(expected, abs=1e-9)
        checked += 1
    assert checked > 50


def test_needs_a_spec(asia_bif) -> None:
    with pytest.raises(UsageError, match="needs a scenario spec"):
        key_assumptions(load(asia_bif))
