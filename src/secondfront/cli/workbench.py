"""Commands of the analyst's workbench: ``serve`` (the web app) and ``report``.

Both are thin: ``serve`` builds :class:`~secondfront.service.settings.Settings` from
flags and the environment and hands them to uvicorn; ``report`` builds the report
content and writes HTML or PDF by the output file's suffix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secondfront.cli.app import err, out, parse_assignments, parse_soft, user_errors
from secondfront.model.formats import FLAGSHIP, load


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the ``secondfront`` command line."""

    @app.command()
    @user_errors
    def serve(
        host: Annotated[
            str | None,
            typer.Option(
                help="Address to bind (default 127.0.0.1); "
                "anything but loopback needs SECONDFRONT_TOKEN."
            ),
        ] = None,
        port: Annotated[int | None, typer.Option(help="TCP port (default 8000).")] = None,
        db: Annotated[
            Path | None,
            typer.Option(
                help="SQLite file for saved ACH matrices (default ./secondfront-workbench.sqlite3)."
            ),
        ] = None,
        models_dir: Annotated[
            Path | None, typer.Option("--models-dir", help="Serve only the models in this folder.")
        ] = None,
        events_db: Annotated[
            Path | None,
            typer.Option(
                "--events-db",
                help="DuckDB events store for the Timeline "
                "(default: $SECONDFRONT_DB or ./secondfront.duckdb; fill it with `secondfront "
                "ingest`).",
            ),
        ] = None,
    ) -> None:
        """Start the workbench web app (pages and JSON API) on localhost."""
        from secondfront.service.app import serve as run_server
        from secondfront.service.settings import Settings

        settings = Settings.from_env(
            host=host, port=port, db=db, models_dir=models_dir, events_db=events_db
        )
        err.print(
            f"secondfront workbench on http://{settings.host}:{settings.port}/ "
            f"(ACH store {settings.db}; events store {settings.events_db}"
            f"{'' if settings.events_db.is_file() else ' (not there yet)'}; "
            f"token {'required' if settings.token else 'off'})",
            highlight=False,
        )
        run_server(settings)

    @app.command()
    @user_errors
    def report(
        model: Annotated[str, typer.Option("--model", "-m", help="Model name or file.")] = FLAGSHIP,
        output: Annotated[Path, typer.Option("--out", "-o", help="FILE.html or FILE.pdf.")] = Path(
            "report.html"
        ),
        evidence: Annotated[
            list[str] | None,
            typer.Option("--evidence", "-e", help="Observed state, VAR=STATE. Repeatable."),
        ] = None,
        soft: Annotated[
            list[str] | None,
            typer.Option("--soft", help="Soft evidence, VAR=L1,L2,... Repeatable."),
        ] = None,
        do: Annotated[
            list[str] | None, typer.Option("--do", help="Intervention, VAR=STATE. Repeatable.")
        ] = None,
        events_db: Annotated[
            Path | None,
            typer.Option(
                "--events-db",
                help="DuckDB events store for the timeline section "
                "(default: $SECONDFRONT_DB or ./secondfront.duckdb).",
            ),
        ] = None,
    ) -> None:
        """Write a self-contained report (HTML, or PDF by the suffix of --out)."""
        from secondfront.report import build_report, write_report

        ev: dict[str, object] = dict(parse_assignments(evidence, "evidence"))
        ev.update(parse_soft(soft))
        data = build_report(
            load(model),
            ev,  # type: ignore[arg-type]
            parse_assignments(do, "intervention"),
            events_db=events_db,
        )
        path = write_report(data, output)
        out.print(f"wrote {path}", highlight=False)
