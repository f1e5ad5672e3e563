"""Adapters to the reference libraries, for tests and benchmarks.

The engine is checked against two independent implementations: pyAgrum (junction-tree
engines written in C++) and pgmpy (variable elimination in numpy). This module moves
networks between them and us and reads every single-variable posterior back in our
state order, so the tests can compare arrays directly.

pgmpy and pyAgrum are test and benchmark dependencies only, so they are imported inside
the functions that need them: importing this module costs nothing without them.

Loading path. ``network_from_pgmpy`` turns a model that pgmpy's own BIF parser read into
a ``Network``. It shares no code with ``secondfront.model.bif``, so comparing the two
loaders is meaningful. ``to_pyagrum`` builds the pyAgrum network through its API in
float64, never through pyAgrum's BIF reader, which rounds probabilities to float32 and
cannot read the state name ``Asy/Patch`` of ``child``.

State names in pyAgrum. Built through the API, ``LabelizedVariable`` accepts every label
the shipped networks use (slashes, spaces, commas, semicolons, braces, quotes, empty and
non-ASCII labels were all tried); it rejects only duplicate labels within one variable,
which a ``Network`` cannot express meaningfully either. Evidence is passed to pyAgrum as
state indices, never labels, so a label that looks like a number cannot be misread.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from secondfront.model.network import (
    ROW_SUM_TOLERANCE,
    Network,
    Variable,
    normalise_rows,
    topological_order,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pyagrum
    from pgmpy.models import DiscreteBayesianNetwork

Engine = Literal["lazy", "shafer"]

# The discrete networks pgmpy ships as ``<name>.bif.gz``, smallest first (by the size of
# their largest junction-tree clique, roughly), so a loop over them fails fast.
EXAMPLE_NETWORKS: tuple[str, ...] = (
    "asia",
    "cancer",
    "earthquake",
    "sachs",
    "survey",
    "alarm",
    "child",
    "insurance",
    "water",
    "hailfinder",
    "hepar2",
    "win95pts",
    "andes",
    "pigs",
    "link",
    "munin1",
    "mildew",
    "barley",
    "diabetes",
    "pathfinder",
    "munin",
    "munin2",
    "munin3",
    "munin4",
)
# The ones every reader and cross-check handles in about a second, the default set of
# the format tests; the rest run with SECONDFRONT_FULL_CROSSCHECK=1.
QUICK_NETWORKS: tuple[str, ...] = tuple(
    n for n in EXAMPLE_NETWORKS[: EXAMPLE_NETWORKS.index("win95pts") + 1] if n != "water"
)  # the smallest twelve but water, which pgmpy's BIF reader takes seconds to read


# -- where the networks are -------------------------------------------------------------


def example_networks_dir() -> Path:
    """The folder in the installed pgmpy package that holds the ``*.bif.gz`` networks.

    Raises:
        FileNotFoundError: pgmpy is installed without its example models.
    """
    folder = Path(str(resources.files("pgmpy") / "utils" / "example_models"))
    if not folder.is_dir():
        raise FileNotFoundError(f"pgmpy has no example_models folder at {folder}")
    return folder


def example_network_path(name: str) -> Path:
    """Path of the shipped ``<name>.bif.gz``.

    Raises:
        KeyError: ``name`` is not one of ``EXAMPLE_NETWORKS``.
        FileNotFoundError: the file is missing from the pgmpy installation.
    """
    if name not in EXAMPLE_NETWORKS:
        raise KeyError(f"unknown example network {name!r}; known: {', '.join(EXAMPLE_NETWORKS)}")
    path = example_networks_dir() / f"{name}.bif.gz"
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


def example_network_text(name: str) -> str:
    """The BIF text of a shipped network (the file is gzipped)."""
    with gzip.open(example_network_path(name), "rt", encoding="utf-8") as handle:
        return handle.read()


def assert_same_network(a: Network, b: Network) -> None:
    """Same name, variables, states, parents and order, and bit-identical float64 CPTs."""
    assert a.name == b.name
    assert a.variables == b.variables
    assert list(a.variables) == list(b.variables)
    for name in a.variables:
        assert a.cpts[name].dtype == np.float64
        np.testing.assert_array_equal(a.cpts[name], b.cpts[name], err_msg=name)


def load_pgmpy_model(name: str) -> DiscreteBayesianNetwork:
    """Parse a shipped network with pgmpy's BIF reader (offline; the file is gzipped).

    ``pgmpy.utils.get_example_model`` does the same but is deprecated, and the newer
    ``pgmpy.example_models.load_model`` downloads, so the file is read directly.
    """
    from pgmpy.readwrite import BIFReader

    return BIFReader(string=example_network_text(name)).get_model()


@cache
def example_network(name: str) -> Network:
    """A shipped network as a ``Network``, loaded through pgmpy and cached per process.

    The object is shared by every caller in the process; it holds no engine state.
    """
    return network_from_pgmpy(load_pgmpy_model(name))


# -- pgmpy -> Network --------------------------------------------------------------------


def network_from_pgmpy(
    model: DiscreteBayesianNetwork, *, tolerance: float = ROW_SUM_TOLERANCE
) -> Network:
    """Convert a pgmpy discrete Bayesian network into a ``Network``.

    Parents keep the order of each CPD's ``variables[1:]`` (the order of the BIF file's
    ``given`` clause). Each variable's states are those of its own CPD; the parent axes
    of a child's table are re-indexed by state *name* to the parent's own state order,
    so a file that lists a parent's states differently in two places still loads right.
    Rows are renormalised in float64 because the shipped files' rows miss 1 by up to
    ~3e-7, which is larger than the 1e-9 the cross-checks compare at.

    Args:
        model: a pgmpy ``DiscreteBayesianNetwork`` with one ``TabularCPD`` per node.
        tolerance: largest accepted ``|row sum - 1|`` before renormalising.

    Raises:
        ValueError: a node has no CPD, or a row misses 1 by more than ``tolerance``.
    """
    cpds = {}
    for node in model.nodes():
        cpd = model.get_cpds(node)
        if cpd is None:
            raise ValueError(f"{node}: no CPD")
        cpds[str(node)] = cpd

    parents = {name: tuple(str(p) for p in cpd.variables[1:]) for name, cpd in cpds.items()}
    order = topological_order(parents)
    if len(order) != len(parents) or (order and isinstance(order[0], list)):
        raise ValueError(f"the graph has cycles: {order}")

    variables: dict[str, Variable] = {}
    for name in order:
        assert isinstance(name, str)
        cpd = cpds[name]
        states = tuple(str(s) for s in cpd.state_names[cpd.variables[0]])
        variables[name] = Variable(name=name, states=states, parents=parents[name])

    cpts: dict[str, np.ndarray] = {}
    for name, var in variables.items():
        cpd = cpds[name]
        # get_values(): child states on rows, parent configurations on columns, the first
        # parent varying slowest (C order over cpd.variables[1:]).
        values = np.asarray(cpd.get_values(), dtype=np.float64)
        shape = (*(len(cpd.state_names[p]) for p in cpd.variables[1:]), var.card)
        table = values.T.reshape(shape)
        for axis, parent in enumerate(cpd.variables[1:]):
            theirs = [str(s) for s in cpd.state_names[parent]]
            ours = variables[str(parent)].states
            if sorted(theirs) != sorted(ours):
                raise ValueError(f"{name}: parent {parent} has states {theirs}, expected {ours}")
            table = np.take(table, [theirs.index(s) for s in ours], axis=axis)
        worst = float(np.max(np.abs(table.sum(axis=-1) - 1.0))) if table.size else 0.0
        if worst > tolerance:
            raise ValueError(f"{name}: a CPT row sums to 1 {worst:+.3g} (tolerance {tolerance})")
        cpts[name] = np.ascontiguousarray(normalise_rows(table))
    return Network(name=str(getattr(model, "name", "") or ""), variables=variables, cpts=cpts)


# -- Network -> pyAgrum ------------------------------------------------------------------


def to_pyagrum(network: Network) -> pyagrum.BayesNet:
    """Build a pyAgrum ``BayesNet`` equal to ``network`` in float64.

    The tables are filled through ``Tensor.fillWith`` with every value aligned by
    variable name: pyAgrum orders a CPT's variables its own way (``Tensor.names``) and
    ``toarray()`` lists the axes in the reverse of that order, whose C-order flattening
    is the order ``fillWith`` expects.
    """
    import pyagrum as gum

    bn = gum.BayesNet(network.name or "network")
    for var in network:
        bn.add(gum.LabelizedVariable(var.name, var.label or var.name, list(var.states)))
    for var in network:
        for parent in var.parents:
            bn.addArc(parent, var.name)
    for var in network:
        tensor = bn.cpt(var.name)
        ours = (*var.parents, var.name)  # axis names of network.cpts[var.name]
        theirs = list(reversed(tensor.names))  # axis names of tensor.toarray()
        values = np.transpose(network.cpts[var.name], [ours.index(n) for n in theirs])
        tensor.fillWith(np.ascontiguousarray(values, dtype=np.float64).ravel().tolist())
    return bn


def pyagrum_cpt(bn: pyagrum.BayesNet, network: Network, name: str) -> np.ndarray:
    """pyAgrum's CPT of ``name`` in our layout (parents in ``Variable.parents`` order, child
    last, states in our order), for comparing tables."""
    tensor = bn.cpt(name)
    theirs = list(reversed(tensor.names))
    table = np.asarray(tensor.toarray(), dtype=np.float64)
    var = network.variables[name]
    ours = (*var.parents, name)
    table = np.transpose(table, [theirs.index(n) for n in ours])
    for axis, axis_name in enumerate(ours):
        labels = list(bn.variable(axis_name).labels())
        table = np.take(table, [labels.index(s) for s in network.variables[axis_name].states], axis)
    return table


def _pyagrum_engine(bn: pyagrum.BayesNet, engine: Engine) -> Any:
    import pyagrum as gum

    if engine == "lazy":
        return gum.LazyPropagation(bn)
    if engine == "shafer":
        return gum.ShaferShenoyInference(bn)
    raise ValueError(f"unknown pyAgrum engine {engine!r}; use 'lazy' or 'shafer'")


class PyAgrumMarginals:
    """One pyAgrum inference object reused over many evidence sets.

    Creating the engine builds the junction tree once; each ``__call__`` then erases the
    previous evidence, sets the new one, runs the propagation and reads every posterior.
    ``eraseAllEvidence`` before ``setEvidence`` is what makes pyAgrum recompute (it does
    not notice other changes). Posteriors are returned in the ``BayesNet``'s label order,
    which is our order for a network built by ``to_pyagrum``; pass ``network`` to re-align
    by state name for a ``BayesNet`` from elsewhere.

    Args:
        bn: the pyAgrum network.
        engine: ``"lazy"`` (LazyPropagation) or ``"shafer"`` (ShaferShenoyInference).
        network: optional; when given, outputs follow its variable and state order.
        threads: threads this engine may use; ``None`` keeps pyAgrum's global setting.
            Single-threaded by default: on a loaded 2-core machine pyAgrum's worker
            threads made ``pigs`` several times slower and its timings erratic.
    """

    def __init__(
        self,
        bn: pyagrum.BayesNet,
        engine: Engine = "lazy",
        network: Network | None = None,
        threads: int | None = 1,
    ) -> None:
        self.bn = bn
        self.engine = engine
        self.inference = _pyagrum_engine(bn, engine)
        if threads is not None:
            self.inference.setNumberOfThreads(threads)
        if network is None:
            self.names = [bn.variable(i).name() for i in bn.topologicalOrder()]
            self._labels = {n: list(bn.variable(n).labels()) for n in self.names}
            self._perm: dict[str, list[int] | None] = {n: None for n in self.names}
        else:
            self.names = network.names
            self._labels = {v.name: list(v.states) for v in network}
            self._perm = {}
            for var in network:
                theirs = list(bn.variable(var.name).labels())
                perm = [theirs.index(s) for s in var.states]
                self._perm[var.name] = None if perm == list(range(len(perm))) else perm
        self._ids = {n: bn.idFromName(n) for n in self.names}

    def _set(self, evidence: Mapping[str, str]) -> None:
        self.inference.eraseAllEvidence()
        if evidence:
            self.inference.setEvidence(
                {n: self.bn.variable(n).index(str(s)) for n, s in evidence.items()}
            )
        self.inference.makeInference()

    def __call__(self, evidence: Mapping[str, str]) -> dict[str, np.ndarray]:
        """All single-variable posteriors given ``evidence`` (observed ones one-hot)."""
        self._set(evidence)
        out: dict[str, np.ndarray] = {}
        for name in self.names:
            if name in evidence:
                row = np.zeros(len(self._labels[name]))
                row[self._labels[name].index(evidence[name])] = 1.0
                out[name] = row
                continue
            post = np.asarray(self.inference.posterior(self._ids[name]).toarray(), np.float64)
            perm = self._perm[name]
            out[name] = post if perm is None else post[perm]
        return out

    def batch(self, evidence_list: Sequence[Mapping[str, str]]) -> dict[str, np.ndarray]:
        """Posteriors for many evidence sets, stacked like ``secondfront.infer_batch``:
        ``{name: array (len(evidence_list), n_states)}``."""
        out = {n: np.empty((len(evidence_list), len(self._labels[n]))) for n in self.names}
        for i, evidence in enumerate(evidence_list):
            for name, row in self(evidence).items():
                out[name][i] = row
        return out


def pyagrum_marginals(
    bn: pyagrum.BayesNet,
    evidence: Mapping[str, str],
    engine: Engine = "lazy",
    network: Network | None = None,
) -> dict[str, np.ndarray]:
    """All single-variable posteriors from pyAgrum for one evidence set.

    Args:
        bn: a pyAgrum ``BayesNet`` (from ``to_pyagrum`` its label order is ours).
        evidence: ``{variable: state name}``.
        engine: ``"lazy"`` (LazyPropagation) or ``"shafer"`` (ShaferShenoyInference).
        network: optional; re-aligns the output to its state order by name.

    Returns:
        ``{variable: posterior}``; observed variables are one-hot.
    """
    return PyAgrumMarginals(bn, engine, network)(evidence)


def pyagrum_marginals_batch(
    bn: pyagrum.BayesNet,
    evidence_list: Sequence[Mapping[str, str]],
    engine: Engine = "lazy",
    network: Network | None = None,
) -> dict[str, np.ndarray]:
    """``pyagrum_marginals`` over many sets with one inference object, stacked as
    ``{variable: array (len(evidence_list), n_states)}``."""
    return PyAgrumMarginals(bn, engine, network).batch(evidence_list)


# -- Network -> pgmpy --------------------------------------------------------------------


def to_pgmpy(network: Network) -> DiscreteBayesianNetwork:
    """Build a pgmpy ``DiscreteBayesianNetwork`` with the same tables and state names."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork([(p, v.name) for v in network for p in v.parents])
    model.add_nodes_from(network.names)  # isolated variables have no edge
    model.name = network.name
    cpds = []
    for var in network:
        parents = list(var.parents)
        cpds.append(
            TabularCPD(
                variable=var.name,
                variable_card=var.card,
                # child states on rows, parent configurations (C order) on columns
                values=network.cpts[var.name].reshape(-1, var.card).T,
                evidence=parents or None,
                evidence_card=[network.variables[p].card for p in parents] or None,
                state_names={n: list(network.variables[n].states) for n in (var.name, *parents)},
            )
        )
    model.add_cpds(*cpds)
    return model


