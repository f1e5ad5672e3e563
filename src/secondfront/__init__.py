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

import importlib.metadata

from secondfront.errors import (
    ImpossibleEvidenceError,
    QueryError,
    SecondfrontError,
    SpecError,
)
from secondfront.inference import Query, compile_query, infer, infer_batch, posterior_batch
from secondfront.model.formats import load
from secondfront.model.model import Model
from secondfront.model.network import Network, Variable

try:
    __version__ = importlib.metadata.version("secondfront")
except importlib.metadata.PackageNotFoundError:  # running from a source tree, not installed
    __version__ = "0+unknown"

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
