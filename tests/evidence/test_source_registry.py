"""A third-party event source, registered from outside the package, reaches mapping,
the weekly indicators, the timeline's evidence and the week detail."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pydantic import BaseModel, ConfigDict, Field

from secondfront.errors import RulesError
from secondfront.evidence import registry, store
from secondfront.evidence.ingest import ingest, rejects
from secondfront.evidence.mapping import load_rules, rule_model
from secondfront.evidence.registry import (
    Counts,
    EventSource,
    Progress,
    SourceFile,
    event_sources,
    quarantine,
    register_adapter,
    source_names,
    unregister_adapter,
)
from secondfront.evidence.weeks import evidence_rows, week_events, weekly_statuses

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP_RULES = ROOT / "models" / "belarus-second-front.mapping.yaml"


class ToyMatch(BaseModel):
    """A toy rule: any of these words in the headline."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    words: list[str] = Field(min_length=1)


def toy_sql(m: ToyMatch) -> tuple[str, list[object]]:
    return "(" + " OR ".join("headline ILIKE ?" for _ in m.words) + ")", [f"%{w}%" for w in m.words]


class ToyAdapter:
    """Lines ``id|YYYY-MM-DD|headline`` in a ``.toy`` file, into its own table."""

    name = "toy"
    description = "toy wire (id|date|headline)"
    table = "toy_events"
    key = "toy_id"
    events = EventSource(
        match=ToyMatch,
        relation="toy_events",
        key="toy_id",
        day="day",
        summary="coalesce(headline, '')",
        origin="'toy wire'",
        kind="'toy'",
        where=toy_sql,
        tables=("toy_events",),
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        return path.suffix == ".toy"

    def ingest(
        self, con: duckdb.DuckDBPyConnection, source: SourceFile, progress: Progress
    ) -> Counts:
        con.execute(
            "CREATE TABLE IF NOT EXISTS toy_events (toy_id VARCHAR PRIMARY KEY, day DATE, "
            "headline VARCHAR, file_sha256 VARCHAR)"
        )
        counts = Counts()
        bad: list[tuple[int, str, str]] = []
        for i, line in enumerate(source.path.read_text().splitlines(), 1):
            counts.read += 1
            try:
                tid, day, headline = line.split("|")
                date = dt.date.fromisoformat(day)
            except ValueError:
                bad.append((i, line, "field 'line': not id|date|headline"))
                continue
            seen = con.execute("SELECT 1 FROM toy_events WHERE toy_id = ?", [tid]).fetchone()
            if seen:
                counts.duplicates += 1
                continue
            con.execute(
                "INSERT INTO toy_events VALUES (?, ?, ?, ?)", [tid, date, headline, source.sha256]
            )
            counts.accepted += 1
        counts.rejected = len(bad)
        quarantine(con, source, self.name, bad)
        progress(source.size)
        return counts


@pytest.fixture
def toy() -> Iterator[ToyAdapter]:
    adapter = ToyAdapter()
    register_adapter(adapter)  # type: ignore[arg-type]
    yield adapter
    unregister_adapter("toy")


def _toy_rules(tmp_path: Path) -> Path:
    text = FLAGSHIP_RULES.read_text().replace("coverage:\n", "coverage:\n  toy: weekly\n", 1) + (
        "\n  - id: toy-troops-south\n"
        "    indicator: troops_toward_southern_border\n"
        "    grading: C3\n"
        "    absence_is_evidence: true\n"
        "    toy:\n"
        "      words: [troops]\n"
    )
    path = tmp_path / "belarus-second-front.mapping.yaml"
    path.write_text(text)
    return path


def test_toy_source_reaches_indicators_timeline_evidence_and_week_detail(
    toy: ToyAdapter, tmp_path: Path
) -> None:
    assert "toy" in source_names() and "toy" in event_sources()
    rules = load_rules(_toy_rules(tmp_path))
    toy_rule = next(r for r in rules.rules if r.id == "toy-troops-south")
    assert toy_rule.source == "toy" and toy_rule.match == ToyMatch(words=["troops"])
    feed = tmp_path / "wire.toy"
    feed.write_text(
        "T1|2022-02-21|Troops moved south near Mazyr\n"
        "T2|2022-02-22|Markets calm\n"
        "broken line\n"
        "T3|2022-03-02|Nothing new\n"
    )
    con = store.connect(tmp_path / "s.duckdb")
    c = ingest(con, [feed], rules=rules).total
    assert (c.read, c.accepted, c.rejected) == (4, 3, 1)
    assert rejects(con)[0]["line"] == 3
    statuses = weekly_statuses(con, rules)
    by_week = {s.week: s for s in statuses if s.indicator == "troops_toward_southern_border"}
    assert by_week["2022-W08"].status == "observed" and by_week["2022-W08"].count == 1
    assert by_week["2022-W08"].gradings == ("C3",)
    # The toy source covers 2022-W09 (it has a row) without supporting the indicator.
    assert by_week["2022-W09"].status == "not_observed"
    weeks, evidence = evidence_rows(statuses)
    assert evidence[weeks.index("2022-W08")]["troops_toward_southern_border"] == "present"
    detail, totals = week_events(con, dt.date(2022, 2, 21), dt.date(2022, 2, 27))
    (event,) = detail["2022-W08"]
    assert dataclasses.asdict(event) == {
        "id": "T1",
        "source": "toy",
        "date": "2022-02-21",
        "weight": 1.0,
        "indicators": ["troops_toward_southern_border"],
        "gradings": ["C3"],
        "kind": "toy",
        "summary": "Troops moved south near Mazyr",
        "origin": "toy wire",
    }
    assert totals == {"2022-W08": 1}
    con.close()


def test_a_store_without_the_toy_table_still_works(toy: ToyAdapter, tmp_path: Path) -> None:
    rules = load_rules(_toy_rules(tmp_path))
    con = store.connect(tmp_path / "s.duckdb")
    ingest(con, [ROOT / "data" / "belarus-events.csv"], rules=rules)
    assert weekly_statuses(con, rules)
    con.close()


def test_rules_for_an_unregistered_source_are_refused(tmp_path: Path) -> None:
    assert "toy" not in source_names()
    with pytest.raises(RulesError, match=r"unknown field 'toy'|unknown source 'toy'"):
        load_rules(_toy_rules(tmp_path))


def test_rule_schema_follows_the_registry(toy: ToyAdapter) -> None:
    assert "toy" in rule_model().model_fields
    unregister_adapter("toy")
    assert "toy" not in rule_model().model_fields
    register_adapter(toy)  # type: ignore[arg-type]


def test_builtin_sources_register_their_mapping_through_the_registry() -> None:
    assert list(event_sources())[:3] == ["acled", "gdelt", "text"]
    for name in ("acled", "gdelt", "text"):
        assert registry.get_adapter(name).events is event_sources()[name]  # type: ignore[attr-defined]
