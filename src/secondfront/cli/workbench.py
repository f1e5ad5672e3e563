"""Commands of the analyst's workbench: ``serve`` (the web app) and ``report``.

Both are thin: ``serve`` builds :class:`~secondfront.service.settings.Settings` from
flags and the environment (flag names and help come from the settings table) and hands
them to uvicorn; ``report`` gathers the report's content
(:func:`secondfront.analysis.report_data.report_data`) and writes HTML or PDF by the
output file's suffix.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

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
from secondfront.errors import UsageError
from secondfront.service.settings import Settings, setting

if TYPE_CHECKING:
    from secondfront.report import WorkbenchLink


def _flag(name: str) -> typer.models.OptionInfo:
    """The ``serve`` option of setting ``name``: names and help from the settings table."""
    spec = setting(name)
    default = getattr(Settings(), name)
    # The option's value None stands for "not given here" (the environment may still set
    # it), so the default a reader needs, the settings' own, goes into the help.
    words = spec.help if default is None else f"{spec.help} Default: {default}."
    return cast("typer.models.OptionInfo", typer.Option(spec.flag, *spec.aliases, help=words))


def serve(
    host: Annotated[str | None, _flag("host")] = None,
    port: Annotated[int | None, _flag("port")] = None,
    workbench_db: Annotated[Path | None, _flag("workbench_db")] = None,
    events_db: Annotated[Path | None, _flag("events_db")] = None,
    models_dir: Annotated[Path | None, _flag("models_dir")] = None,
    users: Annotated[bool | None, _flag("users")] = None,
    certfile: Annotated[Path | None, _flag("certfile")] = None,
    keyfile: Annotated[Path | None, _flag("keyfile")] = None,
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
        users=users,
        certfile=certfile,
        keyfile=keyfile,
    )
    scheme = "https" if settings.certfile else "http"
    who = {
        "users": "each user's token required",
        "token": "token required",
        "local": "no token: this machine only",
    }
    err.print(
        f"secondfront workbench on {scheme}://{settings.host}:{settings.port}/ "
        f"(ACH store {settings.workbench_db}; events store {settings.events_db}"
        f"{'' if settings.events_db.is_file() else ' (not there yet)'}; "
        f"{who[settings.auth]})",
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
    appendix: Annotated[
        bool,
        typer.Option(
            "--appendix",
            help="Add the long tables: the timeline's weeks with their events, every key "
            "assumption and source, the stated assumptions, sources and claims.",
        ),
    ] = False,
    since: Annotated[
        Path | None,
        typer.Option(
            "--since",
            help="A previous report's summary (FILE.summary.json) to say what changed; "
            "default: the summary beside --out, when a report was written there before.",
        ),
    ] = None,
) -> None:
    """Write a self-contained report (HTML, or PDF by the suffix of --out).

    A summary of its figures is written beside it (FILE.summary.json); the next report
    written to the same file, or given it with --since, says what changed since.
    """
    import json

    from secondfront.analysis.report_data import ReportSummary, report_data
    from secondfront.model.formats import load
    from secondfront.report import write_report

    ev, interventions = evidence_options(evidence, soft, do)
    m = load(model)
    beside = output.with_name(output.name + ".summary.json")
    previous = None
    source = since if since is not None else (beside if beside.is_file() else None)
    if source is not None:
        try:
            raw = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UsageError(f"{source}: cannot read a report summary ({e})") from None
        previous = ReportSummary.from_json(raw, str(source))
    data = report_data(m, ev, interventions, events_db=db, previous=previous)
    path = write_report(data, output, appendix=appendix, workbench=_workbench_link(m.name))
    beside.write_text(json.dumps(data.summary().as_json(), indent=1), encoding="utf-8")
    out.print(f"wrote {path} (and {beside.name})", highlight=False)


def _workbench_link(model: str) -> WorkbenchLink:
    """The model's page on the workbench ``secondfront serve`` would start here.

    Host and port are the workbench's settings (flags aside: the report has none);
    a configuration ``serve`` would refuse falls back to the defaults, since a report
    must not fail over a setting it only links to.
    """
    from secondfront.report import WorkbenchLink

    try:
        settings = Settings.from_env()
    except UsageError:
        settings = Settings()
    return WorkbenchLink(
        f"http://{settings.host}:{settings.port}/models/{model}",
        "while `secondfront serve` runs",
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the ``secondfront`` command line."""
    command(app, serve)
    command(app, report)


__all__ = ["register"]
