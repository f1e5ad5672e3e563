"""JSON data as types: what ``as_json`` methods return and ``json.loads`` gives back.

One definition for the package, so that a public signature says "JSON" instead of
``Any``: a value is null, a boolean, a number, a string, a list of values or an object
with string keys. Functions that only read JSON-like data take ``Mapping[str, object]``.
"""

from __future__ import annotations

from typing import TypeAlias

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
"""A JSON value (nested lists and objects of JSON values)."""

JSONObject: TypeAlias = "dict[str, JSONValue]"
"""A JSON object: string keys, JSON values."""

__all__ = ["JSONObject", "JSONValue"]
