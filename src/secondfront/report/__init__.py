"""Reports people can share: the forecast with its basis, drawn as HTML or PDF.

This package renders :class:`~secondfront.analysis.report_data.ReportData` (built by
:func:`secondfront.analysis.report_data.report_data`); it computes nothing itself.
:mod:`secondfront.report.graphics` holds the SVG pictures that reports and the
workbench pages share.
"""

from secondfront.report.render import WorkbenchLink, render_html, render_pdf, write_report

__all__ = ["WorkbenchLink", "render_html", "render_pdf", "write_report"]
