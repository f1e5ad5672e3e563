"""The argument map: which claim supports or undermines which outcome, and by how much."""

from __future__ import annotations

import pytest
from scipy import stats

from secondfront.analysis.argmap import argument_map, render_argdown
from secondfront.analysis.assumptions import outcome_probabilities
from secondfront.model.argdown import CANNOT_TRAVEL, draft_from_argdown, parse_argdown
from secondfront.model.draft import leftovers_text
from secondfront.model.formats import load
from secondfront.model.scenario import load_spec_text
from tests.analysis.argument_models import TINY


def test_moves_are_ranges_and_signs_come_from_the_stated_direction() -> None:
    amap = argument_map(load_spec_text(TINY))
    moves = {c.id: c.moves["entry"] for c in amap.claims}
    # Without ca1 the link lies in [0, 0.5] and P(high) in its Beta(8, 12) interval, so
    # P(entry) spans [0.1, 1 - 0.9 (1 - 0.5 q_hi)]: moves is 0.28 minus that range.
    q_hi = float(stats.beta.ppf(0.95, 8, 12))
    assert moves["ca1"] == pytest.approx((0.28 - (1 - 0.9 * (1 - 0.5 * q_hi)), 0.28 - 0.1))
    assert moves["cb1"] == pytest.approx((0.0, 0.0))  # an indicator likelihood only
    (entry,) = amap.outcomes
    assert entry.probability == pytest.approx(0.28)
    # No direction stated and a range of either sign: the map draws nothing.
    assert entry.supports == () and entry.undermines == ()
    stated = TINY.replace(
        '"Moscow presses.", grading: C3}',
        '"Moscow presses.", grading: C3, direction: {variable: entry, state: "yes", '
        "effect: raises}}",
    )
    (entry,) = argument_map(load_spec_text(stated)).outcomes
    assert entry.supports == ("ca1",) and entry.stated == ("ca1",)


def test_argdown_round_trip_keeps_the_model() -> None:
    flagship = load("belarus-second-front")
    amap = argument_map(flagship)
    text = render_argdown(amap)
    front, elements = parse_argdown(text, "map.argdown")
    assert front["model"] == "belarus-second-front"
    by_title = {e.title: e for e in elements}
    for c in amap.claims:
        el = by_title[c.id]
        assert el.text == " ".join(c.says.split())
        assert el.meta["locator"] == c.locator and el.meta["grading"] == c.grading
    for o in amap.outcomes:
        assert by_title[o.variable].supports == list(o.supports)
        assert by_title[o.variable].attacks == list(o.undermines)
    back = load_spec_text(draft_from_argdown(text, "map.argdown"), "back.yaml")
    # Sources, gradings, claims, indicators, not_modelled, states and numbers all travel.
    assert back.spec == flagship.spec
    assert len(back.spec.sources) == 15 and len(back.spec.indicators) == 20
    assert back.spec.not_modelled == flagship.spec.not_modelled
    for name in flagship.names:
        assert back.variables[name].states == flagship.variables[name].states
    p0, p1 = outcome_probabilities(flagship, {}, 1), outcome_probabilities(back, {}, 1)
    assert set(p0) == set(p1) and len(p0) == 7
    for outcome in p0:
        assert p1[outcome][0] == pytest.approx(p0[outcome][0], abs=1e-12)
    # What cannot travel is named in the file itself.
    for item in CANNOT_TRAVEL:
        assert " ".join(item.split()) in " ".join(text.replace("// ", "").split())


def test_simple_hand_written_map() -> None:
    text = """\
// An analyst's map
[Entry]: Belarus sends its army into Ukraine.
  + <Pressure>: Moscow presses hard. {locator: P2.S1, grading: C3, source: note}
  - <Unrest>: The regime fears unrest at home.
"""
    draft = draft_from_argdown(text, "mine.argdown")
    spec = load_spec_text(draft).spec
    assert [c.id for c in spec.claims] == ["pressure", "unrest"]
    assert str(spec.claims_by_id["pressure"].locator) == "P2.S1"
    entry = spec.variable("entry")
    assert entry.logistic.weights["holds_pressure"].value == 1.0
    assert entry.logistic.weights["holds_unrest"].value == -1.0
    left = [str(i) for i in leftovers_text(draft, "d.yaml")]
    assert any("locator in the source" in m for m in left)  # Unrest has no locator
    assert any("grade this claim" in m for m in left)


def test_unreadable_lines_are_located() -> None:
    from secondfront.errors import SpecError

    text = "[A]: fine\n  + <B>\nthis is not argdown\n+ <C>\n"
    with pytest.raises(SpecError) as info:
        parse_argdown(text, "bad.argdown")
    lines = [str(d) for d in info.value.diagnostics]
    assert lines[0].startswith("bad.argdown:3:1: error: cannot read this line")
    assert lines[1].startswith("bad.argdown:4:1: error: cannot read this line")


def test_yaml_inside_argdown_is_read_by_the_bounded_reader() -> None:
    """Compared: the same aliases within the bound, and closed metadata, are read."""
    from secondfront.errors import SpecError

    # Front matter with an alias bomb: refused by the spec loader's limits, located in
    # the Argdown file (the front matter starts on line 2), not expanded.
    bomb = ["===", 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        refs = ",".join([f"*a{i - 1}"] * 10)
        bomb.append(f"a{i}: &a{i} [{refs}]")
    bomb += ["===", "[A]: fine"]
    with pytest.raises(SpecError) as info:
        parse_argdown("\n".join(bomb), "bomb.argdown")
    first = str(info.value.diagnostics[0])
    assert first.startswith("bomb.argdown:"), first
    assert "alias" in first, first
    # Unreadable metadata: located at the brace, on the claim's line.
    with pytest.raises(SpecError) as info:
        parse_argdown("[A]: fine\n  + <B>: text {locator: [unclosed}\n", "meta.argdown")
    where = str(info.value.diagnostics[0])
    assert where.startswith("meta.argdown:2:"), where
    inert = ["===", *bomb[1:4], "===", "[A]: fine", "  + <B>: text {locator: [closed]}"]
    front, elements = parse_argdown("\n".join(inert), "inert.argdown")
    assert front["a2"] == [[["x"] * 10] * 10] * 10 and elements[1].meta == {"locator": ["closed"]}
