"""What a source is worth: the model without it, and each claim's stated direction checked."""

from __future__ import annotations

import pytest

from secondfront.analysis.argmap import argument_map
from secondfront.analysis.assumptions import direction_checks, source_influence
from secondfront.model.formats import load
from secondfront.model.scenario import check_spec_text
from tests.analysis.argument_models import TINY

# The direction the flagship states for every claim the column makes: the variable and
# state the claim bears on, and whether it raises or lowers its probability.
COLUMN_DIRECTIONS = {
    "territory-used-2022": ("russian_operations_from_belarus", "present", "raises"),
    "airfields-used-2022": ("russian_operations_from_belarus", "present", "raises"),
    "second-front-question": ("belarus_entry", "entered", "raises"),
    "pretext-plans": ("staged_provocation", "present", "raises"),
    "provocation-record": ("pretext_plan", "present", "raises"),
    "reaction-uncertain": ("logistics_disruption", "present", "raises"),
    "rail-sabotage-2022": ("logistics_disruption", "present", "raises"),
    "two-week-halt": ("logistics_disruption", "present", "raises"),
    "soldier-dismissals": ("army_loyalty", "high", "lowers"),
    "turn-against-government": ("regime_destabilisation", "destabilised", "raises"),
    "regime-pillars": ("repression_capacity", "intact", "raises"),
    "survival-2020": ("dependence_on_moscow", "heavy", "raises"),
    "kremlin-demand": ("kremlin_pressure", "high", "raises"),
    "nominal-sovereignty": ("minsk_autonomy", "nominal", "raises"),
    "no-entry-so-far": ("belarus_entry", "entered", "lowers"),
    "popular-rejection": ("belarus_entry", "entered", "lowers"),
    "protest-suppressed": ("open_dissent", "visible", "lowers"),
    "entry-triggers-mobilisation": ("mass_mobilisation", "mass", "raises"),
    "hardship-grievance": ("mass_mobilisation", "mass", "raises"),
    "integration-talk": ("integration_steps", "present", "raises"),
    "annexation-threat": ("integration_steps", "present", "raises"),
    "annexation-rejected": ("integration_steps", "present", "lowers"),
}


@pytest.fixture(scope="module")
def flagship():  # type: ignore[no-untyped-def]
    return load("belarus-second-front")


def test_every_column_claim_states_its_direction_and_the_model_agrees(flagship) -> None:  # type: ignore[no-untyped-def]
    checks, _, _, _ = direction_checks(flagship)
    column = {c.id for c in flagship.spec.claims if c.source == "kazakov-column"}
    assert column == set(COLUMN_DIRECTIONS)
    for d in checks:
        assert (d.variable, d.state, d.stated) == COLUMN_DIRECTIONS[d.claim], d.claim
        assert d.verdict == "agrees", (d.claim, d.effect)
        # The whole effect range lies on the stated side and is not nothing.
        sign = 1 if d.stated == "raises" else -1
        near, far = sorted(sign * x for x in d.effect)
        assert near >= -1e-9 and far > 1e-4, d.claim


def test_the_flagship_without_the_column_is_a_range_not_even_odds(flagship) -> None:  # type: ignore[no-untyped-def]
    result = source_influence(flagship)
    column = next(s for s in result.sources if s.source == "kazakov-column")
    entry = next(w for w in column.swings if w.outcome == "belarus_entry")
    assert entry.baseline == pytest.approx(0.0253, abs=1e-4)
    # Uniform tables gave 0.500 here; the fallbacks give a range well below even odds.
    assert entry.low < entry.baseline < entry.high < 0.2
    assert entry.high - entry.low > 0.05
    assert entry.low == pytest.approx(0.0012, abs=5e-4)
    assert entry.high == pytest.approx(0.141, abs=5e-3)
    assert not column.disagreements
    staged = next(w for w in column.swings if w.outcome == "staged_provocation")
    # Without the column's report of plans, a staged provocation is no likelier.
    assert staged.high <= staged.baseline + 1e-9


def test_staged_incidents_claim_supports_staged_provocation_in_the_map(flagship) -> None:  # type: ignore[no-untyped-def]
    amap = argument_map(flagship)
    staged = next(o for o in amap.outcomes if o.variable == "staged_provocation")
    assert "pretext-plans" in staged.supports and "pretext-plans" in staged.stated
    assert "pretext-plans" not in staged.undermines
    claim = next(c for c in amap.claims if c.id == "pretext-plans")
    lo, hi = claim.moves["staged_provocation"]
    assert -1e-9 <= lo <= hi and hi > 0.03
    entry = next(o for o in amap.outcomes if o.variable == "belarus_entry")
    assert set(entry.undermines) >= {"popular-rejection", "no-entry-so-far"}
    assert "second-front-question" in entry.supports


def test_a_direction_the_model_contradicts_is_reported() -> None:
    # The claim says pressure lowers entry; in the model its link raises entry (the
    # pressure table's fallback is stated as its own value, so only the link moves).
    text = TINY.replace("claims: [ca1]}", "claims: [ca1], without: [0.6, 0.4]}", 1).replace(
        'says: "Moscow presses.", grading: C3}',
        'says: "Moscow presses.", grading: C3, '
        "direction: {variable: entry, state: 'yes', effect: lowers}}",
    )
    result = source_influence(check_and_load(text))
    col = next(s for s in result.sources if s.source == "col")
    (d,) = col.disagreements
    assert d.claim == "ca1" and d.verdict == "disagrees"
    amap = argument_map(check_and_load(text))
    # Drawn as stated, with the verdict beside it.
    assert amap.outcomes[0].undermines == ("ca1",)
    assert amap.claims[0].direction.verdict == "disagrees"


def check_and_load(text: str):  # type: ignore[no-untyped-def]
    from secondfront.model.scenario import load_spec_text

    assert check_spec_text(text) == []
    return load_spec_text(text)


@pytest.mark.parametrize(
    ("replace", "match"),
    [
        ("table: {p: [0.6, 0.4], claims: [ca1]}", "pressure"),
        ("table: {p: [0.6, 0.4], claims: [ca1], without: [0.7, 0.2]}", "not a distribution"),
        ("table: {p: [0.6, 0.4], claims: [ca1], without: 0.5}", "list with one probability"),
        ("table: {p: [0.6, 0.4], claims: [ca1], without: {low: 0.1}}", "both 'low' and 'high'"),
    ],
)
def test_bad_without_and_direction_are_located(replace: str, match: str) -> None:
    text = TINY.replace("table: {p: [0.6, 0.4], claims: [ca1]}", replace)
    if replace.endswith("[ca1]}"):  # a direction naming an unknown variable
        text = text.replace(
            '"Moscow presses.", grading: C3}',
            '"Moscow presses.", grading: C3, direction: {variable: pressur, state: high, '
            "effect: raises}}",
        )
    diags = check_spec_text(text)
    assert diags and match in diags[0].message, diags
    assert diags[0].line > 0
