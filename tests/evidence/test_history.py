"""The shipped history: ACLED layout, at least 400 dated events with sources, all accepted."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from secondfront.evidence import store
from secondfront.evidence.acled import CURRENT_COLUMNS
from secondfront.evidence.ingest import ingest
from secondfront.forecasting.backtest import HISTORY


def test_history_is_acled_layout_with_sources_and_notes() -> None:
    with HISTORY.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CURRENT_COLUMNS
        rows = list(reader)
    assert len(rows) >= 400
    for r in rows:
        d = dt.date.fromisoformat(r["event_date"])
        assert dt.date(2020, 8, 1) <= d <= dt.date(2026, 11, 30)
        # Sources are web addresses kept without their scheme (ACLED's column is text).
        assert "." in r["source"].split()[0] and len(r["notes"]) > 20
    # Most name the page itself; some of the first rows name only the site (and the
    # agency it relayed), which the codebook's rule for new rows no longer allows.
    pages = [r for r in rows if "/" in r["source"].split()[0].strip(";")]
    assert len(pages) >= 400
    assert len({r["event_id_cnty"] for r in rows}) == len(rows)


def test_history_ingests_without_rejects(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "h.duckdb")
    c = ingest(con, [HISTORY]).total
    assert c.rejected == 0 and c.accepted == c.read >= 60
