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
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from secondfront.defaults import FLAGSHIP
from secondfront.errors import Diagnostic, RulesError, SecondfrontError, SpecError, UsageError

# Piped output (files, CI logs, tests) gets a wide fixed width so tables do not wrap
# mid-word, unless COLUMNS asks for another; a terminal gets its own width.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
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
# Each command gives its own default: the questions refit, the dated forecast, the
# generated scorecard and the early warning use the analyst's numbers unless asked.
RefitOpt = Annotated[
    bool,
    typer.Option(
        "--refit/--no-refit",
        help="Refit the time model on the store up to each forecast day (out of sample), "
        "or use the spec's numbers (in-sample).",
    ),
]
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

# Click's exception classes as this Typer uses them: Typer 0.29 carries its own copy of
# Click, earlier versions use the click package; BadParameter descends from both.
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


class Commands(TyperGroup):
    """A group of commands that prints a usage error as one line and a flag as a flag.

    Click's own rendering of a mistyped command or option is a usage line, a hint and
    a box; the command line's promise is one line per error on stderr, exit status 2
    (``error: No such command 'forcast'. Did you mean 'forecast'?``). In ``--help``,
    Typer labels every on/off flag ``<bool>`` as if it took a value (``--help
    <bool>``); the flags here show no type, since they take none.
    """

    # Typer's own signatures name its vendored click types (typer._click), which are
    # private: the overrides below take any object where Typer takes a context and
    # check it is one (``_expect``), and return Typer's public command classes.
    def get_command(self, ctx: object, cmd_name: str) -> TyperCommand | TyperGroup | None:
        """The command ``cmd_name``, its flags shown as flags (``ctx`` may be None)."""
        found = self.commands.get(cmd_name)  # Typer's own lookup, which reads no context
        if found is None:
            return None
        if not isinstance(found, TyperCommand | TyperGroup):
            raise TypeError(f"command {cmd_name!r} is not a Typer command: {found!r}")
        _plain_flags(found, ctx)
        return found

    def get_help(self, ctx: object) -> str:
        """The group's help, its own flags shown as flags."""
        _plain_flags(self, ctx)
        return super().get_help(_expect(ctx, TyperGroup.context_class))

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: object,
    ) -> object:
        """Run the command line; a usage error is one line on stderr and exit status 2."""
        run = functools.partial(
            super().main,
            args=args,
            prog_name=prog_name,
            complete_var=complete_var,
            standalone_mode=False,
            windows_expand_args=windows_expand_args,
            **extra,
        )
        if not standalone_mode:
            return run()
        try:
            # Not standalone: errors come back here instead of being drawn in a box,
            # and an exit status comes back as the return value.
            status = run()
        except _CLICK_ERROR as e:
            code = getattr(e, "exit_code", 2)
            if type(e).__name__ != "NoArgsIsHelpError":  # else the help is printed already
                message = " ".join(e.format_message().split())  # type: ignore[attr-defined]
                err.print(f"error: {message}", markup=False, highlight=False)
            sys.exit(code)
        except typer.Abort:
            err.print("aborted", markup=False, highlight=False)
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)


_T = TypeVar("_T")


def _expect(value: object, kind: type[_T]) -> _T:
    """``value`` as a ``kind``; a TypeError if it is not one (a caller's mistake)."""
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _plain_flags(cmd: TyperCommand | TyperGroup, ctx: object) -> None:
    """Give ``cmd``'s on/off flags (``--help`` too, given a context) an empty type label."""
    params = list(cmd.params)
    if ctx is not None:
        shown = cmd.get_help_option(_expect(ctx, TyperGroup.context_class))
        if shown is not None:
            params.append(shown)
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""


