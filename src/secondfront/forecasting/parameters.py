"""Which parameters a forecast on a given day may use.

A forecast dated D may only use parameters fitted on data up to D. Two choices:

* **refit** (rolling origin): the time model's initial distribution and weekly
  transitions are fitted by Baum-Welch (MAP, the spec's numbers as Dirichlet priors)
  on the store's weeks up to D, reading only events dated up to D
  (:func:`secondfront.timeline.fit.fit_as_of`). These parameters are out of sample
  for every question asked on D. The network's tables (the per-state hazards and the
  indicators' likelihoods) stay as written: they were written knowing the history.
* **no refit**: the spec's own numbers, which were written knowing the whole history;
  every score made with them is **in-sample**.

Results say which through :attr:`ParametersUsed.label` and ``in_sample``. The fit's
provenance is the one fitted-parameters type, the time model's ``fitted:`` block
(:class:`secondfront.timeline.fitted.FittedParameters`): the record here points at it
instead of copying its numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from secondfront.errors import UsageError
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.weeks import IndicatorWeek
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.fitted import FittedParameters

IN_SAMPLE_LABEL = "prior parameters written knowing the history: in-sample"
NETWORK_NOTE = "network tables as written, knowing the history"


def fitted_label(day: dt.date | str) -> str:
    """The label of parameters fitted on the data up to ``day`` (a date, or the ISO week
    label a fit records when it had no last day)."""
    return f"parameters fitted on data up to {day} (out of sample; {NETWORK_NOTE})"


@dataclass(frozen=True)
class ParametersUsed:
    """The parameters a forecast used, and where they come from.

    Attributes:
        model: the time model with those parameters.
        label: how to describe them next to a score.
        fit: the provenance of the fit made for the forecast's day (the model's
            ``fitted:`` block: the data window, EM's iterations and convergence, the
            fingerprints); None when the spec's numbers were used as written.
    """

    model: TimelineModel
    label: str
    fit: FittedParameters | None = None

    @property
    def in_sample(self) -> bool:
        """Whether the numbers were written knowing the outcomes scored (not fitted as of
        the day)."""
        return self.fit is None

    @property
    def through(self) -> dt.date | None:
        """The last day of data the fit saw (None: not fitted, the spec's numbers)."""
        until = self.fit.data.until if self.fit is not None else None
        return dt.date.fromisoformat(until) if until else None

    @property
    def iterations(self) -> int:
        """EM iterations of the fit (0 when not fitted)."""
        return self.fit.iterations if self.fit is not None else 0

    @property
    def converged(self) -> bool:
        """Whether EM converged (True when not fitted)."""
        return self.fit.converged if self.fit is not None else True

    def as_json(self) -> dict[str, object]:
        """The numbers and their provenance, for the ledger and ``--json``."""
        return {
            "label": self.label,
            "in_sample": self.in_sample,
            "fitted_through": self.through.isoformat() if self.through else None,
            "iterations": self.iterations,
            "converged": self.converged,
            "states": self.model.state_names,
            "initial": [float(x) for x in self.model.prior],
            "transition": [[float(x) for x in row] for row in self.model.transition],
            # The fitted emissions weigh every week's evidence: a revision rebuilt from
            # the ledger without them would not give its recorded p.
            "fitted": self.fit.model_dump(mode="json") if self.fit is not None else None,
        }


def parameters_as_of(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    day: dt.date,
    refit: bool,
    statuses: Sequence[IndicatorWeek] | None = None,
) -> ParametersUsed:
    """Parameters for a forecast on ``day``: fitted on the store up to ``day``, or the spec's.

    Args:
        model: the time model as written (its numbers are the priors of a fit).
        con: the store.
        rules: the mapping rules.
        day: the forecast day; nothing dated later is read.
        refit: fit by Baum-Welch (out of sample) instead of using the spec's numbers
            (in-sample).
        statuses: the store's weekly statuses up to ``day`` when the caller has read them
            (:func:`~secondfront.timeline.fit.fit_as_of`).

    Returns:
        the fitted parameters; the spec's numbers, labelled in-sample, without ``refit``
        or when the store holds no week up to ``day`` to fit on.
    """
    if not refit:
        return ParametersUsed(model, IN_SAMPLE_LABEL)
    from secondfront.timeline.fit import fit_as_of

    try:
        fit = fit_as_of(model, con, day, rules, statuses=statuses)
    except UsageError:  # no stored week up to the day: nothing to fit on
        return ParametersUsed(model, f"{IN_SAMPLE_LABEL} (no stored week up to {day} to fit on)")
    fitted = fit.fitted_model()
    return ParametersUsed(fitted, fitted_label(day), fitted.spec.fitted)


__all__ = [
    "IN_SAMPLE_LABEL",
    "ParametersUsed",
    "fitted_label",
    "parameters_as_of",
]
