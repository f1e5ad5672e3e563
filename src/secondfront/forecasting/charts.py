"""The reliability diagram of a score card, as PNG and SVG side by side.

Each bin of forecasts is a point at (mean forecast, observed frequency), its size and
label giving the number of questions; the diagonal is perfect calibration. Matplotlib
with the Agg backend: charts are files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from secondfront.forecasting.generated import GeneratedCard
from secondfront.forecasting.scorecard import ScoreCard
from secondfront.forecasting.scoring import Bin

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not with the module
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def reliability_diagram(card: ScoreCard, path: Path, title: str = "") -> list[Path]:
    """Write ``PATH.png`` and ``PATH.svg``; return both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    _panel(ax, card.decomposition.bins, scale=30)
    d = card.decomposition
    n, k = len(card.questions), len(card.groups)
    brier = card.mean.get("brier", float("nan"))
    ax.set_title(
        (title or "Reliability diagram")
        + f"\n{n} resolved questions, {k} independent; Brier {brier:.3f}"
        + f"\n(REL {d.reliability:.3f}, RES {d.resolution:.3f}, UNC {d.uncertainty:.3f})",
        fontsize=9,
    )
    if card.in_sample_questions:
        label = (
            "in-sample parameters"
            if card.in_sample
            else f"in-sample: {card.in_sample_questions} of {n} forecasts"
        )
        ax.text(0.02, 0.97, label, transform=ax.transAxes, fontsize=8, va="top")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def generated_reliability(card: GeneratedCard, path: Path) -> list[Path]:
    """The reliability diagram of the generated questions, one panel per horizon: write
    ``PATH.png`` and ``PATH.svg``; return both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(card.horizons))
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 4.0), squeeze=False)
    for ax, h in zip(axes[0], card.horizons, strict=False):
        d = h.reliability
        _panel(ax, d.bins, scale=1.5)
        ax.set_title(
            f"{h.horizon} weeks: {h.n} questions, {h.independent} independent\n"
            f"Brier {h.brier['model']:.3f} (REL {d.reliability:.3f}, RES {d.resolution:.3f})",
            fontsize=8,
        )
    fig.suptitle(
        f"Generated questions, every {card.step_weeks} weeks from {card.start} to {card.end}: "
        "the dated forecast out of sample",
        fontsize=9,
    )
    return _save(fig, path)


def _panel(a: Axes, bins: Sequence[Bin], scale: float) -> None:
    """Diagonal, bins as points sized by their count, axes labelled (probabilities 0-1)."""
    a.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    if bins:
        xs = [b.forecast for b in bins]
        ys = [b.observed for b in bins]
        a.scatter(xs, ys, s=[40 + scale * b.n for b in bins], color="#1f5f8b", zorder=3)
        a.plot(xs, ys, color="#1f5f8b", linewidth=1)
        for b in bins:
            a.annotate(
                f"n={b.n}",
                (b.forecast, b.observed),
                textcoords="offset points",
                xytext=(6, -12),
                fontsize=7,
            )
    a.set_xlim(0, 1)
    a.set_ylim(-0.02, 1.02)
    a.set_xlabel("forecast probability (mean within bin, 0-1)", fontsize=8)
    a.set_ylabel("observed frequency of yes (0-1)", fontsize=8)


def _save(fig: Figure, path: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    base = path.with_suffix("") if path.suffix.lower() in (".png", ".svg") else path
    fig.tight_layout()
    written = [base.with_suffix(".png"), base.with_suffix(".svg")]
    for p in written:
        fig.savefig(p, dpi=120)
    plt.close(fig)
    return written


__all__ = ["generated_reliability", "reliability_diagram"]
