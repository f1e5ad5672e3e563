"""One ``Question``: the dated question of the questions file; the chain's backtest asks
rolling-origin questions, a type of their own with its own name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from secondfront.timeline.chain import load_timeline
from secondfront.timeline.rolling import RollingQuestion


def test_the_backtest_holds_rolling_questions() -> None:
    questions = load_timeline().spec.backtest.questions
    assert questions and all(isinstance(q, RollingQuestion) for q in questions)
    assert questions[0].id == "belarus-entry-12w" and questions[0].state == "entered"


def test_a_rolling_question_refuses_a_field_it_does_not_have() -> None:
    good = {"id": "q1", "label": "x", "variable": "v", "state": "s", "resolves": {}}
    assert RollingQuestion.model_validate(good).id == "q1"
    with pytest.raises(ValidationError, match="asked"):
        RollingQuestion.model_validate({**good, "asked": "2022-01-01"})
    with pytest.raises(ValidationError, match="id"):
        RollingQuestion.model_validate({**good, "id": "a b"})
