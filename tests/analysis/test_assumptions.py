"""Key assumptions and source influence, against closed forms and the sensitivity sweep."""

from __future__ import annotations

import pytest

from secondfront.analysis.assumptions import key_assumptions, source_influence
from secondfront.analysis.sensitivity import Target, one_at_a_time
from secondfront.errors import UsageError
from secondfront.model.formats import load
from secondfront.model.scenario import load_spec_text
from tests.analysis.argument_models import TINY
from tests.conftest import FLAGSHIP


def test_source_influence_matches_the_closed_form() -> None:
    result = source_influence(load_spec_text(TINY))
    by_id = {s.source: s for s in result.sources}
    # Without the report the leak goes uniform (0.5): 1 - 0.5 * 0.8 = 0.6.
    rep = by_id["rep"].swings[0]
    assert rep.baseline == pytest.approx(0.28) and rep.low == pytest.approx(0.6)
    # Without the column, pressure is uniform and its link has no effect: P = leak = 0.1.
    assert by_id["col"].swings[0].low == pytest.approx(0.1)
    assert [s.source for s in result.sources] == ["rep", "col"]  # ranked by influence
    assert dict(by_id["col"].parameters) == {
        "pressure.table": "[0.5, 0.5]",
        "entry.noisy_or.links.pressure.high": "0",
    }
    # The indicator likelihood citing the report moves no outcome without evidence.
    assert ("troops.likelihood.yes", "0.5") in by_id["rep"].parameters
    assert by_id["rep"].at_risk == pytest.approx((1 - 0.64) * 0.32)


def test_source_influence_with_evidence_counts_the_indicator() -> None:
    net = load_spec_text(TINY)
    without = source_influence(net, {"troops": "present"})
    rep = next(s for s in without.sources if s.source == "rep").swings[0]
    # With troops seen, dropping the report also flattens P(troops | yes) to 0.5:
    # P(yes | seen) = 0.6 * 0.5 / (0.6 * 0.5 + 0.4 * 0.2).
    assert rep.low == pytest.approx(0.3 / (0.3 + 0.08))


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
