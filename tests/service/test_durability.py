"""What an acknowledged write survives: WAL with full sync, an online backup, a SIGKILL."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
import threading
from pathlib import Path
from types import ModuleType

from typer.testing import CliRunner

from secondfront.analysis.ach import EvidenceItem
from secondfront.cli.app import app as cli
from secondfront.service.db import raw_connection
from secondfront.service.store import AchStore

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
ITEMS = [EvidenceItem(f"claim:{i}", f"claim {i}", "claim", "C3") for i in range(4)]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_workbench", BENCHMARKS / "bench_workbench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_workbench"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_file_is_in_wal_mode_and_every_commit_is_synced(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    AchStore(path)
    with sqlite3.connect(path) as plain:  # WAL stays with the file
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db = raw_connection(path)
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    db.close()


def test_a_backup_taken_during_writes_is_one_consistent_snapshot(tmp_path: Path) -> None:
    path, copy = tmp_path / "w.sqlite3", tmp_path / "backup" / "copy.sqlite3"
    store = AchStore(path)
    mid = store.create("m", "h", "t", ITEMS, who="lead").id
    stop = threading.Event()

    def writer(n: int) -> None:
        k = 0
        while not stop.is_set():
            item = ITEMS[k % len(ITEMS)].id
            store.rate(mid, item, "a", ("CC", "C", "I", "II")[k % 4], f"w{n}", who=f"w{n}")
            k += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        while len(store.get(mid).panel) < 2:
            pass
        with sqlite3.connect(path) as db:
            logged_before = db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        r = CliRunner().invoke(cli, ["workbench", "backup", str(copy), "--workbench-db", str(path)])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert r.exit_code == 0, r.output
    assert f"backed up {path} to {copy}" in r.stdout
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        rows = db.execute("SELECT target, after FROM audit ORDER BY id").fetchall()
        stored = dict(
            ((f"{i}|a|{who}"), r)
            for i, who, r in db.execute("SELECT item_id, analyst, rating FROM ach_rating")
        )
    assert len(rows) >= logged_before
    last = {target: after for target, after in rows if target.count("|") == 2}
    assert last == stored  # the ratings are exactly what the log in the same copy says
    assert AchStore(copy).get(mid).title == "t"


def test_backup_refuses_a_missing_file_and_itself(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "none.sqlite3"
    r = runner.invoke(cli, ["workbench", "backup", "out.sqlite3", "--workbench-db", str(missing)])
    assert r.exit_code == 2 and "no workbench file there" in r.output
    assert len(r.output.strip().splitlines()) == 1
    AchStore(tmp_path / "w.sqlite3")
    r = runner.invoke(
        cli,
        [
            "workbench",
            "backup",
            str(tmp_path / "w.sqlite3"),
            "--workbench-db",
            str(tmp_path / "w.sqlite3"),
        ],
    )
    assert r.exit_code == 2 and "another file" in r.output


def test_a_sigkilled_server_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    figures = _bench().measure(clients=4, requests=16, kill=True, workdir=tmp_path)
    assert figures["killed"] and figures["errors"] == 0, figures["error_samples"]
    assert figures["acked_writes"] >= 8
    assert figures["lost_writes"] == 0 and figures["unexplained_log_rows"] == 0
    # Checked again on the file itself, apart from the benchmark's own comparison.
    with sqlite3.connect(tmp_path / "workbench.sqlite3") as db:
        logged = db.execute(
            "SELECT who, target, after FROM audit WHERE action LIKE 'rating.%'"
        ).fetchall()
    for w in figures["writes"]:
        if w["acked"]:
            who = f"analyst-{w['client'] + 1}"
            row = (who, f"{w['item']}|{w['hypothesis']}|{who}", w["rating"])
            assert row in logged, w


_FULL_DISK = """
import resource, signal, sqlite3, sys
from secondfront.analysis.ach import EvidenceItem
from secondfront.service.store import AchStore
path = sys.argv[1]
store = AchStore(path)
mid = store.create("m", "h", "t", [EvidenceItem("claim:x", "x", "claim", "C3")], who="a").id
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (96 * 1024, 96 * 1024))
acked = 0
try:
    for k in range(100_000):
        store.rate(mid, "claim:x", "a", "C", f"analyst {k} " + "x" * 40, who=f"w{k}")
        acked += 1
except sqlite3.Error as e:
    print(acked, type(e).__name__, e)
"""


def test_a_full_disk_fails_the_write_and_keeps_every_acknowledged_one(tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "w.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    acked_text, kind, *_ = done.stdout.split()
    acked = int(acked_text)
    assert acked > 100 and kind == "OperationalError", done.stdout
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ratings = db.execute("SELECT COUNT(*) FROM ach_rating").fetchone()[0]
        rows = db.execute("SELECT COUNT(*) FROM audit WHERE action = 'rating.set'").fetchone()[0]
    assert ratings == rows == acked  # the failed write left neither its rating nor its row
