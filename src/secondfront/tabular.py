"""Results as tables for notebooks: ``_repr_html_`` for Jupyter, ``to_frame()`` for pandas.

A typed result that mixes in :class:`Tabular` says once, in :meth:`Tabular.table`, which
rows and columns it is; Jupyter then shows it as a small HTML table, and ``to_frame()``
hands the same rows to pandas. pandas is not a dependency of the package (it is used
by the tests only): ``to_frame()`` imports it when called, and says how to install it
when it is missing.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd  # optional: only the type of to_frame() names it

MAX_HTML_ROWS = 60
"""Rows shown in a notebook before the table says how many more there are."""


@dataclass(frozen=True)
class Rows:
    """A result as a table.

    Attributes:
        caption: what the table is, in words.
        columns: column names (also the DataFrame's).
        rows: one tuple of cells per row, in column order.
    """

    caption: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


class Tabular:
    """Adds ``_repr_html_`` and ``to_frame`` to a result that defines :meth:`table`."""

    def table(self) -> Rows:
        """The result as rows and columns."""
        raise NotImplementedError

    def to_frame(self) -> pd.DataFrame:
        """The result as a ``pandas.DataFrame`` (one row per table row).

        Raises:
            ImportError: pandas is not installed (it is not a dependency of the package).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                f"{type(self).__name__}.to_frame() needs pandas, which secondfront does not "
                "install: pip install pandas"
            ) from None
        t = self.table()
        frame = pd.DataFrame.from_records(t.rows, columns=list(t.columns))
        frame.attrs["caption"] = t.caption
        return frame

    def _repr_html_(self) -> str:
        """A small HTML table, as Jupyter shows a result."""
        t = self.table()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
            for row in t.rows[:MAX_HTML_ROWS]
        )
        more = len(t.rows) - MAX_HTML_ROWS
        foot = (
            f'<tfoot><tr><td colspan="{len(t.columns)}">… {more} more rows '
            "(<code>.to_frame()</code> has them all)</td></tr></tfoot>"
            if more > 0
            else ""
        )
        return (
            f"<table><caption>{html.escape(t.caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"
        )


__all__ = ["MAX_HTML_ROWS", "Rows", "Tabular"]
