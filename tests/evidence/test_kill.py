"""A killed ingest (SIGKILL mid-file) leaves the store consistent, and a rerun completes it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from secondfront.evidence import store
from secondfront.evidence.acled import CHUNK
from secondfront.evidence.ingest import ingest
from tests.evidence.conftest import FIXTURES, repeated_gdelt_file

# Runs an ingest that prints a line each time the adapter reports progress (after each
# committed ACLED chunk; for GDELT, while DuckDB works through the file, before the
# commit), so the test can kill it mid-file.
CHILD = """
import sys
from secondfront.evidence import store
from secondfront.evidence.ingest import ingest
con = store.connect(sys.argv[1])
def progress(label, total):
    def advance(n):
        print("progress", flush=True)
    return advance
ingest(con, [sys.argv[2]], fmt=sys.argv[3], progress=progress)
print("done", flush=True)
"""


def _acled_file(tmp_path: Path, n: int) -> Path:
    with (FIXTURES / "acled_current.csv").open(newline="") as fh:
        template = next(csv.DictReader(fh))
    header = list(template)
    p = tmp_path / "many.csv"
    with p.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for i in range(n):
            row = dict(template, event_id_cnty=f"K{i:06d}", notes=f"row {i}")
            if i % 997 == 0:
                row["event_type"] = "Not a type"
            w.writerow(row)
    return p


def _kill_after(db: Path, path: Path, fmt: str, lines: int) -> bool:
    """Start the child, SIGKILL it after ``lines`` progress lines; True when it was killed."""
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(path), fmt],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    seen = 0
    killed = False
    for line in proc.stdout:
        if line.startswith("progress"):
            seen += 1
            if seen >= lines:
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
    proc.wait(timeout=120)
    proc.stdout.close()
    return killed and proc.returncode == -signal.SIGKILL


def _snapshot(db: Path, table: str, key: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(f"SELECT {key} FROM {table} ORDER BY ALL").fetchall()
    con.close()
    return rows


@pytest.mark.parametrize("fmt", ["acled", "gdelt"])
def test_sigkill_mid_file_then_rerun(tmp_path: Path, fmt: str) -> None:
    if fmt == "acled":
        path, table, key, n = (
            _acled_file(tmp_path, 6 * CHUNK),
            "acled_events",
            "event_id_cnty, row_sha256",
            6 * CHUNK,
        )
        kill_at = 2
    else:
        n = 200_000
        path, table, key = (
            repeated_gdelt_file(tmp_path / "g.CSV", n),
            "gdelt_events JOIN gdelt_lines USING (file_id, globaleventid)",
            "globaleventid, line",
        )
        kill_at = 1
    killed_db = tmp_path / "killed.duckdb"
    assert _kill_after(killed_db, path, fmt, kill_at), (
        "the child finished before it could be killed"
    )
    # The store opens, its schema is intact, and what is there is whole chunks.
    con = store.connect(killed_db)
    partial = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert partial is not None
    if fmt == "acled":
        assert 0 < partial[0] < n  # some chunks committed, not all
    else:
        assert partial[0] == 0  # killed inside the file's one transaction: nothing of it
    report = ingest(con, [path], fmt=fmt).total
    con.close()
    assert report.read == report.accepted + report.rejected + report.duplicates == n
    assert report.duplicates == partial[0]
    clean_db = tmp_path / "clean.duckdb"
    clean = store.connect(clean_db)
    ingest(clean, [path], fmt=fmt)
    clean.close()
    assert _snapshot(killed_db, table, key) == _snapshot(clean_db, table, key)
    assert _snapshot(killed_db, "quarantine", "line, reason") == _snapshot(
        clean_db, "quarantine", "line, reason"
    )
