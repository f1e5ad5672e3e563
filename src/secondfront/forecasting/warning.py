"""Early warning from the dated forecast: alerts, their thresholds, lead times, false alarms.

Every Sunday ``d`` of the store (from the first one after the burn-in and one horizon,
when the first training windows have closed), each reported outcome's
:func:`~secondfront.forecasting.outlook.forecast_from` gives ``p_d`` = P(the outcome
happens in the next ``horizon`` weeks). An alert is on in week ``d`` when ``p_d >= tau_d``.

The threshold is **chosen by rolling origin**: ``tau_d`` is the value of
:data:`THRESHOLDS` with the highest Youden score (hit rate minus false-alarm rate) over
the earlier Sundays whose windows closed by ``d``, all outcomes pooled; before any
window holds an event it is :data:`DEFAULT_THRESHOLD`. Nothing after ``d`` sets it.

Measured per outcome:

* an **onset** is a reported event after at least ``horizon`` weeks without one (onsets
  before the first alert Sunday are not counted);
* its **lead time** is the number of weeks from the first alert in the ``horizon`` weeks
  before it (the alert still on at the onset's week) to the onset; 0 weeks when the
  alert came only with the event's own week, None when it was missed;
* a **false alarm** is an alert onset (alert on, off the week before) with no event in
  the ``horizon`` weeks that follow it, inside the outcome's declared coverage; counted
  per year of Sundays whose window is covered. Onsets after the coverage are not counted.
  Those of them raised while the outcome had **not** been reported in the ``horizon``
  weeks before are counted apart (``quiet_false_alarms``): a false warning of an onset,
  as against an alert that an event under way raised and that no further event followed
  (a forecast that meets "an event in the last four weeks gives P >= 0.5" raises one
  after every isolated event).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np

from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.weeks import data_span
from secondfront.forecasting.outlook import History, forecasts_on, history_as_of, outlook
from secondfront.timeline.chain import TimelineModel

THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 19))
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class OutcomeWarning:
    """The warning record of one outcome.

    Attributes:
        target: ``VAR=STATE``.
        onsets: onset days.
        lead_weeks: per onset, weeks of warning (None: missed).
        false_alarms: alert onsets with no event in the following window.
        per_year: false alarms per year of weeks covered.
        alert_weeks: Sundays with the alert on.
        alert_onsets: Sundays the alert came on (on that Sunday, off the one before).
        quiet_false_alarms: the false alarms raised while the outcome had not been
            reported in the ``horizon`` weeks before (false warnings of an onset).
        quiet_per_year: those per year of weeks covered.
    """

    target: str
    onsets: list[dt.date]
    lead_weeks: list[int | None]
    false_alarms: int
    per_year: float
    alert_weeks: list[dt.date]
    alert_onsets: list[dt.date] = field(default_factory=list)
    quiet_false_alarms: int = 0
    quiet_per_year: float = 0.0


@dataclass(frozen=True)
class WarningCard:
    """Alerts of every outcome over the store's Sundays.

    Attributes:
        horizon: weeks of the forecast behind each alert.
        days: the Sundays [T].
        p: target -> the dated forecast per Sunday [T].
        threshold: the rolling-origin threshold per Sunday [T].
        outcomes: per target, its warning record.
        refit: each Sunday's forecasts used the chain refitted up to that Sunday (False:
            the analyst's chain).
    """

    horizon: int
    days: list[dt.date]
    p: dict[str, list[float]]
    threshold: list[float]
    outcomes: list[OutcomeWarning]
    refit: bool = False

    def alert_on(self, target: str, day: dt.date) -> bool:
        """Whether the alert of ``target`` was on in the week ending ``day`` (a Sunday)."""
        i = self.days.index(day)
        return self.p[target][i] >= self.threshold[i]

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "horizon_weeks": self.horizon,
            "refit": self.refit,
            "outcomes": [
                {
                    "target": o.target,
                    "onsets": [d.isoformat() for d in o.onsets],
                    "lead_weeks": o.lead_weeks,
                    "false_alarms": o.false_alarms,
                    "false_alarms_per_year": o.per_year,
                    "quiet_false_alarms": o.quiet_false_alarms,
                    "quiet_false_alarms_per_year": o.quiet_per_year,
                    "alert_weeks": [d.isoformat() for d in o.alert_weeks],
                }
                for o in self.outcomes
            ],
        }


def _youden(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold of :data:`THRESHOLDS` with the best hit rate minus false-alarm rate."""
    pos, neg = y.sum(), (~y).sum()
    if pos == 0 or neg == 0:
        return DEFAULT_THRESHOLD
    best, best_t = -2.0, DEFAULT_THRESHOLD
    for t in THRESHOLDS:
        on = p >= t
        score = (on & y).sum() / pos - (on & ~y).sum() / neg
        if score > best + 1e-12:
            best, best_t = float(score), t
    return best_t


