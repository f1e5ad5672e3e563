"""Compare and overlays in a real browser (Chromium driven by Playwright)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.service.test_service_browser import MODEL, shot

SECOND = "isw-belarus-restraint"


def test_compare_page_shows_both_forecasts_and_a_deciding_indicator(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}")
    page.click("nav >> text=Compare")
    page.wait_for_selector("#compare-outcomes")
    assert page.locator("nav a.on").inner_text() == "Compare"
    row = page.locator('#compare-outcomes tr[data-var="belarus_entry"]')
    pa = float(row.locator("td.pa").get_attribute("data-p"))
    pb = float(row.locator("td.pb").get_attribute("data-p"))
    assert 0 < pa < 1 and 0 < pb < 1 and pa != pb
    header = page.inner_text("#compare-outcomes thead")
    assert MODEL in header and SECOND in header
    top = page.locator("#compare-indicators tbody tr").first
    assert top.get_attribute("data-indicator")
    assert "favours" in top.locator("td.favours").inner_text()
    shot(page, "compare", full=True)
    # Swapping the two through the form swaps the columns.
    page.select_option("#compare-a", SECOND)
    page.select_option("#compare-b", MODEL)
    page.click("#compare-form button")
    page.wait_for_url("**/compare?a=isw-belarus-restraint&b=belarus-second-front")
    assert float(row.locator("td.pa").get_attribute("data-p")) == pb


def test_whatif_saves_parameter_edits_as_an_overlay(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/whatif")
    page.click("#overlay-panel summary")
    page.wait_for_function("() => document.querySelectorAll('#overlay-paths option').length > 50")
    page.fill("#overlay-analyst", "A. Analyst")
    page.fill('.overlay-row >> nth=0 >> [name="path"]', "belarus_entry.logistic.intercept")
    page.fill('.overlay-row >> nth=0 >> [name="value"]', "-3.5")
    page.fill('.overlay-row >> nth=0 >> [name="reason"]', "entry is nearer than argued")
    page.click("#overlay-add")
    page.fill('.overlay-row >> nth=1 >> [name="path"]', "anti_war_sentiment.table")
    page.fill('.overlay-row >> nth=1 >> [name="value"]', "0.2, 0.3, 0.5")
    page.fill('.overlay-row >> nth=1 >> [name="reason"]', "polls since 2023")
    with page.expect_download() as info:
        page.click("#overlay-save")
    download = info.value
    assert download.suggested_filename == f"{MODEL}.overlay.yaml"
    data = yaml.safe_load(Path(download.path()).read_text(encoding="utf-8"))
    assert data["analyst"] == "A. Analyst"
    assert data["parameters"]["anti_war_sentiment.table"]["p"] == [0.2, 0.3, 0.5]
    assert "Saved" in page.inner_text("#overlay-status")
