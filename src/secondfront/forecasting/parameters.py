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

Results say which through :attr:`FittedParameters.label` and ``in_sample``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from secondfront.errors import UsageError
from secondfront.evidence.mapping import MappingRules
from secondfront.timeline.chain import TimelineModel

IN_SAMPLE_LABEL = "prior parameters written knowing the history: in-sample"
NETWORK_NOTE = "network tables as written, knowing the history"


def fitted_label(day: dt.date) -> str:
    """The label of parameters fitted on the data up to ``day``."""
    return f"parameters fitted on data up to {day.isoformat()} (out of sample; {NETWORK_NOTE})"


@dataclass(frozen=True)
class FittedParameters:
    """The parameters a forecast used.

    Attributes:
        model: the time model with those parameters.
        through: the last day of data the fit saw (None: not fitted, the spec's numbers).
        label: how to describe them next to a score.
        in_sample: whether they were written or fitted knowing the outcomes scored.
        iterations: EM iterations of the fit (0 when not fitted).
        converged: whether EM converged (True when not fitted).
    """

    model: TimelineModel
    through: dt.date | None
    label: str
    in_sample: bool
    iterations: int = 0
    converged: bool = True

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
        }


def parameters_as_of(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    day: dt.date,
    refit: bool,
) -> FittedParameters:
    """Parameters for a forecast on ``day``: fitted on the store up to ``day``, or the spec's.

    Args:
        model: the time model as written (its numbers are the priors of a fit).
        con: the store.
        rules: the mapping rules.
        day: the forecast day; nothing dated later is read.
        refit: fit by Baum-Welch (out of sample) instead of using the spec's numbers
            (in-sample).

    Returns:
        the fitted parameters; the spec's numbers, labelled in-sample, without ``refit``
        or when the store holds no week up to ``day`` to fit on.
    """
    if not refit:
        return FittedParameters(model, None, IN_SAMPLE_LABEL, True)
    from secondfront.timeline.fit import fit_as_of

    try:
        fit = fit_as_of(model, con, day, rules)
    except UsageError:  # no stored week up to the day: nothing to fit on
        return FittedParameters(
            model, None, f"{IN_SAMPLE_LABEL} (no stored week up to {day} to fit on)", True
        )
    return FittedParameters(
        fit.fitted_model(),
        day,
        fitted_label(day),
        False,
        fit.result.iterations,
        fit.result.converged,
    )


__all__ = [
    "IN_SAMPLE_LABEL",
    "FittedParameters",
    "fitted_label",
    "parameters_as_of",
]
