"""The events behind each week, as the workbench and reports list them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from secondfront.evidence import connect
from secondfront.evidence.weeks import week_events


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
    assert all(e.indicators and e.summary for e in week)
    assert "russian_air_activity_from_belarus" in {i for e in week for i in e.indicators}
    assert len(capped["2022-W08"]) == 1 and capped_totals == totals
    assert capped["2022-W08"][0].weight == max(e.weight for e in week)


def test_each_source_describes_its_events(tmp_path: Path) -> None:
    # GDELT, news text and ACLED events in one week detail, each summarised by its own
    # adapter (the registry's EventSource), not by a per-source branch of the query.
    from secondfront.evidence import store
    from secondfront.evidence.ingest import ingest
    from tests.evidence.conftest import FIXTURES
    from tests.evidence.test_mapping import RULES, _gdelt_file

    con = store.connect(tmp_path / "s.duckdb")
    files = [_gdelt_file(tmp_path, 4, 10, 40, "many.CSV"), FIXTURES / "uk.rss"]
    ingest(con, [*files, FIXTURES / "acled_current.csv"], rules=RULES)
    events, _ = week_events(con, dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    con.close()
    found = [e for week in events.values() for e in week]
    by_source = {e.source: e for e in found}
    gdelt = by_source["gdelt"]
    assert gdelt.kind == "CAMEO 154" and "(CAMEO 154)" in gdelt.summary
    assert gdelt.id.isdigit() and gdelt.origin.startswith("http")
    assert by_source["acled"].summary.startswith("Fixture:")
    assert by_source["acled"].origin == "Fixture"
    texts = {(e.kind, e.origin) for e in found if e.source == "text"}
    assert ("rss", "Приклад") in texts
    rss = next(e for e in found if e.source == "text" and e.kind == "rss")
    assert rss.summary == "Диверсія на залізниці"
