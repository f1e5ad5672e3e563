"""Reports: self-contained HTML and a PDF whose first page is not blank."""

from __future__ import annotations

import base64
import re
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from secondfront.analysis.assumptions import KeyAssumption, key_assumptions, source_influence
from secondfront.analysis.report_data import TOP_ROWS, ReportData
from secondfront.analysis.report_data import report_data as build_report
from secondfront.cli.app import app
from secondfront.model.formats import load
from secondfront.report import WorkbenchLink, render_html, render_pdf
from secondfront.report.graphics import colour, layout, text_colour, timeline_svg
from tests.conftest import FLAGSHIP, HISTORY_EVENTS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "report"


@pytest.fixture(scope="module")
def html(no_events_store: Path) -> str:
    return render_html(build_report(load(FLAGSHIP), events_db=no_events_store))


@pytest.fixture(scope="module")
def data_with_timeline(events_store: Path) -> ReportData:
    return build_report(load(FLAGSHIP), events_db=events_store)


@pytest.fixture(scope="module")
def html_with_timeline(data_with_timeline: ReportData) -> str:
    return render_html(data_with_timeline)


@pytest.fixture(scope="module")
def html_with_appendix(data_with_timeline: ReportData) -> str:
    return render_html(data_with_timeline, appendix=True)


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
    ):
        assert f"<h2>{heading}" in html, heading
    assert re.search(
        r"Almost no chance \(1–5%\)</span>: Belarus&#39;s armed forces enter Ukraine", html
    )
    assert "not an authoritative prediction" in html
    # An optional analysis is shown, or its empty state says why not.
    for section in ("Top drivers", "Watchlist"):
        body = html.split(f"<h2>{section}")[1].split("<h2>")[0]
        assert "<table" in body or "not available yet" in body, section


def test_long_tables_are_in_the_appendix_only_when_asked(
    html_with_timeline: str, html_with_appendix: str
) -> None:
    long_sections = ("Stated assumptions", "Sources", "Claims")
    for section in long_sections:
        assert f"<h2>{section}" not in html_with_timeline, section
        assert f"<h2>{section}" in html_with_appendix.split('id="appendix"')[1], section
    # The body says what it leaves out and how to get it.
    pointer = html_with_timeline.split('id="appendix-pointer"')[1].split("</p>")[0]
    assert "secondfront report --appendix" in pointer and "every stated assumption" in pointer
    assert 'id="appendix-pointer"' not in html_with_appendix
    for table in ("timeline-weeks", "key-assumptions-all", "source-influence-all", "claims"):
        assert f'id="{table}"' not in html_with_timeline, table
        assert f'id="{table}"' in html_with_appendix, table


def test_html_report_links_back_to_the_workbench(data_with_timeline: ReportData) -> None:
    link = WorkbenchLink("/models/belarus-second-front/whatif", "the What-if page")
    html = render_html(data_with_timeline, workbench=link)
    nav = html.split('id="workbench-link"')[1].split("</nav>")[0]
    assert 'href="/models/belarus-second-front/whatif"' in nav and "the What-if page" in nav
    # On paper a link to localhost means nothing: print hides it.
    assert "nav.back { display: none; }" in html.split("@media print")[1].split("</style>")[0]
    assert 'id="workbench-link"' not in render_html(data_with_timeline)


def test_timeline_section_without_events_says_it_is_absent(html: str) -> None:
    body = html.split("<h2>Timeline")[1].split("<h2>")[0]
    assert "Timeline absent: no events store absent.duckdb yet" in body
    assert "secondfront ingest data/belarus-events.csv --db absent.duckdb" in body
    assert "<img" not in body


