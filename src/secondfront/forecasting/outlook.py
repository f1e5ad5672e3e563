"""The dated forecast: P(an outcome happens in the ``h`` weeks after ``as_of``).

One function, :func:`forecast_at`, answers it; the questions, the scorecard of
generated questions, the alerts and the command line call it. What it reads:

* the store **as it could have been on** ``as_of``: events dated up to that day only
  (every source of the registry is cut, :func:`secondfront.evidence.mapping.store_as_of`);
* each outcome's own weekly series (``reports:`` in the time model): the days on which
  the store shows the outcome happening;
* the escalation chain filtered over the **complete** ISO weeks up to ``as_of`` (a week
  still under way is not a whole week of "not observed") and the network's outcome
  probability under each week's evidence; the week under way on ``as_of`` is read for
  the indicators it has already reported present, and only those (:class:`PartialWeek`).

The model, for a horizon of ``h`` weeks and a forecast day ``d`` (one row per day
``d`` and outcome)::

    logit P(event in (d, d + 7h]) = b0 + b1 logit(base) + b2 shift
                                    + b3 recent + b4 wave + b5 regime + b6 level

* ``base``: the outside view, the share of the outcome's windows of ``h`` weeks that
  closed by ``d`` with an event, Jeffreys-smoothed ``(k + 1/2) / (n + 1)`` (1/2 before any
  window has closed);
* ``shift``: what the argument's network adds now: ``logit(net_h) - logit(net_0)``, where
  ``net_h`` is the network's probability of the outcome within the ``h`` weeks given the
  last complete week: the chain's filtered state belief projected forward week by week,
  each state's outcome probability under that week's evidence realised while the state
  lasts (``outlook.network_hazard: within_state``; :meth:`ChainWeeks.within`), and
  ``net_0`` the same before any evidence (the chain's initial state). The network's own
  level is the analyst's unconditional belief, which the outside view replaces; its
  movement under the evidence of the week is the inside view it contributes;
* ``recent``: 1 when the outcome's event was reported in the ``recent_weeks`` before
  ``d`` (a wave under way), ``wave``: 1 when it was reported in the ``wave_weeks``
  before those;
* ``regime``: what the chain's present state adds to the outcome's usual rate,
  ``logit(sum_k b_k r_k) - logit(sum_k s_k r_k)`` (:func:`regime_view`): ``r_k`` is the
  outcome's rate in hidden state k, learned from the past windows weighted by the
  chain's belief in k when each opened and smoothed toward the network's number for
  the state (``outlook.regime_prior_windows`` equivalent windows), ``b_k`` the belief of
  the last complete week and ``s_k`` the share of past windows spent in k. Zero while
  the chain sits where it usually was; in a state the history never held (a build-up
  before February 2022) the network's number for that state is the whole of ``r_k``;
* ``level``: ``logit(sum_k s_k r_k) - logit(base)``, how far the states' rates, mixed as
  the history spent its time, stand from the raw outside view. The two differ where the
  windows are few or the outcome never happened: each ``r_k`` leans on the network's
  number for its state, the outside view on a Jeffreys 1/2. ``regime`` alone says only
  how much likelier the present state makes the outcome *relative* to its usual rate,
  the same lift for Belarusian entry (never seen) as for Russian operations from
  Belarus; with ``level`` the fit learns how far to trust the analyst's absolute numbers
  per state. Its prior is centred on 0 (not at all): before any window closes the
  forecast ignores them, as the outside view's 1/2 does.

The horizon is **learned directly** (one label per window of ``h`` weeks) instead of
iterating a weekly model: iterating would need a forecast of the covariates themselves
(will protests still be reported next month?), which the direct form learns from the
history at no extra assumption. The coefficients are a maximum a posteriori estimate:
a logistic likelihood over the training rows, each weighted ``1/h`` (windows that
overlap are not independent), and a normal prior per coefficient from the time model's
``outlook.priors``, the analyst's numbers. Training rows are the forecast days ``d - 7j``
(``j >= h``) whose windows closed by ``as_of``, for **every** outcome pooled: where an
outcome's data is thin (entry never happened) its forecast rests on the shared
coefficients and its own outside view. Nothing is fitted on data after ``as_of``.

The 90% interval is the Laplace approximation: the linear predictor's standard
deviation from the inverse of the penalised Hessian, mapped through the logistic.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import duckdb
import numpy as np

from secondfront.errors import QueryError, UsageError
from secondfront.evidence.acled import event_days
from secondfront.evidence.coverage import DeclaredCoverage
from secondfront.evidence.mapping import MappingRules
from secondfront.evidence.weeks import data_span, reported_so_far, under_way, week_end
from secondfront.forecasting.parameters import (
    IN_SAMPLE_LABEL,
    NETWORK_NOTE,
    fitted_label,
    parameters_as_of,
)
from secondfront.model.parametric import logit, sigmoid
from secondfront.timeline.chain import (
    TimelineModel,
    engine_evidence,
    state_holding_weeks,
    state_terms,
)
from secondfront.timeline.hmm import event_within, forward_filter
from secondfront.timeline.view import WeeklyEvidence, weekly_evidence

FEATURES = ("intercept", "base_rate", "network", "recent", "wave", "regime", "level")
STATES_STEP = "+ the states' rates over the history"
PRESENT_STEP = "+ the chain's present state"
Z90 = 1.6448536269514722
MAX_HORIZON = 520
DEFAULT_HORIZON = 13  # weeks: what `forecast` and the report answer when not asked


@dataclass(frozen=True)
class OutcomeSeries:
    """One outcome's event days in the store, up to a day.

    Attributes:
        variable, state: the outcome.
        label: what counts, in words.
        days: ordinal days (``date.toordinal()``) with an event, sorted, unique.
        covered: first and last ordinal day the history was searched for this outcome
            (its declared coverage); a window outside it is neither a yes nor a no.
    """

    variable: str
    state: str
    label: str
    days: np.ndarray
    covered: tuple[int, int] = (1, 10**7)

    def inside(self, after: np.ndarray, through: np.ndarray) -> np.ndarray:
        """Whether each ``(after, through]`` window lies inside the declared coverage."""
        return (after + 1 >= self.covered[0]) & (through <= self.covered[1])

    @property
    def target(self) -> str:
        """``VAR=STATE``."""
        return f"{self.variable}={self.state}"

    def count(self, after: np.ndarray, through: np.ndarray) -> np.ndarray:
        """Events in each ``(after, through]`` day range (ordinals, broadcast)."""
        return np.searchsorted(self.days, through, "right") - np.searchsorted(
            self.days, after, "right"
        )


@dataclass(frozen=True)
class PartialWeek:
    """What a week still under way has shown by a day, read into the chain.

    A week under way is not a whole week of "not observed" (its absent indicators say
    nothing yet), but what it has already reported is news: the Russian troops arriving
    on 17-19 January 2022 are known on Thursday 20 January, not on Sunday 23. So the
    week's **present** indicators (only those) take the filter one step on from the last
    complete week's belief ``b``: ``b'_k ∝ (b A)_k L_k`` with ``L_k = P(present reports |
    state k)``, the belief about the week under way; projecting forward from it applies
    this week's hazard before the next transition (:meth:`ChainWeeks.within`). The
    network's per-state probabilities are read under the last complete week's evidence
    with the week's reports set present. A week with no report yet has no partial
    reading: the last complete week's numbers stand, exactly as on Sunday.

    Attributes:
        day: ordinal of the day read to (not a Sunday).
        belief: [K] the updated belief.
        per_state: ``VAR=STATE`` -> [K] the network's probability per state.
        reports: the indicators reported present in the week so far.
    """

    day: int
    belief: np.ndarray
    per_state: dict[str, np.ndarray]
    reports: tuple[str, ...]


@dataclass(frozen=True)
class ChainWeeks:
    """The escalation chain over the complete ISO weeks up to a day.

    Attributes:
        ends: ordinal of each week's Sunday [T], increasing.
        beliefs: [T, K] the filtered P(hidden state) per week.
        per_state: ``VAR=STATE`` -> [T, K] the network's probability in each hidden
            state under the week's evidence.
        prior_belief: [K] the chain's initial state distribution.
        prior_per_state: ``VAR=STATE`` -> [K] the network's probability per state with
            no evidence.
        argument: ``VAR=STATE`` -> the network's probability with no evidence at all (the
            argument alone: its own horizon, no date; what ``forecast --argument-only``
            prints).
        transition: [K, K] the weekly transition matrix.
        within_state: the network's outcomes over ``h`` weeks are realised while each
            state lasts (``outlook.network_hazard: within_state``); False: the mixed
            probability is spread over the network's horizon instead.
        horizon_weeks: the network's horizon.
        state_weeks: [K] weeks over which each state's probabilities are realised
            (:func:`~secondfront.timeline.chain.state_holding_weeks`); the regime's prior
            (:meth:`regime_prior`) uses them whichever reading ``within_state`` takes.
        partial: the reading of the day the history was read to when its week is still
            under way (:class:`PartialWeek`); None on a Sunday, or before any week.

    The mixed outcome probabilities are derived from these (below).
    """

    ends: np.ndarray
    beliefs: np.ndarray
    per_state: dict[str, np.ndarray]
    prior_belief: np.ndarray
    prior_per_state: dict[str, np.ndarray]
    argument: dict[str, float] = field(default_factory=dict)
    transition: np.ndarray = field(default_factory=lambda: np.ones((1, 1)))
    within_state: bool = False
    horizon_weeks: int = 52
    state_weeks: np.ndarray = field(default_factory=lambda: np.full(1, 52.0))
    partial: PartialWeek | None = None

    @cached_property
    def outcomes(self) -> dict[str, np.ndarray]:
        """``VAR=STATE`` -> the network's 12-month probability per week [T], the states
        mixed by the week's belief."""
        return {k: np.einsum("tk,tk->t", self.beliefs, v) for k, v in self.per_state.items()}

    @cached_property
    def prior_outcomes(self) -> dict[str, float]:
        """``VAR=STATE`` -> the network's probability before any week."""
        return {k: float(self.prior_belief @ v) for k, v in self.prior_per_state.items()}

    def _index(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.searchsorted(self.ends, days, "right") - 1
        ok = idx >= 0
        return ok, np.where(ok, idx, 0)

    def _with_partial(self, days: np.ndarray, values: np.ndarray, part: np.ndarray) -> np.ndarray:
        """``values`` [N, K] with the rows of the partial reading's day replaced by ``part``."""
        if self.partial is None:
            return values
        return np.where((days == self.partial.day)[:, None], part[None, :], values)

    def beliefs_at(self, days: np.ndarray) -> np.ndarray:
        """The filtered state belief of the last complete week ending on or before each
        day [N, K] (the chain's initial state before the first week); on the day of the
        partial reading, that belief updated by what its week has shown so far."""
        days = np.asarray(days, dtype=np.int64)
        ok, safe = self._index(days)
        if not len(self.ends):
            out = np.broadcast_to(self.prior_belief, (len(ok), len(self.prior_belief))).copy()
        else:
            out = np.where(ok[:, None], self.beliefs[safe], self.prior_belief[None, :])
        return self._with_partial(days, out, self.partial.belief if self.partial else out[:0])

    def _per_state_at(self, key: str, days: np.ndarray) -> np.ndarray:
        """The network's probability of ``key`` per state under the evidence of the last
        complete week ending on or before each day [N, K] (no evidence before it); on the
        day of the partial reading, under that evidence and what its week has shown."""
        days = np.asarray(days, dtype=np.int64)
        ok, safe = self._index(days)
        before = np.broadcast_to(self.prior_per_state[key], (len(ok), len(self.prior_belief)))
        out = (
            before.copy()
            if not len(self.ends)
            else np.where(ok[:, None], self.per_state[key][safe], before)
        )
        part = self.partial.per_state[key] if self.partial else out[:0]
        return self._with_partial(days, out, part)

    def regime_prior(self, key: str, horizon: int) -> np.ndarray | None:
        """The network's P(``key`` within ``horizon`` weeks | the chain is in state k now)
        [K], with no evidence: state k's probability realised as a weekly hazard while a
        state lasts, the chain projected forward from state k. None for a target outside
        the network (an indicator's own series).
        """
        if key not in self.prior_per_state:
            return None
        hazard = self._hazard(self.prior_per_state[key])
        return np.asarray(event_within(np.eye(len(hazard)), self.transition, hazard, horizon))

    def outcome_at(self, key: str, days: np.ndarray) -> np.ndarray:
        """The mixed 12-month probability of ``key`` in the last complete week ending on
        or before each day [N] (the partial reading's, on its day)."""
        mixed = np.einsum("nk,nk->n", self.beliefs_at(days), self._per_state_at(key, days))
        return np.asarray(mixed, dtype=np.float64)

    def within(self, key: str, days: np.ndarray, horizon: int) -> tuple[np.ndarray, float]:
        """The network's P(``key`` happens in the ``horizon`` weeks after each day) [N],
        from the last complete week's state belief and evidence, and the same before any
        evidence (the chain's initial state).

        With ``within_state``: each state's probability ``p_k`` becomes a weekly hazard
        ``1 - (1 - p_k) ** (1 / state_weeks_k)`` and the chain is projected forward
        (:func:`~secondfront.timeline.hmm.event_within`), so a build-up's outcomes fall
        within the weeks the build-up is expected to last. Without: the mixed
        probability spread evenly, ``1 - (1 - p) ** (horizon / horizon_weeks)``.
        """
        days = np.asarray(days, dtype=np.int64)
        if key not in self.per_state:
            before = float(_spread(0.5, horizon, self.horizon_weeks))
            return np.full(len(days), before), before
        if not self.within_state:
            before = float(_spread(self.prior_outcomes[key], horizon, self.horizon_weeks))
            return _spread(self.outcome_at(key, days), horizon, self.horizon_weeks), before
        belief = self.beliefs_at(days)
        hazard = self._hazard(self._per_state_at(key, days))
        now = np.array(event_within(belief, self.transition, hazard, horizon), dtype=np.float64)
        if self.partial is not None:
            # The partial reading's belief is already the present week's: its first week
            # is not stepped through the transition again.
            at = np.nonzero(days == self.partial.day)[0]
            first = belief[at] * (1.0 - hazard[at])
            rest = 1.0 - np.asarray(event_within(first, self.transition, hazard[at], horizon - 1))
            now[at] = 1.0 - rest
        start = event_within(
            self.prior_belief, self.transition, self._hazard(self.prior_per_state[key]), horizon
        )
        return np.asarray(now, dtype=np.float64), float(start)

    def _hazard(self, p: np.ndarray) -> np.ndarray:
        q = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0 - 1e-12)
        return 1.0 - (1.0 - q) ** (1.0 / self.state_weeks)


