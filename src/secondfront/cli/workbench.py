"""Commands of the analyst's workbench: ``serve`` (the web app) and ``report``.

Both are thin: ``serve`` builds :class:`~secondfront.service.settings.Settings` from
flags and the environment (flag names and help come from the settings table) and hands
them to uvicorn; ``report`` gathers the report's content
(:func:`secondfront.analysis.report_data.report_data`) and writes HTML or PDF by the
output file's suffix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secondfront.cli.options import (
    FLAGSHIP,
    DbOpt,
    DoOpt,
    EvidenceOpt,
    ModelOpt,
    SoftOpt,
    command,
    err,
    evidence_options,
    out,
)
from secondfront.service.settings import setting


def _flag(name: str) -> typer.models.OptionInfo:
    """The ``serve`` option of setting ``name``: names and help from the settings table."""
    spec = setting(name)
    return typer.Option(spec.flag, *spec.aliases, help=spec.help)


def serve(
    host: Annotated[str | None, _flag("host")] = None,
    port: Annotated[int | None, _flag("port")] = None,
    workbench_db: Annotated[Path | None, _flag("workbench_db")] = None,
    events_db: Annotated[Path | None, _flag("events_db")] = None,
    models_dir: Annotated[Path | None, _flag("models_dir")] = None,
) -> None:
    """Start the workbench web app (pages and JSON API) on localhost."""
    from secondfront.service.app import serve as run_server
    from secondfront.service.settings import Settings

    settings = Settings.from_env(
        host=host,
        port=port,
        workbench_db=workbench_db,
        models_dir=models_dir,
        events_db=events_db,
    )
    err.print(
        f"secondfront workbench on http://{settings.host}:{settings.port}/ "
        f"(ACH store {settings.workbench_db}; events store {settings.events_db}"
        f"{'' if settings.events_db.is_file() else ' (not there yet)'}; "
        f"token {'required' if settings.token else 'off'})",
        highlight=False,
    )
    run_server(settings)


def report(
    model: ModelOpt = FLAGSHIP,
    output: Annotated[Path, typer.Option("--out", "-o", help="FILE.html or FILE.pdf.")] = Path(
        "report.html"
    ),
    evidence: EvidenceOpt = None,
    soft: SoftOpt = None,
    do: DoOpt = None,
    db: DbOpt = None,
) -> None:
    """Write a self-contained report (HTML, or PDF by the suffix of --out)."""
    from secondfront.analysis.report_data import report_data
    from secondfront.model.formats import load
    from secondfront.report import write_report

    ev, interventions = evidence_options(evidence, soft, do)
    path = write_report(report_data(load(model), ev, interventions, events_db=db), output)
    out.print(f"wrote {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the ``secondfront`` command line."""
    command(app, serve)
    command(app, report)


__all__ = ["register"]
