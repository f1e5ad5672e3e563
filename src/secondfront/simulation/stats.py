"""Summaries of simulated series: outbursts, ensemble bands, weekly aggregation."""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import NDArray

__all__ = ["bands", "outburst_sizes", "weekly"]


def outburst_sizes(active: NDArray[np.int64], threshold: int) -> list[int]:
    """Peak sizes of the outbursts in one series.

    An outburst is a maximal run of consecutive steps with at least ``threshold``
    active citizens; its size is the largest count in the run. The initial state is
    not part of any outburst.

    Args:
        active: active citizens per step, shape ``(steps + 1,)``.
        threshold: the count that starts an outburst.

    Returns:
        one size per outburst, in order of time.
    """
    sizes: list[int] = []
    peak = 0
    for value in np.asarray(active)[1:]:
        if value >= threshold:
            peak = max(peak, int(value))
        elif peak:
            sizes.append(peak)
            peak = 0
    if peak:
        sizes.append(peak)
    return sizes


def bands(runs: NDArray[np.float64], q: tuple[float, ...] = (5, 50, 95)) -> list[list[float]]:
    """Per-step percentiles over runs.

    Args:
        runs: shape ``(n_runs, n_steps)``.
        q: percentiles.

    Returns:
        ``n_steps`` lists ``[p5, p50, p95]`` (for the default ``q``).
    """
    return cast(
        "list[list[float]]",
        np.percentile(np.asarray(runs, dtype=float), q, axis=0).T.round(6).tolist(),
    )


def weekly(series: NDArray[np.float64], how: str, days: int = 7) -> NDArray[np.float64]:
    """Aggregate a daily series (initial state first) to weeks.

    Args:
        series: shape ``(..., steps + 1)``; element 0 is the initial state.
        how: ``"mean"`` (levels, shares), ``"sum"`` (flows such as detentions per
            day) or ``"last"`` (cumulative counts).
        days: steps per week.

    Returns:
        shape ``(..., steps // days)``: week ``w`` covers days ``7w+1 .. 7w+7``.
    """
    x = np.asarray(series, dtype=float)[..., 1:]
    n = x.shape[-1] // days
    x = x[..., : n * days].reshape(*x.shape[:-1], n, days)
    if how == "mean":
        return cast("NDArray[np.float64]", x.mean(axis=-1))
    if how == "sum":
        return cast("NDArray[np.float64]", x.sum(axis=-1))
    if how == "last":
        return x[..., -1]
    raise ValueError(f"unknown aggregation {how!r}; use mean, sum or last")
