"""The shipped history: ACLED layout, at least 60 dated events with sources, all accepted."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from secondfront.evidence import store
from secondfront.evidence.acled import CURRENT_COLUMNS
from secondfront.evidence.backtest import HISTORY
from secondfront.evidence.ingest import ingest


def test_history_is_acled_layout_with_sources_and_notes() -> None:
    with HISTORY.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CURRENT_COLUMNS
        rows = list(reader)
    assert len(rows) >= 60
    for r in rows:
        d = dt.date.fromisoformat(r["event_date"])
        assert dt.date(2020, 1, 1) <= d <= dt.date(2025, 12, 31)
        assert r["source"].strip() and len(r["notes"]) > 20
    assert len({r["event_id_cnty"] for r in rows}) == len(rows)


def test_history_ingests_without_rejects(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "h.duckdb")
    c = ingest(con, [HISTORY]).total
    assert c.rejected == 0 and c.accepted == c.read >= 60
