"""``secondfront update``: bring the store up to date from GDELT 2.0 and the ACLED API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from secondfront.cli.options import (
    JsonOpt,
    command,
    err,
    out,
)
from secondfront.cli.options import (
    emit_json as _emit_json,
)
from secondfront.errors import UsageError

if TYPE_CHECKING:
    import duckdb

    from secondfront.evidence.mapping import MappingRules
    from secondfront.evidence.update import UpdateReport


def _since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--since {value!r} is not a date YYYY-MM-DD (or YYYY-MM-DDTHH:MM)"
        ) from None


def update(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="The DuckDB store (default: $SECONDFRONT_DB or ./secondfront.duckdb)."
        ),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="gdelt or acled; repeatable (default: both)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="GDELT: exports from this UTC time on (default: after the last one fetched; "
            "on a first run, the newest only).",
        ),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option("--country", help="ACLED country to query; repeatable (default: Belarus)."),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Mapping rules (default: the flagship's *.mapping.yaml)."),
    ] = None,
    no_map: Annotated[
        bool, typer.Option("--no-map", help="Store only; map to indicators later.")
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the downloaded files beside the store.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fetch what the store lacks from GDELT 2.0 and ACLED; ingest it with quarantine.

    Base URLs: $SECONDFRONT_GDELT_URL, $SECONDFRONT_ACLED_URL; ACLED credentials:
    $ACLED_KEY and $ACLED_EMAIL. Exit status 1 when some file could not be fetched
    (run again to retry it).
    """
    from secondfront.evidence import store
    from secondfront.evidence.mapping import load_rules

    mapping = None if no_map else load_rules(rules)
    start = _since(since)
    con = store.connect(db)
    report = _fetch(
        con,
        db,
        sources=tuple(source or ("gdelt", "acled")),
        since=start,
        countries=tuple(country or ("Belarus",)),
        rules=mapping,
        keep=keep,
        as_json=as_json,
    )
    failed = any(s.failed for s in report.sources)
    if as_json:
        _emit_json(report.as_json())
    else:
        _print_report(report)
    if failed:
        raise typer.Exit(1)


def _fetch(
    con: duckdb.DuckDBPyConnection,
    db: Path | None,
    *,
    sources: tuple[str, ...],
    since: dt.datetime | None,
    countries: tuple[str, ...],
    rules: MappingRules | None,
    keep: bool,
    as_json: bool,
) -> UpdateReport:
    """Run the update with a download bar and status lines on stderr (neither under
    ``--json``; no bar when stderr is not a terminal)."""
    from secondfront.evidence.update import downloads_folder
    from secondfront.evidence.update import update as run_update

    quiet = as_json or not err.is_terminal
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=quiet) as bar:

        def progress(label: str, total: int):  # type: ignore[no-untyped-def]
            task = bar.add_task(label, total=total or None)
            return lambda n: bar.advance(task, n)

        def status(line: str) -> None:
            if not as_json:
                err.print(line, markup=False, highlight=False)

        return run_update(
            con,
            downloads_folder(db),
            sources=sources,
            since=since,
            countries=countries,
            rules=rules,
            status=status,
            progress=progress,
            keep=keep,
        )


def _print_report(report: UpdateReport) -> None:
    """What each source fetched and ingested; its note and every file that failed."""
    table = Table(title="update")
    for c in (
        "source",
        "fetched",
        "skipped",
        "failed",
        "read",
        "accepted",
        "rejected",
        "duplicates",
    ):
        table.add_column(c, justify="left" if c == "source" else "right")
    for s in report.sources:
        n = s.counts
        table.add_row(
            s.source, str(s.fetched), str(s.skipped), str(len(s.failed)),
            str(n.read), str(n.accepted), str(n.rejected), str(n.duplicates),
        )  # fmt: skip
    out.print(table)
    for s in report.sources:
        if s.note:
            out.print(f"{s.source}: {s.note}", highlight=False)
        for key, reason in s.failed:
            err.print(f"error: {s.source} {key}: {reason}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``update`` to the ``secondfront`` app."""
    command(app, update)


__all__ = ["register"]
