"""Reports people can share: the forecast with its basis, as HTML or PDF.

Also home of the optional-capability registry (:mod:`secondfront.report.capabilities`)
and of the SVG pictures (:mod:`secondfront.report.graphics`) that reports and the
workbench share.
"""

from secondfront.report.build import ReportData, build_report
from secondfront.report.render import render_html, render_pdf, write_report

__all__ = ["ReportData", "build_report", "render_html", "render_pdf", "write_report"]
