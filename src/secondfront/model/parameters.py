"""The parameters of a scenario spec as a space to sample from and sweep over.

Every number an analyst elicited (a table row, a noisy-OR link, a logistic weight, an
indicator likelihood) is a :class:`Parameter` with a path such as
``belarus_entry.logistic.weights.kremlin_pressure``, the value written in the file, and
a :class:`Prior` describing how sure the modeller is:

* a probability with ``ess`` n: Beta(p n, (1 - p) n);
* a probability with an interval [lo, hi] at confidence c: the Beta distribution with
  mean p whose central c-interval is closest to [lo, hi] (least squares on the two
  quantiles, over the equivalent sample size);
* a distribution with ``ess`` n: Dirichlet(p n);
* a real value with an interval: Normal(value, sd) with sd = (hi - lo) / (2 z), z the
  normal quantile of (1 + c) / 2 (centred on the stated value, so an interval that is
  not symmetric around it is read by its width only); with ``sd``: Normal(value, sd).

Parameters without uncertainty are exact (``prior is None``) unless the model sets
``default_uncertainty``, which then applies and is reported as a default.

:meth:`ParameterSpace.tables` turns a batch of parameter values into batched tables,
shape ``(B, *table shape)``, through the same parametric forms the loader uses, so a
sampled model is compiled exactly as the file would be with those numbers written in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np

from secondfront.model.model import ModelLike, as_model, network_of
from secondfront.model.parametric import (
    default_scores,
    logistic_batch,
    noisy_max_batch,
    noisy_or_batch,
)
from secondfront.model.schema import (
    Basis,
    DefaultUncertainty,
    Indicator,
    Uncertainty,
    VariableSpec,
)

Kind = Literal["probability", "distribution", "real"]

# Keeps Beta and Dirichlet parameters positive when a stated probability is 0 or 1: such
# a number is then (almost) certain, which is what writing 0 or 1 claims.
_TINY = 1e-9


@dataclass(frozen=True)
class Prior:
    """A distribution over one parameter.

    Attributes:
        family: ``beta``, ``dirichlet`` or ``normal``.
        args: Beta (a, b); Dirichlet alphas; Normal (mu, sd).
    """

    family: Literal["beta", "dirichlet", "normal"]
    args: tuple[float, ...]

    @property
    def width(self) -> int:
        """Number of uniforms :meth:`ppf` needs per draw (k for a Dirichlet, else 1)."""
        return len(self.args) if self.family == "dirichlet" else 1

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms to values: ``(n,)`` -> ``(n,)``, or ``(n, k)`` -> ``(n, k)`` (Dirichlet).

        The Dirichlet is drawn as normalised independent Gamma(alpha_i) variables, each
        from its own uniform, so quasi-random designs (Sobol) stay exact.
        """
        from scipy import stats  # about 0.4 s: imported where a prior is evaluated

        u = np.clip(u, 1e-12, 1 - 1e-12)
        if self.family == "beta":
            return cast("np.ndarray", stats.beta.ppf(u, *self.args))
        if self.family == "normal":
            return cast("np.ndarray", stats.norm.ppf(u, *self.args))
        g = stats.gamma.ppf(u, np.asarray(self.args))
        return cast("np.ndarray", g / g.sum(axis=-1, keepdims=True))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws, shape ``(n,)`` or ``(n, k)``."""
        if self.family == "beta":
            a, b = self.args
            return rng.beta(a, b, size=n)
        if self.family == "normal":
            mu, sd = self.args
            return rng.normal(mu, sd, size=n)
        return rng.dirichlet(np.asarray(self.args), size=n)

    def interval(self, confidence: float = 0.9) -> tuple[float, float]:
        """Central interval of a scalar prior."""
        from scipy import stats

        lo, hi = (1 - confidence) / 2, (1 + confidence) / 2
        if self.family == "beta":
            return float(stats.beta.ppf(lo, *self.args)), float(stats.beta.ppf(hi, *self.args))
        if self.family == "normal":
            return float(stats.norm.ppf(lo, *self.args)), float(stats.norm.ppf(hi, *self.args))
        raise ValueError("a Dirichlet has no single interval; see ParameterSpace.sweep")


def beta_from_interval(mean: float, low: float, high: float, confidence: float) -> Prior:
    """The Beta with the given mean whose central interval best matches [low, high]."""
    from scipy import optimize, stats

    m = min(max(mean, _TINY), 1 - _TINY)
    q = np.array([(1 - confidence) / 2, (1 + confidence) / 2])

    def loss(log_n: float) -> float:
        n = np.exp(log_n)
        lo, hi = stats.beta.ppf(q, m * n, (1 - m) * n)
        return float((lo - low) ** 2 + (hi - high) ** 2)

    best = optimize.minimize_scalar(loss, bounds=(np.log(0.5), np.log(1e7)), method="bounded")
    n = float(np.exp(best.x))
    return Prior("beta", (m * n, (1 - m) * n))


def prior_for(
    kind: Kind, mean: np.ndarray, u: Uncertainty | None, default: DefaultUncertainty | None
) -> tuple[Prior | None, bool]:
    """The prior of one parameter and whether it came from the model's default."""
    from_default = u is None and default is not None
    if u is None:
        if default is None:
            return None, False
        u = Uncertainty(ess=default.ess) if kind != "real" else Uncertainty(sd=default.sd)
    if kind == "real":
        mu = float(mean)
        if u.sd is not None:
            return Prior("normal", (mu, u.sd)), from_default
        assert u.low is not None and u.high is not None
        from scipy import stats

        z = stats.norm.ppf((1 + u.confidence) / 2)
        return Prior("normal", (mu, max((u.high - u.low) / (2 * z), _TINY))), from_default
    if kind == "distribution":
        assert u.ess is not None
        alpha = np.maximum(np.asarray(mean, dtype=np.float64) * u.ess, _TINY)
        return Prior("dirichlet", tuple(float(a) for a in alpha)), from_default
    p = min(max(float(mean), _TINY), 1 - _TINY)
    if u.ess is not None:
        return Prior("beta", (p * u.ess, (1 - p) * u.ess)), from_default
    assert u.low is not None and u.high is not None
    return beta_from_interval(p, u.low, u.high, u.confidence), from_default


