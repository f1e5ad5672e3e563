"""Render a report as one self-contained HTML file or as PDF.

The HTML carries its style inline and its pictures as ``data:`` URIs, so it can be
mailed or opened offline with nothing beside it. The PDF is the same HTML laid out
by WeasyPrint, which needs Pango (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``);
WeasyPrint is imported only when a PDF is asked for.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from secondfront.errors import UsageError
from secondfront.report.build import ReportData
from secondfront.report.graphics import data_uri


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
    return _ENV.get_template("report.html").render(r=data)


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