class PgmpyMarginals:
    """pgmpy ``VariableElimination`` reused over many evidence sets.

    pgmpy has no all-marginals query: ``query(variables, joint=False)`` builds the joint
    of all query variables first, which is infeasible beyond a handful, so each
    non-evidence variable is one ``query([name], evidence)`` (pgmpy prunes barren and
    d-separated variables per query).

    Args:
        model: a pgmpy ``DiscreteBayesianNetwork``.
        network: optional; when given, outputs follow its variable and state order.
    """

    def __init__(self, model: DiscreteBayesianNetwork, network: Network | None = None) -> None:
        from pgmpy.inference import VariableElimination

        self.model = model
        self.inference = VariableElimination(model)
        if network is None:
            self.names = [str(n) for n in model.nodes()]
            self._states = {n: [str(s) for s in model.states[n]] for n in self.names}
        else:
            self.names = network.names
            self._states = {v.name: list(v.states) for v in network}

    def __call__(self, evidence: Mapping[str, str]) -> dict[str, np.ndarray]:
        """All single-variable posteriors given ``evidence`` (observed ones one-hot)."""
        out: dict[str, np.ndarray] = {}
        ev = dict(evidence)
        for name in self.names:
            states = self._states[name]
            if name in ev:
                row = np.zeros(len(states))
                row[states.index(ev[name])] = 1.0
                out[name] = row
                continue
            factor = self.inference.query([name], evidence=ev, show_progress=False)
            theirs = [str(s) for s in factor.state_names[name]]
            values = np.asarray(factor.values, dtype=np.float64)
            out[name] = values[[theirs.index(s) for s in states]]
        return out

    def batch(self, evidence_list: Sequence[Mapping[str, str]]) -> dict[str, np.ndarray]:
        """Posteriors for many sets, stacked as ``{name: array (len(list), n_states)}``."""
        out = {n: np.empty((len(evidence_list), len(self._states[n]))) for n in self.names}
        for i, evidence in enumerate(evidence_list):
            for name, row in self(evidence).items():
                out[name][i] = row
        return out


