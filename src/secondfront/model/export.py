"""Export a network: BIF, Hugin NET and GeNIe XDSL (interchange), JSON (for programs) and
Graphviz DOT (for pictures)."""

from __future__ import annotations

import json
from collections.abc import Callable

from secondfront.errors import UsageError
from secondfront.model.model import ModelLike, as_model, network_of


def to_json_dict(model: ModelLike) -> dict[str, object]:
    """A plain-data rendering: variables with states, parents and nested CPT lists.

    ``cpt`` keeps the package's layout: nested by parent states in ``parents`` order,
    innermost list over the variable's own states.
    """
    spec = as_model(model).spec
    network = network_of(model)
    data: dict[str, object] = {
        "name": network.name,
        "variables": [
            {
                "name": v.name,
                "label": v.label,
                "states": list(v.states),
                "parents": list(v.parents),
                "cpt": network.cpts[v.name].tolist(),
            }
            for v in network
        ],
    }
    if spec is not None:
        data["spec"] = spec.model_dump(mode="json", exclude_none=True)
    return data


def to_json(model: ModelLike) -> str:
    """:func:`to_json_dict` as indented JSON text."""
    return json.dumps(to_json_dict(model), indent=2, ensure_ascii=False) + "\n"


def _dot_id(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(model: ModelLike) -> str:
    """Graphviz DOT: one node per variable (declared outcomes doubled, declared
    indicators dashed; a bare network declares neither)."""
    m = as_model(model)
    network = m.network
    outcomes = set(m.declared_outcomes())
    indicators = set(m.indicators()) if m.spec is not None else set()
    lines = [f"digraph {_dot_id(network.name)} {{", "  rankdir=LR;", "  node [shape=box];"]
    for v in network:
        attrs = [f"label={_dot_id(v.label or v.name)}", f"tooltip={_dot_id(v.name)}"]
        if v.name in outcomes:
            attrs.append("peripheries=2")
        if v.name in indicators:
            attrs.append("style=dashed")
        lines.append(f"  {_dot_id(v.name)} [{', '.join(attrs)}];")
    for v in network:
        for p in v.parents:
            lines.append(f"  {_dot_id(p)} -> {_dot_id(v.name)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _to_bif(model: ModelLike) -> str:
    from secondfront.model.bif import write_bif

    return write_bif(network_of(model))


def _to_net(model: ModelLike) -> str:
    from secondfront.model.hugin import write_net

    return write_net(network_of(model))


def _to_xdsl(model: ModelLike) -> str:
    from secondfront.model.xdsl import write_xdsl

    return write_xdsl(network_of(model))


EXPORTERS: dict[str, Callable[[ModelLike], str]] = {
    "bif": _to_bif,
    "json": to_json,
    "dot": to_dot,
    "net": _to_net,
    "xdsl": _to_xdsl,
}


def export(model: ModelLike, fmt: str) -> str:
    """Render ``model`` in format ``fmt`` (``bif``, ``json`` or ``dot``)."""
    try:
        return EXPORTERS[fmt](model)
    except KeyError:
        raise UsageError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORTERS)}"
        ) from None
