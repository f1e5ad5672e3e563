"""The reliability diagram of a score card, as PNG and SVG side by side.

Each bin of forecasts is a point at (mean forecast, observed frequency), its size and
label giving the number of questions; the diagonal is perfect calibration. Matplotlib
with the Agg backend: charts are files.
"""

from __future__ import annotations

from pathlib import Path

from secondfront.forecasting.scorecard import ScoreCard


def reliability_diagram(card: ScoreCard, path: Path, title: str = "") -> list[Path]:
    """Write ``PATH.png`` and ``PATH.svg``; return both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = path.with_suffix("") if path.suffix.lower() in (".png", ".svg") else path
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    bins = card.decomposition.bins
    if bins:
        xs = [b.forecast for b in bins]
        ys = [b.observed for b in bins]
        ax.scatter(xs, ys, s=[40 + 30 * b.n for b in bins], color="#1f5f8b", zorder=3)
        ax.plot(xs, ys, color="#1f5f8b", linewidth=1)
        for b in bins:
            ax.annotate(
                f"n={b.n}",
                (b.forecast, b.observed),
                textcoords="offset points",
                xytext=(6, -12),
                fontsize=8,
            )
    d = card.decomposition
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (mean within bin, 0-1)")
    ax.set_ylabel("observed frequency of yes (0-1)")
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
    fig.tight_layout()
    written = [base.with_suffix(".png"), base.with_suffix(".svg")]
    for p in written:
        fig.savefig(p, dpi=120)
    plt.close(fig)
    return written


__all__ = ["reliability_diagram"]