def _spread(p: float | np.ndarray, horizon: int, over: int) -> np.ndarray:
    """A probability for ``over`` weeks spread evenly (constant hazard) over ``horizon``."""
    return np.asarray(1.0 - (1.0 - np.clip(p, 0.0, 1.0 - 1e-12)) ** (horizon / over))


@dataclass(frozen=True)
class History:
    """What the store could show on ``through``: every outcome's series and the chain.

    Built by :func:`history_as_of`; a forecast as of any day up to ``through`` reads
    only the part of it up to that day.
    """

    through: dt.date
    start: dt.date
    series: dict[str, OutcomeSeries]
    chain: ChainWeeks
    observations: int
    indicators: dict[str, OutcomeSeries] = field(default_factory=dict)
    chain_indicators: frozenset[str] = frozenset()


def _chain_weeks(
    model: TimelineModel,
    record: WeeklyEvidence,
    through: dt.date,
    targets: Sequence[tuple[str, str]],
) -> ChainWeeks:
    net = model.network.variables
    keys = [f"{v}={s}" for v, s in targets if v in net]
    n = sum(1 for w in record.weeks if not under_way(w, through))  # complete weeks
    prior = np.asarray(model.prior, dtype=np.float64)
    post = model.state_posteriors
    argument, prior_state = {}, {}
    for key in keys:
        v, s = key.split("=")
        column = post.marginals[v][:, net[v].index(s)]
        prior_state[key] = np.asarray(column[:-1], dtype=np.float64)
        argument[key] = float(column[-1])
    K = len(prior)
    transition = np.asarray(model.transition, dtype=np.float64)
    beliefs = np.zeros((0, K))
    per_state = {k: np.zeros((0, K)) for k in keys}
    partial = None
    if n:
        # The filter run directly (not through the timeline view): the forecast needs
        # each state's outcome probabilities, which the view mixes away. The week under
        # way, when it has reported something, adds its two rows (:func:`_partial_rows`)
        # to the same engine call.
        extra = _partial_rows(record, n)
        evidence = [*record.evidence[:n], *(extra[0] if extra else [])]
        weights = [*record.weights[:n], *(extra[1] if extra else [])]
        L, marg = state_terms(model, engine_evidence(model, evidence, weights))
        beliefs = np.asarray(forward_filter(prior, transition, L[:n]).beliefs, dtype=np.float64)
        for key in keys:
            v, s = key.split("=")
            per_state[key] = np.asarray(marg[v][:n, :, net[v].index(s)], dtype=np.float64)
        if extra:
            # The belief of the week under way: one filter step on its present reports.
            b = (beliefs[n - 1] @ transition) * L[n]
            now = {
                key: np.asarray(marg[v][n + 1, :, net[v].index(s)], dtype=np.float64)
                for key in keys
                for v, s in [key.split("=")]
            }
            reports = tuple(sorted(extra[0][0]))
            partial = PartialWeek(through.toordinal(), b / b.sum(), now, reports)
    return ChainWeeks(
        np.array([week_end(w).toordinal() for w in record.weeks[:n]], dtype=np.int64),
        beliefs,
        per_state,
        prior,
        prior_state,
        argument,
        transition,
        model.spec.outlook.network_hazard == "within_state",
        model.spec.network_horizon_weeks,
        state_holding_weeks(model),
        partial,
    )


