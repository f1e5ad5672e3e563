"""Second-order uncertainty: how sure is each outcome probability?

Every parameter with a prior (see ``secondfront.model.parameters``) is sampled N times
from one seeded generator; the N parameter sets are compiled into batched tables and
evaluated by the engine in one vectorised call. Each outcome's probability then has
N values: their mean, median and central interval are reported. Parameters without a
prior are held at their stated values, and the result lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from secondfront.defaults import DEFAULT_SAMPLES
from secondfront.errors import UsageError
from secondfront.inference.query import Evidence, Query, compile_query, infer, posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.limits import memory_problem
from secondfront.model.model import ModelLike, as_model
from secondfront.model.parameters import ParameterSpace

# The What-if page alone redraws intervals on every change: fewer sets keep an update
# quick (about 0.4 s against 2 s), and the page states the number it used.
INTERACTIVE_SAMPLES = 2000

PROGRESS_CHUNK = 1000
"""Parameter sets per engine call when a progress callback asks to be told."""


@dataclass(frozen=True)
class OutcomeUncertainty:
    """The spread of one outcome's probability over sampled parameter sets.

    Attributes:
        variable: outcome variable.
        label: its description.
        state: the headlined state.
        point: probability with every parameter at its stated value.
        mean: mean over samples.
        median: median over samples.
        interval: central interval at ``confidence`` (low, high).
        samples: the sampled probabilities, shape ``(N,)``.
    """

    variable: str
    label: str
    state: str
    point: float
    mean: float
    median: float
    interval: tuple[float, float]
    samples: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class UncertaintyResult:
    """Outcome uncertainty for one model, evidence and seed.

    Attributes:
        model: model name.
        n_samples: N.
        seed: the seed that reproduces the numbers.
        confidence: mass of the reported intervals.
        outcomes: one entry per outcome.
        uncertain: paths of the sampled parameters.
        exact: paths of parameters held at their stated values.
        from_default: how many priors came from the model's ``default_uncertainty``.
        impossible: samples whose parameters make the evidence impossible (excluded).
    """

    model: str
    n_samples: int
    seed: int
    confidence: float
    outcomes: list[OutcomeUncertainty]
    uncertain: list[str]
    exact: list[str]
    from_default: int
    impossible: int

    def as_json(self) -> JSONObject:
        """Per outcome: state, point, mean, median, ``interval`` and ``samples``."""
        return {
            o.variable: {
                "state": o.state,
                "point": o.point,
                "mean": o.mean,
                "median": o.median,
                "interval": list(o.interval),
                "samples": self.n_samples,
            }
            for o in self.outcomes
        }


def _sampled_marginals(
    query: Query,
    tables: dict[str, np.ndarray],
    point: dict[str, dict[str, float]],
    evidence: Evidence | None,
    do: Mapping[str, str] | None,
    n_samples: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, np.ndarray]:
    """Every variable's marginals under each sampled parameter set: ``{var: [N, states]}``
    (NaN rows where a set makes the evidence impossible). In pieces of
    :data:`PROGRESS_CHUNK` sets when ``progress`` is given; the point forecast repeated
    when no parameter is uncertain (``tables`` empty)."""
    if not tables:
        # No uncertain parameter: every sample is the point forecast.
        return {
            var: np.broadcast_to(np.array(list(dist.values())), (n_samples, len(dist)))
            for var, dist in point.items()
        }
    step = PROGRESS_CHUNK if progress is not None else n_samples
    parts: list[dict[str, np.ndarray]] = []
    for lo in range(0, n_samples, step):
        hi = min(n_samples, lo + step)
        piece = {v: t[lo:hi] for v, t in tables.items()}
        parts.append(
            posterior_batch(
                query, [evidence or {}] * (hi - lo), do=do, cpts=piece, on_impossible="nan"
            ).marginals
        )
        if progress is not None:
            progress(hi, n_samples)
    if len(parts) == 1:
        return parts[0]
    return {v: np.concatenate([p[v] for p in parts]) for v in parts[0]}


def forecast_uncertainty(
    network: ModelLike,
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    confidence: float = 0.9,
    progress: Callable[[int, int], None] | None = None,
) -> UncertaintyResult:
    """Sample the parameters and report each outcome's spread.

    Args:
        network: a model compiled from a scenario spec.
        n_samples: number of parameter sets N (evaluated in one batched call).
        seed: seed of the ``numpy.random.Generator`` that draws them.
        evidence: evidence applied to every sample.
        do: interventions applied to every sample.
        confidence: mass of the central interval, in (0, 1).
        progress: called as ``progress(done, total)`` (parameter sets) while they are
            evaluated; with it the batch runs in pieces of :data:`PROGRESS_CHUNK` rows
            (the same rows, so the same numbers) so that the caller can show a bar.

    Raises:
        UsageError: a model without a scenario spec (only specs state priors), or more
            samples than the memory allows.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence} must be in (0, 1)")
    if n_samples < 1:
        raise ValueError(f"need at least one sample, got {n_samples}")
    model = as_model(network)
    model.require_spec("uncertainty")
    per_sample = 3 * 8 * sum(int(t.size) for t in model.network.cpts.values())
    too_big = memory_problem("max_batch_bytes", n_samples * per_sample, f"{n_samples:,} samples")
    if too_big:
        raise UsageError(too_big)
    space = ParameterSpace(model)
    rng = np.random.default_rng(seed)
    draws = space.sample(rng, n_samples)
    query = compile_query(model)  # one compilation for the point and every chunk
    point = infer(query, evidence, do=do)
    tables = space.tables(draws, n_samples) if draws else {}
    post = _sampled_marginals(query, tables, point, evidence, do, n_samples, progress)
    lo_q, hi_q = (1 - confidence) / 2, (1 + confidence) / 2
    outcomes = []
    impossible = 0
    for o in model.outcomes():
        var, label, state = o.variable, o.label, o.state
        k = model.variables[var].index(state)
        values = post[var][:, k]
        ok = values[np.isfinite(values)]
        impossible = max(impossible, values.size - ok.size)
        outcomes.append(
            OutcomeUncertainty(
                variable=var,
                label=label,
                state=state,
                point=point[var][state],
                mean=float(ok.mean()),
                median=float(np.median(ok)),
                interval=(float(np.quantile(ok, lo_q)), float(np.quantile(ok, hi_q))),
                samples=values,
            )
        )
    return UncertaintyResult(
        model=model.name,
        n_samples=n_samples,
        seed=seed,
        confidence=confidence,
        outcomes=outcomes,
        uncertain=[p.path for p in space.uncertain],
        exact=[p.path for p in space.exact],
        from_default=sum(p.from_default for p in space.uncertain),
        impossible=impossible,
    )
