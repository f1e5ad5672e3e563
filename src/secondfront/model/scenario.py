"""Load and check a scenario spec (``secondfront/1``) and compile it to a ``Model``.

Pipeline: YAML with positions (``yamlsource``) -> pydantic models (``schema``) ->
whole-file checks (names, cycles, states, tables, parametric forms) -> CPTs
(``parametric``) -> ``Network``, held with its spec in a ``Model``.

Every problem becomes a ``Diagnostic`` at the line it concerns, and all of them are
collected in one run: an analyst fixing a model should see every problem at once. When
part of the file is invalid, the rest is still checked; only what depends on the
invalid part is skipped (a variable whose parent failed to validate is not compiled,
and references to a name that is defined but invalid are not reported as unknown).
"""

from __future__ import annotations

import hashlib
import os
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.checks import Checker
from secondfront.model.model import Model, content_hash
from secondfront.model.schema import (
    ID_PATTERN,
    MODEL_NAME_PATTERN,
    VARIABLE_NAME_PATTERN,
    Claim,
    Indicator,
    NotModelled,
    Outcome,
    ScenarioSpec,
    Source,
    VariableSpec,
)
from secondfront.model.yamlsource import YamlDocument, load_yaml, parse_yaml

__all__ = ["check_spec", "check_spec_text", "load_spec", "load_spec_text"]

_ENTRY_MODELS: dict[str, type[BaseModel]] = {
    "sources": Source,
    "claims": Claim,
    "not_modelled": NotModelled,
    "variables": VariableSpec,
    "indicators": Indicator,
    "outcomes": Outcome,
}


def load_spec(path: str | os.PathLike[str]) -> Model:
    """Load a scenario spec file and compile it.

    Args:
        path: the YAML file.

    Returns:
        the model: its network (indicators included, as two-state variables, in
        topological order), the validated ``ScenarioSpec``, the path, format ``spec``
        and the file's content hash.

    Raises:
        SpecError: listing every problem found, each at its line.
    """
    diagnostics, model = _analyse_file(path)
    if diagnostics or model is None:
        raise SpecError(diagnostics or [Diagnostic(str(path), 0, 0, "no network")])
    file = Path(os.fspath(path))
    return Model(model.network, model.spec, file, "spec", content_hash(file))


def check_spec(path: str | os.PathLike[str]) -> list[Diagnostic]:
    """Check a scenario spec file; returns every problem found, sorted (empty when valid)."""
    return _analyse_file(path)[0]


def load_spec_text(text: str, path: str = "<string>") -> Model:
    """``load_spec`` for YAML given as a string; ``path`` is used in diagnostics.

    The model's ``path`` is ``None`` (no file) and its digest hashes the text.
    """
    diagnostics, model = _analyse(*parse_yaml(text, path))
    if diagnostics or model is None:
        raise SpecError(diagnostics or [Diagnostic(path, 0, 0, "no network")])
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Model(model.network, model.spec, None, "spec", digest)


def check_spec_text(text: str, path: str = "<string>") -> list[Diagnostic]:
    """``check_spec`` for YAML given as a string."""
    return _analyse(*parse_yaml(text, path))[0]


def _analyse_file(path: str | os.PathLike[str]) -> tuple[list[Diagnostic], Model | None]:
    return _analyse(*load_yaml(os.fspath(path)))


def _analyse(
    doc: YamlDocument, yaml_diags: list[Diagnostic]
) -> tuple[list[Diagnostic], Model | None]:
    diags = list(yaml_diags)
    if doc.data is None:
        if not diags:
            diags.append(
                Diagnostic(
                    doc.path, 1, 1, "empty file: expected a mapping with 'model' and 'variables'"
                )
            )
        return sorted(diags), None
    if not isinstance(doc.data, dict):
        diags.append(
            doc.diagnostic((), "expected a mapping with 'model', 'variables', ... at the top level")
        )
        return sorted(diags), None
    spec: ScenarioSpec | None = None
    try:
        spec = ScenarioSpec.model_validate(doc.data)
        entries = {key: list(enumerate(getattr(spec, key))) for key in _ENTRY_MODELS}
    except ValidationError as exc:
        diags.extend(_schema_diagnostic(doc, err) for err in exc.errors())
        entries = _salvage(doc.data)
    checker = Checker(doc, entries)
    checker.run()
    diags.extend(checker.diagnostics)
    if diags or spec is None:
        return sorted(set(diags)), None
    network = checker.network(spec.model.name)
    return [], Model(network, spec, Path(doc.path), "spec")