def early_warning(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    horizon: int = 8,
    coverage: DeclaredCoverage | None = None,
    refit: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> WarningCard:
    """Alerts, thresholds, lead times and false alarms of every outcome (see the module).

    With ``refit``, each Sunday's forecasts come from the chain refitted on the store up
    to that Sunday (:func:`~secondfront.forecasting.parameters.parameters_as_of`; one
    fit and one read of the store per Sunday, about 40 s on the shipped history)
    instead of the analyst's chain (:func:`refitted_forecasts`; ``progress`` as there).
    """
    span = data_span(con)
    if span is None:
        raise ValueError("the events store is empty")
    history = history_as_of(model, con, rules, span[1], coverage)
    if not refit:
        return warning_from(history, model, horizon)
    days = alert_days(history, model, horizon)
    p = refitted_forecasts(model, con, rules, days, horizon, coverage, progress)
    card = warning_from(history, model, horizon, p)
    return dataclasses.replace(card, refit=True)


def refitted_forecasts(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    days: Sequence[dt.date],
    horizon: int,
    coverage: DeclaredCoverage | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Each reported outcome's P(within ``horizon`` weeks) on each of ``days`` [D], every
    day's forecast made under the chain refitted on the store up to that day
    (:func:`~secondfront.forecasting.outlook.outlook` with ``refit``): the same numbers
    ``forecast --as-of DAY --refit`` prints. One fit and one read of the store per day
    (about 0.15 s each on the shipped history); ``progress(done, total)`` after each."""
    p: dict[str, list[float]] = {}
    for i, day in enumerate(days):
        for f in outlook(model, con, rules, day, horizon, coverage, refit=True).forecasts:
            p.setdefault(f.target, []).append(f.p)
        if progress:
            progress(i + 1, len(days))
    return {t: np.array(v) for t, v in p.items()}


def alert_days(history: History, model: TimelineModel, horizon: int) -> list[dt.date]:
    """The Sundays the early warning judges: from the first one after the burn-in and one
    horizon (before that the forecast is the priors' alone, which is no warning) to
    ``history.through``."""
    ready = history.start + dt.timedelta(weeks=model.spec.outlook.burn_in_weeks + horizon)
    first = ready + dt.timedelta(days=(6 - ready.weekday()))
    days = []
    d = first
    while d <= history.through:
        days.append(d)
        d += dt.timedelta(weeks=1)
    return days


def warning_from(
    history: History,
    model: TimelineModel,
    horizon: int = 8,
    forecasts: dict[str, np.ndarray] | None = None,
) -> WarningCard:
    """:func:`early_warning` on a history already read (through its last day): every
    Sunday of :func:`alert_days`. ``forecasts``: each outcome's P(within ``horizon``
    weeks) on those Sundays when the caller has them (the refitted chain's); by default
    :func:`~secondfront.forecasting.outlook.forecasts_on` of ``history``."""
    days = alert_days(history, model, horizon)
    targets = list(history.series)
    if not days:  # a store too short for one training window: no alert can be judged
        empty = [OutcomeWarning(t, [], [], 0, 0.0, []) for t in targets]
        return WarningCard(horizon, [], {t: [] for t in targets}, [], empty)
    p = forecasts if forecasts is not None else forecasts_on(history, model, targets, days, horizon)
    o = np.array([x.toordinal() for x in days])
    y = {
        t: history.series[t].count(o, o + 7 * horizon) > 0 for t in targets
    }  # event in the window after each Sunday
    closed = o + 7 * horizon
    tau = np.empty(len(days))
    for i in range(len(days)):
        past = closed <= o[i]
        pp = np.concatenate([p[t][past] for t in targets])
        yy = np.concatenate([y[t][past] for t in targets])
        tau[i] = _youden(pp, yy)
    out = []
    for t in targets:
        series = history.series[t]
        on = p[t] >= tau
        events = series.days
        inside = series.inside(o, o + 7 * horizon)
        onsets = [
            int(e)
            for k, e in enumerate(events)
            if (k == 0 or e - events[k - 1] > 7 * horizon) and o[0] <= e <= series.covered[1]
        ]
        leads: list[int | None] = []
        for e in onsets:
            # Sundays in the horizon before the onset's week, and that week's own Sunday.
            before = np.nonzero((o >= e - 7 * horizon) & (o < e + 7))[0]
            lead = None
            for k in before:
                if on[k : before[-1] + 1].all():
                    lead = max(0, int((e - o[k]) // 7))
                    break
            leads.append(lead)
        starts = [k for k in range(len(days)) if on[k] and (k == 0 or not on[k - 1])]
        false = [k for k in starts if not y[t][k] and inside[k]]
        quiet = [k for k in false if not series.count(o[k] - 7 * horizon, o[k])]
        years = max(int(inside.sum()) / 52.1775, 1e-9)
        out.append(
            OutcomeWarning(
                t,
                [dt.date.fromordinal(e) for e in onsets],
                leads,
                len(false),
                len(false) / years,
                [days[k] for k in range(len(days)) if on[k]],
                [days[k] for k in starts],
                len(quiet),
                len(quiet) / years,
            )
        )
    return WarningCard(horizon, days, {t: v.tolist() for t, v in p.items()}, tau.tolist(), out)


__all__ = [
    "DEFAULT_THRESHOLD",
    "THRESHOLDS",
    "OutcomeWarning",
    "WarningCard",
    "alert_days",
    "early_warning",
    "refitted_forecasts",
    "warning_from",
]