def pgmpy_marginals(
    model: DiscreteBayesianNetwork,
    evidence: Mapping[str, str],
    network: Network | None = None,
) -> dict[str, np.ndarray]:
    """All single-variable posteriors from pgmpy's ``VariableElimination``.

    Args:
        model: a pgmpy ``DiscreteBayesianNetwork`` (from ``to_pgmpy`` its order is ours).
        evidence: ``{variable: state name}``.
        network: optional; re-aligns the output to its state order by name.

    Returns:
        ``{variable: posterior}``; observed variables are one-hot.
    """
    return PgmpyMarginals(model, network)(evidence)


# -- evidence ----------------------------------------------------------------------------


def forward_sample(network: Network, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` joint samples by ancestral sampling: ``{name: state indices, shape (n,)}``."""
    samples: dict[str, np.ndarray] = {}
    for var in network:  # topological order: parents are sampled first
        cpt = network.cpts[var.name]
        rows = cpt[tuple(samples[p] for p in var.parents)] if var.parents else cpt[None, :]
        cum = np.cumsum(rows, axis=-1)
        # u * total < total, so the index is always valid; side="right" never lands on a
        # zero-probability state (its cumulative sum equals its predecessor's).
        u = rng.random(n) * cum[:, -1]
        idx = (cum <= u[:, None]).sum(axis=-1)
        samples[var.name] = np.minimum(idx, var.card - 1)
    return samples


def random_leaf_evidence(
    network: Network, n_sets: int, n_observed: int = 5, seed: int = 0
) -> list[dict[str, str]]:
    """Random evidence sets that observe leaves at states drawn from the prior.

    Each set observes ``n_observed`` distinct leaves (variables without children) chosen
    at random. When the network has fewer leaves than that, the variables are chosen
    from all variables instead, and at most ``len(network) - 1`` are observed so that at
    least one posterior is not trivially one-hot. The observed states come from one
    forward sample of the whole network per set, so every set has ``P(e) > 0``.

    Args:
        network: the network.
        n_sets: number of evidence sets.
        n_observed: variables observed per set.
        seed: seed of the only random source, ``numpy.random.default_rng(seed)``.

    Returns:
        ``n_sets`` dicts ``{variable: state name}``, keys in the network's order.
    """
    rng = np.random.default_rng(seed)
    names = network.names
    has_child = {p for v in network for p in v.parents}
    leaves = [n for n in names if n not in has_child]
    pool = leaves if len(leaves) >= n_observed else names
    k = max(0, min(n_observed, len(pool), len(names) - 1))
    samples = forward_sample(network, n_sets, rng)
    position = {n: i for i, n in enumerate(names)}
    sets: list[dict[str, str]] = []
    for i in range(n_sets):
        chosen = sorted(
            rng.choice(len(pool), size=k, replace=False), key=lambda j: position[pool[j]]
        )
        sets.append(
            {pool[j]: network.variables[pool[j]].states[samples[pool[j]][i]] for j in chosen}
        )
    return sets


def max_abs_diff(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """Largest ``|a - b|`` over all variables of two marginal dicts (same keys required).

    Raises:
        KeyError: the variable sets differ.
        ValueError: two arrays differ in shape.
    """
    if set(a) != set(b):
        raise KeyError(f"variables differ: {sorted(set(a) ^ set(b))[:5]}")
    worst = 0.0
    for name, left in a.items():
        left = np.asarray(left, dtype=np.float64)
        right = np.asarray(b[name], dtype=np.float64)
        if left.shape != right.shape:
            raise ValueError(f"{name}: shape {left.shape} != {right.shape}")
        if left.size:
            worst = max(worst, float(np.max(np.abs(left - right))))
    return worst
