"""Commands for a team's workbench: ``users add|list|revoke`` and ``workbench backup``.

They work on the workbench's SQLite file directly (``--workbench-db``, the same flag,
variable and default as ``secondfront serve``), so a team lead manages users before the
service starts and while it runs: a revocation takes effect on the next request.
``users add`` prints the new token alone on stdout (so ``TOKEN=$(secondfront users add
...)`` works) and its explanation on stderr; the file keeps only a hash of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from secondfront.cli.options import command, err, out
from secondfront.service.settings import Settings, env_setting, setting

users_app = typer.Typer(
    help="The workbench's users: add (prints a token once), list, revoke.",
    no_args_is_help=True,
)
workbench_app = typer.Typer(help="The workbench's file: backup.", no_args_is_help=True)

WorkbenchDbOpt = Annotated[
    Path | None,
    typer.Option(
        "--workbench-db",
        help=f"{setting('workbench_db').help} Default: ${setting('workbench_db').env}, "
        f"else {Settings().workbench_db}.",
    ),
]
RoleOpt = Annotated[
    str, typer.Option("--role", help="viewer (reads), analyst (also writes), admin (also users).")
]


def _db(path: Path | None) -> Path:
    """The workbench file: the flag, else the environment, else the default."""
    if path is not None:
        return path
    env = env_setting("workbench_db")
    return Path(env) if env else Settings().workbench_db


def add(
    name: Annotated[str, typer.Argument(help="The user's name (their ratings carry it).")],
    role: RoleOpt = "analyst",
    workbench_db: WorkbenchDbOpt = None,
) -> None:
    """Add a user and print their token (shown this once; only its hash is kept)."""
    from secondfront.service.users import UserStore, command_line_writer

    path = _db(workbench_db)
    token = UserStore(path).add(name, role, who=command_line_writer())
    err.print(
        f"added {name} ({role}) to {path}. Their token is below, shown this once: hand it "
        "to them; they send it as 'Authorization: Bearer TOKEN' or open the workbench once "
        "with ?token=TOKEN.",
        highlight=False,
    )
    out.print(token, highlight=False, soft_wrap=True)


def list_users(
    workbench_db: WorkbenchDbOpt = None,
    revoked: Annotated[bool, typer.Option("--revoked", help="List revoked users too.")] = False,
) -> None:
    """List the users (never their tokens)."""
    from secondfront.service.users import UserStore

    table = Table("user", "role", "added", "revoked")
    for u in UserStore(_db(workbench_db)).list(include_revoked=revoked):
        table.add_row(u.name, u.role, u.created, u.revoked or "")
    out.print(table)


def revoke(
    name: Annotated[str, typer.Argument(help="The user to revoke.")],
    workbench_db: WorkbenchDbOpt = None,
) -> None:
    """Revoke a user: their token stops working on the next request."""
    from secondfront.service.users import UserStore, command_line_writer

    path = _db(workbench_db)
    UserStore(path).revoke(name, who=command_line_writer())
    out.print(f"revoked {name} in {path}", highlight=False)


def backup(
    output: Annotated[Path, typer.Argument(help="The copy to write (replaced if present).")],
    workbench_db: WorkbenchDbOpt = None,
) -> None:
    """Copy the workbench file with SQLite's online backup (safe while it serves)."""
    from secondfront.errors import UsageError
    from secondfront.service.db import backup as copy

    path = _db(workbench_db)
    if output.resolve() == path.resolve():
        raise UsageError(f"{output}: a backup must go to another file than {path}")
    try:
        pages = copy(path, output)
    except FileNotFoundError as e:
        raise UsageError(f"{e}; give --workbench-db or set {setting('workbench_db').env}") from None
    out.print(f"backed up {path} to {output} ({pages} pages)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``users`` and ``workbench`` command groups to the ``secondfront`` app."""
    command(users_app, add)
    command(users_app, list_users, "list")
    command(users_app, revoke)
    command(workbench_app, backup)
    app.add_typer(users_app, name="users")
    app.add_typer(workbench_app, name="workbench")


__all__ = ["register"]