def _partial_rows(
    record: WeeklyEvidence, n: int
) -> tuple[list[dict[str, str]], list[dict[str, float]]] | None:
    """The evidence rows that read the week under way (:class:`PartialWeek`), or None when
    there is none or it has reported nothing yet. ``n``: the complete weeks of ``record``,
    so its week ``n``, when there is one, is the week under way.

    Two rows: its present reports alone (the filter's likelihood for the week) and those
    reports over the last complete week's evidence (the network's outcome probabilities
    now: an indicator not yet reported this week keeps last week's reading).
    """
    if n >= len(record.weeks):
        return None
    reports = reported_so_far(record.evidence[n])
    if not reports:
        return None
    last, last_weights = record.evidence[n - 1], record.weights[n - 1]
    weights = {k: w for k, w in record.weights[n].items() if k in reports}
    merged = {**last, **reports}
    merged_weights = {**{k: w for k, w in last_weights.items() if k not in reports}, **weights}
    return [reports, merged], [weights, merged_weights]


def history_as_of(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    through: dt.date,
    coverage: DeclaredCoverage | None = None,
    record: WeeklyEvidence | None = None,
) -> History:
    """Every outcome's series and the filtered chain, reading events dated up to ``through``.

    ``record``: the weekly evidence of the store up to ``through`` when the caller already
    has it (``weekly_evidence(con, rules, end=through, coverage=coverage)``, as
    :func:`secondfront.timeline.asof.evidence_as_of` keeps it), so it is not read twice.

    Raises:
        UsageError: the time model declares no ``reports:`` series, or the store is empty.
    """
    if not model.spec.reports:
        raise UsageError(
            f"{model.path}: no 'reports:' section; the dated forecast needs each "
            "outcome's own series (see models/belarus-second-front.timeline.yaml)"
        )
    span = data_span(con)
    if span is None:
        raise UsageError("the events store is empty: ingest a history first")
    start = span[0]
    series: dict[str, OutcomeSeries] = {}
    for rep in model.spec.reports:
        days = event_days(con, rep.events, through=through)
        arr = np.array(sorted({d.toordinal() for d in days}), dtype=np.int64)
        covered = (
            rep.covered_from.toordinal() if rep.covered_from else start.toordinal(),
            rep.covered_to.toordinal() if rep.covered_to else through.toordinal(),
        )
        s = OutcomeSeries(rep.variable, rep.state, rep.label or rep.variable, arr, covered)
        series[s.target] = s
    targets = [(r.variable, r.state) for r in model.spec.reports]
    if record is None:
        record = weekly_evidence(con, rules, end=through, coverage=coverage)
    chain = _chain_weeks(model, record, through, targets)
    row = con.execute("SELECT count(*) FROM observations WHERE day <= ?", [through]).fetchone()
    return History(
        through,
        start,
        series,
        chain,
        int(row[0]) if row else 0,
        _indicator_series(record, through),
        frozenset(rules.indicators),
    )


