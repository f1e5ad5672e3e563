"""Model formats: a registry from file suffix to loader, and model lookup by name.

Built-in formats (YAML scenario specs, BIF, XMLBIF) register through the same
:func:`register_format` a third party would use, so ``load`` has no special cases.
Loaders are imported lazily: loading a BIF file need not import pydantic.

Models by name: ``load("belarus-second-front")`` looks for ``NAME.yaml`` (then
``.yml``, ``.bif``, ``.xmlbif``) in the model folders: ``$SECONDFRONT_MODELS`` (a
``os.pathsep``-separated list) if set, then ``./models``, then the ``models/`` folder of
the source checkout this package was installed from.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from secondfront.checkout import MODELS
from secondfront.defaults import FLAGSHIP
from secondfront.environment import env_value
from secondfront.errors import UsageError
from secondfront.model.model import Model, content_hash
from secondfront.model.network import Network


@dataclass(frozen=True)
class Format:
    """A model file format.

    Attributes:
        name: short name, e.g. ``"bif"``.
        suffixes: file suffixes it claims, lower case, with the dot (``".bif.gz"`` allowed).
        loader: ``"module:function"`` taking a path and returning a Network (a bare
            network) or a Model (a format that carries more, such as a scenario spec).
    """

    name: str
    suffixes: tuple[str, ...]
    loader: str

    def load(self, path: Path) -> Model:
        """Import the loader on first use and call it; the model carries path and hash."""
        module, _, func = self.loader.partition(":")
        fn: Callable[[Path], Network | Model] = getattr(importlib.import_module(module), func)
        loaded = fn(path)
        network, spec = (
            (loaded.network, loaded.spec) if isinstance(loaded, Model) else (loaded, None)
        )
        return Model(network, spec, path, self.name, content_hash(path))


_FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> None:
    """Add a format; a later registration for the same name replaces the earlier one."""
    _FORMATS[fmt.name] = fmt


def formats() -> list[Format]:
    """Registered formats, in registration order."""
    return list(_FORMATS.values())


register_format(Format("spec", (".yaml", ".yml"), "secondfront.model.scenario:load_spec"))
register_format(Format("bif", (".bif", ".bif.gz"), "secondfront.model.bif:read_bif"))
register_format(
    Format("xmlbif", (".xml", ".xmlbif", ".bifxml"), "secondfront.model.xmlbif:read_xmlbif")
)
register_format(Format("net", (".net",), "secondfront.model.hugin:read_net"))
register_format(Format("xdsl", (".xdsl",), "secondfront.model.xdsl:read_xdsl"))


def format_for(path: Path) -> Format:
    """The format whose longest suffix matches ``path``; UsageError when none does."""
    name = path.name.lower()
    best: tuple[int, Format] | None = None
    for fmt in _FORMATS.values():
        for suffix in fmt.suffixes:
            if name.endswith(suffix) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), fmt)
    if best is None:
        known = ", ".join(s for f in _FORMATS.values() for s in f.suffixes)
        raise UsageError(f"{path}: unknown model format; expected one of {known}")
    return best[1]


def model_dirs() -> list[Path]:
    """Folders searched for models given by name, in order."""
    dirs = [Path(p) for p in env_value("SECONDFRONT_MODELS").split(os.pathsep) if p]
    dirs.append(Path.cwd() / "models")
    # The checkout's models/ (a source checkout or an editable install; not package data).
    dirs.append(MODELS)
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def _is_model_file(path: Path, fmt: Format, stem: str) -> bool:
    """Whether a file in a model folder is a model, not data that lives beside one.

    Companion files (``NAME.mapping.yaml``, ``NAME.timeline.yaml``) carry a second dot;
    other YAML files (simulation parameters, say) have no top-level ``variables:`` key.
    """
    if "." in stem:
        return False
    if fmt.name != "spec":
        return True
    with path.open(encoding="utf-8", errors="replace") as fh:
        return any(line.startswith("variables:") for line in fh)


def model_files(folder: Path) -> dict[str, Path]:
    """Model name -> file for the models in one folder, sorted by name.

    The one model lister: the command line (``secondfront models``), the workbench
    (``serve --models-dir``) and the report use it. Companion files (mapping rules,
    time models, society parameters) are data that travels with a model and are not
    listed.
    """
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for f in sorted(folder.iterdir()):
        try:
            fmt = format_for(f)
        except UsageError:
            continue
        stem = f.name[: -len(next(s for s in fmt.suffixes if f.name.lower().endswith(s)))]
        if f.is_file() and _is_model_file(f, fmt, stem):
            found.setdefault(stem, f)
    return found


def available_models(folders: list[Path] | None = None) -> dict[str, Path]:
    """Model name -> file, for every model file in ``folders`` (first folder wins).

    Args:
        folders: where to look; default :func:`model_dirs`.
    """
    found: dict[str, Path] = {}
    for d in model_dirs() if folders is None else folders:
        for name, f in model_files(d).items():
            found.setdefault(name, f)
    return found


def resolve_model(name_or_path: str | os.PathLike[str]) -> Path:
    """A model file from a path, or from a name looked up in the model folders."""
    path = Path(name_or_path)
    if path.exists():
        return path
    models = available_models()
    if str(name_or_path) in models:
        return models[str(name_or_path)]
    names = ", ".join(sorted(models)) or "none found"
    raise UsageError(
        f"no model file or model named {str(name_or_path)!r}; "
        f"models available: {names} (folders: {', '.join(map(str, model_dirs()))})"
    )


def load(name_or_path: str | os.PathLike[str] = FLAGSHIP) -> Model:
    """Load a model: a YAML spec, BIF or XMLBIF file, or a model name.

    Returns:
        the :class:`Model`: its network, its spec (``None`` for BIF and XMLBIF), the
        file and the file's content hash.

    Raises:
        SpecError: the file has problems (all of them, ``path:line:col: error: ...``).
        UsageError: no such file or model, or an unknown suffix.
    """
    path = resolve_model(name_or_path)
    return format_for(path).load(path)
