"""The ``fitted:`` block of a timeline file: numbers learnt from data, and where from.

``secondfront fit`` writes a copy of a timeline file whose ``initial`` and
``transition`` hold the fitted numbers and whose ``fitted:`` block records the
provenance (data window, iterations, equivalent sample sizes, log-likelihood) and the
fitted weekly emission probabilities ``P(indicator observed in a week | state)``. A
file without the block is an analyst's file; nothing here changes how it runs.

This module holds only the schema and the fitted emission likelihood, so that the
timeline loader can import it without importing the fitting code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import Field

from secondfront.model.schema import StrictModel as _Strict


class FitWindow(_Strict):
    """The weeks the fit saw."""

    first_week: str
    last_week: str
    weeks: int = Field(ge=1)
    until: str | None = None  # the last day of data admitted (YYYY-MM-DD), if cut


class FitEss(_Strict):
    """Equivalent sample sizes: the prior's weight, in weeks (sequences for ``initial``)."""

    initial: float = Field(ge=0)
    transition: float = Field(ge=0)
    emission: float = Field(ge=0)


class FittedParameters(_Strict):
    """Provenance of a fitted timeline file, and its fitted emission probabilities.

    Attributes:
        method: how the numbers were fitted, in words.
        source: the analyst's file the fit started from.
        data: the weeks used.
        iterations: EM iterations run.
        converged: whether EM stopped on its tolerance (not on its iteration limit).
        ess: the prior's weights.
        log_likelihood: log P(weekly series | fitted numbers), natural log.
        log_posterior: log-likelihood plus the Dirichlet log prior (up to a constant).
        emission: state -> indicator -> fitted P(indicator observed in a week | state).
        prior_emission: the same from the network (the prior's centre).
        basis: what the fit rests on, as ``sha256:`` fingerprints: ``store`` (the
            ingested files' digests and the events read), ``series`` (the weekly series
            fitted), ``rules`` (the mapping file), ``network`` (the model file),
            ``timeline`` (the analyst's time model file); and ``program`` (the version)
            and ``fitted_at`` (UTC). Empty in files written before it was recorded.
    """

    method: str
    source: str
    data: FitWindow
    iterations: int = Field(ge=0)
    converged: bool
    ess: FitEss
    log_likelihood: float
    log_posterior: float
    emission: dict[str, dict[str, float]]
    prior_emission: dict[str, dict[str, float]]
    basis: dict[str, str] = Field(default_factory=dict)


def emission_likelihood(
    fitted: FittedParameters, states: Sequence[str], evidence: Sequence[Mapping[str, object]]
) -> np.ndarray:
    """``L`` [T, K]: P(week t's indicator statuses | state k) under the fitted emissions.

    Indicators are independent given the state (the model the fit assumed); a status
    ``"present"`` counts as observed, ``"absent"`` as not observed; an indicator absent
    from the week's mapping, or one the fit did not learn, contributes no factor. Each
    row is scaled so that its largest entry is 1 (the filter needs only ratios).

    Args:
        fitted: the ``fitted:`` block.
        states: hidden state names in model order.
        evidence: one ``{indicator: "present"|"absent"}`` per week.
    """
    log_l = np.zeros((len(evidence), len(states)))
    for k, s in enumerate(states):
        table = fitted.emission[s]
        for t, week in enumerate(evidence):
            for ind, status in week.items():
                p = table.get(ind)
                if p is None or status not in ("present", "absent"):
                    continue
                log_l[t, k] += np.log(p if status == "present" else 1.0 - p)
    if len(evidence):
        log_l -= log_l.max(axis=1, keepdims=True)
    out: np.ndarray = np.exp(log_l)
    return out


__all__ = ["FitEss", "FitWindow", "FittedParameters", "emission_likelihood"]
