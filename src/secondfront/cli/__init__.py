"""The command line: a thin shell over the library (see ``secondfront --help``)."""

from secondfront.cli.app import app, main

__all__ = ["app", "main"]
