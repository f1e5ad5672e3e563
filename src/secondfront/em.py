"""The one EM driver: MAP fits by expectation-maximisation with Dirichlet pseudo-counts.

Two fits use it: a network's tables from a case file
(:func:`secondfront.analysis.learning.em_fit`) and the weekly chain's numbers from the
stored series (:func:`secondfront.timeline.baumwelch.baum_welch`). Each brings its own
E-step (expected counts and ``log P(data | theta)``) and its own parameter layout; what
they share is here, written once:

* the loop (:func:`run_em`): start from the given numbers, alternate M and E steps,
  record the log posterior ``log P(data | theta) + sum a log theta`` before the first
  iteration and after each, stop when it moves by less than ``tol`` nats or after
  ``max_iter`` iterations;
* the M-step's normalisation (:func:`normalise`, :func:`share`): counts plus
  pseudo-counts divided by their total; a vector with neither keeps its previous value;
* the log prior term (:func:`dirichlet_log_prior`): ``sum a log theta``, with
  ``0 * log 0 = 0``.

This module imports no layer of the package (only numpy), so the engine-free chain and
the analysis features can both call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import numpy as np


class EStep(Protocol):
    """What an E-step returns: at least the log-likelihood of the data (natural log)."""

    @property
    def log_likelihood(self) -> float:
        """log P(data | parameters)."""
        ...


ParamsT = TypeVar("ParamsT")
StatsT = TypeVar("StatsT", bound=EStep)


@dataclass(frozen=True)
class EmRun(Generic[ParamsT, StatsT]):
    """The end of an EM run.

    Attributes:
        params: the last parameters (the MAP estimate when ``converged``).
        stats: the E-step at ``params`` (its ``log_likelihood`` is that of ``params``).
        iterations: M-steps taken.
        converged: whether the log posterior moved by less than ``tol`` at the end.
        trace: the log posterior before the first iteration and after each one [iterations + 1].
    """

    params: ParamsT
    stats: StatsT
    iterations: int
    converged: bool
    trace: list[float] = field(repr=False)

    @property
    def log_likelihood(self) -> float:
        """log P(data | params), natural log."""
        return float(self.stats.log_likelihood)

    @property
    def log_posterior(self) -> float:
        """log P(data | params) + the log prior (up to the prior's constant)."""
        return self.trace[-1]


def run_em(
    start: ParamsT,
    e_step: Callable[[ParamsT], StatsT],
    m_step: Callable[[StatsT, ParamsT], ParamsT],
    log_prior: Callable[[ParamsT], float],
    max_iter: int,
    tol: float,
) -> EmRun[ParamsT, StatsT]:
    """Run EM from ``start`` (see the module docstring).

    Args:
        start: the starting parameters.
        e_step: parameters -> expected counts with the data's log-likelihood.
        m_step: (expected counts, current parameters) -> the next parameters.
        log_prior: parameters -> ``sum a log theta``.
        max_iter: at most this many iterations (0: evaluate ``start`` only).
        tol: stop when the log posterior moves by less than this (absolute, nats).
    """
    params = start
    stats = e_step(params)
    trace = [stats.log_likelihood + log_prior(params)]
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        params = m_step(stats, params)
        stats = e_step(params)
        trace.append(stats.log_likelihood + log_prior(params))
        if abs(trace[-1] - trace[-2]) < tol:
            converged = True
            break
    return EmRun(params, stats, iterations, converged, trace)


def share(part: np.ndarray, total: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``part / total`` where ``total > 0``, else ``previous`` (shapes broadcast)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(total > 0, part / np.where(total > 0, total, 1.0), previous)
    return out


def normalise(counts: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Each vector along the last axis divided by its sum; an all-zero vector keeps
    ``previous`` (counts plus pseudo-counts -> probabilities, the M-step)."""
    return share(counts, counts.sum(axis=-1, keepdims=True), previous)


def dirichlet_log_prior(pseudo: np.ndarray, p: np.ndarray) -> float:
    """``sum a log p`` over the cells (``a``: pseudo-counts); a cell with ``a = 0``
    counts 0 whatever its ``p`` (``0 * log 0 = 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(np.where(pseudo > 0, pseudo * np.log(p), 0.0)))


__all__ = ["EStep", "EmRun", "dirichlet_log_prior", "normalise", "run_em", "share"]
