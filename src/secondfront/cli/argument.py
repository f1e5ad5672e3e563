"""Commands for an analyst's own argument: ``new`` (a draft from a source text).

Each command parses, calls one library function and prints its typed result (a Rich
table, or JSON with ``--json``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from secondfront.cli.app import err, user_errors
from secondfront.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add ``new`` to the ``secondfront`` command line."""

    @app.command()
    @user_errors
    def new(
        output: Annotated[Path, typer.Option("-o", "--output", help="The draft file to write.")],
        source: Annotated[
            Path | None, typer.Option("--source", help="The source text (plain UTF-8).")
        ] = None,
        source_id: Annotated[
            str | None, typer.Option("--id", help="Id of the source, e.g. smith-2024.")
        ] = None,
        lang: Annotated[
            str, typer.Option("--lang", help="Language of the text: en, ru, uk or be.")
        ] = "en",
        outcome: Annotated[
            list[str] | None,
            typer.Option("--outcome", help="An outcome to forecast, in words. Repeatable."),
        ] = None,
        from_argdown: Annotated[
            Path | None,
            typer.Option("--from-argdown", help="Read a simple Argdown argument instead."),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Overwrite OUTPUT.")] = False,
    ) -> None:
        """Write a draft model of a source's argument; `check` then lists what is left."""
        from secondfront.model.draft import new_draft, render_draft

        if output.exists() and not force:
            raise UsageError(f"{output} exists; pass --force to overwrite it")
        if from_argdown is not None:
            from secondfront.model.argdown import draft_from_argdown

            if not from_argdown.exists():
                raise UsageError(f"{from_argdown}: no such file")
            text = draft_from_argdown(from_argdown.read_text(encoding="utf-8"), str(from_argdown))
        else:
            if source is None or source_id is None:
                raise UsageError("give --source TEXT and --id ID (or --from-argdown FILE)")
            if not source.exists():
                raise UsageError(f"{source}: no such file")
            rel = os.path.relpath(source.resolve(), output.resolve().parent)
            draft = new_draft(
                source.read_text(encoding="utf-8"),
                source_id,
                language=lang,
                outcomes=outcome or [],
                source_text=rel,
            )
            text = render_draft(draft)
        output.write_text(text, encoding="utf-8")
        err.print(
            f"wrote {output}; run `secondfront check {output}` to see what is left",
            highlight=False,
        )
