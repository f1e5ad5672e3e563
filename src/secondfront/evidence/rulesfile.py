"""Loading the YAML files that sit beside a model (mapping rules, timeline), with positions.

Both files are validated by pydantic models; every problem is reported as
``path:line:col: error: message`` (the compiler convention of ``secondfront check``),
all of them at once, in a ``RulesError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from secondfront.errors import Diagnostic, RulesError
from secondfront.spec.formats import FLAGSHIP, resolve_model
from secondfront.spec.yamlsource import YamlDocument, load_yaml

M = TypeVar("M", bound=BaseModel)


def beside_model(model: str, suffix: str) -> Path:
    """``models/NAME.<suffix>.yaml`` next to the model file that ``model`` resolves to."""
    path = resolve_model(model or FLAGSHIP)
    stem = path.name.split(".")[0]
    return path.with_name(f"{stem}.{suffix}.yaml")


def raise_all(diags: Iterable[Diagnostic]) -> None:
    """Raise one RulesError listing every diagnostic, sorted; do nothing when there are none."""
    found = sorted(set(diags))
    if found:
        raise RulesError("\n".join(str(d) for d in found))


def load_model_file(path: Path, cls: type[M]) -> tuple[M, YamlDocument, str]:
    """Parse and validate ``path`` as ``cls``.

    Returns:
        the validated object, the document (for positions of later checks) and the
        sha256 of the file's bytes.

    Raises:
        RulesError: listing every problem with its line and column.
    """
    if not path.is_file():
        raise RulesError(f"{path}: no such file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    doc, diags = load_yaml(str(path))
    raise_all(diags)
    if not isinstance(doc.data, dict):
        raise RulesError(f"{path}:1:1: error: expected a mapping at the top level")
    try:
        obj = cls.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors()
    else:
        return obj, doc, digest
    out = []
    for err in errors:
        loc = tuple(err["loc"])
        where = ".".join(str(x) for x in loc) or "(top level)"
        key = err["type"] == "extra_forbidden"
        msg = f"{where}: unknown field {loc[-1]!r}" if key else f"{where}: {err['msg']}"
        out.append(doc.diagnostic(loc, msg, key=key))
    raise_all(out)
    raise AssertionError("a ValidationError without errors")


__all__ = [
    "beside_model",
    "load_model_file",
    "raise_all",
]
