"""Shared fixtures: the shipped history in a store, the flagship's time model and rules."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from secondfront.evidence.mapping import MappingRules, load_rules
from secondfront.forecasting.backtest import history_store
from secondfront.timeline.chain import TimelineModel, load_timeline

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "models" / "belarus-second-front.questions.yaml"

SMALL = """\
format: secondfront-questions/1
model: belarus-second-front
choice_rule: three questions for tests
questions:
  - id: ops-a
    text: "Russian operations from Belarus within 8 weeks of 1 Feb 2022?"
    asked: 2022-02-01
    closes: 2022-03-29
    target: russian_operations_from_belarus=present
    outcome: true
    crowd: {p: 0.6, source: test}
  - id: air-b
    text: "Air launches from Belarus reported within 12 weeks of 1 Jun 2024?"
    asked: 2024-06-01
    closes: 2024-08-24
    target: russian_air_activity_from_belarus=present
  - id: entry-c
    text: "Belarus enters by 7 Jan 2023?"
    asked: 2022-10-15
    closes: 2023-01-07
    target: belarus_entry=entered
    outcome: false
"""


@pytest.fixture(scope="module")
def history() -> duckdb.DuckDBPyConnection:
    return history_store()


@pytest.fixture(scope="module")
def timeline() -> TimelineModel:
    return load_timeline()


@pytest.fixture(scope="module")
def rules() -> MappingRules:
    return load_rules()


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    p = tmp_path / "small.questions.yaml"
    p.write_text(SMALL)
    return p
