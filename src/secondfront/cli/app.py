"""The ``secondfront`` command line: a thin shell over the library.

Each command parses its arguments, calls one library function and prints the typed
result (a Rich table, or JSON with ``--json``). Commands live in modules by noun, each
with ``register(app)`` (:data:`COMMAND_MODULES`); what they share (consoles, option
types, the one error handler) is in :mod:`secondfront.cli.options`. Every error the
library raises on purpose (``SecondfrontError``) is printed as one line (or one line
per diagnostic) on stderr, and the command exits with status 2, without a traceback.

Registering the commands imports no numerical library: a command module imports the
library inside each command's body, so ``--help`` and ``--version`` answer in a fraction
of a second and each command pays only for what it uses
(``tests/cli/test_lazy_imports.py`` holds this).
"""

from __future__ import annotations

from typing import Annotated

import typer

from secondfront.cli import (
    argument,
    calibrate,
    evidence,
    forecast,
    learning,
    models,
    questions,
    simulate,
    uncertainty,
    update,
    variables,
    workbench,
)
from secondfront.cli.options import emit_json, err, out, user_errors

app = typer.Typer(
    help="Sourced, runnable Bayesian scenario models: forecast, question and export them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# The command modules, in the order ``--help`` lists their commands.
COMMAND_MODULES = (
    forecast,
    models,
    evidence,
    uncertainty,
    workbench,
    simulate,
    calibrate,
    learning,
    update,
    argument,
    questions,
    variables,
)

# A command module that still imports its helpers from here (rather than from
# secondfront.cli.options) finds them under their former names.
_emit_json = emit_json

for _module in COMMAND_MODULES:
    _module.register(app)


def _print_version(value: bool) -> None:
    if value:
        import secondfront

        out.print(f"secondfront {secondfront.__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """The options of ``secondfront`` itself (the help text is the app's)."""


def main() -> None:
    """Entry point of the ``secondfront`` script."""
    app()


__all__ = ["COMMAND_MODULES", "app", "err", "main", "out", "user_errors"]
