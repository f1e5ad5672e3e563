"""A team's workbench in a real browser: a user signs in with their token, rates as
themselves, and sees each cell's history; a viewer sees it and cannot rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from secondfront.service import Settings, create_app
from secondfront.service.users import UserStore
from tests.service.conftest import LOCAL, _free_port
from tests.service.test_service_browser import shot

MODEL = "belarus-second-front"
ITEM = "ind:troops_toward_southern_border"


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A users-mode workbench on a free loopback port, and its users' tokens."""
    import uvicorn

    db = tmp_path_factory.mktemp("team") / "workbench.sqlite3"
    store = UserStore(db)
    tokens = {
        "ana": store.add("ana", "analyst", who="setup"),
        "vic": store.add("vic", "viewer", who="setup"),
    }
    port = _free_port()
    app = create_app(Settings(users=True, port=port, workbench_db=db))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the workbench did not start within 20 s"
        time.sleep(0.05)
    yield f"{LOCAL}:{port}", tokens
    server.should_exit = True
    thread.join(timeout=10)


def test_a_user_rates_as_themselves_and_the_cell_shows_its_history(  # type: ignore[no-untyped-def]
    page, browser, team_server
) -> None:
    url, tokens = team_server
    page.goto(f"{url}/models/{MODEL}/ach?token={tokens['ana']}")  # the cookie from here on
    assert "token=" not in page.url
    page.fill('#ach-new input[name="title"]', "Entry?")
    page.click('#ach-new button[type="submit"]')
    page.wait_for_url(r"**/ach/*")
    assert "Signed in as ana (analyst)" in page.inner_text("#signed-in")
    cell = f'select.rating[data-item="{ITEM}"][data-hypothesis="entered"]'
    for rating, changes in (("C", "1 change"), ("II", "2 changes")):
        page.select_option(cell, rating)
        # Each change reloads the matrix fragment, with the cell's history from the log.
        page.wait_for_selector(
            f'details.history[data-item="{ITEM}"][data-hypothesis="entered"] '
            f'summary:text-is("{changes}")'
        )
    history = page.locator(f'details.history[data-item="{ITEM}"][data-hypothesis="entered"]')
    history.locator("summary").click()
    text = history.inner_text()
    assert "ana: – → C" in text and "ana: C → II" in text
    shot(page, "ach-team")
    matrix_url = page.url
    # A viewer sees the same cell and its history, and cannot rate.
    context = browser.new_context()
    viewer = context.new_page()
    viewer.goto(f"{matrix_url}?token={tokens['vic']}")
    assert "Signed in as vic (viewer)" in viewer.inner_text("#signed-in")
    assert viewer.locator(cell).is_disabled()
    assert "2 changes" in viewer.inner_text(
        f'details.history[data-item="{ITEM}"][data-hypothesis="entered"] summary'
    )
    context.close()