__all__ = [
    "FLAGSHIP",
    "Commands",
    "DbOpt",
    "DoOpt",
    "EvidenceOpt",
    "FromOpt",
    "JsonOpt",
    "ModelOpt",
    "RefitOpt",
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


#: The bounds of numeric options by parameter name: (least, most or None). Every other
#: numeric option may be any finite number >= 0: no option of the command line means
#: anything by a negative number. Checked by :func:`check_numbers` for every command
#: (through :func:`user_errors`), before it runs: the one place these rules live.
NUMBER_RULES: dict[str, tuple[float, float | None]] = {
    "seed": (0, 2**63 - 1),  # numpy's SeedSequence takes non-negative integers
    "samples": (1, None),
    "runs": (1, None),
    "agents": (1, None),
    "steps": (1, None),
    "workers": (1, None),
    "top": (1, None),
    "pairs": (1, None),
    "max_iter": (1, None),
    "window": (1, None),
    "horizon": (1, 52),  # weeks ahead
    "port": (1, 65_535),
}


def check_numbers(values: Mapping[str, object]) -> None:
    """Refuse a command's numeric option outside :data:`NUMBER_RULES` (a one-line UsageError).

    Args:
        values: the command's parameters by name, as the command receives them.
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        flag = "--" + name.replace("_", "-")
        if not math.isfinite(value):
            raise UsageError(f"{flag} must be a finite number, got {value}")
        least, most = NUMBER_RULES.get(name, (0, None))
        if value < least:
            raise UsageError(f"{flag} must be at least {_number(least)}, got {_number(value)}")
        if most is not None and value > most:
            raise UsageError(f"{flag} must be at most {_number(most)}, got {_number(value)}")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def user_errors(fn: F) -> F:
    """Check the numeric options, then turn library errors into a message on stderr and
    exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_numbers(kwargs)
            return fn(*args, **kwargs)
        except (SpecError, RulesError) as e:
            if not e.diagnostics:  # a RulesError about the file as a whole
                err.print(f"error: {e}", markup=False, highlight=False)
            for d in one_per_place(e.diagnostics):  # each reads "path:line:col: error: ..."
                err.print(str(d), markup=False, highlight=False)
            raise typer.Exit(2) from None
        except SecondfrontError as e:
            err.print(f"error: {e}", markup=False, highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def one_per_place(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The first diagnostic at each known place (file, line, column), in order.

    One bad value can fail two checks (the YAML reader's "invalid date" and the schema's
    "should be a valid date" at the same spot); the reader sees one error per bad value,
    the first in the sorted order. Diagnostics without a line (a missing key) all stay.
    """
    seen: set[tuple[str, int, int]] = set()
    kept = []
    for d in diagnostics:
        place = (d.path, d.line, d.col)
        if d.line and place in seen:
            continue
        seen.add(place)
        kept.append(d)
    return kept


def command(app: typer.Typer, fn: Callable[..., object], name: str | None = None) -> None:
    """Add ``fn`` to ``app`` as a command, its errors rendered by :func:`user_errors`."""
    app.command(name or fn.__name__)(user_errors(fn))


def evidence_options(
    evidence: list[str] | None, soft: list[str] | None, do: list[str] | None
) -> tuple[dict[str, str | list[float]], dict[str, str]]:
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


def describe_assignments(evidence: Mapping[str, object], do: Mapping[str, str]) -> str:
    """Evidence and interventions in words, as a reader would write them.

    ``{"a": "present", "b": [0.3, 0.9]}, {"c": "entered"}`` ->
    ``"observed a = present; soft evidence on b (likelihoods 0.3, 0.9); set c = entered"``.
    """
    parts = []
    for var, value in evidence.items():
        if isinstance(value, str):
            parts.append(f"observed {var} = {value}")
        elif isinstance(value, Sequence):
            likes = ", ".join(f"{float(x):g}" for x in value)
            parts.append(f"soft evidence on {var} (likelihoods {likes})")
        else:
            parts.append(f"observed {var} = {value}")
    parts += [f"set {var} = {state} (intervention)" for var, state in do.items()]
    return "; ".join(parts) or "no evidence (the model's baseline)"
