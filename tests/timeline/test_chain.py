"""The timeline: emissions from the engine, the outcome mixture, alerts, file checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from secondfront.errors import RulesError
from secondfront.inference.query import infer
from secondfront.timeline.chain import load_timeline, run_timeline, state_terms

MODEL = load_timeline()
QUIET = {"troops_toward_southern_border": "absent", "russian_troop_trains_into_belarus": "absent"}
BUILDUP = {
    "troops_toward_southern_border": "present",
    "russian_troop_trains_into_belarus": "present",
    "reservist_callups": "present",
}


def test_emissions_are_network_likelihoods() -> None:
    L, marg = state_terms(MODEL, [BUILDUP])
    ratios = []
    for s in MODEL.spec.states:
        # P(e | c) by the engine directly: P(e, c) / P(c) via single queries.
        post = infer(MODEL.network, dict(s.network))
        p = 1.0
        cond = dict(s.network)
        for var, state in BUILDUP.items():
            p *= infer(MODEL.network, cond)[var][state]
            cond[var] = state
        ratios.append(p)
        assert post  # the query ran
    ratios_arr = np.array(ratios) / max(ratios)
    np.testing.assert_allclose(L[0], ratios_arr, rtol=1e-9)
    k = MODEL.network.variables["belarus_entry"].index("entered")
    for i, s in enumerate(MODEL.spec.states):
        want = infer(MODEL.network, {**s.network, **BUILDUP})["belarus_entry"]["entered"]
        assert marg["belarus_entry"][0, i, k] == pytest.approx(want, abs=1e-12)


def test_buildup_raises_entry_and_fires_alerts() -> None:
    ev = [QUIET] * 6 + [BUILDUP] * 3 + [QUIET] * 6
    weeks = [f"2022-W{i:02d}" for i in range(1, 16)]
    r = run_timeline(MODEL, weeks, ev)
    k = MODEL.network.variables["belarus_entry"].index("entered")
    p = r.outcomes["belarus_entry"][:, k]
    assert p[8] > 5 * p[5] and p[-1] < p[8]
    np.testing.assert_allclose(r.beliefs.sum(axis=1), 1.0)
    fired = {(a.week, a.rule) for a in r.alerts}
    assert ("2022-W07", "entry-above-5pc") in fired
    first = next(a for a in r.alerts if a.rule == "entry-above-5pc")
    assert "troops_toward_southern_border" in first.message and first.message.startswith(
        "2022-W07 ALERT"
    )
    data = r.as_json(MODEL.network)
    assert data["weeks"][0]["week"] == "2022-W01"  # type: ignore[index]
    assert set(data["weeks"][0]["outcomes"]) == set(MODEL.outcomes)  # type: ignore[index]


def test_smoothing_sees_the_future() -> None:
    ev = [QUIET] * 4 + [BUILDUP] * 2
    weeks = [f"w{i}" for i in range(6)]
    f = run_timeline(MODEL, weeks, ev)
    s = run_timeline(MODEL, weeks, ev, smooth=True)
    prep = MODEL.state_names.index("preparation")
    assert s.beliefs[3, prep] > f.beliefs[3, prep]
    np.testing.assert_allclose(s.beliefs[-1], f.beliefs[-1])


def test_timeline_file_errors_name_line(tmp_path: Path) -> None:
    text = MODEL.path.read_text()
    bad = text.replace(
        "preparation:    [0.060, 0.920, 0.020]", "preparation:    [0.060, 0.920, 0.200]"
    )
    bad = bad.replace(
        "network: {offensive_preparation: present, staged_provocation: absent}",
        "network: {offensive_preparation: presnt, staged_provocation: absent}",
    )
    p = tmp_path / "t.yaml"
    p.write_text(bad)
    with pytest.raises(RulesError) as info:
        load_timeline(p)
    msg = str(info.value)
    assert "transition row 'preparation' needs 3 non-negative numbers summing to 1" in msg
    assert "unknown state 'presnt' of offensive_preparation" in msg
    assert (
        f"t.yaml:{bad.splitlines().index(next(s for s in bad.splitlines() if 'presnt' in s)) + 1}:"
        in msg
    )


# -- every problem of a file in one run ----------------------------------------------

ONEPASS = Path(__file__).parents[1] / "evidence" / "fixtures" / "onepass-bad.timeline.yaml"

# (line, col, message start) of every problem in ONEPASS, in the order they print.
ONEPASS_PROBLEMS = [
    (11, 5, "states.1.label: Field required"),
    (12, 38, "unknown state 'presnt' of offensive_preparation; states: absent, present"),
    (15, 15, "unknown variable 'offensive_preperation' of belarus-second-front"),
    (17, 1, "initial.assumption: Field required"),
    (18, 6, "initial.p needs 3 probabilities summing to 1; got [0.96, 0.04]"),
    (
        22,
        3,
        "transition.rows needs one row per state ['status_quo', 'preparation', "
        "'imminent_entry']; got ['status_quo', 'preparation', 'imminent']",
    ),
    (24, 21, "transition row 'preparation' needs 3 non-negative numbers summing to 1"),
    (30, 12, "unknown state 'entred' of belarus_entry; states: not_entered, entered"),
    (32, 5, "alerts.1: Value error, alert 'entry-both': give either 'above' or 'rises_by'"),
    (41, 22, "backtest.persistence_floor: Input should be less than 0.5"),
    (45, 17, "unknown variable 'belarus_entri' of belarus-second-front"),
]


def test_schema_and_reference_errors_come_in_one_run() -> None:
    # State 1 fails the schema (no label) and still has its network evidence checked; the
    # initial distribution fails it (no assumption) and still has its size checked.
    with pytest.raises(RulesError) as info:
        load_timeline(ONEPASS)
    lines = str(info.value).splitlines()
    assert len(lines) == len(ONEPASS_PROBLEMS), lines
    for (line, col, message), got in zip(ONEPASS_PROBLEMS, lines, strict=True):
        assert got.startswith(f"{ONEPASS}:{line}:{col}: error: {message}"), got


def test_duplicate_state_names(tmp_path: Path) -> None:
    text = MODEL.path.read_text()
    bad = text.replace("- name: imminent_entry", "- name: preparation")
    p = tmp_path / "t.yaml"
    p.write_text(bad)
    with pytest.raises(RulesError) as info:
        load_timeline(p)
    lines = bad.splitlines()
    first = lines.index("  - name: preparation") + 1
    second = lines.index("  - name: preparation", first) + 1
    assert (
        f"t.yaml:{second}:11: error: states.2.name: duplicate state 'preparation' "
        f"(first at line {first})" in str(info.value)
    )


def test_a_state_the_network_rules_out_is_an_error() -> None:
    # A network where a staged provocation never happens: no week can be imminent_entry.
    net = MODEL.network
    cpt = np.zeros_like(net.cpts["staged_provocation"])
    cpt[..., net.variables["staged_provocation"].index("absent")] = 1.0
    with pytest.raises(RulesError) as info:
        load_timeline(MODEL.path, net.with_cpts({"staged_provocation": cpt}))
    line = next(
        i
        for i, s in enumerate(MODEL.path.read_text().splitlines(), 1)
        if "staged_provocation: present}" in s
    )
    assert f":{line}:" in str(info.value)
    assert "state 'imminent_entry' is impossible" in str(info.value)


def test_shipped_timeline_loads_cleanly() -> None:
    model = load_timeline(MODEL.path)
    assert model.path.name == "belarus-second-front.timeline.yaml"
    assert model.state_names == ["status_quo", "preparation", "imminent_entry"]
    np.testing.assert_allclose(model.transition.sum(axis=1), 1.0)
