"""Why an analysis cannot run on a model: one wording, for every place that says it.

A bare network (BIF, XMLBIF or a network built in code) states no priors, assumptions,
claims or sources, so intervals, sensitivity, the key assumptions check and source
influence have nothing to work on; a model without indicators has no watchlist. The
report, the workbench's API and its pages show the sentence
:func:`unavailable` returns as the analysis' empty state.
"""

from __future__ import annotations

from typing import Literal

from secondfront.model.model import Model

# The analyses beside a forecast that a model may not support.
Analysis = Literal["uncertainty", "sensitivity", "key_assumptions", "source_influence", "watchlist"]
# Every analysis :func:`unavailable` knows, in the order a report lists their reasons.
CHECKED_ANALYSES: tuple[Analysis, ...] = (
    "uncertainty",
    "sensitivity",
    "key_assumptions",
    "source_influence",
    "watchlist",
)

# What a bare network lacks for each analysis that needs the model's spec.
_BARE_LACKS: dict[str, str] = {
    "uncertainty": "states no priors",
    "sensitivity": "states no priors",
    "key_assumptions": "states no assumptions or claims",
    "source_influence": "cites no sources",
}


def unavailable(model: Model, analysis: Analysis) -> str | None:
    """Why ``analysis`` cannot run on ``model``, or ``None`` when it can.

    The sentence reads ``not available for NAME: REASON``, e.g. ``not available for
    asia: a bare bif network states no priors``.
    """
    if analysis == "watchlist":
        why = None if model.indicators() else "it has no indicators"
    elif model.spec is None:
        why = f"a bare {model.format} network {_BARE_LACKS[analysis]}"
    else:
        why = None
    return None if why is None else f"not available for {model.name}: {why}"


__all__ = ["CHECKED_ANALYSES", "Analysis", "unavailable"]
