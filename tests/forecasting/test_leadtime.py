"""Lead times and false alarms on weekly flags worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from secondfront.forecasting.leadtime import WEEKS_PER_YEAR, flags_for, lead_times


def _weeks(T: int, *on: int) -> np.ndarray:
    x = np.zeros(T, dtype=bool)
    x[list(on)] = True
    return x


def test_first_alert_in_the_window_sets_the_lead() -> None:
    # Alerts at 5 and 8, event at 10, window 4: the window is weeks 6..10.
    r = lead_times(_weeks(20, 5, 8), _weeks(20, 10), window=4)
    (ev,) = r.events
    assert (ev.event, ev.first_alert, ev.lead_weeks) == (10, 8, 2)
    # The alert at 5 has no event in 5..9: a false alarm; the one at 8 sees week 10.
    assert r.onsets == (5, 8) and r.false_alarms == 1 and r.pending == 0
    assert r.judged_weeks == 16
    assert r.false_alarms_per_year == pytest.approx(1 / (16 / WEEKS_PER_YEAR))


def test_alert_in_the_event_week_is_zero_lead_and_none_is_a_miss() -> None:
    r = lead_times(_weeks(30, 10), _weeks(30, 10, 25), window=6)
    assert [(e.event, e.lead_weeks) for e in r.events] == [(10, 0), (25, None)]
    assert r.detected == 1 and r.missed == 1 and r.false_alarms == 0


def test_a_long_alert_counts_once_and_lead_is_capped_by_the_window() -> None:
    alerts = np.zeros(40, dtype=bool)
    alerts[3:20] = True  # on for 17 weeks: one alarm
    r = lead_times(alerts, _weeks(40, 18), window=5)
    assert r.onsets == (3,)
    assert r.events[0].first_alert == 13 and r.events[0].lead_weeks == 5
    # Onset at 3, event at 18 > 3 + 5: the alarm itself is false, though the event was
    # warned of within its window.
    assert r.false_alarms == 1


def test_pending_alarms_near_the_end_are_not_judged() -> None:
    r = lead_times(_weeks(10, 8), _weeks(10), window=4)
    assert r.false_alarms == 0 and r.pending == 1 and r.false_alarms_per_year == 0.0


def test_merge_gap_scores_a_wave_once() -> None:
    events = _weeks(30, 10, 11, 12, 20)
    alerts = _weeks(30, 9)
    every = lead_times(alerts, events, window=3)
    assert [e.lead_weeks for e in every.events] == [1, 2, 3, None]
    merged = lead_times(alerts, events, window=3, merge_gap=2)
    assert [(e.event, e.lead_weeks) for e in merged.events] == [(10, 1), (20, None)]


def test_json_with_week_labels_and_errors() -> None:
    weeks = [f"2022-W{i:02d}" for i in range(1, 11)]
    r = lead_times(flags_for(weeks, {"2022-W03"}), flags_for(weeks, ["2022-W05"]), window=4)
    data = r.as_json(weeks)
    assert data["events"] == [{"event": "2022-W05", "first_alert": "2022-W03", "lead_weeks": 2}]
    assert data["false_alarms"] == 0 and data["alarms"] == 1
    with pytest.raises(ValueError, match="one flag per week"):
        lead_times([True], [True, False], window=2)
    with pytest.raises(ValueError, match="window"):
        lead_times([True], [True], window=0)


def test_record_for_week_labels_on_the_shipped_timeline() -> None:
    from secondfront.evidence.mapping import evidence_rows, load_rules, weekly_statuses
    from secondfront.forecasting.backtest import history_store
    from secondfront.forecasting.leadtime import record_for
    from secondfront.timeline.chain import load_timeline, run_timeline

    con = history_store()
    weeks, evidence = evidence_rows(weekly_statuses(con, load_rules()))
    result = run_timeline(load_timeline(), weeks, evidence)
    fired = {a.week for a in result.alerts if a.rule == "entry-above-5pc"}
    r = record_for(weeks, fired, ["2022-W08"], window=12)
    # The record reads the same flags the timeline raised, whatever they are.
    (ev,) = r.events
    assert ev.event == weeks.index("2022-W08")
    in_window = sorted(w for w in fired if weeks.index(w) in range(ev.event - 12, ev.event + 1))
    assert (ev.first_alert is None) == (not in_window)
    if in_window:
        assert ev.lead_weeks == ev.event - weeks.index(in_window[0])
    assert len(r.onsets) <= len(fired)
