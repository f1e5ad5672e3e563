"""Fixtures of the workbench tests: an app on a temporary store, a live server, Chromium.

Two events stores: by default the app points at a store that does not exist (the
Timeline's empty state), and ``events_store`` is a DuckDB file filled once per session
from the shipped history, ``data/belarus-events.csv``, with the evidence package's own
ingest (under a second).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from secondfront.service import Settings, create_app
from tests.conftest import apt_install

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "workbench"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL = "http://127.0.0.1"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Loopback settings with both stores in a temporary folder (no events store yet)."""
    return Settings(
        workbench_db=tmp_path / "workbench.sqlite3", events_db=tmp_path / "events.duckdb"
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A test client addressing the app as 127.0.0.1, as a local browser would."""
    with TestClient(create_app(settings), base_url=LOCAL) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, events_store: Path) -> Iterator[str]:
    """The workbench served by uvicorn on a free loopback port, for the browser.

    It reads the shipped history, so the Timeline page has data to draw.
    """
    import uvicorn

    port = _free_port()
    settings = Settings(
        port=port,
        workbench_db=tmp_path_factory.mktemp("live") / "workbench.sqlite3",
        events_db=events_store,
    )
    # No websockets or lifespan: the workbench uses neither, and skipping them keeps
    # optional libraries (and their warnings) out of the test run.
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the workbench did not start within 20 s")
        time.sleep(0.05)
    yield f"{LOCAL}:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing (skips only if it cannot be)."""
    if not CHROMIUM.exists():
        why = apt_install("chromium")
        if why is not None or not CHROMIUM.exists():
            pytest.skip(f"Chromium is not at {CHROMIUM} and could not be installed: {why}")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[object]:
    """A headless Chromium driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page whose script errors fail the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
    assert not errors, f"errors in the page: {errors}"
