"""The Model page shows whole names and a whole table: nothing cut at an edge."""

from __future__ import annotations

import re

from secondfront.model.formats import load
from secondfront.report.graphics import LABEL_ROOM, network_svg, text_width

MODEL = "belarus-second-front"


def test_node_labels_are_whole_and_fit_their_boxes() -> None:
    m = load(MODEL)
    svg = network_svg(m.network, {}, m.headlines())
    texts = re.findall(r"<text ([^>]*)>([^<]*)</text>", svg)
    names = {v.name.replace("_", " ") for v in m}
    shown = {t for _, t in texts}
    assert names <= shown  # every name whole, none cut with an ellipsis
    assert not any("…" in t for t in shown)
    for attrs, text in texts:
        size = float(re.search(r'font-size="([\d.]+)"', attrs).group(1))  # type: ignore[union-attr]
        fitted = re.search(r'textLength="([\d.]+)"', attrs)
        width = float(fitted.group(1)) if fitted else text_width(text, size, "bold" in attrs)
        assert width <= LABEL_ROOM, text


def test_node_panel_table_stays_inside_the_panel(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/models/{MODEL}")
    page.click('.graph .node[data-var="belarus_entry"]')
    page.wait_for_selector("#cpt")
    panel = page.locator("#detail").bounding_box()
    table = page.locator("#cpt").bounding_box()
    assert table["x"] + table["width"] <= panel["x"] + panel["width"] + 1, (table, panel)
    # the last column (P(entered)) is in view, not scrolled or cut off
    last = page.locator("#cpt thead th").last.bounding_box()
    assert last["x"] + last["width"] <= panel["x"] + panel["width"] + 1, (last, panel)
