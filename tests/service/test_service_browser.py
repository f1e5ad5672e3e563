"""End to end in a real browser: Debian's Chromium driven by Playwright.

Each test loads a page as a person would, does what they would do, checks what
they would see, and leaves a screenshot in ``artifacts/workbench/``. With
``SECONDFRONT_UPDATE_SCREENSHOTS=1`` the screenshots also replace those of the
README in ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from tests.conftest import HISTORY_EVENTS
from tests.service.conftest import ARTIFACTS, ROOT

DOCS = ROOT / "docs" / "screenshots"

MODEL = "belarus-second-front"


def shot(page, name: str, full: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Screenshot into the artefacts; also into docs/screenshots/ when asked to refresh them."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    if os.environ.get("SECONDFRONT_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / path.name)


def test_model_page_draws_the_graph_and_explains_a_node(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}")
    nodes = page.locator(".graph .node")
    assert nodes.count() == 43
    entry = page.locator('.graph .node[data-var="belarus_entry"] rect')
    assert entry.get_attribute("stroke-width") == "3.2"  # outcomes are highlighted
    fills = {
        page.locator(f'.graph .node[data-var="{v}"] rect').get_attribute("fill")
        for v in ("belarus_entry", "russian_economic_support", "kremlin_pressure")
    }
    assert len(fills) == 3  # coloured by probability
    page.click('.graph .node[data-var="belarus_entry"]')
    page.wait_for_selector("#detail-name")
    assert page.inner_text("#detail-name") == "belarus_entry"
    assert page.locator("#cpt tbody tr").count() == 72
    detail = page.inner_text("#detail")
    assert "offensive_preparation" in detail and re.search(r"P\d\.S\d", detail)
    shot(page, "model")


def test_whatif_updates_outcomes_in_place(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/whatif")
    cell = page.locator('#outcome-table tr[data-var="belarus_entry"] td.prob')
    before = float(cell.get_attribute("data-p"))
    page.select_option('select[data-var="troops_toward_southern_border"]', "present")
    page.wait_for_function(
        "b => Number(document.querySelector('#outcome-table tr[data-var=belarus_entry] td.prob')"
        ".dataset.p) > b",
        arg=before,
    )
    after = float(cell.get_attribute("data-p"))
    assert after > 2 * before
    words = page.inner_text('#outcome-table tr[data-var="belarus_entry"] td.words')
    assert re.fullmatch(r"(almost no chance|very unlikely|unlikely) \(\d+–\d+%\)", words)
    page.wait_for_selector("#whatif-chart svg")
    shot(page, "whatif")


def test_whatif_links_a_report_for_its_scenario(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/whatif")
    link = page.locator("#scenario-html")
    assert "evidence=" not in (link.get_attribute("href") or "")
    page.select_option('select[data-var="troops_toward_southern_border"]', "present")
    page.wait_for_function(
        "() => document.querySelector('#scenario-html').href.includes('evidence=')"
    )
    href = link.get_attribute("href") or ""
    assert "evidence=troops_toward_southern_border%3Dpresent" in href
    assert "evidence=" in (page.locator("#scenario-pdf").get_attribute("href") or "")
    link.click()
    page.wait_for_selector("h2:has-text('Key judgements')")
    assert "troops_toward_southern_border=present" in page.inner_text("p.meta >> nth=1")
    # Clearing the form takes the scenario off the link again.
    page.go_back()
    page.click("#whatif-reset")
    page.wait_for_function(
        "() => !document.querySelector('#scenario-html').href.includes('evidence=')"
    )


def test_sources_page_lists_claims_with_locators_and_gradings(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/sources")
    rows = page.locator("#claims tbody tr")
    assert rows.count() > 10
    first = rows.first.inner_text()
    assert re.search(r"P\d+\.S\d+", first) and re.search(r"\b[A-F][1-6]\b", first)
    shot(page, "sources")


def test_timeline_page_draws_the_history_with_alerts(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/timeline")
    assert page.locator("#timeline-empty").count() == 0
    page.wait_for_selector("#timeline-chart[data-drawn] svg")
    box = page.locator("#timeline-chart svg").first.bounding_box()
    assert box["width"] > 800 and box["height"] > 300, box
    # One line per outcome, and the alert markers drawn as red triangles.
    assert page.locator("#timeline-chart svg g.mark-line path").count() == 7
    markers = page.locator("#timeline-chart svg g.alert_markers_marks path")
    assert markers.count() >= 1
    assert page.locator("#timeline-chart .role-legend").count() == 1
    alerts = page.inner_text("#timeline-alerts")
    assert "2022-W08" in alerts and "dated-8w" in alerts
    # The alert week lists the indicators observed and the events behind them.
    week = page.locator("#week-2022-W08")
    assert "Troop and equipment movements toward the southern border" in week.inner_text()
    assert re.search(r"SFBLR00\d\d", week.inner_text())
    shot(page, "timeline")
    page.click("#timeline-alerts a[href='#week-2022-W08']")
    assert page.url.endswith("#week-2022-W08")


def test_timeline_range_form_narrows_the_weeks(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/timeline")
    page.fill("#timeline-range input[name=from]", "2022-01-01")
    page.fill("#timeline-range input[name=to]", "2022-06-30")
    page.click("#timeline-range button[type=submit]")
    page.wait_for_url(re.compile(r".*from=2022-01-01.*"))
    page.wait_for_selector("#timeline-chart[data-drawn] svg")
    assert (
        page.get_attribute("#timeline-chart", "data-drawn") == "27"
    )  # ISO weeks 2021-W52..2022-W26
    page.fill("#timeline-range input[name=from]", "2022-06-30")
    page.fill("#timeline-range input[name=to]", "2022-01-01")
    page.click("#timeline-range button[type=submit]")
    page.wait_for_selector("#timeline-problem")
    assert "is after" in page.inner_text("#timeline-problem")


def test_forecast_now_form_asks_a_day_a_horizon_and_the_refit(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}")
    page.click("nav a:text('Forecast now')")
    page.wait_for_selector("#dated-table")
    assert page.locator("#dated-table tbody tr").count() == 7
    # 27 January 2022, 8 weeks, the chain refitted up to the day: Russian operations from
    # Belarus at 0.5 or more, four weeks before the attack.
    page.fill("#dated-form input[name=as_of]", "2022-01-27")
    page.fill("#dated-form input[name=horizon]", "8")
    page.check("#dated-form input[name=refit]")
    page.click("#dated-form button[type=submit]")
    page.wait_for_url(re.compile(r".*as_of=2022-01-27.*refit=true.*"))
    lead = page.inner_text("#dated-lead")
    assert "2022-01-27" in lead and "next 8 weeks" in lead and "--refit" in lead
    row = page.locator("#dated-table tbody tr", has_text="russian_operations_from_belarus")
    p = float(row.locator("td").nth(1).inner_text())
    assert p >= 0.5
    assert "fitted on data up to 2022-01-27" in page.inner_text("#dated-basis")
    shot(page, "forecast-now")


def test_ach_rating_changes_the_scores(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/ach")
    page.fill('#ach-new input[name="title"]', "Will Belarus enter the war?")
    page.click('#ach-new button[type="submit"]')
    page.wait_for_url(re.compile(r".*/ach/\d+$"))
    score = page.locator('.wi-value[data-hypothesis="not_entered"]')
    assert score.inner_text() == "0.00"
    item = "ind:troops_toward_southern_border"
    page.select_option(f'select.grading[data-item="{item}"]', "B2")
    # The grading change reloads the matrix fragment; wait until the new one shows it.
    page.wait_for_function(
        "i => document.querySelector(`select.grading[data-item='${i}']`).value === 'B2'", arg=item
    )
    page.select_option(f'select.rating[data-item="{item}"][data-hypothesis="not_entered"]', "II")
    page.wait_for_function(
        "() => document.querySelector('.wi-value[data-hypothesis=not_entered]')"
        ".textContent !== '0.00'"
    )
    assert float(score.inner_text()) == pytest.approx(2 * 0.64)  # II = 2 points, B2 weight 0.64
    # Rated against the model's likelihoods: "entered" under II would be a disagreement.
    page.select_option(f'select.rating[data-item="{item}"][data-hypothesis="entered"]', "II")
    page.wait_for_selector("td.disagree")
    page.wait_for_selector("#ach-chart svg")
    shot(page, "ach")
    csv = page.request.get(page.url.replace("/ach/", "/api/ach/") + "/csv").text()
    assert f"{item},indicator" in csv and ",B2," in csv


def test_report_opens_from_the_navigation(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}")
    page.click("nav >> text=Report")
    page.wait_for_selector("h2:has-text('Key judgements')")
    shot(page, "report", full=False)
    # The server reads the shipped history, so the report has its timeline chart.
    figure = page.locator("#timeline-figure")
    figure.scroll_into_view_if_needed()
    box = figure.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    assert f"{HISTORY_EVENTS} events" in page.inner_text("h2:has-text('Timeline') + p")
    page.locator("h2:has-text('Timeline')").scroll_into_view_if_needed()
    shot(page, "report-timeline", full=False)


def test_api_docs_work_offline_under_the_pages_policy(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/models/{model}/forecast" in p.replace("\u200b", "") for p in paths)
    assert not failed, failed  # nothing from elsewhere, nothing refused by the policy
    shot(page, "api-docs")
