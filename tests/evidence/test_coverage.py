"""Declared coverage: a silent week is "not observed" only where a source covered it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from secondfront.errors import RulesError
from secondfront.evidence import store
from secondfront.evidence.coverage import (
    NOTHING_COVERED,
    coverage_for_store,
    coverage_path,
    load_coverage,
)
from secondfront.evidence.ingest import ingest
from secondfront.evidence.mapping import load_rules
from secondfront.evidence.weeks import weekly_statuses

HISTORY = Path(__file__).resolve().parents[2] / "data" / "belarus-events.csv"

COVERAGE = """\
format: secondfront-coverage/1
history: data/belarus-events.csv
periods:
  - indicator: rail_sabotage_reports
    from: 2022-01-03
    to: 2022-01-16
    sources: [belsat.eu]
"""


def _statuses(cov):  # type: ignore[no-untyped-def]
    con = store.connect(":memory:")
    rules = load_rules()
    ingest(con, [HISTORY], fmt="acled", rules=rules)
    rows = weekly_statuses(con, rules, dt.date(2022, 1, 3), dt.date(2022, 3, 6), cov)
    return {(s.week, s.indicator): s.status for s in rows}


def test_declared_coverage_decides_not_observed(tmp_path: Path) -> None:
    p = tmp_path / "h.coverage.yaml"
    p.write_text(COVERAGE)
    cov = load_coverage(p)
    assert cov is not None and cov.covers("rail_sabotage_reports", dt.date(2022, 1, 10))
    got = _statuses(cov)
    assert got[("2022-W01", "rail_sabotage_reports")] == "not_observed"
    assert got[("2022-W02", "rail_sabotage_reports")] == "not_observed"
    assert got[("2022-W03", "rail_sabotage_reports")] == "unknown"  # past `to`
    assert got[("2022-W01", "troops_toward_southern_border")] == "unknown"  # not declared
    # A report is a report, covered or not.
    assert "observed" in {v for (w, _), v in got.items() if w == "2022-W08"}


def test_nothing_covered_makes_every_silent_week_unknown() -> None:
    got = _statuses(NOTHING_COVERED)
    assert "not_observed" not in set(got.values())
    assert got[("2022-W08", "russian_troop_trains_into_belarus")] == "observed"
    # Without a declaration the store's sources declare coverage (ACLED continuous).
    assert _statuses(None)[("2022-W01", "rail_sabotage_reports")] == "not_observed"


def test_the_shipped_history_declares_its_coverage_or_nothing() -> None:
    con = store.connect(":memory:")
    ingest(con, [HISTORY], fmt="acled")
    cov = coverage_for_store(con)
    expected = load_coverage(coverage_path(HISTORY))
    assert cov == (expected if expected is not None else NOTHING_COVERED) or (
        cov is not None and expected is not None and cov.periods == expected.periods
    )


def test_a_bad_coverage_file_names_line_and_field(tmp_path: Path) -> None:
    p = tmp_path / "h.coverage.yaml"
    p.write_text(COVERAGE.replace("to: 2022-01-16", "to: 2021-01-16"))
    with pytest.raises(
        RulesError, match=r"h.coverage.yaml:4:\d+: error: periods.0: .*'to' 2021-01-16"
    ):
        load_coverage(p)
    assert load_coverage(tmp_path / "missing.yaml") is None