def test_timeline_section_with_events_has_the_chart_alerts_and_evidence(
    html_with_timeline: str, html_with_appendix: str, data_with_timeline: ReportData
) -> None:
    html = html_with_timeline
    assert html.count('src="data:image/svg+xml;base64,') == 3  # outcomes, timeline, network
    body = html.split("<h2>Timeline")[1].split("<h2>")[0]
    assert (
        'id="timeline-figure"' in body
        and f"{HISTORY_EVENTS} events in the store <code>secondfront.<wbr>duckdb" in body
    )
    # Which chain the weekly numbers rest on: the analyst's, so in sample, and how to refit.
    assert "so these weekly numbers are in sample" in body and "timeline --refit" in body
    figure = re.search(r'id="timeline-figure"[^>]*src="data:image/svg\+xml;base64,([^"]+)"', body)
    assert figure is not None
    svg = base64.b64decode(figure.group(1)).decode()
    assert svg.count("<polyline") == 7 and 'class="alert"' in svg
    # The legend says what the markers are: the dated forecast's early warning.
    assert "alert (the dated forecast's P(within 8 weeks) reached its threshold" in svg
    assert "a rule of the time model fired" not in svg
    # The body lists every alert week, one row each, as the library found them.
    rows = _rows(html, "timeline-alerts")
    alerts = data_with_timeline.timeline.alerts
    assert [(r[0], r[1], r[2]) for r in rows] == [(a.week, a.rule, a.variable) for a in alerts]
    # The alerts are the dated forecast's early warning: Russian operations from Belarus
    # from the week to 6 February 2022, before the attack.
    assert ["2022-W05", "dated-8w", "russian_operations_from_belarus"] in [r[:3] for r in rows]
    weeks = html_with_appendix.split('id="timeline-weeks"')[1]
    assert "2022-W08" in weeks and "SFBLR0019" in weeks and "troops_<wbr>toward_" in weeks
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
    html = out.read_text()
    assert html.startswith("<!doctype html>")
    assert 'id="timeline-figure"' in html and 'id="appendix"' not in html
    # The link back names the page `secondfront serve` would show (default settings here).
    assert '<a href="http://127.0.0.1:8000/models/belarus-second-front">' in html
    full = CliRunner().invoke(app, ["report", "--out", str(out), "--appendix"])
    assert full.exit_code == 0, full.output
    assert 'id="appendix"' in out.read_text()
    bad = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "r.docx")])
    assert bad.exit_code == 2 and "written as .html or .pdf" in bad.output


def test_colours_and_layout() -> None:
    assert colour(0.0) == "#ffffcc" and colour(1.0) == "#800026" and colour(2.0) == "#800026"
    assert text_colour("#ffffcc") == "#000000" and text_colour("#800026") == "#ffffff"
    net = load(FLAGSHIP)
    pos = layout(net).positions
    for v in net:  # every arrow points down the page
        assert all(pos[p][1] < pos[v.name][1] for p in v.parents)


# The standard report (no appendix) fits on this many A4 pages; it was 73 when every
# table was printed in full with equal column widths. 12 until the shipped history's
# second search (docs/codebook.md section 8): its timeline has 27 alerts instead of 20,
# and the alert table's seven extra rows push the last note onto a thirteenth page.
MAX_PAGES = 13


def _text(html: str) -> str:
    """Visible text of an HTML fragment: tags dropped (``<wbr>`` to nothing), entities decoded."""
    return unescape(re.sub(r"<[^>]+>", " ", html.replace("<wbr>", "")))


def _squeeze(text: str) -> str:
    """``text`` without whitespace; pdfium's U+FFFE (a hyphen ending a line) back to "-"."""
    return re.sub(r"\s+|\u00ad", "", text).replace("\ufffe", "-")


def _header_breaks(doc: Any, html: str) -> list[str]:
    """Header words the PDF splits across two lines ("Parame" / "ters"), as ``page: Pa|rt``."""
    words = {
        w.strip("()")
        for th in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)
        for w in _text(th).split()
    }
    words = {w for w in words if len(w) >= 3}
    broken = []
    for number, page in enumerate(doc, start=1):
        text = page.get_textpage().get_text_range()
        for w in words:
            for k in range(1, len(w)):
                split = rf"(?<!\w){re.escape(w[:k])} ?\r?\n{re.escape(w[k:])}(?!\w)"
                if re.search(split, text):
                    broken.append(f"page {number}: {w[:k]}|{w[k:]}")
    return broken


def _outside(doc: Any) -> list[str]:
    """Characters drawn beyond their page's edges."""
    outside: list[str] = []
    for number, page in enumerate(doc, start=1):
        width, height = page.get_size()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            if left < -0.5 or right > width + 0.5 or bottom < -0.5 or top > height + 0.5:
                outside.append(f"page {number}: {text.get_text_range(i, 1)!r} at x={right:.0f}")
    return outside


