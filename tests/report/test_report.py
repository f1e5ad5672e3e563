"""Reports: self-contained HTML and a PDF whose first page is not blank."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from secondfront.analysis.report_data import report_data as build_report
from secondfront.cli.app import app
from secondfront.model.formats import load
from secondfront.report import render_html, render_pdf
from secondfront.report.graphics import colour, layout, text_colour
from tests.conftest import FLAGSHIP, HISTORY_EVENTS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "report"


@pytest.fixture(scope="module")
def html(no_events_store: Path) -> str:
    return render_html(build_report(load(FLAGSHIP), events_db=no_events_store))


@pytest.fixture(scope="module")
def html_with_timeline(events_store: Path) -> str:
    return render_html(build_report(load(FLAGSHIP), events_db=events_store))


def test_html_report_is_self_contained(html: str) -> None:
    # Nothing is fetched when the file is opened: no external scripts, styles or images.
    assert not re.search(r"<script\b|<link\b(?![^>]*href=\"data:)", html)
    assert not re.search(r'src="(?!data:)', html)
    assert html.count('src="data:image/svg+xml;base64,') == 2


def test_html_report_has_every_section_in_icd203_words(html: str) -> None:
    for heading in (
        "Key judgements",
        "Outcomes",
        "Top drivers",
        "Watchlist",
        "Timeline",
        "The model",
        "Stated assumptions",
        "Sources",
        "Claims",
    ):
        assert f"<h2>{heading}" in html, heading
    assert re.search(
        r"Almost no chance \(1–5%\)</span>: Belarus&#39;s armed forces enter Ukraine", html
    )
    assert "not an authoritative prediction" in html
    # An optional analysis is shown, or its empty state says why not.
    for section in ("Top drivers", "Watchlist"):
        body = html.split(f"<h2>{section}")[1].split("<h2>")[0]
        assert "<table>" in body or "not available yet" in body, section


def test_timeline_section_without_events_says_it_is_absent(html: str) -> None:
    body = html.split("<h2>Timeline")[1].split("<h2>")[0]
    assert "Timeline absent: no events store absent.duckdb yet" in body
    assert "secondfront ingest data/belarus-events.csv --db absent.duckdb" in body
    assert "<img" not in body


def test_timeline_section_with_events_has_the_chart_alerts_and_evidence(
    html_with_timeline: str,
) -> None:
    html = html_with_timeline
    assert html.count('src="data:image/svg+xml;base64,') == 3  # outcomes, timeline, network
    body = html.split("<h2>Timeline")[1].split("<h2>")[0]
    assert (
        'id="timeline-figure"' in body
        and f"{HISTORY_EVENTS} events in the store <code>secondfront.duckdb" in body
    )
    figure = re.search(r'id="timeline-figure"[^>]*src="data:image/svg\+xml;base64,([^"]+)"', body)
    assert figure is not None
    svg = base64.b64decode(figure.group(1)).decode()
    assert svg.count("<polyline") == 7 and 'class="alert"' in svg
    # The first week above 5% is a property of the history; it is no later than the invasion.
    alert = re.search(r"(\d{4}-W\d\d) ALERT entry-above-5pc", body)
    assert alert is not None and alert.group(1) <= "2022-W08"
    weeks = body.split('id="timeline-weeks"')[1]
    assert "2022-W08" in weeks and "SFBLR0019" in weeks and "troops_toward_southern_border" in weeks
    assert not re.search(r"<script\b", html)  # still self-contained


def test_report_with_evidence_shows_it_and_moves(tmp_path: Path) -> None:
    net = load(FLAGSHIP)
    data = build_report(net, {"troops_toward_southern_border": "present"})
    assert data.judgements[0].probability > build_report(net).judgements[0].probability
    assert "troops_toward_southern_border=present" in render_html(data)


def test_pdf_first_page_is_not_blank(html: str, pango: None) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) >= 3
    bitmap = doc[0].render(scale=1.0)
    pixels = bitmap.to_numpy()
    bitmap.to_pil().save(ARTIFACTS / "report-page-1.png")
    ink = np.mean(pixels[..., :3] < 200)
    assert 0.01 < ink < 0.6, f"page 1 has {ink:.1%} ink: blank or solid"


def test_report_command_writes_html(tmp_path: Path, events_store: Path) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--out",
            str(out),
            "-e",
            "reservist_callups=present",
            "--events-db",
            str(events_store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!doctype html>")
    assert 'id="timeline-figure"' in out.read_text()
    bad = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "r.docx")])
    assert bad.exit_code == 2 and "written as .html or .pdf" in bad.output


def test_colours_and_layout() -> None:
    assert colour(0.0) == "#ffffcc" and colour(1.0) == "#800026" and colour(2.0) == "#800026"
    assert text_colour("#ffffcc") == "#000000" and text_colour("#800026") == "#ffffff"
    net = load(FLAGSHIP)
    pos = layout(net).positions
    for v in net:  # every arrow points down the page
        assert all(pos[p][1] < pos[v.name][1] for p in v.parents)


def test_pdf_draws_no_text_outside_its_pages(html: str, pango: None) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(render_pdf(html))
    outside: list[str] = []
    for number, page in enumerate(doc, start=1):
        width, height = page.get_size()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            if left < -0.5 or right > width + 0.5 or bottom < -0.5 or top > height + 0.5:
                outside.append(f"page {number}: {text.get_text_range(i, 1)!r} at x={right:.0f}")
    assert not outside, f"{len(outside)} characters outside the page, e.g. {outside[:5]}"
