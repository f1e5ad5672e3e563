"""JSON data as types: what ``as_json`` methods return and ``json.loads`` gives back.

One definition for the package, so that a public signature says "JSON" instead of
``Any``: a value is null, a boolean, a number, a string, a list of values or an object
with string keys. The containers are the read-only ``Sequence`` and ``Mapping``, so that
a ``dict[str, float]`` or a ``list[str]`` is a JSON value as it stands (``dict`` and
``list`` are invariant in their items, and would refuse them). A renderer that digs into
a result's fields gets a ``TypedDict`` from that result instead (e.g.
:class:`secondfront.simulation.ensemble.EnsembleJSON`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

JSONValue: TypeAlias = (
    "bool | int | float | str | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)
"""A JSON value (nested lists and objects of JSON values)."""

JSONObject: TypeAlias = "Mapping[str, JSONValue]"
"""A JSON object: string keys, JSON values."""

__all__ = ["JSONObject", "JSONValue"]
