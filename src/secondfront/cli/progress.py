"""A progress bar on stderr for commands that take more than a couple of seconds.

The library reports progress through a plain callback ``progress(done, total)``; this
module turns it into a Rich bar on stderr. The bar stays away from anything a program
reads: it is off under ``--json`` and when stderr is not a terminal (a pipe, a log).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from secondfront.cli import options

Advance = Callable[[int, int], None]


@contextmanager
def progress_bar(
    label: str, quiet: bool = False, console: Console | None = None
) -> Iterator[Advance | None]:
    """A ``progress(done, total)`` callback drawing a bar, or ``None`` when it would not show.

    Args:
        label: what is being done, e.g. ``"Sobol design"``.
        quiet: no bar (``--json``).
        console: where to draw (default: the commands' stderr console).
    """
    con = console if console is not None else options.err
    if quiet or not con.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=con, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
