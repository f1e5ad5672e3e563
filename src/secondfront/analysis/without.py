"""The model without a claim or a source: each parameter at its stated fallback range.

Dropping a source does not make the model ignorant: the analyst would still give each
number some value, only without that source's reason for it. So every parameter a
dropped claim supports moves to its **fallback**, a range rather than one number:

* the ``without`` the spec states beside the parameter (an elicited value or range,
  ``docs/spec-format.md``), or, where none is stated,
* the package's **no-source interval** ``NO_SOURCE``: a causal effect (a noisy-OR or
  noisy-MAX link, a logistic weight) lies anywhere between "no effect" and the stated
  effect, since the claim is the reason for the effect; any other number (a base rate,
  a leak, an intercept, a table row, an indicator likelihood) keeps its value as a bare
  assumption, anywhere in its central 90% prior interval (its stated uncertainty, the
  model's ``default_uncertainty``, or ``FALLBACK_UNCERTAINTY``).

Each fallback range is a segment ``low + t (high - low)``, t in [0, 1] (a segment
between two distributions for a table row). The range of an outcome over the box of
all dropped parameters is found in two batched engine calls: the first evaluates both
common ends and every parameter's two ends with the others at mid-range; the second
evaluates, per outcome, the two corners where each parameter sits at the end that
lowers (raises) that outcome. The range reported is the smallest and largest value
seen, exact when each outcome is monotone in each parameter over its range, and an
inner bound otherwise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from secondfront.inference.query import Evidence, posterior_batch
from secondfront.model.model import Model
from secondfront.model.parameters import Parameter, ParameterSpace, prior_for
from secondfront.model.schema import DefaultUncertainty

__all__ = [
    "FALLBACK_UNCERTAINTY",
    "NO_SOURCE",
    "Fallback",
    "fallback",
    "probabilities",
    "without_ranges",
]

#: Uncertainty used for a parameter that states none (and whose model sets no
#: ``default_uncertainty``): as if estimated from 20 cases, weights give or take 0.75.
FALLBACK_UNCERTAINTY = DefaultUncertainty(ess=20, sd=0.75)

#: The no-source interval, per kind of parameter, used where the spec states no ``without``.
NO_SOURCE = {
    "stated": "the 'without' value or range written beside the parameter",
    "link": "noisy-OR / noisy-MAX link: anywhere from no effect to the stated effect",
    "weight": "logistic weight: anywhere from 0 (no effect) to the stated weight",
    "prior": (
        "any other number (base rate, leak, intercept, table row, likelihood): kept as a "
        "bare assumption, anywhere in its central 90% prior interval"
    ),
}

_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Fallback:
    """A parameter's range without its claims.

    Attributes:
        path: parameter path.
        low: one end, the value's shape.
        high: the other end.
        rule: which rule of ``NO_SOURCE`` gave it.
    """

    path: str
    low: np.ndarray
    high: np.ndarray
    rule: str

    def describe(self) -> str:
        """``0.1`` for a point, ``0–0.35`` for an interval, ``[..]–[..]`` for a segment."""
        lo, hi = _short(self.low), _short(self.high)
        return lo if np.allclose(self.low, self.high) else f"{lo}–{hi}"


def _short(v: np.ndarray) -> str:
    flat = np.ravel(v)
    return f"{flat[0]:.3g}" if flat.size == 1 else "[" + ", ".join(f"{x:.3g}" for x in flat) + "]"


def fallback(space: ParameterSpace, p: Parameter) -> Fallback:
    """The range ``p`` takes when the claims it rests on are dropped (see module doc)."""
    if p.without is not None:
        return Fallback(p.path, p.without[0], p.without[1], "stated")
    parts = p.path.split(".")
    if "links" in parts:
        none = np.eye(p.value.shape[-1])[0] if p.kind == "distribution" else np.asarray(0.0)
        return Fallback(p.path, none, p.value, "link")
    if "weights" in parts:
        return Fallback(p.path, np.asarray(0.0), p.value, "weight")
    prior = p.prior
    if prior is None:
        default = space.spec.model.default_uncertainty or FALLBACK_UNCERTAINTY
        prior, _ = prior_for(p.kind, p.value, None, default)
    lo, hi = space.sweep(dataclasses.replace(p, prior=prior), _CONFIDENCE)
    return Fallback(p.path, lo, hi, "prior")


def probabilities(
    model: Model,
    space: ParameterSpace,
    values: Mapping[str, np.ndarray],
    batch: int,
    targets: Sequence[tuple[str, str]],
    evidence: Evidence | None = None,
) -> np.ndarray:
    """P(variable = state) per target for ``batch`` parameter sets, one engine call.

    Returns:
        shape ``(batch, len(targets))``; NaN for a row where the evidence is impossible.
    """
    tables = space.tables(values, batch) if values else {}
    rows = [dict(evidence or {})] * batch
    post = posterior_batch(model, rows, cpts=tables or None, on_impossible="nan")
    cols = [post.marginals[v][:, model.variables[v].index(s)] for v, s in targets]
    return np.stack(cols, axis=1) if cols else np.zeros((batch, 0))


def _fill(
    space: ParameterSpace,
    plans: Sequence[tuple[Sequence[Fallback], np.ndarray]],
) -> tuple[dict[str, np.ndarray], int]:
    """Parameter values for a batch: each plan is (fallbacks, t of shape (rows, n))."""
    batch = sum(t.shape[0] for _, t in plans)
    values: dict[str, np.ndarray] = {}
    row = 0
    for fbs, t in plans:
        for i, fb in enumerate(fbs):
            if fb.path not in values:
                v = space.by_path[fb.path].value
                values[fb.path] = np.broadcast_to(v, (batch, *v.shape)).copy()
            ti = t[:, i].reshape(-1, *([1] * fb.low.ndim))
            values[fb.path][row : row + t.shape[0]] = fb.low + ti * (fb.high - fb.low)
        row += t.shape[0]
    return values, batch


def without_ranges(
    model: Model,
    space: ParameterSpace,
    groups: Sequence[Sequence[Parameter]],
    targets: Sequence[tuple[str, str]],
    evidence: Evidence | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each group of parameters moved to their fallbacks, the range of each target.

    Args:
        model: a model with a spec.
        space: its parameter space.
        groups: the parameters resting on each dropped claim or source.
        targets: (variable, state) pairs.
        evidence: observations applied throughout.

    Returns:
        ``(base, ranges)``: P as written, shape ``(T,)``, and the (low, high) range
        without each group, shape ``(G, T, 2)``; a group without parameters gives
        (base, base).
    """
    n_t = len(targets)
    base = probabilities(model, space, {}, 1, targets, evidence)[0]
    fbs = [[fallback(space, p) for p in g] for g in groups]
    first = []
    for fb in fbs:
        n = len(fb)
        t = np.full((2 + 2 * n, n), 0.5)
        t[0], t[1] = 0.0, 1.0
        for i in range(n):
            t[2 + 2 * i, i], t[3 + 2 * i, i] = 0.0, 1.0
        first.append((fb, t))
    values, batch = _fill(space, [(fb, t) for fb, t in first if fb])
    y1 = probabilities(model, space, values, batch, targets, evidence) if values else None
    second = []
    j = 0
    for fb, t in first:
        if not fb:
            continue
        assert y1 is not None
        y = y1[j : j + t.shape[0]]
        j += t.shape[0]
        slope = (y[3::2] - y[2::2]).T  # (T, n): > 0 where raising t_i raises the target
        corners = np.empty((2 * n_t, len(fb)))
        corners[0::2] = slope < 0  # the corner lowering each target
        corners[1::2] = slope > 0  # the corner raising it
        second.append((fb, corners))
    values2, batch2 = _fill(space, second)
    y2 = probabilities(model, space, values2, batch2, targets, evidence) if values2 else None
    ranges = np.repeat(np.stack([base, base], axis=-1)[None], len(groups), axis=0)
    j1 = j2 = 0
    for g, (fb, t) in enumerate(first):
        if not fb:
            continue
        assert y1 is not None and y2 is not None
        seen = np.concatenate([y1[j1 : j1 + t.shape[0]], y2[j2 : j2 + 2 * n_t]])
        j1, j2 = j1 + t.shape[0], j2 + 2 * n_t
        ranges[g, :, 0] = np.nanmin(seen, axis=0)
        ranges[g, :, 1] = np.nanmax(seen, axis=0)
    return base, ranges