def _overlapping(doc: Any) -> list[str]:
    """Pairs of characters, not neighbours in the text, whose boxes overlap by over 30%.

    Text that runs out of its cell lands on the next cell's text; neighbours are left
    out because ligatures and italics overlap their own word's letters.
    """
    found: list[str] = []
    for number, page in enumerate(doc, start=1):
        text = page.get_textpage()
        boxes = sorted(
            (text.get_charbox(i), i)
            for i in range(text.count_chars())
            if text.get_text_range(i, 1).strip()
        )
        for a, ((l1, b1, r1, t1), i1) in enumerate(boxes):
            for (l2, b2, r2, t2), i2 in boxes[a + 1 :]:
                if l2 >= r1:
                    break
                w, h = min(r1, r2) - max(l1, l2), min(t1, t2) - max(b1, b2)
                small = min((r1 - l1) * (t1 - b1), (r2 - l2) * (t2 - b2))
                if w > 0 and h > 0 and abs(i1 - i2) > 2 and w * h > 0.3 * small > 0:
                    found.append(f"page {number}: {text.get_text_range(min(i1, i2), 12)!r}")
    return found


def _cells_not_whole(doc: Any, html: str) -> list[str]:
    """Table cells whose text the PDF does not hold in one piece, in order.

    A cell cut at its edge, or a row split over a page break (its cells' lines then
    interleave with the page's footer and the repeated header), fails this.
    """
    whole = _squeeze("".join(page.get_textpage().get_text_range() for page in doc))
    cells = (_squeeze(_text(td)) for td in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S))
    return [c[:60] for c in cells if c and c not in whole]


def test_pdf_report_is_short_and_every_table_reads_whole(
    html_with_timeline: str, pango: None
) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = render_pdf(html_with_timeline)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report-with-timeline.pdf").write_bytes(pdf)
    doc = pdfium.PdfDocument(pdf)
    assert 3 <= len(doc) <= MAX_PAGES, f"{len(doc)} pages"
    assert not (broken := _header_breaks(doc, html_with_timeline)), broken
    assert not (cut := _cells_not_whole(doc, html_with_timeline)), cut
    assert not (over := _overlapping(doc)), over
    assert not (outside := _outside(doc)), outside


def test_pdf_appendix_keeps_headers_whole_and_text_on_the_page(
    html_with_appendix: str, pango: None
) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(render_pdf(html_with_appendix))
    assert len(doc) > MAX_PAGES  # the long tables are there
    assert not (broken := _header_breaks(doc, html_with_appendix)), broken
    assert not (over := _overlapping(doc)), over
    outside = _outside(doc)
    assert not outside, f"{len(outside)} characters outside the page, e.g. {outside[:5]}"


def _rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id``, each as its cells' text without tags.

    ``<wbr>`` (where an identifier may break) is dropped, other tags become spaces.
    """
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", c.replace("<wbr>", "")).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]


def _check_key_assumption_rows(rows: list[list[str]], items: list[KeyAssumption]) -> None:
    """Each row says what the library's group says, in its order."""
    assert len(rows) == len(items) > 0
    for row, item in zip(rows, items, strict=True):
        rests_on, n_params, swing, outcome, exposed_by = row
        assert item.text.replace("'", "&#39;") in rests_on
        assert (item.claim or "assumption") in rests_on
        assert n_params == str(len(item.parameters))
        assert swing == f"{item.max_swing * 100:.1f}%"
        w = item.largest
        assert w is not None
        if item.max_swing > 0:
            assert outcome == (
                f"{w.outcome} = {w.state} {w.baseline * 100:.1f}%; "
                f"{w.low * 100:.1f}% – {w.high * 100:.1f}%"
            )
        if item.indicator:
            assert exposed_by.startswith(item.indicator)
            assert f"{item.indicator_information:.3f} bits about {item.exposes}" in exposed_by


def test_key_assumptions_section_shows_the_library_check(
    html: str, html_with_appendix: str
) -> None:
    check = key_assumptions(load(FLAGSHIP))
    assert len(check.items) > TOP_ROWS  # so the body's cut is tested
    # The body: the groups with the largest swing; the appendix: all of them.
    _check_key_assumption_rows(_rows(html, "key-assumptions"), check.items[:TOP_ROWS])
    rows = _rows(html_with_appendix, "key-assumptions-all")
    _check_key_assumption_rows(rows, check.items)
    # Largest swing first, and the flagship's top group moves an outcome by over 10 points.
    swings = [float(r[2].rstrip("%")) for r in rows]
    assert swings == sorted(swings, reverse=True) and swings[0] > 10
    more = html.split('id="key-assumptions"')[1].split('class="more">')[1].split("</p>")[0]
    assert f"The {TOP_ROWS} of {len(check.items)} groups" in more


