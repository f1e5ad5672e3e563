"""Render a report as one self-contained HTML file or as PDF.

The content is :class:`~secondfront.analysis.report_data.ReportData` (typed results
of the library's features); this module only draws it. The HTML carries its style
inline and its pictures (network, outcome bars, timeline; :mod:`.graphics`) as
``data:`` URIs, so it can be mailed or opened offline with nothing beside it. The PDF
is the same HTML laid out by WeasyPrint, which needs Pango (Debian:
``libpango-1.0-0 libpangoft2-1.0-0``); WeasyPrint is imported only when a PDF is
asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe

from secondfront.analysis.assumptions import FALLBACK_UNCERTAINTY
from secondfront.analysis.language import icd203
from secondfront.analysis.report_data import TOP_ROWS, ReportData
from secondfront.errors import UsageError
from secondfront.forecasting.scorecard import BASELINE_WORDS
from secondfront.report.graphics import bars_svg, data_uri, network_svg, timeline_svg

# Where an identifier (``belarus_entry.logistic.weights.x``, a store path, a URL) may
# break when its column is narrower than it: after these characters, never inside a word.
_BREAK_AFTER = re.compile(r"([_./=])")


def breakable(text: object) -> markupsafe.Markup:
    """``text`` escaped, with a ``<wbr>`` after each ``_``, ``.``, ``/`` and ``=``.

    Tables size their columns to their content; an identifier such as a parameter
    path is one long word, and without a break opportunity it would either widen its
    column past the page or be cut inside a name. ``<wbr>`` lets it wrap at its own
    seams and copies as nothing.
    """
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(_BREAK_AFTER.sub(r"\1<wbr>", escaped))


def environment(package: str) -> jinja2.Environment:
    """A Jinja2 environment over ``package``'s ``templates`` folder.

    HTML is escaped by default and an undefined name is an error, not an empty string:
    a template that silently renders nothing would hide a broken page or report.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda p: f"{p * 100:.1f}%"
    env.filters["ident"] = breakable
    return env


@dataclass(frozen=True)
class WorkbenchLink:
    """Where the report came from in the workbench, for the HTML's link back.

    Attributes:
        url: the page's address (relative when the workbench served the report).
        note: a few words on it, e.g. that ``secondfront serve`` must be running.
    """

    url: str
    note: str


_ENV = environment("secondfront.report")
_ENV.filters["data_uri"] = data_uri


def render_html(
    data: ReportData, appendix: bool = False, workbench: WorkbenchLink | None = None
) -> str:
    """The report as a self-contained HTML document.

    Args:
        data: the report's content.
        appendix: add the long tables (the timeline's weeks with their events, every
            key assumption group and source, the stated assumptions, sources and
            claims) after the body; without it the body names them and says how to
            get them.
        workbench: the workbench page to link back to (shown on screen, not printed).
    """
    m = data.model
    fc = data.forecast
    pictures = {
        "network_svg": network_svg(
            m.network,
            fc.headlines,
            m.headlines(),
            m.declared_outcomes(),
            m.indicators() if m.spec is not None else [],
        ),
        "bars_svg": bars_svg(
            [(o.label, o.probability, icd203(o.probability).words) for o in fc.outcomes]
        ),
        "timeline_svg": timeline_svg(data.timeline.as_json())
        if data.timeline.status == "ok"
        else "",
    }
    return _ENV.get_template("report.html").render(
        r=data,
        baseline_words=BASELINE_WORDS,
        top=TOP_ROWS,
        fallback=FALLBACK_UNCERTAINTY,
        appendix=appendix,
        workbench=workbench,
        **pictures,
    )


def render_pdf(html: str) -> bytes:
    """The HTML report laid out as PDF by WeasyPrint.

    Raises:
        UsageError: WeasyPrint or its system libraries are missing (the message says
            what to install).
    """
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: Pango's shared libraries not found
        raise UsageError(
            f"PDF output needs WeasyPrint and Pango ({e}); install them with "
            "`pip install weasyprint` and `apt-get install libpango-1.0-0 libpangoft2-1.0-0`, "
            "or write HTML instead"
        ) from None
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def write_report(
    data: ReportData,
    out: Path,
    appendix: bool = False,
    workbench: WorkbenchLink | None = None,
) -> Path:
    """Write ``data`` to ``out`` as HTML (``.html``/``.htm``) or PDF (``.pdf``).

    ``appendix`` and ``workbench`` are :func:`render_html`'s.
    """
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError(
            f"{out}: a report is written as .html or .pdf, not {suffix or 'no suffix'}"
        )
    html = render_html(data, appendix=appendix, workbench=workbench)
    if suffix == ".pdf":
        out.write_bytes(render_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    return out


__all__ = ["WorkbenchLink", "breakable", "render_html", "render_pdf", "write_report"]
