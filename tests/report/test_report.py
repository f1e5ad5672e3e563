"""Reports: self-contained HTML and a PDF whose first page is not blank."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from secondfront.analysis.assumptions import key_assumptions, source_influence
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
        "Key assumptions",
        "If a source were false",
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


def _rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id``, each as its cells' text without tags."""
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]


def test_key_assumptions_section_shows_the_library_check(html: str) -> None:
    check = key_assumptions(load(FLAGSHIP))
    rows = _rows(html, "key-assumptions")
    assert len(rows) == len(check.items) > 0
    for row, item in zip(rows, check.items, strict=True):
        rests_on, n_params, outcome, baseline, span, swing, exposed_by = row
        assert item.text.replace("'", "&#39;") in rests_on
        assert (item.claim or "assumption") in rests_on
        assert n_params == str(len(item.parameters))
        assert swing == f"{item.max_swing * 100:.1f}%"
        w = item.largest
        assert w is not None
        if item.max_swing > 0:
            assert outcome == f"{w.outcome} = {w.state}"
            assert baseline == f"{w.baseline * 100:.1f}%"
            assert span == f"{w.low * 100:.1f}% – {w.high * 100:.1f}%"
        if item.indicator:
            assert exposed_by.startswith(item.indicator)
            assert f"{item.indicator_information:.3f} bits about {item.exposes}" in exposed_by
    # Largest swing first, and the flagship's top group moves an outcome by over 10 points.
    swings = [float(r[5].rstrip("%")) for r in rows]
    assert swings == sorted(swings, reverse=True) and swings[0] > 10


def test_source_influence_section_ranks_sources_as_the_library(html: str) -> None:
    result = source_influence(load(FLAGSHIP))
    rows = _rows(html, "source-influence")
    assert [r[0].split()[0] for r in rows] == [s.source for s in result.sources]
    for row, s in zip(rows, result.sources, strict=True):
        assert row[1] == s.grading and row[2] == f"{s.weight:.2f}"
        assert row[3] == str(len(s.claims)) and row[4] == str(len(s.parameters))
        assert row[-2] == f"{s.influence * 100:.1f}%" and row[-1] == f"{s.at_risk * 100:.1f}%"
        w = s.largest
        if w is not None and s.influence > 0:
            assert row[6] == (f"{w.baseline * 100:.1f}% → {w.low * 100:.1f}%–{w.high * 100:.1f}%")
    body = html.split("<h2>If a source were false")[1].split("<h2>")[0]
    assert "anywhere from no effect to the stated effect" in body  # the no-source rule
    assert "uniform" not in body


def test_bare_network_report_says_why_the_checks_are_absent(
    asia_bif: Path, no_events_store: Path
) -> None:
    data = build_report(load(asia_bif), events_db=no_events_store)
    assert data.key_assumptions is None and data.source_influence is None
    html = render_html(data)
    for section in ("Key assumptions", "If a source were false"):
        body = html.split(f"<h2>{section}")[1].split("<h2>")[0]
        assert '<p class="empty">not available for' in body and "<table" not in body, section
