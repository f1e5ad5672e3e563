"""Overlays: an analyst's numbers on a model, checked, applied and pooled."""

from __future__ import annotations

import numpy as np
import pytest

from secondfront.analysis.overlay import OverlaidModel, apply_overlay, parse_overlay, pool
from secondfront.errors import SpecError, UsageError
from secondfront.inference.query import infer
from secondfront.model.scenario import load_spec_text
from tests.analysis.argument_models import TINY

HAWK = """\
analyst: hawk
model: tiny
parameters:
  entry.noisy_or.leak: {p: 0.5, reason: "Moscow can order entry at any time"}
"""

DOVE = """\
analyst: dove
weight: 1
parameters:
  pressure.table: {p: [0.0, 1.0], reason: "pressure is certain"}
  entry.noisy_or.links.pressure.high: {p: 0.5, reason: "agree with the column"}
"""


@pytest.fixture
def tiny():
    return load_spec_text(TINY, "tiny.yaml")


def test_applied_overlay_matches_the_edited_file(tiny) -> None:
    hawk = apply_overlay(tiny, parse_overlay(HAWK, tiny))
    assert infer(hawk)["entry"]["yes"] == pytest.approx(0.6)  # 1 - 0.5 * 0.8
    edited = load_spec_text(TINY.replace("p: 0.1, assumption", "p: 0.5, assumption"))
    for name in edited.names:
        np.testing.assert_allclose(hawk.cpts[name], edited.cpts[name])
    # The copy's spec carries the analyst's value; the original is untouched.
    assert hawk.spec.variable("entry").noisy_or.leak.p == 0.5
    assert tiny.spec.variable("entry").noisy_or.leak.p == 0.1
    assert infer(tiny)["entry"]["yes"] == pytest.approx(0.28)


def test_overlays_stack_and_are_recorded_on_the_model(tiny) -> None:
    hawk = apply_overlay(tiny, parse_overlay(HAWK, tiny, "hawk.yaml"))
    both = apply_overlay(hawk, parse_overlay(DOVE, hawk, "dove.yaml"))
    # Dove on top of hawk: leak 0.5, pressure certain, link 0.5: 1 - 0.5 * 0.5.
    assert infer(both)["entry"]["yes"] == pytest.approx(0.75)
    assert isinstance(both, OverlaidModel)
    assert hawk.overlays == ("hawk.yaml",)
    assert both.overlays == ("hawk.yaml", "dove.yaml")
    assert both.spec.variable("pressure").table.p == [0.0, 1.0]
    assert both.spec.variable("entry").noisy_or.leak.p == 0.5
    # Each overlaid model is its own model: a new digest, the same name and format.
    assert len({tiny.digest, hawk.digest, both.digest}) == 3
    assert (both.name, both.format, both.path) == (tiny.name, tiny.format, tiny.path)
    assert hawk.spec.variable("pressure").table.p == [0.6, 0.4]


def test_overlays_need_a_spec(tiny) -> None:
    overlay = parse_overlay(HAWK, tiny)
    with pytest.raises(UsageError, match="needs a scenario spec"):
        apply_overlay(tiny.network, overlay)
    with pytest.raises(UsageError, match="needs a scenario spec"):
        pool(tiny.network, [overlay])


def test_pool_linear_and_logarithmic(tiny) -> None:
    result = pool(tiny, [parse_overlay(HAWK, tiny), parse_overlay(DOVE, tiny)])
    (entry,) = result.outcomes
    assert entry.model == pytest.approx(0.28)
    assert entry.analysts == pytest.approx((0.6, 0.55))  # dove: 1 - 0.9 * 0.5
    assert entry.linear == pytest.approx(0.575)
    yes, no = np.sqrt(0.6 * 0.55), np.sqrt(0.4 * 0.45)
    assert entry.logarithmic == pytest.approx(yes / (yes + no))
    assert entry.spread == pytest.approx(0.05)
    assert entry.sd == pytest.approx(0.025)
    assert result.disputed["entry.noisy_or.leak"]["analysts"] == {"hawk": 0.5, "dove": None}
    assert result.disputed["pressure.table"]["model"] == [0.6, 0.4]


def test_weights_are_normalised_and_used(tiny) -> None:
    heavy = DOVE.replace("weight: 1", "weight: 3")
    result = pool(tiny, [parse_overlay(HAWK, tiny), parse_overlay(heavy, tiny)])
    assert result.weights == pytest.approx((0.25, 0.75))
    assert result.outcomes[0].linear == pytest.approx(0.25 * 0.6 + 0.75 * 0.55)


def test_errors_are_located_and_all_reported(tiny) -> None:
    bad = """\
model: other
colour: red
parameters:
  entry.noisy_or.leek: {p: 0.5, reason: "typo"}
  pressure.table: {p: [0.5, 0.6], reason: "does not sum"}
  entry.noisy_or.links.pressure.high: {p: 1.5, reason: "too big"}
  troops.likelihood.yes: {p: 0.5}
  entry.noisy_or.leak: {value: 0.5, reason: "wrong field"}
"""
    with pytest.raises(SpecError) as info:
        parse_overlay(bad, tiny, "mine.yaml")
    lines = [str(d) for d in info.value.diagnostics]
    expected = [
        ("mine.yaml:1:8:", "this overlay is for model 'other', not 'tiny'"),
        ("mine.yaml:2:1:", "unknown field 'colour'"),
        ("mine.yaml:4:3:", "did you mean 'entry.noisy_or.leak'?"),
        ("mine.yaml:5:23:", "sum to 1"),
        ("mine.yaml:6:43:", "a probability must be in [0, 1], got 1.5"),
        ("mine.yaml:7:26:", "give the analyst's 'reason'"),
    ]
    for (where, what), line in zip(expected, lines, strict=False):
        assert line.startswith(where) and what in line, line
    assert any("unknown field 'value'" in ln and ln.startswith("mine.yaml:8:") for ln in lines)
    assert all(": error: " in ln for ln in lines)


def test_rendered_overlay_reads_back(tiny) -> None:
    from secondfront.analysis.overlay import render_overlay

    text = render_overlay(
        "tiny",
        "what-if session",
        {
            "entry.noisy_or.leak": (0.2, 'edited: "higher"'),
            "pressure.table": ([0.3, 0.7], "more pressure"),
        },
    )
    overlay = parse_overlay(text, tiny)
    assert {v.path: v.value for v in overlay.values} == {
        "entry.noisy_or.leak": 0.2,
        "pressure.table": (0.3, 0.7),
    }
    assert overlay.values[0].reason == 'edited: "higher"'
    assert overlay.analyst == "what-if session"
