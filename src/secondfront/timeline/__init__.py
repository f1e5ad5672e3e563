"""The weekly escalation chain: a hidden Markov model over the store's weekly evidence.

Modules, one noun each: ``hmm`` (the forward filter and smoother, pure functions with a
naive twin), ``chain`` (the time model linked to the flagship network: states,
likelihoods, alerts), ``baumwelch`` and ``fit`` (learning the chain from the store),
``fitted`` (a fitted copy of the time model with its provenance), ``conflict`` (Hugin's
conflict measure of a week's findings), ``view`` (the one timeline every renderer
shows), ``asof`` (the weekly evidence and filtered belief as of a day) and ``rolling``
(the rolling-origin question of the chain's backtest).

Dependencies point one way: timeline -> evidence, inference, model.
"""

from secondfront.timeline.chain import TimelineModel, TimelineResult, load_timeline, run_timeline
from secondfront.timeline.view import TimelineView, timeline_view

__all__ = [
    "TimelineModel",
    "TimelineResult",
    "TimelineView",
    "load_timeline",
    "run_timeline",
    "timeline_view",
]
