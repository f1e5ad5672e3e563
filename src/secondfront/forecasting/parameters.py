"""Which parameters a forecast on a given day may use: the ``fit_as_of`` hook.

A forecast dated D may only use parameters fitted on data up to D. Until the time
model is fitted from data (EM with the spec's numbers as Dirichlet priors), the
parameters are the spec's own numbers, which were written knowing the whole history:
every score made with them is **in-sample**, and results say so through
:attr:`FittedParameters.label`.

To plug a fitting routine in, pass ``fitter=`` to :func:`fit_as_of` (or set
:data:`DEFAULT_FITTER`): a callable ``(model, evidence) -> TimelineModel`` that
returns the model with its prior and transition (and, if it fits them, the network's
indicator tables) estimated from ``evidence`` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from secondfront.evidence.timeline import TimelineModel
from secondfront.forecasting.seam import WeeklyEvidence

IN_SAMPLE_LABEL = "prior parameters (written knowing the history: in-sample)"

Fitter = Callable[[TimelineModel, WeeklyEvidence], TimelineModel]
"""Fits a time model on the evidence up to a day and returns the fitted copy."""

DEFAULT_FITTER: Fitter | None = None
"""The fitting routine ``fit_as_of`` uses when none is passed; None: the spec's numbers."""


@dataclass(frozen=True)
class FittedParameters:
    """The parameters a forecast used.

    Attributes:
        model: the time model with those parameters.
        through: the last day of data the fit saw (None: not fitted, the spec's numbers).
        label: how to describe them next to a score.
        in_sample: whether they were written or fitted knowing the outcomes scored.
    """

    model: TimelineModel
    through: dt.date | None
    label: str
    in_sample: bool

    def as_json(self) -> dict[str, object]:
        """The numbers and their provenance, for the ledger and ``--json``."""
        return {
            "label": self.label,
            "in_sample": self.in_sample,
            "fitted_through": self.through.isoformat() if self.through else None,
            "states": self.model.state_names,
            "initial": [float(x) for x in self.model.prior],
            "transition": [[float(x) for x in row] for row in self.model.transition],
        }


def fit_as_of(
    model: TimelineModel,
    evidence: WeeklyEvidence,
    fitter: Fitter | None = None,
) -> FittedParameters:
    """Parameters for a forecast on ``evidence.through``, fitted on that evidence only.

    Args:
        model: the time model as written (its numbers are the priors of a fit).
        evidence: the weekly evidence up to the forecast day, nothing later.
        fitter: the fitting routine; default :data:`DEFAULT_FITTER`; None: no fit.

    Returns:
        the fitted parameters, or the spec's numbers labelled in-sample.
    """
    fit = fitter if fitter is not None else DEFAULT_FITTER
    if fit is None:
        return FittedParameters(model, None, IN_SAMPLE_LABEL, True)
    fitted = fit(model, evidence)
    return FittedParameters(
        fitted,
        evidence.through,
        f"time model fitted on the evidence up to {evidence.through.isoformat()}; "
        "network tables as written",
        False,
    )


__all__ = [
    "DEFAULT_FITTER",
    "IN_SAMPLE_LABEL",
    "FittedParameters",
    "Fitter",
    "fit_as_of",
]
