"""Benchmark: the workbench served to a team, under load, killed in the middle.

The service runs as ``secondfront serve --users`` in its own process on 127.0.0.1, on
a fresh workbench file with a lead (admin) and one user per client (analysts). Each
client, in its own thread with its own token, alternates two requests:

* a **forecast** with random evidence (one to three indicators of the flagship set to
  random states): ``POST /api/models/NAME/forecast``;
* a **rating** of a random cell of one shared ACH matrix, as itself (a random rating,
  one in ten a clear): ``PUT /api/ach/ID/ratings``.

With ``--kill`` the server is killed with SIGKILL once half the expected ratings are
acknowledged, and started again on the same file; the clients go on. A request that
finds no server meanwhile waits for it and is sent again (nothing was sent, so nothing
is in doubt); it is counted once as *unavailable*, not as an error. A request whose
connection broke after it was sent is not repeated: a rating is then *in doubt* (it
may or may not have been saved).

At the end, every rating a client saw acknowledged (a 200) is looked for in the audit
log read back through the API after the restart: per analyst, the log's rating rows
must be the acknowledged ratings in order, with in-doubt ones allowed in between, and
each cell's final rating the last one written. A rating not found is a **lost write**.

Printed: p50 and p95 latency per kind (milliseconds, client side, through TCP), the
number of errors (any answer other than 2xx, or a failed connection while the server
was meant to be up), unavailable requests, in-doubt and lost writes. Goals for 8
clients on 2 cores: 0 errors, 0 lost writes, forecast p95 <= 250 ms.

Usage::

    python benchmarks/bench_workbench.py                 # 8 clients x 100 requests
    python benchmarks/bench_workbench.py --kill          # ... with a SIGKILL mid-way
    python benchmarks/bench_workbench.py --quick --kill  # 3 clients x 12 (smoke size)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import secondfront as sf
from secondfront.analysis.ach import RATINGS
from secondfront.service.users import UserStore

MODEL = "belarus-second-front"
HYPOTHESIS = "belarus_entry"
GOAL_FORECAST_P95_MS = 250.0
READY_TIMEOUT_S = 60.0


@dataclass
class Write:
    """One rating a client sent: ``acked`` when it saw the 200, else in doubt."""

    client: int
    seq: int
    item: str
    hypothesis: str
    rating: str | None
    acked: bool


@dataclass
class Run:
    """What the clients saw (latencies in seconds)."""

    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"forecast": [], "rating": []}
    )
    errors: list[str] = field(default_factory=list)
    unavailable: int = 0
    writes: list[Write] = field(default_factory=list)
    killed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked(self) -> int:
        return sum(w.acked for w in self.writes)


class Server:
    """``secondfront serve --users`` in a child process, on a free loopback port."""

    def __init__(self, db: Path, log: Path) -> None:
        self.db, self.log = db, log
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, token: str) -> None:
        src = str(Path(sf.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
        env.pop("SECONDFRONT_TOKEN", None)
        cmd = [sys.executable, "-m", "secondfront", "serve", "--users", "--port", str(self.port)]
        cmd += ["--workbench-db", str(self.db), "--db", str(self.db.with_suffix(".duckdb"))]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT_S
        auth = {"authorization": f"Bearer {token}"}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log}")
            try:
                if httpx.get(self.url + "/api/health", headers=auth, timeout=2).is_success:
                    # Load and compile the model once, as a served workbench has.
                    httpx.post(
                        f"{self.url}/api/models/{MODEL}/forecast", json={}, headers=auth, timeout=60
                    ).raise_for_status()
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {READY_TIMEOUT_S} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was acknowledged must already be on disk."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _evidence(model: sf.Model, rng: random.Random) -> dict[str, str]:
    names = rng.sample(model.indicators(), rng.randint(1, 3))
    return {n: rng.choice(model.variables[n].states) for n in names}


def client(
    i: int, token: str, server: Server, mid: int, cells: list[tuple[str, str]], n: int, run: Run
) -> None:
    """Client ``i``: ``n`` requests, forecasts and ratings in turn (see the docstring)."""
    model = sf.load(MODEL)
    rng = random.Random(1000 + i)
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        for seq in range(n):
            if seq % 2 == 0:
                kind, method, path = "forecast", "POST", f"/api/models/{MODEL}/forecast"
                body: dict[str, Any] = {"evidence": _evidence(model, rng)}
            else:
                item, hyp = rng.choice(cells)
                rating = None if rng.random() < 0.1 else rng.choice(RATINGS)
                kind, method, path = "rating", "PUT", f"/api/ach/{mid}/ratings"
                body = {"item": item, "hypothesis": hyp, "rating": rating}
            sent = _send(http, run, i, method, path, body)
            if sent is None:  # the connection broke after sending: the write is in doubt
                if kind == "rating":
                    with run.lock:
                        run.writes.append(Write(i, seq, item, hyp, rating, acked=False))
                continue
            r, dt = sent
            with run.lock:
                if not r.is_success:
                    run.errors.append(
                        f"client {i}: {method} {path} -> {r.status_code} {r.text[:200]}"
                    )
                    continue
                run.latencies[kind].append(dt)
                if kind == "rating":
                    run.writes.append(Write(i, seq, item, hyp, rating, acked=True))


def _send(
    http: httpx.Client, run: Run, i: int, method: str, path: str, body: dict[str, Any]
) -> tuple[httpx.Response, float] | None:
    """The response and its latency (seconds); None when the connection broke after
    the request was sent. A refused connection (nothing sent: the server is being
    restarted) is retried until the server is back, counted once as unavailable."""
    waited = False
    while True:
        t0 = time.perf_counter()
        try:
            r = http.request(method, path, json=body)
            return r, time.perf_counter() - t0
        except httpx.ConnectError:
            with run.lock:
                if not run.killed:
                    run.errors.append(f"client {i}: connection refused")
                    return None
                run.unavailable += not waited
            waited = True
            time.sleep(0.1)
        except httpx.TransportError as e:
            with run.lock:
                if run.killed:
                    run.unavailable += not waited
                else:
                    run.errors.append(f"client {i}: {type(e).__name__}")
            return None


def audit_rows(server: Server, token: str) -> list[dict[str, Any]]:
    """Every row of the audit log, read page by page through the API."""
    rows: list[dict[str, Any]] = []
    after = 0
    with httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {token}"}) as http:
        while True:
            page = http.get("/api/audit", params={"after": after, "limit": 1000}).json()
            rows += page["rows"]
            if page["next"] is None:
                return rows
            after = page["next"]


def lost_writes(
    writes: list[Write], rows: list[dict[str, Any]], panel: dict[tuple[str, str, str], str]
) -> tuple[int, int]:
    """(lost acknowledged writes, unexplained log rows) after comparing with the log.

    Args:
        writes: every rating sent, acknowledged or in doubt.
        rows: the audit log.
        panel: (item, hypothesis, analyst) -> the rating stored now.
    """
    lost = unexplained = 0
    by_client: dict[str, list[Write]] = {}
    for w in sorted(writes, key=lambda w: (w.client, w.seq)):
        by_client.setdefault(f"analyst-{w.client + 1}", []).append(w)
    for name, sent in by_client.items():
        logged = [r for r in rows if r["action"].startswith("rating.") and r["who"] == name]
        j = 0
        last: dict[tuple[str, str], str | None] = {}
        for w in sent:
            if j < len(logged):
                row = logged[j]
                if row["target"] == f"{w.item}|{w.hypothesis}|{name}" and row["after"] == w.rating:
                    j += 1
                    last[(w.item, w.hypothesis)] = w.rating
                    continue
            lost += w.acked
        unexplained += len(logged) - j
        for (item, hyp), rating in last.items():
            lost += panel.get((item, hyp, name)) != rating
    return lost, unexplained


def measure(clients: int, requests: int, kill: bool, workdir: Path) -> dict[str, Any]:
    """Run the benchmark in ``workdir``; the figures of the module docstring."""
    db = workdir / "workbench.sqlite3"
    users = UserStore(db)
    lead = users.add("lead", "admin", who="benchmark")
    tokens = [users.add(f"analyst-{i + 1}", "analyst", who="benchmark") for i in range(clients)]
    server = Server(db, workdir / "server.log")
    run = Run()
    try:
        server.start(lead)
        auth = {"authorization": f"Bearer {lead}"}
        made = httpx.post(
            server.url + "/api/ach", json={"model": MODEL, "hypothesis": HYPOTHESIS}, headers=auth
        ).json()
        mid = made["id"]
        cells = [(i["id"], h) for i in made["items"] for h in made["hypotheses"]]
        threads = [
            threading.Thread(target=client, args=(i, tokens[i], server, mid, cells, requests, run))
            for i in range(clients)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        if kill:
            half = clients * (requests // 2) // 2
            while run.acked() < half and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            with run.lock:
                run.killed = True
            server.kill()
            server.start(lead)
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        if kill:  # read back from a server started after the kill: nothing cached
            server.kill()
            server.start(lead)
        rows = audit_rows(server, lead)
        matrix = httpx.get(f"{server.url}/api/ach/{mid}", headers=auth).json()
    finally:
        server.stop()
    panel = {
        (item["id"], h, who): r
        for item in matrix["items"]
        for h, cell in item["cells"].items()
        for who, r in cell["ratings"].items()
    }
    lost, unexplained = lost_writes(run.writes, rows, panel)
    figures: dict[str, Any] = {
        "clients": clients,
        "requests_per_client": requests,
        "wall_s": wall,
        "killed": kill,
        "errors": len(run.errors),
        "error_samples": run.errors[:5],
        "unavailable": run.unavailable,
        "acked_writes": run.acked(),
        "in_doubt_writes": sum(not w.acked for w in run.writes),
        "lost_writes": lost,
        "unexplained_log_rows": unexplained,
        "writes": [w.__dict__ for w in run.writes],
    }
    for kind, times in run.latencies.items():
        ms = sorted(t * 1000 for t in times)
        figures[f"{kind}_n"] = len(ms)
        figures[f"{kind}_p50_ms"] = statistics.median(ms) if ms else float("nan")
        figures[f"{kind}_p95_ms"] = (
            ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else float("nan")
        )
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse ``argv``, run, print the figures; return them (for the smoke test)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=100, help="Per client (half ratings).")
    ap.add_argument("--kill", action="store_true", help="SIGKILL the server mid-way.")
    ap.add_argument("--quick", action="store_true", help="3 clients x 12 requests.")
    ap.add_argument("--workdir", type=Path, help="Keep the files here (default: a temp dir).")
    ap.add_argument("--json", type=Path, help="Also write the figures as JSON.")
    args = ap.parse_args(argv)
    if args.quick:
        args.clients, args.requests = 3, 12
    if args.clients < 1 or args.requests < 2:
        ap.error("--clients must be >= 1 and --requests >= 2")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        figures = measure(args.clients, args.requests, args.kill, workdir)
    print(
        f"{figures['clients']} clients x {figures['requests_per_client']} requests "
        f"in {figures['wall_s']:.1f} s{' (SIGKILL and restart mid-way)' if args.kill else ''}"
    )
    for kind in ("forecast", "rating"):
        print(
            f"  {kind:8s} n={figures[f'{kind}_n']:4d}  p50 {figures[f'{kind}_p50_ms']:7.1f} ms"
            f"  p95 {figures[f'{kind}_p95_ms']:7.1f} ms"
        )
    print(
        f"  errors {figures['errors']}  unavailable {figures['unavailable']}  "
        f"acknowledged writes {figures['acked_writes']}  in doubt {figures['in_doubt_writes']}  "
        f"lost writes {figures['lost_writes']}  unexplained log rows "
        f"{figures['unexplained_log_rows']}"
    )
    goal = figures["forecast_p95_ms"] <= GOAL_FORECAST_P95_MS
    print(f"  forecast p95 goal (<= {GOAL_FORECAST_P95_MS:.0f} ms): {'met' if goal else 'missed'}")
    for e in figures["error_samples"]:
        print(f"  error: {e}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
