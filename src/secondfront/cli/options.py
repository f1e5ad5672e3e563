"""What every command shares: the consoles, the option types, the one error handler.

A command module imports from here (never from ``app``), defines plain functions and
adds them in ``register(app)`` with :func:`command`, the one registration style. The
library raises every user error (``SecondfrontError``); :func:`user_errors` is the
one place that prints it (``path:line:col: error: ...`` per diagnostic, else
``error: message``) and exits with status 2, without a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from secondfront.defaults import FLAGSHIP
from secondfront.errors import RulesError, SecondfrontError, SpecError, UsageError

# Piped output (files, CI logs, tests) gets a wide fixed width so tables do not wrap
# mid-word; a terminal gets its own width.
_WIDTH = None if sys.stdout.isatty() else 160
out = Console(soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, soft_wrap=True, width=_WIDTH)

F = TypeVar("F", bound=Callable[..., Any])

ModelOpt = Annotated[
    str, typer.Option("--model", "-m", help="Model name (see `secondfront models`) or file path.")
]
EvidenceOpt = Annotated[
    list[str] | None,
    typer.Option("--evidence", "-e", help="Observed state, VAR=STATE. Repeatable."),
]
SoftOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--soft", help="Soft evidence, VAR=L1,L2,...: one likelihood per state. Repeatable."
    ),
]
DoOpt = Annotated[
    list[str] | None,
    typer.Option("--do", help="Intervention, VAR=STATE: set VAR, cutting its causes. Repeatable."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        "--events-db",
        help="The DuckDB events store (default: $SECONDFRONT_DB or ./secondfront.duckdb).",
    ),
]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")]

# The simulation commands (``simulate``, ``calibrate``): where the runs go and which
# society they simulate. Their ``--json`` says less than :data:`JsonOpt` because what
# they print otherwise is not always a table.
SchedulerOpt = Annotated[
    str | None, typer.Option(help="Dask scheduler address; default: local processes.")
]
SocietyParamsOpt = Annotated[
    Path | None, typer.Option(help="Society parameters file (default: shipped).")
]
SimulationJsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

__all__ = [
    "FLAGSHIP",
    "DbOpt",
    "DoOpt",
    "EvidenceOpt",
    "FromOpt",
    "JsonOpt",
    "ModelOpt",
    "SchedulerOpt",
    "SimulationJsonOpt",
    "SocietyParamsOpt",
    "SoftOpt",
    "ToOpt",
    "command",
    "date_option",
    "describe_assignments",
    "emit_json",
    "err",
    "evidence_options",
    "fmt",
    "out",
    "user_errors",
]


def user_errors(fn: F) -> F:
    """Turn library errors into a message on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (SpecError, RulesError) as e:
            if not e.diagnostics:  # a RulesError about the file as a whole
                err.print(f"error: {e}", markup=False, highlight=False)
            for d in e.diagnostics:  # each already reads "path:line:col: error: ..."
                err.print(str(d), markup=False, highlight=False)
            raise typer.Exit(2) from None
        except SecondfrontError as e:
            err.print(f"error: {e}", markup=False, highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def command(app: typer.Typer, fn: Callable[..., Any], name: str | None = None) -> None:
    """Add ``fn`` to ``app`` as a command, its errors rendered by :func:`user_errors`."""
    app.command(name or fn.__name__)(user_errors(fn))


def evidence_options(
    evidence: list[str] | None, soft: list[str] | None, do: list[str] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """``-e``, ``--soft`` and ``--do`` as (evidence, interventions).

    Raises:
        QueryError: a malformed item, or a variable given twice with different values.
    """
    from secondfront.analysis.assignments import merge_evidence, parse_assignments, parse_soft

    ev = merge_evidence(parse_assignments(evidence, "evidence"), parse_soft(soft))
    return ev, parse_assignments(do, "intervention")


def emit_json(data: object) -> None:
    """Print ``data`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def fmt(p: float) -> str:
    """A probability with four decimals."""
    return f"{p:.4f}"


def date_option(value: str | None, flag: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` option as a date; a UsageError naming the flag when it is not."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date YYYY-MM-DD") from None


def describe_assignments(evidence: dict[str, Any], do: dict[str, str]) -> str:
    """Evidence and interventions in words, as a reader would write them.

    ``{"a": "present", "b": [0.3, 0.9]}, {"c": "entered"}`` ->
    ``"observed a = present; soft evidence on b (likelihoods 0.3, 0.9); set c = entered"``.
    """
    parts = []
    for var, value in evidence.items():
        if isinstance(value, str):
            parts.append(f"observed {var} = {value}")
        else:
            likes = ", ".join(f"{float(x):g}" for x in value)
            parts.append(f"soft evidence on {var} (likelihoods {likes})")
    parts += [f"set {var} = {state} (intervention)" for var, state in do.items()]
    return "; ".join(parts) or "no evidence (the model's baseline)"
