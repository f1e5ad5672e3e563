"""Charts: every text inside the figure (no clipped title or label), titles and units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")

import matplotlib
import matplotlib.pyplot as plt

from secondfront.analysis import charts
from secondfront.analysis.sensitivity import Target, one_at_a_time, sobol
from secondfront.model.formats import load


def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures a chart function closes, kept for inspection."""
    figures: list[Any] = []
    close = plt.close

    def keep(fig: Any = None) -> None:
        figures.append(fig)
        close(fig)

    monkeypatch.setattr(plt, "close", keep)
    return figures


def assert_text_inside(fig: Any) -> None:
    """Everything drawn (titles, tick labels, legend) lies within the figure."""
    fig.canvas.draw()
    drawn_box = fig.get_tightbbox(fig.canvas.get_renderer())  # inches
    width, height = fig.get_size_inches()
    tol = 0.01
    assert drawn_box.x0 >= -tol and drawn_box.y0 >= -tol, drawn_box
    assert drawn_box.x1 <= width + tol and drawn_box.y1 <= height + tol, (drawn_box, width)


def test_tornado_and_sobol_charts_have_titles_units_and_nothing_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matplotlib.use("Agg")
    m = load("belarus-second-front")
    target = Target.parse("belarus_entry=entered", m)
    figures = drawn(monkeypatch)
    written = charts.tornado(one_at_a_time(m, target), tmp_path / "t")
    assert written == [tmp_path / "t.png", tmp_path / "t.svg"]
    assert all(p.stat().st_size > 0 for p in written)
    written = charts.sobol_bars(sobol(m, target, n_base=64), str(target), tmp_path / "s.png")
    assert written == [tmp_path / "s.png", tmp_path / "s.svg"]
    assert len(figures) == 2
    for fig in figures:
        ax = fig.axes[0]
        assert fig._suptitle is not None and "belarus_entry=entered" in fig._suptitle.get_text()
        assert "P(belarus_entry=entered)" in ax.get_xlabel()
        assert_text_inside(fig)
