"""Which assumption drives a target probability? One-at-a-time sweeps and Sobol indices.

Both methods vary the parameters that carry a prior (see
``secondfront.model.parameters``) and watch P(target = state):

* **one at a time** (a tornado): each parameter moves to the ends of its central
  interval while the others stay at their stated values; the swing is the difference
  the move makes. Cheap and easy to read, but blind to interactions.
* **Sobol** (variance-based, global): all parameters vary together over their priors.
  The first-order index S1 is the share of the target's variance due to one parameter
  alone; the total index ST adds every interaction it takes part in. Sampling and
  estimation are SALib's (Saltelli's design with Sobol sequences; Jansen/Saltelli
  estimators; bootstrap confidence intervals). Each parameter is one SALib factor; a
  distribution (Dirichlet) uses one uniform per state, grouped into one factor.

Only parameters that can move the target are varied: those of the target and of its
ancestors, and with evidence also those of the evidence variables' ancestors (the rest
cannot change P(target | evidence) because their tables sum out). Without evidence or
interventions, P(target) is one contraction over the ancestors
(``inference.contraction.TargetMarginal``); otherwise the batched junction tree runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from secondfront.errors import UsageError
from secondfront.inference.contraction import TargetMarginal, ancestral_set
from secondfront.inference.query import (
    Evidence,
    compile_query,
    infer,
    posterior_batch,
    state_index,
)
from secondfront.jsontypes import JSONObject
from secondfront.model.limits import memory_problem
from secondfront.model.model import ModelLike, as_model
from secondfront.model.parameters import Parameter, ParameterSpace
from secondfront.tabular import Rows, Tabular

# Parameter sets evaluated per vectorised call: bounds memory for large designs.
CHUNK = 32_768


@dataclass(frozen=True)
class Target:
    """``VAR=STATE``: the probability a sensitivity analysis explains."""

    variable: str
    state: str

    @classmethod
    def parse(cls, text: str, network: ModelLike) -> Target:
        """Parse ``VAR=STATE`` and check both names against the network."""
        var, sep, state = text.partition("=")
        if not sep or not var or not state:
            raise UsageError(f"target {text!r} is not VAR=STATE")
        state_index(network, var.strip(), state.strip())
        return cls(var.strip(), state.strip())

    def __str__(self) -> str:
        return f"{self.variable}={self.state}"

    @classmethod
    def headline(cls, model: ModelLike) -> Target:
        """The model's first outcome in its headline state (the flagship's
        ``belarus_entry=entered``): what the workbench and the report explain."""
        first = as_model(model).outcomes()[0]
        return cls(first.variable, first.state)


class TargetFunction:
    """P(target = state | evidence, do) as a function of batches of parameter values."""

    def __init__(
        self,
        network: ModelLike,
        target: Target,
        evidence: Evidence | None = None,
        do: Mapping[str, str] | None = None,
    ) -> None:
        model = as_model(network)
        model.require_spec("sensitivity")
        self.space = ParameterSpace(model)
        self.model = model
        network = model.network
        self.network = network
        self.target = target
        self.evidence = dict(evidence or {})
        self.do = dict(do or {})
        relevant = set(ancestral_set(network, [target.variable, *self.evidence]))
        relevant -= set(self.do)  # an intervention's own table no longer matters
        self.parameters: list[Parameter] = self.space.of_variables(relevant)
        self._k = network.variables[target.variable].index(target.state)
        varying = {p.variable for p in self.parameters}
        self._fast = (
            TargetMarginal(network, target.variable, varying)
            if not self.evidence and not self.do and varying
            else None
        )
        # Compiled once for every chunk of parameter sets (the model holds no query).
        self._query = compile_query(model)

    def baseline(self) -> float:
        """P(target) with every parameter at its stated value."""
        return infer(self._query, self.evidence, do=self.do)[self.target.variable][
            self.target.state
        ]

    def __call__(self, values: Mapping[str, np.ndarray], batch: int) -> np.ndarray:
        """P(target) for each of ``batch`` parameter sets, shape ``(batch,)``."""
        out = np.empty(batch)
        for lo in range(0, batch, CHUNK):
            hi = min(batch, lo + CHUNK)
            part = {k: v[lo:hi] for k, v in values.items()}
            tables = self.space.tables(part, hi - lo)
            if self._fast is not None:
                out[lo:hi] = self._fast(tables)[:, self._k]
            else:
                post = posterior_batch(
                    self._query,
                    [self.evidence] * (hi - lo),
                    do=self.do,
                    cpts=tables,
                    on_impossible="nan",
                )
                out[lo:hi] = post.marginals[self.target.variable][:, self._k]
        return out


# -- one at a time -------------------------------------------------------------------


@dataclass(frozen=True)
class Swing:
    """One bar of a tornado chart.

    Attributes:
        parameter: parameter path.
        variable: the variable it belongs to.
        low: the parameter's low value (scalar, or the swept state's probability).
        high: its high value.
        p_low: P(target) with the parameter at ``low``.
        p_high: P(target) with the parameter at ``high``.
    """

    parameter: str
    variable: str
    low: float
    high: float
    p_low: float
    p_high: float

    @property
    def swing(self) -> float:
        """|p_high - p_low|."""
        return abs(self.p_high - self.p_low)


@dataclass(frozen=True)
class OneAtATime(Tabular):
    """A tornado: the baseline and one swing per parameter, largest first."""

    target: Target
    baseline: float
    confidence: float
    swings: list[Swing]

    def table(self) -> Rows:
        """One row per parameter, largest swing first."""
        return Rows(
            f"One at a time: P({self.target}) = {self.baseline:.4f}, each parameter over its "
            f"{self.confidence:.0%} interval",
            ("parameter", "variable", "low", "high", "p_low", "p_high", "swing"),
            [
                (s.parameter, s.variable, s.low, s.high, s.p_low, s.p_high, s.swing)
                for s in self.swings
            ],
        )

    def top(self, n: int) -> JSONObject:
        """The target, the baseline and the ``n`` largest swings (the workbench's panel)."""
        return {
            "target": str(self.target),
            "baseline": self.baseline,
            "rows": [
                {
                    "parameter": s.parameter,
                    "variable": s.variable,
                    "p_low": s.p_low,
                    "p_high": s.p_high,
                    "swing": s.swing,
                }
                for s in self.swings[:n]
            ],
        }


def one_at_a_time(
    network: ModelLike,
    target: Target,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    confidence: float = 0.9,
) -> OneAtATime:
    """Sweep each uncertain parameter over its central interval, the others held.

    All 2D evaluations run in one batched call.
    """
    fn = TargetFunction(network, target, evidence, do)
    params = fn.parameters
    if not params:
        return OneAtATime(target, fn.baseline(), confidence, [])
    batch = 2 * len(params)
    values: dict[str, np.ndarray] = {}
    ends = [fn.space.sweep(p, confidence) for p in params]
    for i, (p, (lo, hi)) in enumerate(zip(params, ends, strict=True)):
        col = np.broadcast_to(p.value, (batch, *p.value.shape)).copy()
        col[2 * i] = lo
        col[2 * i + 1] = hi
        values[p.path] = col
    y = fn(values, batch)
    swings = [
        Swing(
            p.path,
            p.variable,
            float(np.ravel(lo)[-1]),
            float(np.ravel(hi)[-1]),
            float(y[2 * i]),
            float(y[2 * i + 1]),
        )
        for i, (p, (lo, hi)) in enumerate(zip(params, ends, strict=True))
    ]
    swings.sort(key=lambda s: -s.swing)
    return OneAtATime(target, fn.baseline(), confidence, swings)


# -- Sobol ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """An input of a Sobol analysis: a name and how many uniforms it takes."""

    name: str
    width: int = 1


@dataclass(frozen=True)
class SobolIndex:
    """First-order and total Sobol indices of one factor, with confidence half-widths."""

    name: str
    s1: float
    s1_conf: float
    st: float
    st_conf: float


@dataclass(frozen=True)
class SobolResult(Tabular):
    """Sobol indices, largest total index first, and the design that produced them."""

    indices: list[SobolIndex]
    n_base: int
    evaluations: int
    conf_level: float
    variance: float

    def table(self) -> Rows:
        """One row per factor: S1 and ST with their confidence half-widths."""
        return Rows(
            f"Sobol indices: N = {self.n_base}, {self.evaluations} evaluations, "
            f"{self.conf_level:.0%} half-widths",
            ("parameter", "s1", "s1_conf", "st", "st_conf"),
            [(i.name, i.s1, i.s1_conf, i.st, i.st_conf) for i in self.indices],
        )


def sobol_analysis(
    factors: Sequence[Factor],
    evaluate: Callable[[np.ndarray], np.ndarray],
    n_base: int = 4096,
    seed: int = 0,
    conf_level: float = 0.95,
) -> SobolResult:
    """Sobol indices of ``evaluate`` over independent factors, each uniform on [0, 1]^width.

    Args:
        factors: the inputs; a factor of width w gets w uniform columns, analysed as a group.
        evaluate: maps a design ``(n, total width)`` of uniforms to outputs ``(n,)``.
        n_base: SALib's base sample size N (a power of 2); N (2 G + 2) evaluations for G factors.
        seed: seeds the scrambled Sobol sequence and the bootstrap.
        conf_level: confidence level of the bootstrap intervals.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n_base < 2 or n_base & (n_base - 1):
        raise UsageError(f"the Sobol base sample size must be a power of 2, got {n_base}")
    names = [f"{f.name}#{j}" for f in factors for j in range(f.width)]
    groups = [f.name for f in factors for _ in range(f.width)]
    rows = n_base * (len(factors) + 2)
    too_big = memory_problem(
        "max_batch_bytes", 3 * 8 * rows * len(names), f"a Sobol design of {rows:,} rows"
    )
    if too_big:
        raise UsageError(too_big)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[0.0, 1.0]] * len(names),
        "groups": groups,
    }
    design = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    y = np.asarray(evaluate(design), dtype=np.float64)
    # SALib seeds its bootstrap only ``if seed:``, so seed 0 (our default) would draw
    # the "±" columns from NumPy's global random state and change them run to run.
    # The bootstrap gets its own seed, derived from ``seed`` and never 0.
    boot_seed = int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1
    si = sobol_analyze.analyze(
        problem, y, calc_second_order=False, conf_level=conf_level, seed=boot_seed
    )
    indices = [
        SobolIndex(
            f.name,
            float(si["S1"][i]),
            float(si["S1_conf"][i]),
            float(si["ST"][i]),
            float(si["ST_conf"][i]),
        )
        for i, f in enumerate(factors)
    ]
    indices.sort(key=lambda s: -s.st)
    return SobolResult(indices, n_base, int(y.size), conf_level, float(np.var(y)))


def sobol(
    network: ModelLike,
    target: Target,
    n_base: int = 4096,
    seed: int = 0,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    conf_level: float = 0.95,
    progress: Callable[[int, int], None] | None = None,
) -> SobolResult:
    """Global sensitivity of P(target) to every uncertain parameter that can move it.

    ``progress(done, total)``, when given, is told the design rows evaluated so far;
    the rows go to the engine in the pieces of :data:`CHUNK` it takes anyway, so the
    numbers do not change.
    """
    fn = TargetFunction(network, target, evidence, do)
    params = fn.parameters
    if not params:
        raise UsageError(
            f"no parameter upstream of {target} carries uncertainty: add 'uncertainty' to "
            "parameters, or 'default_uncertainty' to the model block"
        )
    factors = [Factor(p.path, p.prior.width) for p in params if p.prior is not None]

    def evaluate(u: np.ndarray) -> np.ndarray:
        if progress is None:
            return fn(fn.space.from_uniform(u, params), u.shape[0])
        n = u.shape[0]
        y = np.empty(n)
        for lo in range(0, n, CHUNK):
            hi = min(n, lo + CHUNK)
            y[lo:hi] = fn(fn.space.from_uniform(u[lo:hi], params), hi - lo)
            progress(hi, n)
        return y

    return sobol_analysis(factors, evaluate, n_base=n_base, seed=seed, conf_level=conf_level)
