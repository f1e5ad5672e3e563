"""Models the service may serve: chosen by name from the configured folder, never by path.

A client names a model (``belarus-second-front``); the catalog looks the name up
among the model files of the configured folder(s) and loads it. Nothing a client
sends is ever used as a filesystem path, so a request cannot read other files.

Loaded models are kept per file and modification time: a model holds its compiled
query, so keeping it makes repeated queries cheap, and an edited file is picked up on
the next request. The folder is listed with the package's one model lister
(:func:`secondfront.model.formats.model_files`), so companion files (mapping rules,
time models, society parameters) are never offered as models.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

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


class ModelCatalog:
    """Model lookup by name, keeping each loaded model.

    Args:
        folder: serve only the models of this folder; ``None`` uses the package's
            model folders (see :func:`secondfront.model.formats.model_dirs`).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._cache: dict[Path, tuple[float, Model]] = {}
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
        """Model ``name``, loaded once per file version.

        Raises:
            NotFoundError: no such model.
            SpecError: the file has problems.
        """
        path = self.path(name)
        mtime = path.stat().st_mtime
        # One lock for loading: two requests for a model not yet loaded would otherwise
        # both parse it; loading is short beside a request, so contention is harmless.
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            model = format_for(path).load(path)
            self._cache[path] = (mtime, model)
            return model


__all__ = ["MODEL_NAME_RE", "ModelCatalog", "ModelEntry"]