@dataclass(frozen=True)
class Parameter:
    """One elicited number (or one distribution) of a model.

    Attributes:
        path: ``variable.form.key...``, unique in the model.
        variable: the variable (or indicator) whose table it shapes.
        kind: probability, distribution or real.
        value: the value written in the file, shape ``()`` or ``(k,)``.
        prior: its uncertainty, or None when treated as exact.
        from_default: True when the prior is the model's ``default_uncertainty``.
        claims: claim ids behind it.
        assumption: the stated assumption, if any.
        without: the elicited fallback without its claims, as (low end, high end), each
            of the value's shape; None when the spec states none.
    """

    path: str
    variable: str
    kind: Kind
    value: np.ndarray
    prior: Prior | None
    from_default: bool
    claims: tuple[str, ...]
    assumption: str | None
    without: tuple[np.ndarray, np.ndarray] | None = None


class ParameterSpace:
    """The parameters of a compiled scenario and the map from their values to tables."""

    def __init__(self, model: ModelLike, priors: bool = True) -> None:
        """Collect the parameters of ``model``.

        Args:
            model: a model with a scenario spec.
            priors: False lists the parameters without their priors (each reads as
                exact): enough to show them, and it needs no scipy (about 0.4 s).

        Raises:
            UsageError: a bare network (no scenario spec, so no parameters or priors).
        """
        network = network_of(model)
        spec = as_model(model).require_spec("sampling or sweeping parameters")
        self.network = network
        self.spec = spec
        self._default = spec.model.default_uncertainty
        self._priors = priors
        self.parameters: list[Parameter] = []
        self._entries: dict[str, VariableSpec | Indicator] = {}
        for var in spec.variables:
            self._entries[var.name] = var
            self._collect_variable(var)
        for ind in spec.indicators:
            self._entries[ind.name] = ind
            for state, param in ind.likelihood.items():
                self._add(f"{ind.name}.likelihood.{state}", ind.name, "probability", param.p, param)
        self.by_path = {p.path: p for p in self.parameters}

    # -- enumeration -----------------------------------------------------------------

    def _add(
        self,
        path: str,
        variable: str,
        kind: Kind,
        value: object,
        basis: Basis,
        fallback: Basis | None = None,
    ) -> None:
        u = basis.uncertainty or (fallback.uncertainty if fallback is not None else None)
        arr = np.asarray(value, dtype=np.float64)
        prior, from_default = (
            prior_for(kind, arr, u, self._default) if self._priors else (None, False)
        )
        claims = tuple(basis.claims) or (tuple(fallback.claims) if fallback else ())
        assumption = basis.assumption or (fallback.assumption if fallback else None)
        w = basis.without or (fallback.without if fallback is not None else None)
        without = (
            None
            if w is None
            else (np.asarray(w.ends[0], dtype=np.float64), np.asarray(w.ends[1], dtype=np.float64))
        )
        self.parameters.append(
            Parameter(path, variable, kind, arr, prior, from_default, claims, assumption, without)
        )

    def _collect_variable(self, var: VariableSpec) -> None:
        name = var.name
        if var.table is not None:
            t = var.table
            if t.p is not None:
                self._add(f"{name}.table", name, "distribution", t.p, t)
            for j, row in enumerate(t.rows or []):
                self._add(f"{name}.table.rows.{j}", name, "distribution", row.p, row, t)
        for key, form in (("noisy_or", var.noisy_or), ("noisy_max", var.noisy_max)):
            if form is None:
                continue
            kind: Kind = "probability" if key == "noisy_or" else "distribution"
            self._add(f"{name}.{key}.leak", name, kind, form.leak.p, form.leak)
            for parent, per_state in form.links.items():
                for state, param in per_state.items():
                    self._add(f"{name}.{key}.links.{parent}.{state}", name, kind, param.p, param)
        if var.logistic is not None:
            lg = var.logistic
            self._add(f"{name}.logistic.intercept", name, "real", lg.intercept.value, lg.intercept)
            for parent, weight in lg.weights.items():
                self._add(f"{name}.logistic.weights.{parent}", name, "real", weight.value, weight)

    @property
    def uncertain(self) -> list[Parameter]:
        """Parameters with a prior, in file order."""
        return [p for p in self.parameters if p.prior is not None]

    @property
    def exact(self) -> list[Parameter]:
        """Parameters treated as exact."""
        return [p for p in self.parameters if p.prior is None]

    def of_variables(self, names: set[str]) -> list[Parameter]:
        """Uncertain parameters that shape the tables of ``names``."""
        return [p for p in self.uncertain if p.variable in names]

    # -- values ----------------------------------------------------------------------

    def sample(
        self, rng: np.random.Generator, n: int, params: Sequence[Parameter] | None = None
    ) -> dict[str, np.ndarray]:
        """``n`` joint draws of the uncertain parameters (independent priors)."""
        return {p.path: p.prior.sample(rng, n) for p in (params or self.uncertain) if p.prior}

    def from_uniform(self, u: np.ndarray, params: Sequence[Parameter]) -> dict[str, np.ndarray]:
        """Map a design of uniforms ``(n, sum of widths)`` to parameter values by quantiles."""
        out: dict[str, np.ndarray] = {}
        col = 0
        for p in params:
            assert p.prior is not None
            w = p.prior.width
            block = u[:, col : col + w]
            out[p.path] = p.prior.ppf(block if w > 1 else block[:, 0])
            col += w
        return out

    def sweep(self, p: Parameter, confidence: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Low and high values of a parameter for a one-at-a-time sweep.

        Scalars use the central interval of their prior. A distribution over ranked
        states is swept along its last (most severe) state: that entry moves to its
        Beta marginal's quantiles and the others are rescaled in proportion.
        """
        assert p.prior is not None
        if p.prior.family != "dirichlet":
            lo, hi = p.prior.interval(confidence)
            return np.asarray(lo), np.asarray(hi)
        alpha = np.asarray(p.prior.args)
        marginal = Prior("beta", (float(alpha[-1]), float(alpha.sum() - alpha[-1])))
        ends = []
        for q in marginal.interval(confidence):
            rest = p.value[:-1] / max(p.value[:-1].sum(), _TINY) * (1 - q)
            ends.append(np.append(rest, q))
        return ends[0], ends[1]

    # -- tables ----------------------------------------------------------------------

    def tables(self, values: Mapping[str, np.ndarray], batch: int) -> dict[str, np.ndarray]:
        """Batched tables of every variable that has a parameter in ``values``.

        Args:
            values: parameter path -> values, shape ``(B,)`` or ``(B, k)``; parameters
                not given keep the value written in the file.
            batch: B.

        Returns:
            variable -> tables of shape ``(B, *table shape)``.
        """
        touched = {self.by_path[path].variable for path in values}
        return {name: self._table(name, values, batch) for name in sorted(touched)}

    def _value(self, path: str, values: Mapping[str, np.ndarray], batch: int) -> np.ndarray:
        given = values.get(path)
        if given is not None:
            return np.asarray(given, dtype=np.float64)
        v = self.by_path[path].value
        return np.broadcast_to(v, (batch, *v.shape))

    def _table(self, name: str, values: Mapping[str, np.ndarray], batch: int) -> np.ndarray:
        net = self.network
        entry = self._entries[name]
        if isinstance(entry, Indicator):
            parent = net.variables[entry.parent]
            present = np.stack(
                [self._value(f"{name}.likelihood.{s}", values, batch) for s in parent.states],
                axis=-1,
            )
            return np.stack([1.0 - present, present], axis=-1)
        var = net.variables[name]
        pstates = [net.variables[p].states for p in var.parents]
        if entry.table is not None:
            if entry.table.p is not None:
                return self._value(f"{name}.table", values, batch)
            out = np.array(np.broadcast_to(net.cpts[name], (batch, *net.cpts[name].shape)))
            for j, row in enumerate(entry.table.rows or []):
                idx: tuple[int, ...] = tuple(
                    pstates[i].index(row.given[p]) for i, p in enumerate(var.parents)
                )
                where = (slice(None), *idx)
                out[where] = self._value(f"{name}.table.rows.{j}", values, batch)  # type: ignore[index]
            return out
        if entry.noisy_or is not None:
            links = [
                np.stack(
                    [np.zeros(batch)]
                    + [
                        self._value(f"{name}.noisy_or.links.{p}.{s}", values, batch)
                        for s in states[1:]
                    ],
                    axis=-1,
                )
                for p, states in zip(var.parents, pstates, strict=True)
            ]
            return noisy_or_batch(self._value(f"{name}.noisy_or.leak", values, batch), links)
        if entry.noisy_max is not None:
            k = var.card
            off = np.broadcast_to(np.eye(k)[0], (batch, k))
            links = [
                np.stack(
                    [off]
                    + [
                        self._value(f"{name}.noisy_max.links.{p}.{s}", values, batch)
                        for s in states[1:]
                    ],
                    axis=1,
                )
                for p, states in zip(var.parents, pstates, strict=True)
            ]
            return noisy_max_batch(self._value(f"{name}.noisy_max.leak", values, batch), links)
        lg = entry.logistic
        assert lg is not None
        scores = [
            np.array([lg.scores[p][s] for s in states])
            if p in lg.scores
            else default_scores(len(states))
            for p, states in zip(var.parents, pstates, strict=True)
        ]
        weights = (
            np.stack(
                [self._value(f"{name}.logistic.weights.{p}", values, batch) for p in var.parents],
                axis=-1,
            )
            if var.parents
            else np.zeros((batch, 0))
        )
        theta = np.asarray(lg.cutpoints.value if lg.cutpoints is not None else [0.0])
        return logistic_batch(
            self._value(f"{name}.logistic.intercept", values, batch),
            weights,
            scores,
            np.broadcast_to(theta, (batch, theta.shape[0])),
        )
