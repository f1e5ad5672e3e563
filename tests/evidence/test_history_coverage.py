"""The history's coverage statement (data/belarus-events.coverage.yaml) is well formed."""

from __future__ import annotations

import datetime as dt
import itertools

import yaml

from secondfront.evidence.mapping import load_rules
from tests.conftest import ROOT

COVERAGE = ROOT / "data" / "belarus-events.coverage.yaml"


def test_coverage_periods_name_model_indicators_and_do_not_overlap() -> None:
    doc = yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    assert doc["format"] == "secondfront-coverage/1"
    assert (ROOT / doc["history"]).exists() and (ROOT / doc["codebook"]).exists()
    indicators = set(load_rules().indicators)
    spans: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for p in doc["periods"]:
        assert set(p) <= {"indicator", "from", "to", "sources", "note"}
        assert p["indicator"] in indicators, p["indicator"]
        start, end = p["from"], p["to"]
        assert isinstance(start, dt.date) and isinstance(end, dt.date) and start <= end
        assert p["sources"], p["indicator"]
        spans.setdefault(p["indicator"], []).append((start, end))
    for ind, periods in spans.items():
        periods.sort()
        for (_, end), (start, _) in itertools.pairwise(periods):
            assert end < start, f"{ind}: periods overlap"
