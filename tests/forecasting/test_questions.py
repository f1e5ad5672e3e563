"""The questions file: schema, located errors, and the flagship's own file."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from secondfront.errors import RulesError
from secondfront.forecasting.questions import load_questions
from tests.forecasting.conftest import QUESTIONS, SMALL


def test_small_file_loads_with_target_kinds(small_file: Path) -> None:
    qs = load_questions(small_file)
    assert [q.id for q in qs.questions] == ["ops-a", "air-b", "entry-c"]
    assert qs.kinds == {"ops-a": "variable", "air-b": "indicator", "entry-c": "variable"}
    q = qs.get("ops-a")
    assert q is not None and q.variable == "russian_operations_from_belarus"
    assert q.state == "present" and q.crowd is not None and q.crowd.p == 0.6


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "target: belarus_entry=entered",
            "target: belarus_entry=invaded",
            r"small.questions.yaml:21:13: error: questions.2.target: unknown state 'invaded' "
            r"of belarus_entry; states: not_entered, entered",
        ),
        (
            "target: belarus_entry=entered",
            "target: belarus_entrance=entered",
            r":21:13: error: questions.2.target: unknown variable 'belarus_entrance'",
        ),
        (
            "closes: 2023-01-07",
            "closes: 2022-01-07",
            r":\d+:\d+: error: questions.2: Value error, closes 2022-01-07 must come after asked",
        ),
        (
            "id: air-b",
            "id: ops-a",
            r":12:\d+: error: questions.1.id: duplicate question id 'ops-a'",
        ),
        ("outcome: false", "outcome: maybe", r":22:14: error: questions.2.outcome: "),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    p = tmp_path / "small.questions.yaml"
    p.write_text(SMALL.replace(old, new))
    with pytest.raises(RulesError) as exc:
        load_questions(p)
    lines = [str(d) for d in exc.value.diagnostics]
    assert any(re.search(message, line) for line in lines), lines


def test_resolution_rule_needs_exactly_one_kind(tmp_path: Path) -> None:
    p = tmp_path / "q.yaml"
    p.write_text(SMALL.replace("    outcome: true\n", "    resolves: {}\n", 1))
    with pytest.raises(RulesError, match="give exactly one of 'indicator' or 'events'"):
        load_questions(p)


def test_the_flagship_questions_cover_every_kind_with_early_questions() -> None:
    qs = load_questions(QUESTIONS)
    assert 20 <= len(qs.questions) <= 30
    assert qs.spec.choice_rule.strip()
    assert all(q.outcome is not None for q in qs.questions)
    targets = {q.variable for q in qs.questions}
    for kind in (
        "belarus_entry",
        "russian_operations_from_belarus",
        "logistics_disruption",
        "mass_mobilisation",
        "regime_destabilisation",
        "integration_steps",
    ):
        assert kind in targets
    invasion = dt.date(2022, 2, 24)
    early = [
        q
        for q in qs.questions
        if q.variable == "russian_operations_from_belarus" and q.asked < invasion <= q.closes
    ]
    assert {q.asked for q in early} >= {dt.date(2022, 1, 20), dt.date(2022, 2, 1)}
    assert {q.asked.year for q in qs.questions} >= {2020, 2021, 2022, 2023, 2024, 2025}
    assert any(q.crowd is not None for q in qs.questions)