def _indicator_series(record: WeeklyEvidence, through: dt.date) -> dict[str, OutcomeSeries]:
    """Each indicator's observed weeks as a series dated by the week's Sunday.

    An indicator's status is weekly; dating it by the end of its week means a forecast
    made during a week does not see that week's reports (a lag of up to six days), never
    a report made after the forecast day.
    """
    found: dict[str, set[int]] = {}
    for s in record.statuses:
        end = week_end(s.week).toordinal()
        if s.status == "observed" and not under_way(s.week, through):
            found.setdefault(s.indicator, set()).add(end)
    return {
        f"{k}=present": OutcomeSeries(k, "present", k, np.array(sorted(v), dtype=np.int64))
        for k, v in found.items()
    }


def _window_grids(
    series: OutcomeSeries, days: np.ndarray, start: int, span: int
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The past windows ``(s, s + span]`` of each forecast day, one weekday at a time.

    The windows of day ``d`` start at ``s = d - span - 7i`` (``i = 0, 1, ...``): every one
    closed by ``d``, from the store's first day on, inside the outcome's declared
    coverage. Days sharing a weekday share one grid of windows, so a day's windows are a
    prefix of that grid and a sum over them is a cumulative sum (:func:`_prefix`).

    Yields:
        (sel [N] bool: the days of this weekday, grid [G]: window starts ascending,
        n [sum(sel)]: how many of the grid's windows each of those days has).
    """
    lo = max(start, series.covered[0]) - 1  # the first window may start the day before
    for phase in np.unique(days % 7):
        sel = days % 7 == phase
        d = days[sel]
        first = lo + ((phase - span - lo) % 7)  # first s >= lo on the phase's grid
        n = np.maximum(0, (np.minimum(d, series.covered[1]) - span - first) // 7 + 1)
        top = int(n.max()) if len(n) else 0
        yield sel, first + 7 * np.arange(top), n


def _prefix(values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Sums of the first ``n[i]`` rows of ``values`` [G, ...] for each i [N, ...]."""
    total = np.cumsum(values, axis=0)
    if not len(total):
        return np.zeros((len(n), *values.shape[1:]))
    picked = total[np.maximum(n - 1, 0)]
    empty = (n == 0).reshape((-1,) + (1,) * (values.ndim - 1))
    return np.where(empty, 0.0, picked)


def outside_view(series: OutcomeSeries, days: np.ndarray, start: int, span: int) -> np.ndarray:
    """Jeffreys share of windows ``(s, s + span]`` with an event, for each day ``d`` [N]:
    ``(k + 1/2) / (n + 1)`` over the day's past windows (:func:`_window_grids`)."""
    days = np.asarray(days, dtype=np.int64)
    out = np.empty(len(days))
    for sel, grid, n in _window_grids(series, days, start, span):
        hits = (series.count(grid, grid + span) > 0).astype(np.float64)
        out[sel] = (_prefix(hits, n) + 0.5) / (n + 1.0)
    return out


class RegimeRates(NamedTuple):
    """What :func:`regime_view` returns, each [N].

    Attributes:
        now: the outcome's rate mixed by the present belief.
        usual: the same rates mixed by the share of past windows spent in each state.
        prior_share: how much of the present rate is the network's number: each state's
            ``m / (n_k + m)`` (its smoothing weight against its ``n_k`` independent windows
            of the history), mixed by the present belief. 1: a state the history never
            held; near 0: one it has held for long.
    """

    now: np.ndarray
    usual: np.ndarray
    prior_share: np.ndarray


def regime_view(
    series: OutcomeSeries,
    chain: ChainWeeks,
    days: np.ndarray,
    start: int,
    horizon: int,
    prior_windows: float,
) -> RegimeRates | None:
    """The outcome's rate in the chain's present regime, and in the regimes the history
    went through, for each day ``d`` ([N], [N]).

    For each hidden state k, the share of the day's past windows of ``horizon`` weeks
    (:func:`_window_grids`) with an event, each window counted with the weight of the
    chain's filtered belief in state k on the day it opened (what was known then), in
    independent windows (``1/horizon`` per weekly window, as the fit counts them), and
    smoothed toward the network's number for the state (:meth:`ChainWeeks.regime_prior`)
    with ``m = prior_windows`` equivalent windows::

        r_k(d) = (sum_s b_k(s) y_s / h + m pi_k) / (sum_s b_k(s) / h + m)

    A regime the history has seen often (the status quo) gets its own observed rate; one
    it has never seen (a build-up before 2022) gets the analyst's number until windows in
    it close. Returned: the rates mixed by the belief of the last complete week,
    ``sum_k b_k(d) r_k(d)``, and by the share of the past windows spent in each state
    (smoothed toward the chain's initial belief with the same ``m``), so that their
    log-odds difference is what the present state adds to the outcome's usual rate, and
    is zero while the chain is where it usually was. None for a target the network does
    not hold.
    """
    prior = chain.regime_prior(series.target, horizon)
    if prior is None:
        return None
    days = np.asarray(days, dtype=np.int64)
    now, usual, prior_share = np.empty(len(days)), np.empty(len(days)), np.empty(len(days))
    span = 7 * horizon
    for sel, grid, n in _window_grids(series, days, start, span):
        belief = chain.beliefs_at(grid) / horizon
        hit = (series.count(grid, grid + span) > 0).astype(np.float64)
        total = _prefix(belief, n)
        rate = (_prefix(belief * hit[:, None], n) + prior_windows * prior) / (total + prior_windows)
        share = total + prior_windows * chain.prior_belief
        share /= share.sum(axis=1, keepdims=True)
        present = chain.beliefs_at(days[sel])
        now[sel] = np.einsum("nk,nk->n", present, rate)
        usual[sel] = np.einsum("nk,nk->n", share, rate)
        prior_share[sel] = np.einsum("nk,nk->n", present, prior_windows / (total + prior_windows))
    return RegimeRates(now, usual, prior_share)


@dataclass(frozen=True)
class Rows:
    """Design rows of the dated model.

    Attributes:
        x: [N, 7] features in :data:`FEATURES` order.
        y: [N] 1 when the window held an event; NaN for the forecast row.
        base: [N] the outside view (probability).
        network: [N] the network's probability over the horizon.
        covered: [N] whether the label's window lies inside the declared coverage (a
            training row only then).
        state: the outcome's rates in the chain's states (:func:`regime_view`); None
            for a target the network does not hold.
    """

    x: np.ndarray
    y: np.ndarray
    base: np.ndarray
    network: np.ndarray
    covered: np.ndarray
    state: RegimeRates | None = None


def design(
    history: History,
    model: TimelineModel,
    series: OutcomeSeries,
    days: np.ndarray,
    horizon: int,
    labels: bool,
) -> Rows:
    """Features (and labels) of ``series`` at forecast days ``days`` (ordinals) [N].

    Every feature of a day reads only events dated up to that day, and only complete
    chain weeks ending by it, except on the day the history was read to, whose week
    under way is read for its present reports (:class:`PartialWeek`). The training rows'
    days lie before that day, so their chain features lag by up to six days; the
    forecast row's are up to date.
    """
    spec = model.spec.outlook
    start = history.start.toordinal()
    span = 7 * horizon
    net_h, net_0 = history.chain.within(series.target, days, horizon)
    base = outside_view(series, days, start, span)
    rates = regime_view(series, history.chain, days, start, horizon, spec.regime_prior_windows)
    regime = np.zeros(len(days)) if rates is None else logit(rates.now) - logit(rates.usual)
    level = np.zeros(len(days)) if rates is None else logit(rates.usual) - logit(base)
    recent = series.count(days - 7 * spec.recent_weeks, days) > 0
    wave = series.count(days - 7 * spec.wave_weeks, days - 7 * spec.recent_weeks) > 0
    x = np.column_stack(
        [
            np.ones(len(days)),
            logit(base),
            logit(net_h) - logit(np.array(net_0)),
            recent.astype(np.float64),
            wave.astype(np.float64),
            regime,
            level,
        ]
    )
    y = (
        (series.count(days, days + span) > 0).astype(np.float64)
        if labels
        else np.full(len(days), np.nan)
    )
    return Rows(x, y, base, net_h, series.inside(days, days + span), rates)


@dataclass(frozen=True)
class Fit:
    """The MAP coefficients and their Laplace covariance.

    Attributes:
        coef: [7] in :data:`FEATURES` order.
        cov: [7, 7] inverse of the penalised Hessian at ``coef``.
        rows: training rows used.
        outcomes_with_events: outcomes with at least one positive training row.
        effective_rows: sum of row weights (rows / h: the independent windows).
    """

    coef: np.ndarray
    cov: np.ndarray
    rows: int
    outcomes_with_events: int
    effective_rows: float


def prior_arrays(model: TimelineModel) -> tuple[np.ndarray, np.ndarray]:
    """Prior means and standard deviations [7] from ``outlook.priors`` (defaults: 0, 1)."""
    priors = model.spec.outlook.priors
    mean = np.array([priors[f].mean if f in priors else 0.0 for f in FEATURES])
    sd = np.array([priors[f].sd if f in priors else 1.0 for f in FEATURES])
    return mean, sd


def fit_map(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, mean: np.ndarray, sd: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Penalised logistic regression by Newton's method: MAP coefficients and covariance.

    Maximises ``sum_i w_i [y_i eta_i - log(1 + e^eta_i)] - sum_j (b_j - m_j)^2 / (2 s_j^2)``.
    The objective is strictly concave (the prior), so Newton converges from the prior mean.
    Written by hand: seven coefficients and a few thousand rows, with row weights and a
    prior mean other than zero, which the common solvers do not take together.
    """
    prec = 1.0 / sd**2

    def objective(c: np.ndarray) -> float:
        eta = x @ c
        ll = float(np.sum(w * (y * eta - np.logaddexp(0.0, eta))))
        return ll - 0.5 * float(np.sum(prec * (c - mean) ** 2))

    b = mean.copy()
    value = objective(b)
    for _ in range(100):
        p = sigmoid(x @ b)
        grad = x.T @ (w * (y - p)) - prec * (b - mean)
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(prec)
        step = np.linalg.solve(hess, grad)
        # Step halving keeps every iterate an ascent (logits of rare events reach +-14,
        # where a full Newton step can overshoot).
        t = 1.0
        while t > 1e-8:
            new = objective(b + t * step)
            if new >= value - 1e-12:
                break
            t *= 0.5
        b, value = b + t * step, new
        if float(np.max(np.abs(t * step))) < 1e-10:
            break
    p = sigmoid(x @ b)
    hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(prec)
    return b, np.linalg.inv(hess)


def _training_days(history: History, model: TimelineModel, as_of: int, horizon: int) -> np.ndarray:
    """Forecast days of the training rows as of day ``as_of`` (an ordinal), ascending: the
    days ``as_of - 7h - 7j`` from the end of the burn-in on, whose windows closed by it."""
    first = history.start.toordinal() + 7 * model.spec.outlook.burn_in_weeks
    last = as_of - 7 * horizon
    if last < first:
        return np.zeros(0, dtype=np.int64)
    return last - 7 * np.arange((last - first) // 7 + 1)[::-1]


def _fit_rows(
    xs: list[np.ndarray], ys: list[np.ndarray], model: TimelineModel, horizon: int
) -> Fit:
    """The MAP fit of stacked training rows (one block per outcome, in history order)."""
    mean, sd = prior_arrays(model)
    if not xs or not sum(len(y) for y in ys):
        return Fit(mean, np.diag(sd**2), 0, 0, 0.0)
    x, y = np.vstack(xs), np.concatenate(ys)
    w = np.full(len(y), 1.0 / horizon)
    coef, cov = fit_map(x, y, w, mean, sd)
    return Fit(coef, cov, len(y), sum(bool(b.any()) for b in ys), float(w.sum()))


def fit_as_of(history: History, model: TimelineModel, as_of: dt.date, horizon: int) -> Fit:
    """The coefficients learned from windows of ``horizon`` weeks closed by ``as_of`` and
    inside their outcome's declared coverage."""
    days = _training_days(history, model, as_of.toordinal(), horizon)
    xs, ys = [], []
    if len(days):
        for s in history.series.values():
            rows = design(history, model, s, days, horizon, labels=True)
            xs.append(rows.x[rows.covered])
            ys.append(rows.y[rows.covered])
    return _fit_rows(xs, ys, model, horizon)


def forecasts_on(
    history: History,
    model: TimelineModel,
    targets: Sequence[str],
    days: Sequence[dt.date],
    horizon: int,
    leave_out: bool = False,
) -> dict[str, np.ndarray]:
    """``forecast_from(history, model, t, day, horizon).p`` for every target and day [D].

    With ``leave_out``, each target's forecast comes from a fit without that target's own
    rows (leave one outcome out: what pooling across the other outcomes alone gives).

    The same numbers, computed for many days at once: a training row's features depend
    only on its own day, so the rows of every forecast day sharing a weekday are one
    design, and each day's fit uses the prefix of it whose windows closed by that day
    (the same rows in the same order as :func:`fit_as_of`, hence the same coefficients).
    """
    check_horizon(horizon)
    d = np.array([x.toordinal() for x in days], dtype=np.int64)
    out = {t: np.empty(len(d)) for t in targets}
    span = 7 * horizon
    for phase in np.unique(d % 7):
        idx = np.nonzero(d % 7 == phase)[0]
        grid = _training_days(history, model, int(d[idx].max()), horizon)
        blocks = [
            design(history, model, s, grid, horizon, labels=True) for s in history.series.values()
        ]
        now = {
            t: design(history, model, series_for(history, t), d[idx], horizon, False).x
            for t in targets
        }
        names = list(history.series)
        for j, i in enumerate(idx):
            n = int(np.searchsorted(grid, d[i] - span, "right")) if len(grid) else 0
            fits: dict[str | None, Fit] = {}
            for t in targets:
                key = t if leave_out else None
                if key not in fits:
                    keep = [k for k, name in enumerate(names) if name != key]
                    fits[key] = _fit_rows(
                        [blocks[k].x[:n][blocks[k].covered[:n]] for k in keep],
                        [blocks[k].y[:n][blocks[k].covered[:n]] for k in keep],
                        model,
                        horizon,
                    )
                out[t][i] = float(sigmoid(np.array(now[t][j] @ fits[key].coef)))
    return out


@dataclass(frozen=True)
class Step:
    """One step of the decomposition: a probability after adding a part, in log-odds."""

    part: str
    log_odds: float
    p: float


@dataclass(frozen=True)
class TargetForecast:
    """P(target happens in the ``horizon`` weeks after ``as_of``), with what it rests on.

    Attributes:
        target: ``VAR=STATE``; label: what counts as the event.
        as_of: the forecast day (events dated after it were not read).
        horizon: weeks; closes: the last day of the window.
        p: the forecast; low, high: its 90% interval.
        outside: the outside view (the Jeffreys share of past windows with an event).
        network: the network's probability over the horizon under the last complete
            week's evidence (the argument's view now).
        argument: the network alone, with no evidence and no date, over its own horizon
            (None for an indicator target).
        recent: the event was reported in the last ``recent_weeks``.
        state_rate: the outcome's rate in the chain's present state, learned from the
            windows the history spent in each state and smoothed toward the network's
            number for it (None for an indicator target).
        state_prior_share: how much of ``state_rate`` is the network's number rather
            than the history (:class:`RegimeRates`): near 1 in a state the history has
            hardly held.
        steps: the decomposition (outside view, + the reports of the last weeks, + the
            states' rates over the history, + the chain's present state, + the
            argument's network).
        coef: the coefficients used, by name.
        rows, effective_rows, outcomes_with_events: what the fit rests on.
        last_event: the day of the target's last reported event up to ``as_of``.
        observations: stored observations dated up to ``as_of``.
        in_sample: always False: every training window closed by ``as_of``; the
            network's and the chain's own numbers were written by an analyst who knew the
            history, which ``note`` says.
    """

    target: str
    label: str
    as_of: dt.date
    horizon: int
    closes: dt.date
    p: float
    low: float
    high: float
    outside: float
    network: float
    argument: float | None
    recent: bool
    steps: tuple[Step, ...]
    coef: dict[str, float]
    rows: int
    effective_rows: float
    outcomes_with_events: int
    last_event: dt.date | None
    observations: int
    state_rate: float | None = None
    state_prior_share: float | None = None
    in_sample: bool = False
    note: str = ""

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json`` and the API."""
        return {
            "target": self.target,
            "label": self.label,
            "as_of": self.as_of.isoformat(),
            "horizon_weeks": self.horizon,
            "closes": self.closes.isoformat(),
            "p": self.p,
            "interval90": [self.low, self.high],
            "outside_view": self.outside,
            "network": self.network,
            "argument_alone": self.argument,
            "recent_event": self.recent,
            "state_rate": self.state_rate,
            "state_prior_share": self.state_prior_share,
            "last_event": self.last_event.isoformat() if self.last_event else None,
            "decomposition": [
                {"part": s.part, "log_odds": s.log_odds, "p": s.p} for s in self.steps
            ],
            "coefficients": self.coef,
            "training_rows": self.rows,
            "effective_rows": self.effective_rows,
            "outcomes_with_events": self.outcomes_with_events,
            "observations": self.observations,
            "in_sample": self.in_sample,
            "note": self.note,
        }


def check_as_of(as_of: dt.date | None, last: dt.date, name: str = "as of") -> None:
    """Refuse a forecast day after ``last``, the store's last event day: the weeks after
    it would count as quiet, not as unknown. ``name``: how the caller's user gave the day
    (``--as-of`` on the command line).

    Raises:
        QueryError: ``as_of`` is after ``last``.
    """
    if as_of is not None and as_of > last:
        raise QueryError(
            f"{name} {as_of}: the store's events end on {last}; the weeks after it would "
            "count as quiet. Ingest newer events, or ask as of a day up to that one."
        )


def check_horizon(horizon: int) -> int:
    """A horizon in whole weeks, 1 to 520 (ten years; longer has no training window)."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise UsageError(
            f"horizon {horizon} weeks: give 1 to {MAX_HORIZON} weeks (for example 13w)"
        )
    return horizon


def series_for(history: History, target: str) -> OutcomeSeries:
    """The outcome series of ``VAR=STATE``.

    Raises:
        UsageError: the time model declares no series for the target.
    """
    if target in history.series:
        return history.series[target]
    if target in history.indicators:
        return history.indicators[target]
    variable = target.split("=")[0]
    if target.endswith("=present") and variable in history.chain_indicators:
        # An indicator never observed up to the day: an empty series.
        return OutcomeSeries(variable, "present", variable, np.zeros(0, dtype=np.int64))
    known = ", ".join(sorted(history.series))
    raise UsageError(
        f"{target}: no reported series for it in the time model (known: {known}; "
        "or an indicator's 'present')"
    )


def forecast_from(
    history: History,
    model: TimelineModel,
    target: str,
    as_of: dt.date,
    horizon: int,
    fit: Fit | None = None,
) -> TargetForecast:
    """:func:`forecast_at` on a :class:`History` read through ``as_of`` or later.

    Only the part of ``history`` up to ``as_of`` is read, so the result is the same
    whether the history was read through ``as_of`` or through a later day (the
    no-peeking test pins this); ``fit`` may be passed when several targets share it.
    """
    if as_of > history.through:
        raise UsageError(f"as of {as_of}: the history was read only through {history.through}")
    check_horizon(horizon)
    s = series_for(history, target)
    fit = fit or fit_as_of(history, model, as_of, horizon)
    d0 = np.array([as_of.toordinal()], dtype=np.int64)
    rows = design(history, model, s, d0, horizon, labels=False)
    x = rows.x[0]
    b = fit.coef
    eta = float(x @ b)
    sd = float(math.sqrt(max(0.0, float(x @ fit.cov @ x))))
    parts = (
        ("outside view", float(b[0] + b[1] * x[1])),
        ("+ reports of the last weeks", float(b[3] * x[3] + b[4] * x[4])),
        (STATES_STEP, float(b[6] * x[6])),
        (PRESENT_STEP, float(b[5] * x[5])),
        ("+ the argument's network", float(b[2] * x[2])),
    )
    sums = np.cumsum([v for _, v in parts])
    steps = tuple(
        Step(name, value, float(sigmoid(np.array(total))))
        for (name, value), total in zip(parts, sums, strict=True)
    )
    known = s.days[s.days <= d0[0]]
    return TargetForecast(
        target=target,
        label=s.label,
        as_of=as_of,
        horizon=horizon,
        closes=as_of + dt.timedelta(weeks=horizon),
        p=float(sigmoid(np.array(eta))),
        low=float(sigmoid(np.array(eta - Z90 * sd))),
        high=float(sigmoid(np.array(eta + Z90 * sd))),
        outside=float(rows.base[0]),
        network=float(rows.network[0]),
        argument=history.chain.argument.get(target),
        recent=bool(x[3]),
        state_rate=None if rows.state is None else float(rows.state.now[0]),
        state_prior_share=None if rows.state is None else float(rows.state.prior_share[0]),
        steps=steps,
        coef={f: float(v) for f, v in zip(FEATURES, b, strict=True)},
        rows=fit.rows,
        effective_rows=fit.effective_rows,
        outcomes_with_events=fit.outcomes_with_events,
        last_event=dt.date.fromordinal(int(known[-1])) if len(known) else None,
        observations=history.observations,
        note=basis_note(model),
    )


LEARNED_NOTE = "coefficients learned from windows closed by the forecast day"
ANALYST_NOTE = f"{LEARNED_NOTE}; time model: {IN_SAMPLE_LABEL} ({NETWORK_NOTE})"


def basis_note(model: TimelineModel) -> str:
    """What a dated forecast's numbers rest on, in words, with the same labels as a
    score's parameters (:mod:`secondfront.forecasting.parameters`): the chain's numbers
    as written (in-sample), or fitted on the store up to a day (a model with a
    ``fitted:`` block)."""
    fitted = model.spec.fitted
    if fitted is None:
        return ANALYST_NOTE
    until = fitted.data.until or fitted.data.last_week
    return f"{LEARNED_NOTE}; time model: {fitted_label(until)}"


def forecast_at(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    target: str,
    as_of: dt.date,
    horizon: int,
    coverage: DeclaredCoverage | None = None,
) -> TargetForecast:
    """THE dated forecast: P(``target`` happens in the ``horizon`` weeks after ``as_of``).

    Reads events dated up to ``as_of`` only and learns from windows that closed by it
    (see the module docstring for the model).

    Args:
        model: the time model (with ``reports:`` and ``outlook:``).
        con: the events store.
        rules: the mapping rules.
        target: ``VAR=STATE`` with a reported series.
        as_of: the forecast day.
        horizon: weeks ahead (1 to 520).
        coverage: declared coverage; None: what the store's histories declare.
    """
    history = history_as_of(model, con, rules, as_of, coverage)
    return forecast_from(history, model, target, as_of, horizon)


@dataclass(frozen=True)
class Outlook:
    """Every outcome's dated forecast as of one day, for one horizon."""

    as_of: dt.date
    horizon: int
    forecasts: list[TargetForecast]

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "as_of": self.as_of.isoformat(),
            "horizon_weeks": self.horizon,
            "forecasts": [f.as_json() for f in self.forecasts],
        }


def outlook(
    model: TimelineModel,
    con: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    as_of: dt.date | None,
    horizon: int,
    coverage: DeclaredCoverage | None = None,
    refit: bool = False,
) -> Outlook:
    """Every reported outcome's :func:`forecast_at` as of ``as_of`` (default: the store's
    last event day), one fit shared by all.

    With ``refit``, the escalation chain is first refitted on the store up to ``as_of``
    (:func:`~secondfront.forecasting.parameters.parameters_as_of`, what ``questions``
    does by default), and each forecast's ``note`` says so. The store's weeks are read
    once, for the refit and the forecast.
    """
    if as_of is None:
        span = data_span(con)
        if span is None:
            raise UsageError("the events store is empty: ingest a history first")
        as_of = span[1]
    record = weekly_evidence(con, rules, end=as_of, coverage=coverage) if refit else None
    statuses = record.statuses if record is not None else None
    model = parameters_as_of(model, con, rules, as_of, refit, statuses).model
    history = history_as_of(model, con, rules, as_of, coverage, record)
    fit = fit_as_of(history, model, as_of, check_horizon(horizon))
    return Outlook(
        as_of,
        horizon,
        [forecast_from(history, model, t, as_of, horizon, fit) for t in history.series],
    )


__all__ = [
    "ANALYST_NOTE",
    "DEFAULT_HORIZON",
    "FEATURES",
    "MAX_HORIZON",
    "PRESENT_STEP",
    "STATES_STEP",
    "ChainWeeks",
    "Fit",
    "History",
    "OutcomeSeries",
    "Outlook",
    "PartialWeek",
    "RegimeRates",
    "Rows",
    "Step",
    "TargetForecast",
    "basis_note",
    "check_as_of",
    "check_horizon",
    "design",
    "fit_as_of",
    "fit_map",
    "forecast_at",
    "forecast_from",
    "forecasts_on",
    "history_as_of",
    "outlook",
    "outside_view",
    "prior_arrays",
    "regime_view",
    "series_for",
]