def test_source_influence_section_ranks_sources_as_the_library(
    html: str, html_with_appendix: str
) -> None:
    result = source_influence(load(FLAGSHIP))
    assert len(result.sources) > TOP_ROWS
    body = _rows(html, "source-influence")
    assert body == _rows(html_with_appendix, "source-influence-all")[:TOP_ROWS]
    rows = _rows(html_with_appendix, "source-influence-all")
    assert [r[0].split()[0] for r in rows] == [s.source for s in result.sources]
    for row, s in zip(rows, result.sources, strict=True):
        assert row[1] == f"{s.grading} ({s.weight:.2f})"
        assert row[2] == f"{len(s.claims)} / {len(s.parameters)}"
        assert row[-2] == f"{s.influence * 100:.1f}%" and row[-1] == f"{s.at_risk * 100:.1f}%"
        w = s.largest
        if w is not None and s.influence > 0:
            assert row[3].endswith(
                f"{w.baseline * 100:.1f}% → {w.low * 100:.1f}%–{w.high * 100:.1f}%"
            )
    section = html.split("<h2>If a source were false")[1].split("<h2>")[0]
    assert "anywhere from no effect to the stated effect" in section  # the no-source rule
    assert "uniform" not in section


def test_bare_network_report_says_why_the_checks_are_absent(
    asia_bif: Path, no_events_store: Path
) -> None:
    data = build_report(load(asia_bif), events_db=no_events_store)
    assert data.key_assumptions is None and data.source_influence is None
    html = render_html(data)
    for section in ("Key assumptions", "If a source were false"):
        body = html.split(f"<h2>{section}")[1].split("<h2>")[0]
        assert '<p class="empty">not available for' in body and "<table" not in body, section


def test_a_report_says_what_changed_since_the_last_one(tmp_path: Path, events_store: Path) -> None:
    """The first report keeps a summary beside it and says there is nothing to compare;
    the next one written to the same file lists each figure then and now."""
    import json

    from secondfront.analysis.report_data import ReportSummary

    out = tmp_path / "r.html"
    base = ["report", "--out", str(out), "--events-db", str(events_store)]
    first = CliRunner().invoke(app, base)
    assert first.exit_code == 0, first.output
    assert "No earlier report to compare with" in out.read_text()
    summary = out.with_name("r.html.summary.json")
    before = ReportSummary.from_json(json.loads(summary.read_text()), str(summary))
    second = CliRunner().invoke(app, [*base, "-e", "reservist_callups=present"])
    assert second.exit_code == 0, second.output
    now = ReportSummary.from_json(json.loads(summary.read_text()), str(summary))
    html = unescape(out.read_text())
    assert 'id="changes" class="compact"' in html and before.generated in html
    label = next(iter(before.argument))
    delta = (now.argument[label] - before.argument[label]) * 100
    assert abs(delta) > 0.05  # the evidence moved the argument's headline
    assert f"{delta:+.1f} pts" in html
    # The dated forecast comes from the events alone: the evidence does not move it.
    assert now.dated == before.dated and now.dated_week == before.dated_week is not None
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    refused = CliRunner().invoke(app, [*base, "--since", str(bad)])
    assert refused.exit_code == 2 and "not a report summary" in refused.output


def test_the_timeline_legend_names_the_rules_when_no_dated_forecast_was_made() -> None:
    """Without dated numbers the markers are the time model's own rules, and say so."""
    data = {
        "weeks": [
            {"start": "2022-02-14", "p": {"v": 0.1}},
            {"start": "2022-02-21", "p": {"v": 0.2}},
        ],
        "series": [{"variable": "v", "label": "V", "state": "yes"}],
        "alerts": [
            {"week": "2022-W08", "start": "2022-02-21", "variable": "v", "p": 0.2, "message": "m"}
        ],
        "dated_weeks": None,
    }
    svg = timeline_svg(data)
    assert "a rule of the time model fired that week; 1 in this range" in svg
    assert "dated forecast" not in svg


