"""Pictures drawn in Python as SVG text: the network graph and outcome bar charts.

They are plain SVG so that the same picture serves the workbench pages (inline, with
click handlers attached by script), the self-contained HTML report (inlined as a
``data:`` image) and the PDF (WeasyPrint draws SVG itself), with no browser needed.

Graph layout: a layered drawing, top to bottom. A node's layer is the length of the
longest path from a root to it, so every edge points downward; within a layer, nodes
are ordered by a few sweeps of the barycentre heuristic (Sugiyama et al. 1981),
which keeps most edges short and untangled on networks of a few dozen variables.
"""

from __future__ import annotations

import base64
import datetime
import html
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from secondfront.model.network import Network

NODE_W = 176
NODE_H = 46
GAP_X = 18
GAP_Y = 40
MARGIN = 12

# A sequential ramp from pale yellow (0) to dark red (1): probability reads as heat.
_RAMP: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (255, 255, 204)),
    (0.25, (254, 217, 118)),
    (0.5, (253, 141, 60)),
    (0.75, (227, 26, 28)),
    (1.0, (128, 0, 38)),
)


def colour(p: float) -> str:
    """The fill colour for probability ``p`` (clipped to [0, 1]) as ``#rrggbb``."""
    p = min(1.0, max(0.0, p))
    for (p0, c0), (p1, c1) in itertools.pairwise(_RAMP):
        if p <= p1:
            t = (p - p0) / (p1 - p0)
            rgb = [round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#800026"


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (relative luminance)."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "#ffffff"


@dataclass(frozen=True)
class Layout:
    """Node positions of a layered drawing.

    Attributes:
        positions: variable -> (x, y) of the node's top-left corner.
        width: picture width.
        height: picture height.
    """

    positions: dict[str, tuple[float, float]]
    width: float
    height: float


def layout(network: Network, sweeps: int = 4) -> Layout:
    """A top-to-bottom layered layout of ``network`` (see the module docstring)."""
    layer: dict[str, int] = {}
    for v in network:  # topological order: parents already placed
        layer[v.name] = 1 + max((layer[p] for p in v.parents), default=-1)
    layers: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for name, k in layer.items():
        layers[k].append(name)
    children = {v.name: network.children(v.name) for v in network}
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        order = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for k in order:
            ref = {n: i for i, n in enumerate(layers[k - 1 if down else k + 1])}

            def key(n: str, ref: dict[str, int] = ref, down: bool = down) -> float:
                nbrs = network.variables[n].parents if down else children[n]
                pos = [ref[m] for m in nbrs if m in ref]
                return sum(pos) / len(pos) if pos else float("inf")

            current = {n: i for i, n in enumerate(layers[k])}
            layers[k].sort(key=lambda n: (key(n), current[n]))
    widest = max((len(row) for row in layers), default=0)
    width = 2 * MARGIN + widest * NODE_W + max(0, widest - 1) * GAP_X
    positions: dict[str, tuple[float, float]] = {}
    for k, row in enumerate(layers):
        row_w = len(row) * NODE_W + max(0, len(row) - 1) * GAP_X
        x0 = (width - row_w) / 2
        for i, name in enumerate(row):
            positions[name] = (x0 + i * (NODE_W + GAP_X), MARGIN + k * (NODE_H + GAP_Y))
    height = 2 * MARGIN + len(layers) * NODE_H + max(0, len(layers) - 1) * GAP_Y
    return Layout(positions, width, height)


# Average advance of a DejaVu Sans glyph, in em: what a label's width is estimated from.
_EM_PER_CHAR = {False: 0.60, True: 0.68}
LABEL_ROOM = NODE_W - 10
"""Width (px) a node's text may take: the box less a margin on each side."""


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width in px of ``text`` at font ``size`` (px), generous for DejaVu Sans."""
    return len(text) * size * _EM_PER_CHAR[bold]


def _fit(text: str, size: float, bold: bool = False) -> str:
    """SVG attributes that squeeze ``text`` into the node, or ``""`` when it fits.

    A name is shown whole (a cut name such as "ssian loans or energy de..." reads as
    another variable); one too wide for the box is drawn narrower instead.
    """
    if text_width(text, size, bold) <= LABEL_ROOM:
        return ""
    return f' textLength="{LABEL_ROOM}" lengthAdjust="spacingAndGlyphs"'


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def network_svg(
    network: Network,
    probabilities: Mapping[str, float],
    headline: Mapping[str, str],
    outcomes: Sequence[str] = (),
    indicators: Sequence[str] = (),
) -> str:
    """The network as an SVG graph, nodes coloured by probability.

    Args:
        network: the model.
        probabilities: variable -> probability of its headline state (fill colour).
        headline: variable -> the state whose probability is shown.
        outcomes: variables drawn with a heavy outline.
        indicators: variables drawn with a dashed outline (observables).

    Returns:
        an ``<svg>`` element; each node is a ``<g class="node" data-var=NAME>``.
    """
    lay = layout(network)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" role="img" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" width="{lay.width:.0f}" '
        f'height="{lay.height:.0f}" font-family="DejaVu Sans, Arial, sans-serif">',
        "<title>The model as a network: arrows run from cause to effect; fill shows the "
        "probability of each variable's headline state.</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" '
        'fill="#777"/></marker></defs>',
        '<g class="edges" fill="none" stroke="#9a9a9a" stroke-width="1.2">',
    ]
    for v in network:
        x1, y1 = lay.positions[v.name]
        for p in v.parents:
            x0, y0 = lay.positions[p]
            sx, sy = x0 + NODE_W / 2, y0 + NODE_H
            ex, ey = x1 + NODE_W / 2, y1
            mid = (sy + ey) / 2
            parts.append(
                f'<path d="M{sx:.1f},{sy:.1f} C{sx:.1f},{mid:.1f} {ex:.1f},{mid:.1f} '
                f'{ex:.1f},{ey:.1f}" marker-end="url(#arrow)" data-from="{p}" data-to="{v.name}"/>'
            )
    parts.append('</g><g class="nodes">')
    outcome_set, indicator_set = set(outcomes), set(indicators)
    for v in network:
        x, y = lay.positions[v.name]
        prob = probabilities.get(v.name, 0.0)
        fill = colour(prob)
        ink = text_colour(fill)
        state = headline.get(v.name, v.states[-1])
        stroke, width, dash = "#555", 1.0, ""
        if v.name in outcome_set:
            stroke, width = "#111", 3.2
        elif v.name in indicator_set:
            dash = ' stroke-dasharray="4 3"'
        label = v.name.replace("_", " ")
        sub = f"P({state}) = {prob * 100:.1f}%"
        tip = html.escape(f"{v.name}: {v.label}" if v.label else v.name)
        parts.append(
            f'<g class="node" data-var="{html.escape(v.name)}" tabindex="0" role="button" '
            f'transform="translate({x:.1f},{y:.1f})"><title>{tip}</title>'
            f'<rect width="{NODE_W}" height="{NODE_H}" rx="8" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{width}"{dash}/>'
            f'<text x="{NODE_W / 2}" y="19" text-anchor="middle" font-size="12" '
            f'font-weight="bold" fill="{ink}"{_fit(label, 12, bold=True)}>'
            f"{html.escape(label)}</text>"
            f'<text x="{NODE_W / 2}" y="36" text-anchor="middle" font-size="11" '
            f'fill="{ink}"{_fit(sub, 11)}>{html.escape(sub)}</text></g>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def bars_svg(rows: Sequence[tuple[str, float, str]], width: int = 720) -> str:
    """Horizontal probability bars: one row per (label, probability, words).

    The ICD 203 bands are drawn as light stripes behind the bars so a reader sees
    which term a probability falls in.
    """
    from secondfront.analysis.language import ICD203

    label_w, row_h, top = 300, 34, 26
    plot_w = width - label_w - 70
    height = top + len(rows) * row_h + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="DejaVu Sans, Arial, sans-serif" '
        'role="img"><title>Outcome probabilities with ICD 203 bands</title>'
    ]
    for i, term in enumerate(ICD203):
        x0 = label_w + term.low * plot_w
        x1 = label_w + term.high * plot_w
        shade = "#f2f2f2" if i % 2 == 0 else "#e6e6e6"
        parts.append(
            f'<rect x="{x0:.1f}" y="{top - 4}" width="{x1 - x0:.1f}" '
            f'height="{height - top}" fill="{shade}"/>'
        )
    for tick in (0, 0.2, 0.45, 0.55, 0.8, 1.0):
        x = label_w + tick * plot_w
        parts.append(
            f'<text x="{x:.1f}" y="14" font-size="10" text-anchor="middle" fill="#555">'
            f"{tick * 100:.0f}%</text>"
        )
    for i, (label, p, words) in enumerate(rows):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" font-size="12" text-anchor="end">'
            f"{html.escape(_short(label, 44))}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{max(1.0, p * plot_w):.1f}" height="18" '
            f'fill="{colour(p)}" stroke="#444" stroke-width="0.6"/>'
            f'<text x="{label_w + p * plot_w + 6:.1f}" y="{y + 17}" font-size="11">'
            f"{p * 100:.1f}% {html.escape(words)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# Tableau 10: distinguishable lines for up to ten outcomes, also in greyscale print.
SERIES_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#bab0ac",
    "#e15759",
)
ALERT_COLOUR = "#c00000"


# Probability ticks of the timeline's square-root axis (see timeline_svg).
TIMELINE_TICKS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class _TimelineFrame:
    """Where the timeline's plot sits in the picture, and its scales.

    Attributes:
        left, top: the plot's top-left corner, in pixels.
        plot_w, plot_h: its size, in pixels.
        d0: the first week's start day (at ``left``).
        span: days from ``d0`` to the last week's start (at ``left + plot_w``), >= 1.
    """

    left: int
    top: int
    plot_w: int
    plot_h: int
    d0: datetime.date
    span: int

    def x(self, day: datetime.date) -> float:
        """The pixel column of ``day`` (linear in days)."""
        return self.left + (day - self.d0).days / self.span * self.plot_w

    def y(self, p: float) -> float:
        """The pixel row of probability ``p`` (square-root scale, clipped to [0, 1])."""
        return cast("float", self.top + (1 - min(1.0, max(0.0, p)) ** 0.5) * self.plot_h)


def timeline_svg(data: Mapping[str, object], width: int = 760, height: int = 300) -> str:
    """Weekly outcome probabilities as lines, alerts as red markers, in SVG.

    The same picture the workbench draws with Vega-Lite, drawn here without a browser
    so that the HTML report and the PDF carry it. The y axis is on a square-root
    scale: the headline outcomes live between 1% and 15%, and on a linear axis their
    weekly moves would vanish under an outcome near 75%. The first series (the
    headline outcome) is drawn last and thickest.

    Args:
        data: ``TimelineView.as_json()`` of a view with ``status == "ok"``
            (:func:`secondfront.timeline.view.timeline_view`).
        width: picture width.
        height: plot height (the legend adds rows below it).

    Returns:
        an ``<svg>`` element.
    """
    # The view's JSON is typed as objects; these three entries are lists of JSON objects.
    weeks: list[dict[str, Any]] = list(data.get("weeks") or [])  # type: ignore[call-overload]
    series: list[dict[str, Any]] = list(data.get("series") or [])  # type: ignore[call-overload]
    alerts: list[dict[str, Any]] = list(data.get("alerts") or [])  # type: ignore[call-overload]
    left, right, top, bottom = 52, 16, 14, 28
    legend_rows = (len(series) + 1) // 2 + (1 if alerts else 0)
    total_h = height + 10 + legend_rows * 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total_h}" '
        f'width="{width}" height="{total_h}" font-family="DejaVu Sans, Arial, sans-serif" '
        'role="img" class="timeline"><title>Weekly outcome probabilities from ingested '
        "events, with alert markers</title>"
    ]
    if not weeks or not series:
        parts.append("</svg>")
        return "".join(parts)
    days = [datetime.date.fromisoformat(w["start"]) for w in weeks]
    span = max(1, (days[-1] - days[0]).days)
    frame = _TimelineFrame(left, top, width - left - right, height - top - bottom, days[0], span)
    parts += _timeline_axes(frame, days[-1])
    parts += _timeline_marks(frame, days, weeks, series, alerts)
    dated = data.get("dated_weeks")
    parts += _timeline_legend(frame, series, alerts, height + 10, dated)
    parts.append("</svg>")
    return "".join(parts)


def _timeline_axes(f: _TimelineFrame, d1: datetime.date) -> list[str]:
    """The plot's frame, the probability grid with % labels, and the time ticks (years,
    or quarters for a range within two years)."""
    left, top, plot_w, plot_h = f.left, f.top, f.plot_w, f.plot_h
    parts = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#bbb" stroke-width="0.8"/>'
    ]
    for p in TIMELINE_TICKS:  # horizontal grid with % labels
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{f.y(p):.1f}" y2="{f.y(p):.1f}" '
            'stroke="#e6e6e6"/>'
            f'<text x="{left - 6}" y="{f.y(p) + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#555">{p * 100:g}%</text>'
        )
    parts.append(
        f'<text transform="translate(12,{top + plot_h / 2:.0f}) rotate(-90)" font-size="10" '
        'text-anchor="middle" fill="#555">probability (square-root scale)</text>'
    )
    # Year ticks; for a range within a year or two, quarter ticks read better.
    step = 1 if f.span > 2 * 365 else 3
    tick = datetime.date(f.d0.year, 1, 1)
    while tick <= d1:
        if tick >= f.d0:
            label = str(tick.year) if tick.month == 1 else tick.strftime("%b")
            parts.append(
                f'<line x1="{f.x(tick):.1f}" x2="{f.x(tick):.1f}" y1="{top}" '
                f'y2="{top + plot_h}" stroke="#eee"/>'
                f'<text x="{f.x(tick):.1f}" y="{top + plot_h + 16}" font-size="10" '
                f'text-anchor="middle" fill="#555">{label}</text>'
            )
        month = tick.month - 1 + (12 if step == 1 else step)
        tick = datetime.date(tick.year + month // 12, month % 12 + 1, 1)
    return parts


def _timeline_marks(
    f: _TimelineFrame,
    days: list[datetime.date],
    weeks: list[dict[str, Any]],
    series: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
) -> list[str]:
    """A dashed rule per alert week, one line per series (the first last and thickest),
    and a marker where each alert fired."""
    parts = []
    for a in alerts:  # behind the lines: a dashed rule per alert week
        ax = f.x(datetime.date.fromisoformat(a["start"]))
        parts.append(
            f'<line x1="{ax:.1f}" x2="{ax:.1f}" y1="{f.top}" y2="{f.top + f.plot_h}" '
            f'stroke="{ALERT_COLOUR}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    for k in reversed(range(len(series))):
        s = series[k]
        col = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        pts = " ".join(
            f"{f.x(d):.1f},{f.y(w['p'][s['variable']]):.1f}"
            for d, w in zip(days, weeks, strict=True)
        )
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{col}" '
            f'stroke-width="{2.6 if k == 0 else 1.3}" stroke-linejoin="round" '
            f'data-variable="{html.escape(s["variable"])}"/>'
        )
    for a in alerts:
        if a.get("p") is None:
            continue
        ax, ay = f.x(datetime.date.fromisoformat(a["start"])), f.y(float(a["p"]))
        parts.append(
            f'<path class="alert" d="M{ax:.1f},{ay - 7:.1f} L{ax + 6:.1f},{ay + 4:.1f} '
            f'L{ax - 6:.1f},{ay + 4:.1f} z" fill="{ALERT_COLOUR}" stroke="#fff" '
            f'stroke-width="0.8"><title>{html.escape(a["message"])}</title></path>'
        )
    return parts


def _timeline_legend(
    f: _TimelineFrame,
    series: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
    ly: int,
    dated: object = None,
) -> list[str]:
    """The legend below the plot from row ``ly``: two series per row, then the alert
    marker's meaning: the dated forecast's early warning when the view carries dated
    numbers (``dated`` weeks ahead), else the time model's own rules."""
    left, plot_w = f.left, f.plot_w
    parts = []
    for k, s in enumerate(series):
        col = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        lx = left + (k % 2) * (plot_w / 2)
        row = ly + (k // 2) * 18
        text = f"{s['label']} ({s['state']})"
        parts.append(
            f'<line x1="{lx:.1f}" x2="{lx + 18:.1f}" y1="{row + 5}" y2="{row + 5}" '
            f'stroke="{col}" stroke-width="{3 if k == 0 else 2}"/>'
            f'<text x="{lx + 24:.1f}" y="{row + 9}" font-size="10.5">'
            f"{html.escape(_short(text, 58))}</text>"
        )
    if alerts:
        row = ly + ((len(series) + 1) // 2) * 18
        parts.append(
            f'<path d="M{left + 9},{row} L{left + 15},{row + 11} L{left + 3},{row + 11} z" '
            f'fill="{ALERT_COLOUR}"/><text x="{left + 24}" y="{row + 9}" font-size="10.5">'
            + (
                f"alert (the dated forecast's P(within {dated} weeks) reached its threshold "
                f"chosen by rolling origin; {len(alerts)} in this range)"
                if dated
                else f"alert (a rule of the time model fired that week; {len(alerts)} in this "
                "range)"
            )
            + "</text>"
        )
    return parts


def data_uri(svg: str) -> str:
    """``svg`` as a base64 ``data:image/svg+xml`` URI, for self-contained documents."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


__all__ = [
    "Layout",
    "bars_svg",
    "colour",
    "data_uri",
    "layout",
    "network_svg",
    "text_colour",
    "timeline_svg",
]
