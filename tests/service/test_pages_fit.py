"""Every workbench page fits a window 800, 1,280 and 1,920 px wide (Chromium).

A page fits when nothing runs past the window's right edge (the page never scrolls
sideways), no box hides content past its right edge (only a grid marked
``data-scrolls``, such as the ACH matrix, may scroll inside itself), no table cell
holds more text than it shows, and no chart's text (legend, labels, the model graph's
names) is cut at the chart's edge. Each page and width leaves a full-page screenshot in
``artifacts/workbench/fit/``.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.service.conftest import ARTIFACTS
from tests.service.test_service_browser import MODEL

WIDTHS = (800, 1280, 1920)

# Where each page is, and what shows that it has finished drawing.
PAGES = {
    "model": (f"/models/{MODEL}", ".graph .node"),
    "whatif": (f"/models/{MODEL}/whatif", "#whatif-chart svg"),
    "sources": (f"/models/{MODEL}/sources", "#claims"),
    "ach-list": (f"/models/{MODEL}/ach", "main h1"),
    "ach-matrix": ("/ach/{matrix}", "main h1"),
    "timeline": (f"/models/{MODEL}/timeline", "#timeline-chart[data-drawn] svg"),
    "questions": (f"/models/{MODEL}/questions", "#reliability-chart[data-drawn] svg"),
    "compare": (f"/compare?a={MODEL}&b=isw-belarus-restraint", "main h1"),
    "report": (f"/api/models/{MODEL}/report?evidence=reservist_callups%3Dpresent", "h1"),
}

# Run in the page: every way the page fails to fit, in words.
FIT_PROBLEMS = """
() => {
  const width = document.documentElement.clientWidth;
  const classes = el => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  // Content inside a box that scrolls or clips on its own does not widen the page.
  const contained = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    const wide = document.documentElement.scrollWidth;
    problems.push(`the page scrolls sideways: ${wide} px in ${width}`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if ((r.right > width + 1 || r.left < -1) && !contained(el)) {
      const span = `${Math.round(r.left)}..${Math.round(r.right)}`;
      problems.push(`${name(el)} spans ${span} px of ${width}`);
    }
  }
  // A box that scrolls sideways hides what is past its edge: only a grid marked as one
  // (data-scrolls: a table of many columns, such as the ACH matrix) may.
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') || el.closest('[data-scrolls]') || !el.getClientRects().length) continue;
    const x = getComputedStyle(el).overflowX;
    if (x !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} hides ${el.scrollWidth - el.clientWidth} px past its right edge`);
    }
  }
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.getClientRects().length) continue;  // in a closed <details>
    if (cell.scrollWidth > cell.clientWidth + 1) {
      problems.push(`cell ${name(cell)} "${cell.innerText.trim().slice(0, 30)}" needs `
        + `${cell.scrollWidth} px and has ${cell.clientWidth}`);
    }
  }
  for (const text of document.querySelectorAll('svg text')) {
    let svg = text.ownerSVGElement;
    while (svg.ownerSVGElement) svg = svg.ownerSVGElement;
    const r = text.getBoundingClientRect(), box = svg.getBoundingClientRect();
    if (!r.width || !text.textContent.trim()) continue;
    if (r.left < box.left - 1 || r.right > box.right + 1) {
      problems.push(`chart text "${text.textContent.trim().slice(0, 30)}" runs out of its chart`);
    }
  }
  return problems;
}
"""


@pytest.fixture(scope="module")
def matrix(live_server: str) -> str:
    """An ACH matrix on the flagship's headline outcome, with its indicators as items."""
    request = urllib.request.Request(
        f"{live_server}/api/ach",
        data=json.dumps({"model": MODEL, "hypothesis": "belarus_entry"}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return str(json.load(reply)["id"])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_window(page, live_server: str, matrix: str, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    path, ready = PAGES[name]
    page.set_viewport_size({"width": width, "height": 900})
    # The Questions page forecasts every question on its first request (seconds).
    page.goto(live_server + path.format(matrix=matrix), timeout=180_000)
    page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_timeout(300)  # charts re-lay out once after their first draw
    problems = page.evaluate(FIT_PROBLEMS)
    folder = ARTIFACTS / "fit"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    assert not problems, f"{name} at {width} px: {len(problems)} problems, e.g. {problems[:6]}"


def test_timeline_lists_the_alert_weeks_until_asked_for_all(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}/timeline")
    page.wait_for_selector("#timeline-chart[data-drawn] svg")
    rows = page.locator("#timeline-weeks tbody tr")
    total = rows.count()
    shown = page.locator("#timeline-weeks tbody tr:visible")
    fired = page.locator("#timeline-weeks tbody tr.fired")
    # Only the weeks an alert fired in, each with its alert badge; the others wait.
    assert 0 < fired.count() == shown.count() < total
    assert all(shown.nth(i).locator(".badge.alert").count() for i in range(shown.count()))
    weeks = {a.split()[0] for a in page.inner_text("#timeline-alerts").splitlines() if a}
    assert {shown.nth(i).get_attribute("data-week") for i in range(shown.count())} == weeks
    page.click("#timeline-show-all")
    assert shown.count() == total
    assert page.inner_text("#timeline-shown") == f"all {total} weeks"
    assert page.locator("#timeline-show-all").count() == 0
