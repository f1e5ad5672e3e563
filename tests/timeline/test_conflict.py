"""Hugin's conflict measure: constructed weeks, closed forms, enumeration, the timeline."""

from __future__ import annotations

import math

import numpy as np
import pytest

from secondfront.inference.enumeration import joint
from secondfront.model.network import Network, Variable
from secondfront.testing import example_network, random_leaf_evidence
from secondfront.timeline.conflict import (
    evidence_conflict,
    naive_conflict,
    week_conflicts,
)

YN = ("yes", "no")


def _build_up() -> Network:
    """A hidden build-up with three reports that usually come together."""
    reports = ("trains", "troops", "exercise")
    variables = {"build_up": Variable("build_up", YN)}
    cpts = {"build_up": np.array([0.1, 0.9])}
    for r in reports:
        variables[r] = Variable(r, YN, ("build_up",))
        cpts[r] = np.array([[0.9, 0.1], [0.05, 0.95]])
    return Network("build-up", variables, cpts)


def test_consistent_week_is_negative_and_matches_the_closed_form() -> None:
    net = _build_up()
    c = evidence_conflict(net, {"trains": "yes", "troops": "yes"})
    p1 = 0.1 * 0.9 + 0.9 * 0.05  # P(report) = 0.135
    p12 = 0.1 * 0.81 + 0.9 * 0.0025  # P(both)
    assert c.value == pytest.approx(2 * math.log(p1) - math.log(p12), abs=1e-12)
    assert c.value < 0
    assert c.single["trains"] == pytest.approx(math.log(p1))
    # Reports that support one another conflict with nothing: no culprit is named.
    three = evidence_conflict(net, {"trains": "yes", "troops": "yes", "exercise": "yes"})
    assert three.value < 0 and three.culprit is None and three.as_json()["culprit"] is None
    assert three.without_culprit == three.value


def test_conflicting_week_is_positive_and_names_the_outlier() -> None:
    net = _build_up()
    e = {"trains": "yes", "troops": "yes", "exercise": "no"}
    c = evidence_conflict(net, e)
    # Two reports of a build-up with a third that says there is none: the pair alone is
    # consistent, the pair with the denial is not.
    pair = evidence_conflict(net, {"trains": "yes", "exercise": "no"})
    assert pair.value > 0
    assert c.culprit == "exercise"
    assert c.without_culprit < 0 < pair.value
    assert c.without_culprit == pytest.approx(
        evidence_conflict(net, {"trains": "yes", "troops": "yes"}).value
    )
    J = joint(net)
    states = {v.name: v.states for v in net}
    assert c.value == pytest.approx(naive_conflict(J, net.names, states, e), abs=1e-12)


def test_fewer_than_two_findings_have_no_conflict() -> None:
    net = _build_up()
    assert evidence_conflict(net, {"trains": "yes"}).value == 0.0
    assert evidence_conflict(net, {}).culprit is None


def test_impossible_together_is_infinite_conflict() -> None:
    net = _build_up().with_cpts({"trains": np.array([[1.0, 0.0], [0.0, 1.0]])})
    net = net.with_cpts({"troops": np.array([[1.0, 0.0], [0.0, 1.0]])})
    c = evidence_conflict(net, {"trains": "yes", "troops": "no"})
    assert c.value == math.inf and c.as_json()["conflict"] == "inf"


@pytest.mark.parametrize("name", ["asia", "cancer", "earthquake"])
def test_matches_enumeration_on_reference_networks(name: str) -> None:
    net = example_network(name)
    J = joint(net)
    states = {v.name: v.states for v in net}
    sets = random_leaf_evidence(net, 6, n_observed=3, seed=4)
    got = week_conflicts(net, sets)
    for e, c in zip(sets, got, strict=True):
        assert c.value == pytest.approx(naive_conflict(J, net.names, states, e), abs=1e-10)


def test_mixture_over_hidden_states_equals_the_network_when_weights_are_its_prior() -> None:
    net = _build_up()
    weeks = [
        {"trains": "yes", "troops": "yes"},
        {"trains": "yes", "exercise": "no", "troops": "no"},
        {"troops": [0.8, 0.3], "exercise": "yes"},  # soft evidence too
    ]
    conditions = [{"build_up": "yes"}, {"build_up": "no"}]
    plain = week_conflicts(net, weeks)
    mixed = week_conflicts(net, weeks, conditions, np.tile([0.1, 0.9], (3, 1)))
    for a, b in zip(plain, mixed, strict=True):
        assert a.value == pytest.approx(b.value, abs=1e-10)
        assert a.culprit == b.culprit
    # Certain of the build-up, the reports are independent: no conflict at all.
    sure = week_conflicts(net, weeks[:2], conditions, np.tile([1.0, 0.0], (2, 1)))
    assert [c.value for c in sure] == pytest.approx([0.0, 0.0], abs=1e-10)
    with pytest.raises(ValueError, match="both"):
        week_conflicts(net, weeks, conditions)


def test_timeline_week_of_the_flagship() -> None:
    from secondfront.timeline import hmm
    from secondfront.timeline.chain import load_timeline, state_terms

    model = load_timeline()
    weeks = [
        # Troops toward the border with troop trains: reports of one build-up.
        {
            "troops_toward_southern_border": "present",
            "russian_troop_trains_into_belarus": "present",
        },
        # Border incidents blamed on Ukraine without any build-up report.
        {
            "troops_toward_southern_border": "absent",
            "border_incident_blamed_on_ukraine": "present",
            "russian_troop_trains_into_belarus": "absent",
            "reservist_callups": "present",
        },
    ]
    L, _ = state_terms(model, weeks)
    pred = hmm.forward_filter(model.prior, model.transition, L).predicted
    conds = [s.network for s in model.spec.states]
    got = week_conflicts(model.network, weeks, conds, pred)
    assert got[0].value < 0
    assert np.isfinite(got[1].value) and got[1].culprit is not None
