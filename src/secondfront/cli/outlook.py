"""The dated forecast on the command line: ``forecast --as-of DATE --horizon 13w``.

Parses the options, calls :func:`secondfront.forecasting.outlook.outlook` once and
renders the typed result; nothing here computes a probability.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from secondfront.cli.options import emit_json, out
from secondfront.errors import UsageError

if TYPE_CHECKING:  # the forecast's module imports numpy and the store: only when it runs
    from secondfront.forecasting.outlook import TargetForecast


def parse_horizon(text: str) -> int:
    """``13w``, ``13`` (weeks) or ``3m`` (months of 4.35 weeks, rounded) -> weeks."""
    m = re.fullmatch(r"\s*(\d{1,3})\s*([wm]?)\s*", text)
    if not m:
        raise UsageError(f"--horizon {text!r}: give weeks like 13w (or months like 3m)")
    n = int(m.group(1))
    weeks = round(n * 52 / 12) if m.group(2) == "m" else n
    from secondfront.forecasting.outlook import check_horizon

    return check_horizon(weeks)


def parse_day(text: str) -> dt.date:
    """An ISO date, or ``today``."""
    if text == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r}: give a date as YYYY-MM-DD") from None


def dated(
    as_of: str | None, horizon: str, db: Path | None, as_json: bool, refit: bool = False
) -> None:
    """Every outcome's dated forecast as of ``as_of`` (default: the store's last event day);
    with ``refit``, the chain refitted on the store up to that day."""
    from secondfront.evidence.mapping import load_rules
    from secondfront.forecasting.backtest import history_store
    from secondfront.forecasting.outlook import check_as_of, outlook
    from secondfront.timeline.chain import load_timeline

    weeks = parse_horizon(horizon)
    day = parse_day(as_of) if as_of else None
    # The network is read once: the rules and the in-memory history are bound to it.
    time_model = load_timeline()
    rules = load_rules(None, time_model.model)
    if db is None:
        con = history_store(rules=rules)
    else:
        from secondfront.evidence import store

        if not db.exists():
            raise UsageError(f"{db}: no such store; ingest events into it first")
        con = store.connect(db, read_only=True)
    from secondfront.evidence.weeks import data_span

    span = data_span(con)
    if span is not None:
        check_as_of(day, span[1], "--as-of")
    result = outlook(time_model, con, rules, day, weeks, refit=refit)
    if as_json:
        emit_json(result.as_json())
        return
    closes = result.as_of + dt.timedelta(weeks=result.horizon)
    table = Table(
        title=(
            f"as of {result.as_of.isoformat()}: P(happens in the next {result.horizon} weeks, "
            f"to {closes.isoformat()})"
        )
    )
    for c in (
        "outcome",
        "P",
        "90% interval",
        "outside view",
        "state's rate",
        "network now",
        "argument alone (12 mo.)",
        "last reported",
    ):
        table.add_column(c, overflow="fold")
    for f in result.forecasts:
        table.add_row(
            f.target,
            f"{f.p:.3f}",
            f"{f.low:.3f}-{f.high:.3f}",
            f"{f.outside:.3f}",
            "" if f.state_rate is None else f"{f.state_rate:.3f}",
            f"{f.network:.3f}",
            "" if f.argument is None else f"{f.argument:.3f}",
            f.last_event.isoformat() if f.last_event else "never",
        )
    out.print(table)
    note = _hardly_held(result.forecasts)
    if note:
        out.print(note)
    first = result.forecasts[0] if result.forecasts else None
    if first is not None:
        out.print(
            f"Learned from {first.rows} windows closed by {result.as_of} "
            f"({first.effective_rows:.0f} independent), {first.outcomes_with_events} outcomes "
            f"with events; {first.note}."
        )


def _hardly_held(forecasts: Sequence[TargetForecast]) -> str:
    """The line under the table where the chain sits in a state the history has hardly
    held: its rates are then the analyst's numbers, not observed ones, so say which
    outcomes they move and by how much ("" where none)."""
    from secondfront.forecasting.outlook import PRESENT_STEP

    step = {
        f.target: next(s.log_odds for s in f.steps if s.part == PRESENT_STEP) for f in forecasts
    }
    moved = [
        f"{f.target} {step[f.target]:+.1f} ({f.state_prior_share:.0%})"
        for f in forecasts
        if f.state_prior_share is not None
        and f.state_prior_share >= 0.5
        and abs(step[f.target]) >= 0.5
    ]
    if not moved:
        return ""
    return (
        "The chain's present state is one the history has hardly held; its rates are "
        "mostly the network's numbers (share in brackets). It moves, in log-odds: "
        + ", ".join(moved)
    )


__all__ = ["dated", "parse_day", "parse_horizon"]
