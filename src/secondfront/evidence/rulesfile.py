"""Loading the YAML files that sit beside a model (mapping rules, timeline), with positions.

Both files are validated by pydantic models; every problem is reported as
``path:line:col: error: message`` (the compiler convention of ``secondfront check``),
all of them at once, in a ``RulesError``.

All at once means one run: a loader collects the schema errors (``validate_model_file``)
and then runs its cross-reference checks (names of indicators, variables and states,
duplicate ids, matrix shapes) on the raw YAML data, item by item, so that a rule or
state that failed the schema check still has its other fields checked. ``value_at``
reads a field of the raw data with the same conversions pydantic applies, so a check
sees the value the schema would have produced, or nothing when the field is missing or
invalid (the schema pass has reported that already).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from secondfront.defaults import FLAGSHIP
from secondfront.errors import Diagnostic, RulesError, UsageError
from secondfront.model.formats import load, resolve_model
from secondfront.model.model import Model
from secondfront.model.yamlsource import Path as DataPath
from secondfront.model.yamlsource import YamlDocument, load_yaml

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_MISSING = object()


def beside_model(model: str, suffix: str) -> Path:
    """``models/NAME.<suffix>.yaml`` next to the model file that ``model`` resolves to."""
    path = resolve_model(model or FLAGSHIP)
    stem = path.name.split(".")[0]
    return path.with_name(f"{stem}.{suffix}.yaml")


def repeated(
    doc: YamlDocument, first: dict[str, int], section: str, i: int, key: str, value: str, noun: str
) -> Diagnostic | None:
    """Where ``value`` (item ``i`` of ``section``, field ``key``) repeats an earlier item.

    ``first`` maps each value seen so far to its item; a new value is added to it and
    gives None, a repeat gives a diagnostic naming the line of the first.
    """
    if value not in first:
        first[value] = i
        return None
    line = doc.position((section, first[value], key))[0]
    return doc.diagnostic(
        (section, i, key),
        f"{section}.{i}.{key}: duplicate {noun} {value!r} (first at line {line})",
    )


def raise_all(diags: Iterable[Diagnostic]) -> None:
    """Raise one RulesError listing every diagnostic, sorted; do nothing when there are none."""
    found = list(diags)
    if found:
        raise RulesError.located(found)


def validate_model_file(
    path: Path, cls: type[M]
) -> tuple[M | None, YamlDocument, str, list[Diagnostic]]:
    """Parse ``path`` and validate it as ``cls``, collecting problems instead of raising.

    Returns:
        the validated object (``None`` when the schema check failed), the document (for
        the raw data and the positions of later checks), the sha256 of the file's bytes,
        and the problems found so far: duplicate YAML keys and every schema error.

    Raises:
        RulesError: when nothing further can be checked: the file is missing, is not
            valid YAML (reported alone, at the point the parser gave up), or its top
            level is not a mapping.
    """
    if not path.is_file():
        raise RulesError(f"{path}: no such file")
    doc, diags = load_yaml(str(path))
    if doc.data is None:
        # A syntax error stops the parser: there is no data to check any further.
        raise_all(diags)
    # Hashed after parsing: a file over the size limit is refused without being read whole.
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if not isinstance(doc.data, dict):
        raise RulesError.located(
            [Diagnostic(str(path), 1, 1, "expected a mapping at the top level")]
        )
    # Duplicate keys are not fatal: the first value is kept, so checking goes on.
    out = list(diags)
    try:
        return cls.model_validate(doc.data), doc, digest, out
    except ValidationError as exc:
        errors = exc.errors()
    for err in errors:
        loc = tuple(err["loc"])
        where = ".".join(str(x) for x in loc) or "(top level)"
        unknown = err["type"] == "extra_forbidden"
        msg = f"{where}: unknown field {loc[-1]!r}" if unknown else f"{where}: {err['msg']}"
        out.append(doc.diagnostic(loc, msg, key=unknown or _block(doc, loc)))
    return None, doc, digest, out


def _block(doc: YamlDocument, loc: DataPath) -> bool:
    """Whether the value at ``loc`` starts on a later line than its key (block style).

    An error about a whole block mapping or list (a model validator's, a length) then
    reads better at the key that names it than at the first entry inside it.
    """
    key, value = doc.key_positions.get(loc), doc.positions.get(loc)
    return key is not None and value is not None and value[0] > key[0]


def load_model_file(path: Path, cls: type[M]) -> tuple[M, YamlDocument, str]:
    """Parse and validate ``path`` as ``cls``, with no checks beyond the schema.

    Returns:
        the validated object, the document (for positions of later checks) and the
        sha256 of the file's bytes.

    Raises:
        RulesError: listing every problem with its line and column.
    """
    obj, doc, digest, diags = validate_model_file(path, cls)
    raise_all(diags)
    if obj is None:
        raise AssertionError("a ValidationError without errors")
    return obj, doc, digest


@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    # Building an adapter compiles a validator; the few types the checks use are reused.
    return TypeAdapter(tp)


def _walk(data: object, path: DataPath) -> object:
    """The raw value at ``path``, or ``_MISSING`` when a key or index is not there."""
    for step in path:
        if isinstance(data, dict) and step in data:
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            return _MISSING
    return data


def value_at(data: object, path: DataPath, tp: type[T]) -> T | None:
    """The raw value at ``path`` converted to ``tp`` as pydantic would, or ``None``.

    Args:
        data: the document's raw data (``YamlDocument.data``).
        path: keys and list indices from the root.
        tp: the field's type, e.g. ``str`` or ``list[float]``; pydantic's conversions
            apply (``"0.5"`` is a float), so a check sees what the schema accepts.

    Returns:
        ``None`` when the path does not exist or the value does not validate as ``tp``:
        the schema errors name those already, and a check on them would only repeat it.
    """
    raw = _walk(data, path)
    if raw is _MISSING:
        return None
    try:
        # Types, ``list[float]`` included, hash at run time; typing does not say so.
        value: T = _adapter(cast("Hashable", tp)).validate_python(raw)
    except ValidationError:
        return None
    return value


def items_at(data: object, path: DataPath) -> list[tuple[int, object]]:
    """``(index, item)`` for each item of the list at ``path``; empty when it is not a list."""
    raw = _walk(data, path)
    return list(enumerate(raw)) if isinstance(raw, list) else []


def network_for(doc: YamlDocument, model: str | None, diags: list[Diagnostic]) -> Model | None:
    """The network that the file's ``model`` field names, or ``None`` when none can be loaded.

    A missing or invalid ``model`` is a schema error already reported, and an unknown
    model name is this file's mistake: it is added to ``diags`` at the ``model`` field,
    and the checks that need the network are skipped while the others still run.

    Raises:
        SpecError: the named model file has problems of its own (those carry their own
            positions in that file).
    """
    if model is None:
        return None
    try:
        return load(model)
    except UsageError as exc:
        diags.append(doc.diagnostic(("model",), f"model: {exc}"))
        return None


__all__ = [
    "beside_model",
    "items_at",
    "load_model_file",
    "network_for",
    "raise_all",
    "repeated",
    "validate_model_file",
    "value_at",
]
