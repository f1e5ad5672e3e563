"""Notebook tables: ``_repr_html_`` and ``to_frame()`` on the typed results and the Model."""

from __future__ import annotations

import builtins
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import secondfront as sf
from secondfront.analysis.forecast import forecast
from secondfront.analysis.sensitivity import Target, one_at_a_time, sobol
from secondfront.analysis.watchlist import watchlist
from secondfront.tabular import MAX_HTML_ROWS, Tabular
from secondfront.timeline.view import timeline_view
from tests.conftest import FLAGSHIP

pd = pytest.importorskip("pandas")


def check(result: Tabular, rows: int) -> Any:
    """The HTML table and the DataFrame carry the same rows and columns."""
    t = result.table()
    page = result._repr_html_()
    assert page.startswith("<table><caption>") and page.endswith("</table>")
    assert page.count("<th>") == len(t.columns)
    assert page.count("<tr>") == 1 + min(rows, MAX_HTML_ROWS) + (rows > MAX_HTML_ROWS)
    frame = result.to_frame()
    assert list(frame.columns) == list(t.columns) and len(frame) == rows
    return frame


@pytest.fixture(scope="module")
def model() -> sf.Model:
    return sf.load(FLAGSHIP)


def test_forecast_table_matches_the_forecast(model: sf.Model) -> None:
    fc = forecast(model, {"reservist_callups": "present"}, samples=200)
    frame = check(fc, len(fc.outcomes))
    for o, (_, row) in zip(fc.outcomes, frame.iterrows(), strict=True):
        assert row["variable"] == o.variable and row["probability"] == o.probability
        assert (row["low_90"], row["high_90"]) == o.interval
    assert "entered" in fc._repr_html_() and "almost no chance" in fc._repr_html_()


def test_model_table_lists_variables_with_roles(model: sf.Model) -> None:
    frame = check(model, len(model))
    assert frame.set_index("variable").loc["belarus_entry", "roles"] == ["outcome"]
    assert "troops_toward_southern_border" in frame["variable"].tolist()


def test_sensitivity_and_watchlist_tables(model: sf.Model) -> None:
    target = Target.parse("belarus_entry=entered", model)
    oat = one_at_a_time(model, target)
    frame = check(oat, len(oat.swings))
    assert frame["swing"].is_monotonic_decreasing
    sob = sobol(model, target, n_base=64)
    frame = check(sob, len(sob.indices))
    assert frame["st"].tolist() == [i.st for i in sob.indices]
    wl = watchlist(model, target)
    frame = check(wl, len(wl.singles) + len(wl.pairs))
    assert frame["mi_bits"].iloc[0] == wl.singles[0].mutual_information


def test_timeline_view_table(model: sf.Model, events_store: Path) -> None:
    view = timeline_view(model, events_store, dt.date(2022, 1, 1), dt.date(2022, 6, 30))
    frame = check(view, len(view.weeks))
    heads = [c for c in frame.columns if c.startswith("P(")]
    assert len(heads) == len(view.series) and heads[0] == "P(belarus_entry=entered)"
    w08 = frame.set_index("week").loc["2022-W08"]
    assert (
        w08[heads[0]]
        == view.weeks[[w.week for w in view.weeks].index("2022-W08")].p["belarus_entry"]
    )
    assert re.search(r"<td>2022-W08</td>", view._repr_html_())


def test_to_frame_without_pandas_says_what_to_install(
    model: sf.Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = builtins.__import__

    def no_pandas(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match=r"Model.to_frame\(\) needs pandas.*pip install pandas"):
        model.to_frame()
    assert model._repr_html_()  # HTML needs nothing beyond the package
