"""The catalog keeps (model, query, baseline) per file version; the store needs no lock."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from secondfront.analysis.forecast import forecast
from secondfront.evidence import connect, ingest
from secondfront.evidence.mapping import load_rules
from secondfront.inference.query import compile_query
from secondfront.service import Settings
from secondfront.service.catalog import ModelCatalog
from secondfront.service.workbench import Workbench
from tests.conftest import ASIA_BIF, HISTORY


def test_each_file_version_keeps_its_model_query_and_baseline(tmp_path: Path) -> None:
    path = tmp_path / "asia.bif"
    path.write_text(ASIA_BIF)
    catalog = ModelCatalog(tmp_path)
    first = catalog.loaded("asia")
    assert catalog.loaded("asia") is first  # kept: no second load, no second compile
    assert catalog.load("asia") is first.model
    assert first.query.network is first.model.network
    assert first.baseline is first.baseline  # computed once
    assert first.baseline.as_json() == forecast(first.model).as_json()
    # The query is the model's own: it answers as one compiled afresh.
    want = compile_query(first.model).infer({"xray": "yes"})
    assert first.query.infer({"xray": "yes"}) == want

    # An edit is a new version: a new model, query and baseline; the old one is evicted.
    path.write_text(ASIA_BIF.replace("table 0.5, 0.5", "table 0.2, 0.8"))
    os.utime(path, ns=(first.version + 10**9, first.version + 10**9))
    second = catalog.loaded("asia")
    assert second is not first and second.version > first.version
    assert second.query is not first.query
    smoke = {o.variable: o for o in second.baseline.outcomes}["smoke"]
    assert np.isclose(smoke.distribution["yes"], 0.2)
    assert [e.version for e in catalog._cache.values()] == [second.version]


def test_timeline_requests_share_the_store_without_a_workbench_lock(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    con = connect(db)
    ingest(con, [HISTORY], fmt="acled")  # stored unmapped, as `ingest --no-map` leaves it
    con.close()
    bench = Workbench(Settings(workbench_db=tmp_path / "wb.sqlite3", events_db=db))
    assert not hasattr(bench, "store_lock")
    barrier = threading.Barrier(4)
    views: list[object] = []

    def request() -> None:
        barrier.wait()
        views.append(bench.timeline("belarus-second-front"))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(views) == 4
    first = views[0]
    assert getattr(first, "status", None) == "ok"
    assert all(v == first for v in views)
    # The first opening mapped the store once; each event's observation is there once.
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT count(*), count(DISTINCT (rule, ref)) FROM observations")
        total, distinct = rows.fetchone() or (0, 0)
        state = con.execute("SELECT rules_sha256 FROM mapping_state").fetchall()
    finally:
        con.close()
    assert total > 0 and total == distinct
    assert state == [(load_rules().digest,)]
