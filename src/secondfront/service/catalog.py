"""Models the service may serve: chosen by name from the configured folder, never by path.

A client names a model (``belarus-second-front``); the catalog looks the name up
among the model files of the configured folder(s) and loads it. Nothing a client
sends is ever used as a filesystem path, so a request cannot read other files.

Each model file version is kept with what answering requests on it needs: the model
(pure data), its compiled :class:`~secondfront.inference.query.Query` (owned here; the
model holds none) and its baseline forecast (computed on first use). An edited file is
picked up on the next request and its old version evicted. The folder is listed with
the package's one model lister (:func:`secondfront.model.formats.model_files`), so
companion files (mapping rules, time models, society parameters) are never offered as
models.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from secondfront.analysis.forecast import Forecast, forecast
from secondfront.inference.query import Query, compile_query
from secondfront.model.formats import available_models, format_for, model_files
from secondfront.model.model import Model
from secondfront.service.errors import NotFoundError

MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class ModelEntry:
    """A model file the catalog found.

    Attributes:
        name: the name clients use.
        path: the file.
    """

    name: str
    path: Path


@dataclass
class Loaded:
    """One version of a model file, as the service keeps it.

    Attributes:
        model: the loaded model (immutable).
        query: the model compiled for evidence on any variable (immutable, read-only
            arrays): every request on this version runs it, no request compiles.
        version: the file's modification time (ns) when it was loaded.
    """

    model: Model
    query: Query
    version: int
    _baseline: Forecast | None = field(default=None, repr=False)

    @property
    def baseline(self) -> Forecast:
        """The forecast without evidence, computed on first use.

        Two first requests may both compute it; they compute the same value, and the
        assignment is atomic, so no lock is needed.
        """
        found = self._baseline
        if found is None:
            found = self._baseline = forecast(self.model, query=self.query)
        return found


class ModelCatalog:
    """Model lookup by name, keeping each loaded model.

    Args:
        folder: serve only the models of this folder; ``None`` uses the package's
            model folders (see :func:`secondfront.model.formats.model_dirs`).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._cache: dict[Path, Loaded] = {}
        self._lock = threading.Lock()

    def entries(self) -> dict[str, ModelEntry]:
        """Name -> entry for every model file found, sorted by name."""
        found = available_models() if self.folder is None else model_files(self.folder)
        return {n: ModelEntry(n, p) for n, p in sorted(found.items()) if MODEL_NAME_RE.match(n)}

    def path(self, name: str) -> Path:
        """The file of model ``name``; NotFoundError listing the names when unknown."""
        entries = self.entries()
        if name not in entries:
            names = ", ".join(entries) or "none"
            raise NotFoundError(f"no model named {name!r}; models: {names}")
        return entries[name].path

    def load(self, name: str) -> Model:
        """Model ``name``, loaded once per file version (see :meth:`loaded`)."""
        return self.loaded(name).model

    def loaded(self, name: str) -> Loaded:
        """Model ``name`` with its query and baseline, loaded once per file version.

        A newer version of the file replaces the one kept, so at most one version of
        each file is held.

        Raises:
            NotFoundError: no such model.
            SpecError: the file has problems.
        """
        path = self.path(name)
        version = path.stat().st_mtime_ns
        # One lock for loading: two requests for a model not yet loaded would otherwise
        # both parse and compile it; loading is short beside a request, so contention is
        # harmless.
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached.version == version:
                return cached
            model = format_for(path).load(path)
            entry = Loaded(model, compile_query(model), version)
            self._cache[path] = entry  # evicts the file's older version
            return entry


__all__ = ["MODEL_NAME_RE", "Loaded", "ModelCatalog", "ModelEntry"]
