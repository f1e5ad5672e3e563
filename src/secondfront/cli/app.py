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
    team,
    uncertainty,
    update,
    variables,
    workbench,
)
from secondfront.cli.options import Commands, emit_json, err, out, user_errors

app = typer.Typer(
    cls=Commands,
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
    team,
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
    """Entry point of the ``secondfront`` script.

    An option the parser cannot read (``--runs abc``) is one line on stderr and exit
    status 2, as every other bad input: not the parser's framed box.
    """
    import sys

    from typer._click.exceptions import UsageError as ParseError

    try:
        code = app(standalone_mode=False)
    except ParseError as e:
        message = e.format_message()
        if message:  # empty when the parser has shown the help (no arguments at all)
            where = f" ({e.ctx.command_path})" if e.ctx is not None else ""
            err.print(f"error{where}: {message}", markup=False, highlight=False)
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["COMMAND_MODULES", "app", "err", "main", "out", "user_errors"]