def _salvage(data: Mapping[str, Any]) -> dict[str, list[tuple[int, Any]]]:
    """The entries that validate on their own, with their indices, for the later checks."""
    out: dict[str, list[tuple[int, Any]]] = {}
    for key, model in _ENTRY_MODELS.items():
        items = data.get(key)
        good: list[tuple[int, Any]] = []
        for i, item in enumerate(items if isinstance(items, list) else []):
            try:
                good.append((i, model.model_validate(item)))
            except ValidationError:
                pass  # already reported by the whole-file validation
        out[key] = good
    return out


# -- pydantic errors -> diagnostics --------------------------------------------------

_TYPE_MESSAGES = {
    "dict_type": "expected a mapping (key: value pairs)",
    "model_type": "expected a mapping (key: value pairs)",
    "model_attributes_type": "expected a mapping (key: value pairs)",
    "list_type": "expected a list",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "string_type": "expected a text string (put quotes around it)",
    "too_short": "expected at least one entry",
}


_PATTERN_MEANING = {
    MODEL_NAME_PATTERN: "a name of lower-case letters, digits and '-'",
    ID_PATTERN: "an id of letters, digits, '_' and '-'",
    VARIABLE_NAME_PATTERN: "a name of letters, digits and '_' that does not start with a digit",
}


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for seg in loc:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else str(seg))
    return out or "top level"


def _schema_diagnostic(doc: YamlDocument, err: Mapping[str, Any]) -> Diagnostic:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind: str = err["type"]
    if loc and loc[-1] == "[key]":  # a dict key failed its pattern
        loc = loc[:-1]
        return doc.diagnostic(
            loc, f"{_dotted(loc)}: invalid name {loc[-1]!r}: {err['msg']}", key=True
        )
    where = _dotted(loc)
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc[:-1])
        hint = f"; allowed fields: {', '.join(allowed)}" if allowed else ""
        return doc.diagnostic(loc, f"{where}: unknown field {loc[-1]!r}{hint}", key=True)
    if kind == "missing":
        return doc.diagnostic(loc, f"{_dotted(loc[:-1])}: missing required field {loc[-1]!r}")
    if kind == "value_error":
        text = str(err.get("ctx", {}).get("error", err["msg"]))
        return doc.diagnostic(loc, f"{where}: {text}")
    if kind == "string_pattern_mismatch":
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        expected = _PATTERN_MEANING.get(pattern, f"text matching {pattern}")
        return doc.diagnostic(loc, f"{where}: expected {expected}, got {err['input']!r}")
    if kind == "literal_error":
        return doc.diagnostic(loc, f"{where}: {err['msg']} (got {err['input']!r})")
    text = _TYPE_MESSAGES.get(kind, err["msg"])
    value = err.get("input")
    got = "" if isinstance(value, dict | list) or value is None else f" (got {value!r})"
    return doc.diagnostic(loc, f"{where}: {text}{got}")


def _allowed_fields(loc: Sequence[str | int]) -> list[str]:
    """Field names of the model found at ``loc`` inside ``ScenarioSpec`` (for hints)."""
    tp: Any = ScenarioSpec
    for seg in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(seg) if isinstance(seg, str) else None
            if field is None:
                return []
            tp = field.annotation
        elif typing.get_origin(tp) in (list, dict):
            tp = typing.get_args(tp)[-1]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    # Annotated[X, ...] -> X and X | None -> X, so the walk sees the model or container.
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        else:
            return tp
