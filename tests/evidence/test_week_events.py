"""The events behind each week, as the workbench and reports list them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from secondfront.evidence import connect
from secondfront.evidence.mapping import week_events


def test_invasion_week_lists_its_events_strongest_first(events_store: Path) -> None:
    con = connect(events_store)
    try:
        events, totals = week_events(con, dt.date(2022, 2, 21), dt.date(2022, 2, 27))
        capped, capped_totals = week_events(
            con, dt.date(2022, 2, 21), dt.date(2022, 2, 27), per_week=1
        )
    finally:
        con.close()
    assert set(events) == {"2022-W08"}
    week = events["2022-W08"]
    assert totals["2022-W08"] == len(week) >= 2
    assert all(e["indicators"] and e["summary"] for e in week)
    assert "russian_air_activity_from_belarus" in {i for e in week for i in e["indicators"]}
    assert len(capped["2022-W08"]) == 1 and capped_totals == totals
    assert capped["2022-W08"][0]["weight"] == max(e["weight"] for e in week)
