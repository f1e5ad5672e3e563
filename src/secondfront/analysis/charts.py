"""Charts for sensitivity analyses: a tornado and a Sobol bar chart, as PNG and SVG.

Matplotlib with the non-interactive Agg backend: charts are files, not windows.
Each function writes both formats next to each other (``FILE.png`` and ``FILE.svg``)
so a report can inline the PNG and a paper can take the SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secondfront.analysis.sensitivity import OneAtATime, SobolResult

MAX_BARS = 15


def _paths(path: Path) -> list[Path]:
    base = path.with_suffix("") if path.suffix.lower() in (".png", ".svg") else path
    return [base.with_suffix(".png"), base.with_suffix(".svg")]


def _title(fig: Any, text: str) -> None:
    """The chart's title, centred on the figure and wrapped to fit it.

    An axes title is centred over the plot area, which long parameter names on the
    left push to the right, so a long title ran off the figure's right edge.
    """
    import textwrap

    fig.suptitle(textwrap.fill(text, 90), fontsize=11)


def _save(fig: object, path: Path) -> list[Path]:
    """Write ``fig`` as PNG and SVG beside each other, close it, return the paths."""
    import matplotlib.pyplot as plt

    fig.tight_layout()  # type: ignore[attr-defined]
    written = _paths(path)
    for p in written:
        fig.savefig(p, dpi=120)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return written


def _short(name: str, width: int = 60) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1) :]


def tornado(result: OneAtATime, path: Path) -> list[Path]:
    """Horizontal bars from P(target) at each parameter's low to its high value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    swings = result.swings[:MAX_BARS][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.45 * max(len(swings), 3) + 1.4))
    for i, s in enumerate(swings):
        left, right = sorted((s.p_low, s.p_high))
        colour = "#c0392b" if s.p_high >= s.p_low else "#2471a3"
        ax.barh(i, right - left, left=left, color=colour, height=0.6)
    ax.axvline(result.baseline, color="black", linewidth=1)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color="#c0392b", label="raising the parameter raises P"),
            Patch(color="#2471a3", label="raising the parameter lowers P"),
        ],
        loc="lower right",
        fontsize=8,
    )
    ax.set_yticks(range(len(swings)), [_short(s.parameter) for s in swings], fontsize=8)
    ax.set_xlabel(f"P({result.target}) — each parameter over its {result.confidence:.0%} interval")
    _title(fig, f"One-at-a-time sensitivity of {result.target} (baseline {result.baseline:.3f})")
    return _save(fig, path)


def sobol_bars(result: SobolResult, target: str, path: Path) -> list[Path]:
    """First-order and total Sobol indices with their confidence intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = result.indices[:MAX_BARS][::-1]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(9, 0.45 * max(len(rows), 3) + 1.4))
    ax.barh(
        y + 0.2,
        [r.st for r in rows],
        height=0.4,
        xerr=[r.st_conf for r in rows],
        label="total (ST)",
        color="#7f8c8d",
    )
    ax.barh(
        y - 0.2,
        [r.s1 for r in rows],
        height=0.4,
        xerr=[r.s1_conf for r in rows],
        label="first order (S1)",
        color="#2471a3",
    )
    ax.set_yticks(y, [_short(r.name) for r in rows], fontsize=8)
    ax.set_xlabel(f"share of the variance of P({target}) ({result.conf_level:.0%} intervals)")
    _title(
        fig, f"Sobol indices of P({target}), N = {result.n_base}, {result.evaluations} evaluations"
    )
    ax.legend(loc="lower right")
    return _save(fig, path)
