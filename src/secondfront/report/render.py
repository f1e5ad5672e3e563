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

from pathlib import Path

import jinja2

from secondfront.analysis.assumptions import FALLBACK_UNCERTAINTY
from secondfront.analysis.language import icd203
from secondfront.analysis.report_data import TOP_ROWS, ReportData
from secondfront.errors import UsageError
from secondfront.report.graphics import bars_svg, data_uri, network_svg, timeline_svg


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
    return env


_ENV = environment("secondfront.report")
_ENV.filters["data_uri"] = data_uri


def render_html(data: ReportData) -> str:
    """The report as a self-contained HTML document."""
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
        r=data, top=TOP_ROWS, fallback=FALLBACK_UNCERTAINTY, **pictures
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


def write_report(data: ReportData, out: Path) -> Path:
    """Write ``data`` to ``out`` as HTML (``.html``/``.htm``) or PDF (``.pdf``)."""
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError(
            f"{out}: a report is written as .html or .pdf, not {suffix or 'no suffix'}"
        )
    html = render_html(data)
    if suffix == ".pdf":
        out.write_bytes(render_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    return out


__all__ = ["render_html", "render_pdf", "write_report"]
