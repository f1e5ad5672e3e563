"""The Questions page in a real browser (Chromium driven by Playwright).

Loads the page on the shipped history as a person would and checks what they would
see: the questions, a score, the forecasts chart and the reliability diagram; leaves
``questions.png`` beside the other screenshots (see ``shot``).
"""

from __future__ import annotations

from tests.service.test_service_browser import MODEL, shot


def test_questions_page_shows_questions_scores_and_the_diagram(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    # The first request forecasts every question (a refit per asked day): seconds.
    page.goto(f"{live_server}/models/{MODEL}/questions", timeout=120_000)
    assert page.locator("#questions-empty").count() == 0
    assert page.locator("nav a.on").inner_text() == "Questions"
    rows = page.locator("#questions-table tbody tr")
    assert rows.count() >= 20
    row = page.locator('#questions-table tr[data-id="ops-2022-02-01-8w"]')
    assert "Belarusian territory" in row.inner_text()
    assert row.locator("td.brier").inner_text().strip()  # resolved: it has a score
    assert float(page.inner_text("#questions-means strong.score")) > 0
    page.wait_for_selector("#questions-chart[data-drawn] svg")
    drawn = int(page.get_attribute("#questions-chart", "data-drawn") or 0)
    assert drawn == rows.count()  # one point per question (no revision recorded)
    assert page.locator("#questions-chart svg g.question_points_marks path").count() == drawn
    page.wait_for_selector("#reliability-chart[data-drawn] svg")
    bins = int(page.get_attribute("#reliability-chart", "data-drawn") or 0)
    assert bins >= 2
    # The diagonal and the bins' line, then one point per bin.
    assert page.locator("#reliability-chart svg g.mark-line.role-mark path").count() == 2
    assert page.locator("#reliability-chart svg g.bin_points_marks path").count() == bins
    page.locator("#reliability-chart").scroll_into_view_if_needed()
    shot(page, "questions", full=True)
