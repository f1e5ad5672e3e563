"""secondfront: sourced, runnable Bayesian scenario models of a geopolitical crisis.

The Python API the command line is built on::

    import secondfront as sf
    model = sf.load("belarus-second-front")               # a name, or a spec/BIF/XMLBIF path
    sf.infer(model, evidence={"X": "s"}, do={"Y": "t"})    # -> {var: {state: p}}
    sf.infer_batch(model, [{"X": "s"}, {"X": "t"}])        # -> {var: array (batch, n_states)}
    query = sf.compile_query(model, observed=["X"])        # compile once, run many batches
    query.run([{"X": "s"}, {"X": "t"}])                    # -> BatchPosterior

``load`` returns a :class:`Model`: the network, its scenario spec (or ``None``), the
file, its content hash and its companion files. The version is the installed
distribution's (``pyproject.toml`` is the one place it is written).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from secondfront.errors import (
    ImpossibleEvidenceError,
    QueryError,
    SecondfrontError,
    SpecError,
)
from secondfront.lazy import lazy_exports

if TYPE_CHECKING:  # imported on first use (see ``secondfront.lazy``)
    from secondfront.inference import Query, compile_query, infer, infer_batch, posterior_batch
    from secondfront.model.formats import load
    from secondfront.model.model import Model
    from secondfront.model.network import Network, Variable

    __version__: str

# ``import secondfront`` runs for every command of the command line, ``--help``
# included: it imports numpy, pydantic and the engine only when one of these is used.
_api_getattr, _api_dir = lazy_exports(
    globals(),
    {
        "Model": "secondfront.model.model",
        "Network": "secondfront.model.network",
        "Query": "secondfront.inference",
        "Variable": "secondfront.model.network",
        "compile_query": "secondfront.inference",
        "infer": "secondfront.inference",
        "infer_batch": "secondfront.inference",
        "load": "secondfront.model.formats",
        "posterior_batch": "secondfront.inference",
    },
)


def __getattr__(name: str) -> Any:
    """The API's names on first use; ``__version__`` read from the installed metadata."""
    if name != "__version__":
        return _api_getattr(name)
    import importlib.metadata  # about 50 ms: only when the version is asked for

    try:
        version = importlib.metadata.version("secondfront")
    except importlib.metadata.PackageNotFoundError:  # a source tree, not installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version


def __dir__() -> list[str]:
    return sorted({*_api_dir(), "__version__"})


__all__ = [
    "ImpossibleEvidenceError",
    "Model",
    "Network",
    "Query",
    "QueryError",
    "SecondfrontError",
    "SpecError",
    "Variable",
    "__version__",
    "compile_query",
    "infer",
    "infer_batch",
    "load",
    "posterior_batch",
]
