"""secondfront: sourced, runnable Bayesian scenario models of a geopolitical crisis.

The Python API the command line is built on::

    import secondfront as sf
    model = sf.load("belarus-second-front")               # a name, or a spec/BIF/XMLBIF path
    sf.infer(model, evidence={"X": "s"}, do={"Y": "t"})    # -> {var: {state: p}}
    sf.infer_batch(model, [{"X": "s"}, {"X": "t"}])        # -> {var: array (batch, n_states)}
"""

from secondfront.errors import (
    ImpossibleEvidenceError,
    QueryError,
    SecondfrontError,
    SpecError,
)
from secondfront.inference import infer, infer_batch, posterior_batch
from secondfront.model.formats import load
from secondfront.model.network import Network, Variable

__version__ = "0.1.0"

__all__ = [
    "ImpossibleEvidenceError",
    "Network",
    "QueryError",
    "SecondfrontError",
    "SpecError",
    "Variable",
    "__version__",
    "infer",
    "infer_batch",
    "load",
    "posterior_batch",
]
