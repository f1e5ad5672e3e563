"""Defaults the command line shows in its help, defined once and apart from the code.

They live in a module that imports nothing, so that ``secondfront --help`` can print
them without importing the libraries of the modules that use them (numpy, pydantic,
the engine). The modules that use them import them from here.
"""

FLAGSHIP = "belarus-second-front"
"""The model every command uses unless ``--model`` names another."""

DEFAULT_SAMPLES = 10_000
"""Parameter sets behind an interval, wherever one is recorded: the command line's
``forecast --uncertainty`` and the report use this one default, so their intervals agree."""

__all__ = ["DEFAULT_SAMPLES", "FLAGSHIP"]