def test_track_record_is_the_questions_score_card_of_the_same_store(
    events_store: Path, data_with_timeline: ReportData, html_with_timeline: str
) -> None:
    # The report's track record is the ScoreCard `questions score --db` prints, not a
    # second computation: the same JSON, number for number.
    card = data_with_timeline.track_record
    assert card is not None and "track_record" not in data_with_timeline.reasons
    questions = FLAGSHIP.with_name(FLAGSHIP.name.split(".")[0] + ".questions.yaml")
    result = CliRunner().invoke(
        app, ["questions", "score", str(questions), "--db", str(events_store), "--json"]
    )
    assert result.exit_code == 0, result.output
    import json

    assert card.as_json() == json.loads(result.stdout)
    # Out of sample: the chain refitted up to each asked day (one question was asked
    # before the first stored week and keeps the spec's numbers, as the label says).
    assert not card.in_sample and card.in_sample_questions == 1
    body = unescape(html_with_timeline.split("<h2>Track record")[1].split("<h2>")[0])
    flat = " ".join(re.sub(r"<[^>]+>", " ", body.replace("<wbr>", "")).split())
    n, groups = len(card.questions), len(card.groups)
    assert (
        f"{n} resolved questions of belarus-second-front.questions.yaml ({groups} independent"
        in flat
    )
    assert f"this model {card.mean['brier']:.3f} {card.mean['log']:.3f}" in flat
    for name, m in card.baselines.items():
        if name != "crowd":
            assert f"{m['brier']:.3f} {m['log']:.3f}" in flat, name
    v = card.versus_best
    assert v is not None
    assert (
        f"({v.baseline}): {v.diff:+.3f} in Brier, 90% interval {v.low:+.3f} to {v.high:+.3f}"
        in flat
    )
    assert v.verdict in flat
    worst = max(card.questions, key=lambda s: s.brier)
    assert f"Scored worst: {worst.id}" in flat


def test_track_record_absent_says_why(html: str, tmp_path: Path) -> None:
    # Without an events store the questions cannot be forecast: the section says so.
    body = unescape(html.split("<h2>Track record")[1].split("<h2>")[0])
    assert "Track record absent: no events store" in body
    # A model without a questions file beside it has no track record to show.
    from secondfront.analysis.report_data import track_record

    bare = tmp_path / "alone.yaml"
    bare.write_text(FLAGSHIP.read_text(encoding="utf-8"), encoding="utf-8")
    card, why = track_record(load(bare))
    assert card is None and why is not None and "no alone.questions.yaml" in why


def test_the_dated_forecast_is_what_forecast_prints_for_the_same_store(
    events_store: Path, data_with_timeline: ReportData, html_with_timeline: str
) -> None:
    # The report's dated forecast is the Outlook `forecast --db` prints, not a second
    # computation, and the key judgements say they are the argument's, undated.
    now = data_with_timeline.outlook
    assert now is not None and "outlook" not in data_with_timeline.reasons
    result = CliRunner().invoke(app, ["forecast", "--db", str(events_store), "--json"])
    assert result.exit_code == 0, result.output
    import json

    assert now.as_json() == json.loads(result.stdout)
    assert now.horizon == 13 and now.as_of == data_with_timeline.timeline.span[1]  # type: ignore[index]
    body = unescape(html_with_timeline.split("<h2>The dated forecast")[1].split("<h2>")[0])
    flat = " ".join(re.sub(r"<[^>]+>", " ", body.replace("<wbr>", "")).split())
    assert f"As of {now.as_of}, the last event day of the store" in flat
    assert "in-sample" in flat and "forecast --refit" in flat
    for f in now.forecasts:
        assert f"{f.label} {f.p * 100:.1f}% {f.low * 100:.1f}% – {f.high * 100:.1f}%" in flat
    judgements = html_with_timeline.split("<h2>Key judgements")[1].split("<h2>")[0]
    assert (
        "with no date" in judgements and "not a forecast of what the events show now" in judgements
    )


def test_the_dated_forecast_absent_says_why(html: str) -> None:
    body = unescape(html.split("<h2>The dated forecast")[1].split("<h2>")[0])
    assert "Dated forecast absent: no events store" in body
