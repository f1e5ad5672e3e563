"""The score card: outcomes from the file or the store, baselines from the store's windows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from secondfront.evidence.coverage import NOTHING_COVERED
from secondfront.forecasting.forecast import QuestionForecast
from secondfront.forecasting.parameters import IN_SAMPLE_LABEL, ParametersUsed
from secondfront.forecasting.questions import load_questions
from secondfront.forecasting.scorecard import StoreSeries, score
from secondfront.timeline.asof import EvidenceAsOf

AIR = "russian_air_activity_from_belarus=present"
ENTRY = "belarus_entry=entered"
FILE = f"""\
format: secondfront-questions/1
model: belarus-second-front
choice_rule: test
questions:
  - {{id: a, text: a, asked: 2022-01-03, closes: 2022-01-16, target: {AIR},
     crowd: {{p: 0.5, source: t}}}}
  - {{id: b, text: b, asked: 2022-01-17, closes: 2022-01-30, target: {ENTRY}, outcome: true}}
  - {{id: c, text: c, asked: 2022-02-14, closes: 2022-02-27, target: {ENTRY}, outcome: false}}
  - {{id: d, text: d, asked: 2022-03-01, closes: 2023-03-01, target: {AIR}}}
"""


def test_outcomes_baselines_and_clusters(tmp_path: Path, timeline) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "q.yaml"
    p.write_text(FILE)
    qs = load_questions(p)
    ev = EvidenceAsOf.of(dt.date(2022, 1, 1), [], [], [], 0)
    params = ParametersUsed(timeline, IN_SAMPLE_LABEL)
    fc = [
        QuestionForecast(q.id, q.target, qs.kinds[q.id], q.asked, q.closes, 2, 0.25, ev, params)
        for q in qs.questions
    ]
    # Eight weeks 2021-W52 .. 2022-W07 (Mondays 27 Dec .. 14 Feb); events in W01 and W02.
    weeks = [
        "2021-W52",
        "2022-W01",
        "2022-W02",
        "2022-W03",
        "2022-W04",
        "2022-W05",
        "2022-W06",
        "2022-W07",
    ]
    hits = [False, True, True, False, False, False, False, False]
    series = StoreSeries(weeks, dt.date(2022, 2, 20), {"a": hits, "d": hits})
    card = score(qs, fc, series)
    assert [s.id for s in card.questions] == ["a", "b", "c"]  # d closes after the store ends
    assert card.unresolved == ["d"]
    a, _, c = card.questions
    assert a.outcome is True  # the store saw the indicator in W01
    # a: asked in W01 (index 1), 2-week windows closed before it: none -> KT 1/2;
    # persistence: no event in W51-W52 -> floor.
    assert a.baselines["climatology"] == pytest.approx(0.5)
    assert a.baselines["persistence"] == pytest.approx(0.05)
    # c has no store series: the file's earlier question on the same target (b: yes).
    assert c.baselines["climatology"] == pytest.approx(1.5 / 2)
    assert c.baselines["persistence"] == pytest.approx(0.95)
    assert card.baselines["always_no"]["brier"] == pytest.approx(2 / 3)
    # base_rate: the weekly rate before W01 (W52 quiet: KT (0 + 1/2) / (1 + 1) = 1/4) over
    # a's two weeks; without a store series (c), the file estimate, as for climatology.
    assert a.baselines["base_rate"] == pytest.approx(1 - 0.75**2)
    assert c.baselines["base_rate"] == c.baselines["climatology"]
    assert card.baselines["coin"]["brier"] == pytest.approx(0.25)
    assert card.mean["brier"] == pytest.approx((0.75**2 * 2 + 0.25**2) / 3)
    assert card.crowd_subset["n"] == 1 and card.baselines["crowd"]["brier"] == 0.25
    assert sorted(map(sorted, card.groups)) == [["a"], ["b"], ["c"]]
    # Against the best baseline on the same questions (the crowd, given on one, is apart).
    v = card.versus_best
    assert v is not None and v.groups == 3
    means = {k: m["brier"] for k, m in card.baselines.items() if k != "crowd"}
    assert v.baseline == min(means, key=lambda k: means[k])
    assert v.diff == pytest.approx(card.mean["brier"] - means[v.baseline], abs=1e-6)
    assert v.low <= v.diff <= v.high
    assert card.as_json()["versus_best"] == v.as_json()
    assert NOTHING_COVERED.periods == {}
