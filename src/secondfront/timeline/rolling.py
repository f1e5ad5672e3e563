"""The rolling-origin question of the chain's backtest (``backtest.questions`` of a
timeline file).

It is not a dated question: it has no day on which it is asked and none on which it
closes. The backtest (:func:`secondfront.forecasting.backtest.backtest`) asks it at every
origin week after the burn-in, "does ``variable = state`` happen within the next
``window_weeks``?", and resolves each asking by the stored events matching ``resolves``.
The package's one dated question, asked on a day and closing on a later one, is
:class:`secondfront.forecasting.questions.Question`.
"""

from __future__ import annotations

from pydantic import Field

from secondfront.evidence.mapping import AcledMatch
from secondfront.model.schema import StrictModel


class RollingQuestion(StrictModel):
    """A backtest question: does ``variable = state`` happen within the window, asked at
    every origin week?

    Attributes:
        id: the question's id (letters, digits, ``_`` and ``-``).
        label: the question in words.
        variable, state: the target: a network variable and one of its states.
        resolves: the stored events that show it happening (an ACLED-column match).
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    label: str
    variable: str
    state: str
    resolves: AcledMatch


__all__ = ["RollingQuestion"]
