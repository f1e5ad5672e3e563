"""Two models of one question compared, against closed forms."""

from __future__ import annotations

import itertools
import math

import pytest

from secondfront.analysis.compare import compare
from secondfront.errors import UsageError
from secondfront.model.formats import load
from secondfront.model.scenario import load_spec_text
from tests.analysis.argument_models import RIVAL, TINY


def test_outcomes_and_indicator_bayes_factors_match_closed_forms() -> None:
    result = compare(load_spec_text(TINY), load_spec_text(RIVAL))
    (entry,) = result.outcomes
    p_b = 1 - 0.95 * (0.8 + 0.2 * 0.8) * (0.7 + 0.3 * 0.6)
    assert entry.p_a == pytest.approx(0.28) and entry.p_b == pytest.approx(p_b)
    (troops,) = result.indicators  # 'purges' is in the rival only
    a = 0.28 * 0.9 + 0.72 * 0.2
    b = p_b * 0.9 + (1 - p_b) * 0.4
    assert troops.p_a == pytest.approx(a) and troops.p_b == pytest.approx(b)
    assert troops.bf_if_seen == pytest.approx(a / b)
    assert troops.bf_if_not_seen == pytest.approx((1 - a) / (1 - b))
    kl_ab = a * math.log(a / b) + (1 - a) * math.log((1 - a) / (1 - b))
    kl_ba = b * math.log(b / a) + (1 - b) * math.log((1 - b) / (1 - a))
    assert troops.expected_log_bf_a == pytest.approx(kl_ab)
    assert troops.jeffreys == pytest.approx(kl_ab + kl_ba)
    assert troops.favours_if_seen == "B"
    assert troops.a_if_seen == pytest.approx(0.28 * 0.9 / a)
    assert troops.b_if_not_seen == pytest.approx(p_b * 0.1 / (1 - b))


def test_differences_in_parameters_tables_and_links() -> None:
    result = compare(load_spec_text(TINY), load_spec_text(RIVAL))
    paths = {p.path: p for p in result.parameters}
    # pressure is a root in both: its table is compared as a table, not by row index.
    assert "pressure.table" not in paths
    tables = {t.variable: t for t in result.tables}
    assert tables["pressure"].distance == pytest.approx(0.2)
    assert tables["troops"].distance == pytest.approx(0.2)  # P(present | no) 0.2 vs 0.4
    assert tables["troops"].given == {"entry": "no"}
    # entry has different parents in the two models: none of its parameters compare.
    assert not any(p.startswith("entry.") for p in paths)
    assert paths["troops.likelihood.no"].distance == pytest.approx(0.2)
    assert [(d.parent, d.child, d.in_model, d.ends_shared) for d in result.links] == [
        ("crisis", "entry", "B", False),
        ("crisis", "purges", "B", False),
    ]
    assert result.variables[0].distance >= result.variables[-1].distance


def test_evidence_applies_to_both() -> None:
    result = compare(load_spec_text(TINY), load_spec_text(RIVAL), {"troops": "present"})
    assert result.outcomes[0].p_a == pytest.approx(0.28 * 0.9 / (0.28 * 0.9 + 0.72 * 0.2))
    assert result.indicators == ()  # the only shared indicator is already observed


def test_no_shared_outcome_is_explained() -> None:
    other = RIVAL.replace("variable: entry, label", "variable: crisis, label").replace(
        'label: "Entry", state: yes', 'label: "Crisis", state: yes'
    )
    with pytest.raises(UsageError, match="share no outcome"):
        compare(load_spec_text(TINY), load_spec_text(other))


def test_flagship_and_second_argument_disagree_where_expected() -> None:
    result = compare(load("belarus-second-front"), load("isw-belarus-restraint"))
    shared = {o.outcome for o in result.outcomes}
    assert {"belarus_entry", "mass_mobilisation", "regime_destabilisation"} <= shared
    top = result.indicators[0]
    # The regime-security argument reads troop movements as signalling, so they are
    # seen more often under it and a sighting favours it.
    assert top.indicator == "troops_toward_southern_border" and top.favours_if_seen == "B"
    assert all(x.jeffreys >= y.jeffreys for x, y in itertools.pairwise(result.indicators))
