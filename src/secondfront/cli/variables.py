"""The ``variables`` command: what a model's variables are called, their states and roles."""

from __future__ import annotations

import typer
from rich.table import Table

from secondfront.cli.options import FLAGSHIP, JsonOpt, ModelOpt, command, emit_json, out


def variables(model: ModelOpt = FLAGSHIP, as_json: JsonOpt = False) -> None:
    """List a model's variables: states, roles (outcome, indicator, latent) and labels."""
    from secondfront.model.formats import load

    m = load(model)
    roles = m.roles()  # the one definition of roles, on the model
    rows: list[dict[str, str | list[str]]] = [
        {
            "name": v.name,
            "states": list(v.states),
            "roles": list(roles[v.name]),
            "label": v.label,
        }
        for v in m
    ]
    if as_json:
        emit_json({"model": m.name, "variables": rows})
        return
    table = Table(title=f"{m.name}: {len(rows)} variables")
    for col in ("variable", "states", "role", "label"):
        table.add_column(col, overflow="fold")
    for v in m:
        table.add_row(v.name, ", ".join(v.states), ", ".join(roles[v.name]), v.label)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``variables`` command to ``app``."""
    command(app, variables)
