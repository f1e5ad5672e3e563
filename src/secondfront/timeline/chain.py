"""The early-warning timeline: a weekly escalation chain linked to the flagship network.

The time model (``models/NAME.timeline.yaml``) has a hidden escalation state ``S_t``
per ISO week (at least: status quo, preparation, imminent entry), an initial
distribution and a transition matrix. Each state is tied to the static network by
evidence on its escalation variables (``network:`` in the file; e.g. preparation is
``offensive_preparation = present, staged_provocation = absent``). Given the state, a
week's indicators and outcomes behave as in one instance of the network conditioned on
that state, so, with ``c_k`` the conditioning of state k and ``e_t`` week t's indicator
statuses (observed -> present, not observed -> absent, unknown -> left out)::

    L[t, k]       = P(e_t | c_k) = exp(log P(e_t, c_k) - log P(c_k))
    P(o_t | e_1..t) = sum_k P(S_t = k | e_1..t) * P(o | c_k, e_t)

Both factors come from the junction-tree engine in one batched call
(``posterior_batch`` over T x K rows returns the marginals and log P(e) of every row);
the chain is then filtered (and smoothed on request) by the pure functions of
:mod:`secondfront.timeline.hmm`.

Alerts are rules in the same file: a probability crossing a threshold upward, or
rising by more than ``rises_by`` within ``within_weeks``. An alert line names the
indicators observed in the weeks that triggered it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from pydantic import Field, model_validator

from secondfront.errors import Diagnostic
from secondfront.evidence.mapping import AcledMatch
from secondfront.evidence.rulesfile import (
    beside_model,
    items_at,
    network_for,
    raise_all,
    repeated,
    validate_model_file,
    value_at,
)
from secondfront.evidence.weeks import IndicatorWeek
from secondfront.inference.query import BatchPosterior, posterior_batch
from secondfront.model.grading import parse_grading
from secondfront.model.model import Model, ModelLike, as_model
from secondfront.model.network import Network
from secondfront.model.schema import StrictModel as _Strict
from secondfront.model.yamlsource import YamlDocument
from secondfront.timeline import hmm
from secondfront.timeline.fitted import FittedParameters, emission_likelihood
from secondfront.timeline.rolling import RollingQuestion


class HiddenState(_Strict):
    """One escalation state and the network evidence that defines it."""

    name: str = Field(pattern=r"^[a-z_]+$")
    label: str
    network: dict[str, str] = Field(min_length=1)


class Distribution(_Strict):
    """Initial distribution over the states, with its basis."""

    p: list[float]
    assumption: str


class Transition(_Strict):
    """Weekly transition matrix: one row per state, ``P(next | current)``."""

    rows: dict[str, list[float]]
    assumption: str


class Alert(_Strict):
    """An alert rule on one outcome state's weekly probability."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    variable: str
    state: str
    above: float | None = Field(default=None, gt=0, lt=1)
    rises_by: float | None = Field(default=None, gt=0, lt=1)
    within_weeks: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _kind(self) -> Alert:
        if (self.above is None) == (self.rises_by is None):
            raise ValueError(
                f"alert {self.id!r}: give either 'above' or 'rises_by' (with within_weeks)"
            )
        if self.rises_by is not None and self.within_weeks is None:
            raise ValueError(f"alert {self.id!r}: 'rises_by' needs 'within_weeks'")
        return self


class BacktestSpec(_Strict):
    """Rolling-origin settings."""

    window_weeks: int = Field(ge=1)
    burn_in_weeks: int = Field(ge=0)
    persistence_floor: float = Field(gt=0, lt=0.5)
    questions: list[RollingQuestion] = Field(min_length=1)


class OutcomeReports(_Strict):
    """How the store shows that an outcome happened in a week: an event rule over the
    ACLED-layout rows, coded as the history's codebook says (the outcome's own series)."""

    variable: str
    state: str
    label: str = ""
    events: AcledMatch
    covered_from: dt.date | None = None
    covered_to: dt.date | None = None
    note: str = ""


class Coefficient(_Strict):
    """A prior on one coefficient of the dated forecast: mean and standard deviation (log-odds)."""

    mean: float
    sd: float = Field(gt=0)
    why: str = ""


class OutlookSpec(_Strict):
    """The dated forecast's stated assumptions (see :mod:`secondfront.forecasting.outlook`).

    ``priors`` names each coefficient of the weekly-origin logistic model; every one is
    an analyst's number that rolling-origin data may move, as far as the data pins it.

    ``network_hazard`` says how the network's probability of an outcome in a hidden state
    (a number for its whole horizon) becomes a probability over the forecast's ``h``
    weeks: ``within_state`` (the default) realises it while the state lasts, at most the
    network's horizon (:func:`state_holding_weeks`: a build-up that lasts about three
    months brings its outcomes within those months), and projects the chain forward
    week by week; ``spread`` spreads the mixed probability evenly over the network's
    horizon, as if the present state lasted a year. ``hazard_reason`` says why.
    """

    burn_in_weeks: int = Field(default=26, ge=1)
    recent_weeks: int = Field(default=4, ge=1)
    wave_weeks: int = Field(default=26, ge=2)
    priors: dict[str, Coefficient] = Field(default_factory=dict)
    assumption: str = ""
    network_hazard: Literal["within_state", "spread"] = "spread"
    hazard_reason: str = ""
    regime_prior_windows: float = Field(default=1.0, gt=0)


class EvidenceWeighting(_Strict):
    """How a week's indicator statuses become evidence for the network.

    With ``graded``, an indicator observed that week is *soft* evidence
    whose strength is the Admiralty weight w of its best-graded supporting source
    (``Grading.weight``: A1 = 1, C3 = 0.36, F6 = 0.25): the likelihood over the
    indicator's states is ``P(report | present) = 1`` and ``P(report | other) = 1 - w``.
    An A1 report is conclusive; a report that only an unjudgeable source carries moves
    the model a little. Without ``graded`` (the default, so that a file that says nothing
    keeps the earlier behaviour), every observed indicator is hard evidence.
    A week where an indicator was not observed although its sources cover the week is
    hard evidence of absence either way.
    """

    graded: bool = False


class TimelineFile(_Strict):
    """``models/NAME.timeline.yaml`` (format ``secondfront-timeline/1``)."""

    format: Literal["secondfront-timeline/1"]
    model: str
    description: str = ""
    network_horizon_weeks: int = Field(ge=1)
    evidence: EvidenceWeighting = EvidenceWeighting()
    states: list[HiddenState] = Field(min_length=3)
    initial: Distribution
    transition: Transition
    alerts: list[Alert] = Field(default_factory=list)
    backtest: BacktestSpec
    reports: list[OutcomeReports] = Field(default_factory=list)
    outlook: OutlookSpec = OutlookSpec()
    fitted: FittedParameters | None = None  # written by `secondfront fit`


@dataclass(frozen=True)
class TimelineModel:
    """A validated time model bound to its network.

    Attributes:
        spec: the file's content.
        path: where it was read from.
        model: the static model (its network answers every week's queries).
        prior: [K] initial distribution.
        transition: [K, K] weekly transition matrix.
    """

    spec: TimelineFile
    path: Path
    model: Model
    prior: np.ndarray
    transition: np.ndarray

    @property
    def network(self) -> Network:
        """The static model's network."""
        return self.model.network

    @property
    def state_names(self) -> list[str]:
        """Hidden state names, in file order."""
        return [s.name for s in self.spec.states]

    @property
    def outcomes(self) -> list[str]:
        """The model's outcome variables (``Model.outcomes``: every variable when bare)."""
        return [o.variable for o in self.model.outcomes()]

    @cached_property
    def state_posteriors(self) -> BatchPosterior:
        """The network's marginals with each hidden state's conditions set (rows 0..K-1)
        and with no evidence at all (row K): asked once per model, by the hazards, the
        emission fit's start and the dated forecast alike."""
        return posterior_batch(self.model, [*(dict(s.network) for s in self.spec.states), {}])


def load_timeline(
    path: str | Path | None = None, network: ModelLike | None = None
) -> TimelineModel:
    """Load and check a timeline file against its network.

    Every problem of the file is reported in one run: schema errors together with the
    cross-reference checks of :func:`_timeline_references`, which run on the raw data,
    so that a state, row, alert or question that failed the schema check still has its
    other fields checked.

    Args:
        path: the YAML file; ``None`` means the flagship's ``*.timeline.yaml``.
        network: the model (or a bare network); ``None`` loads the one the file names.

    Raises:
        RulesError: every problem as ``file:line:col: error: message``: schema errors,
            unknown variables or states, duplicate state names, an initial distribution
            or transition rows of the wrong size or not summing to 1, a state whose
            network evidence has probability zero; a YAML syntax error alone, since
            nothing after it can be read.
    """
    p = Path(path) if path is not None else beside_model("", "timeline")
    spec, doc, _, diags = validate_model_file(p, TimelineFile)
    model: str | None = value_at(doc.data, ("model",), str)
    net = as_model(network) if network is not None else network_for(doc, model, diags)
    diags += _timeline_references(doc, net)
    raise_all(diags)
    if spec is None or net is None:
        raise AssertionError("a failed check without a diagnostic")
    names = [s.name for s in spec.states]
    prior = np.array(spec.initial.p, dtype=np.float64)
    A = np.array([spec.transition.rows[n] for n in names], dtype=np.float64)
    return TimelineModel(spec, p, net, prior, A)


def _known(
    doc: YamlDocument,
    net: Model,
    var: str,
    state: str,
    var_at: tuple[str | int, ...],
    state_at: tuple[str | int, ...],
    *,
    var_is_key: bool = False,
) -> list[Diagnostic]:
    """``var`` is a variable of ``net`` and ``state`` one of its states; else one diagnostic.

    ``var_is_key`` points an unknown variable at the mapping key (``var: state``
    entries, where the key is what is misspelt) rather than at the value.
    """
    if var not in net.variables:
        return [doc.diagnostic(var_at, f"unknown variable {var!r} of {net.name}", key=var_is_key)]
    if state not in net.variables[var].states:
        return [
            doc.diagnostic(
                state_at,
                f"unknown state {state!r} of {var}; states: {', '.join(net.variables[var].states)}",
            )
        ]
    return []


def _timeline_references(doc: YamlDocument, net: Model | None) -> list[Diagnostic]:
    """Cross-reference checks of a timeline file, on the raw data, item by item.

    Checked, each wherever the values it needs are valid (a missing or ill-typed value
    is left to the schema errors):

    * each state's ``network`` evidence names variables and states of the network, no
      two states share a name, and the evidence of each state has non-zero probability
      (else no week could be in that state, and its likelihoods would divide by zero);
    * ``initial.p`` has one probability per state and sums to 1;
    * ``transition.rows`` has exactly one row per state (checked when every state has a
      name), each with one non-negative number per state summing to 1;
    * each alert's and each backtest question's ``variable``/``state`` exist.

    The checks against the network are skipped when it could not be loaded.
    """
    data = doc.data
    # The number of states is known from the list even where some states are invalid.
    K = len(items_at(data, ("states",))) if value_at(data, ("states",), list) is not None else None
    diags, names, conditions = _state_references(doc, net)
    if net is not None and conditions:
        diags += _impossible_states(doc, net, conditions, names)

    p: list[float] | None = value_at(data, ("initial", "p"), list[float])
    if p is not None and K is not None and (len(p) != K or abs(sum(p) - 1) > 1e-9):
        diags.append(
            doc.diagnostic(
                ("initial", "p"), f"initial.p needs {K} probabilities summing to 1; got {p}"
            )
        )
    if K is not None:
        diags += _transition_references(doc, names, K)
    if net is not None:
        for base in (("alerts",), ("backtest", "questions")):
            for i, _ in items_at(data, base):
                var: str | None = value_at(data, (*base, i, "variable"), str)
                state = value_at(data, (*base, i, "state"), str)
                if var is not None and state is not None:
                    diags += _known(
                        doc, net, var, state, (*base, i, "variable"), (*base, i, "state")
                    )
    return diags


def _state_references(
    doc: YamlDocument, net: Model | None
) -> tuple[list[Diagnostic], dict[int, str], dict[int, dict[str, str]]]:
    """The states' checks: (diagnostics, name by position, network evidence by position
    of each state whose evidence is complete and known)."""
    data = doc.data
    diags: list[Diagnostic] = []
    names: dict[int, str] = {}
    first: dict[str, int] = {}
    conditions: dict[int, dict[str, str]] = {}
    for i, _ in items_at(data, ("states",)):
        name: str | None = value_at(data, ("states", i, "name"), str)
        if name is not None:
            names[i] = name
            if (d := repeated(doc, first, "states", i, "name", name, "state")) is not None:
                diags.append(d)
        evidence = value_at(data, ("states", i, "network"), dict[Any, Any]) or {}
        condition: dict[str, str] = {}
        # Only a state whose evidence is all valid and known can be put to the network.
        complete = bool(evidence)
        for key in evidence:
            at = ("states", i, "network", key)
            value: str | None = value_at(data, at, str)
            if not isinstance(key, str) or value is None:
                complete = False  # a schema error, reported already
                continue
            condition[key] = value
            if net is not None:
                unknown = _known(doc, net, key, value, at, at, var_is_key=True)
                diags += unknown
                complete = complete and not unknown
        if complete:
            conditions[i] = condition
    return diags, names, conditions


def _transition_references(doc: YamlDocument, names: dict[int, str], K: int) -> list[Diagnostic]:
    """``transition.rows``: one row per state, each K non-negative numbers summing to 1."""
    rows = value_at(doc.data, ("transition", "rows"), dict[Any, Any])
    if rows is None:
        return []
    diags: list[Diagnostic] = []
    order = [names[i] for i in sorted(names)]
    if len(order) == K and set(rows) != set(order):
        diags.append(
            doc.diagnostic(
                ("transition", "rows"),
                f"transition.rows needs one row per state {order}; got {list(rows)}",
                key=True,  # the whole mapping is concerned, not its first row
            )
        )
    for row_name in rows:
        row: list[float] | None = value_at(doc.data, ("transition", "rows", row_name), list[float])
        if row is not None and (
            len(row) != K or abs(sum(row) - 1) > 1e-9 or any(x < 0 for x in row)
        ):
            diags.append(
                doc.diagnostic(
                    ("transition", "rows", row_name),
                    f"transition row {row_name!r} needs {K} non-negative numbers "
                    f"summing to 1; got {row}",
                )
            )
    return diags


def _impossible_states(
    doc: YamlDocument, net: Model, conditions: dict[int, dict[str, str]], names: dict[int, str]
) -> list[Diagnostic]:
    """A diagnostic for each state whose network evidence has probability zero."""
    order = sorted(conditions)
    post = posterior_batch(net, [conditions[i] for i in order], on_impossible="nan")
    diags = []
    for i, logp in zip(order, post.log_evidence, strict=True):
        if not np.isfinite(logp):
            diags.append(
                doc.diagnostic(
                    ("states", i, "network"),
                    f"states.{i}.network: state {names.get(i, i)!r} is impossible: the "
                    f"network gives {conditions[i]} probability zero",
                )
            )
    return diags


# -- running the timeline ------------------------------------------------------------


@dataclass
class TimelineResult:
    """The timeline over a run of weeks.

    Attributes:
        weeks: ISO week labels [T].
        states: hidden state names [K].
        beliefs: [T, K] filtered (or smoothed) P(S_t | evidence).
        outcomes: variable -> [T, n_states] probabilities, states in model order.
        evidence: the weekly evidence used, one mapping per week.
        alerts: alert lines, in week order.
        log_evidence: log P(all weekly evidence) under the time model.
        predicted: [T, K] the chain's prediction P(S_t | e_1..e_{t-1}) before each
            week's evidence (the weights of a week's conflict measure).
        alert_on: alert rule id -> [T] whether the rule's condition holds each week
            (an alert line is written at each onset; lead times count from these).
    """

    weeks: list[str]
    states: list[str]
    beliefs: np.ndarray
    outcomes: dict[str, np.ndarray]
    evidence: list[dict[str, str]]
    alerts: list[AlertEvent] = field(default_factory=list)
    log_evidence: float = 0.0
    predicted: np.ndarray | None = None
    alert_on: dict[str, np.ndarray] = field(default_factory=dict)

    def as_json(self, network: Network) -> dict[str, object]:
        """``{"weeks": [{"week", "outcomes": {var: {state: p}}, "states", "evidence"}],
        "alerts": [...]}``."""
        weeks = []
        for t, w in enumerate(self.weeks):
            weeks.append(
                {
                    "week": w,
                    "outcomes": {
                        v: dict(
                            zip(network.variables[v].states, (float(x) for x in m[t]), strict=True)
                        )
                        for v, m in self.outcomes.items()
                    },
                    "states": dict(
                        zip(self.states, (float(x) for x in self.beliefs[t]), strict=True)
                    ),
                    "evidence": self.evidence[t],
                }
            )
        return {"weeks": weeks, "alerts": [a.as_json() for a in self.alerts]}


@dataclass(frozen=True)
class AlertEvent:
    """One fired alert.

    Attributes:
        week: when it fired.
        rule: the alert's id.
        message: one line, with the indicators that triggered it.
        indicators: observed indicators in the triggering weeks.
    """

    week: str
    rule: str
    message: str
    indicators: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "week": self.week,
            "rule": self.rule,
            "message": self.message,
            "indicators": list(self.indicators),
        }


def report_weights(statuses: Sequence[IndicatorWeek]) -> list[dict[str, float]]:
    """Per week (in order of first appearance): observed indicator -> weight of its
    best-graded supporting source (see :class:`EvidenceWeighting`)."""
    weeks: dict[str, dict[str, float]] = {}
    for s in statuses:
        row = weeks.setdefault(s.week, {})
        if s.status == "observed":
            row[s.indicator] = max((parse_grading(g).weight() for g in s.gradings), default=1.0)
    return list(weeks.values())


def engine_evidence(
    model: TimelineModel,
    evidence: Sequence[dict[str, str]],
    weights: Sequence[dict[str, float]] | None,
) -> list[dict[str, str | list[float]]]:
    """The rows handed to the engine: statuses, softened by source weight when graded."""
    if weights is None or not model.spec.evidence.graded:
        return [dict(e) for e in evidence]
    rows: list[dict[str, str | list[float]]] = []
    for e, w in zip(evidence, weights, strict=True):
        row: dict[str, str | list[float]] = {}
        for ind, status in e.items():
            weight = w.get(ind, 1.0)
            if status != "present" or weight >= 1.0:
                row[ind] = status
                continue
            states = model.network.variables[ind].states
            row[ind] = [1.0 if st == "present" else 1.0 - weight for st in states]
        rows.append(row)
    return rows


def state_terms(
    model: TimelineModel, evidence: Sequence[dict[str, str | list[float]]]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per week and state: the likelihood of the week's evidence and the outcome posteriors.

    When the time model carries a ``fitted:`` block (written by ``secondfront fit``),
    ``L`` is its fitted emission likelihood instead
    (:func:`~secondfront.timeline.fitted.emission_likelihood`: indicators independent
    given the state, the model the fit assumed); a softened report counts as observed
    there, since the fit learnt from hard statuses. The outcome posteriors stay the
    network's either way.

    Returns:
        ``L`` [T, K] with ``L[t, k] = P(e_t | c_k)`` (scaled per week so the largest is 1:
        the filter only needs ratios), and ``variable -> [T, K, n_states]`` with
        ``P(variable | c_k, e_t)``.
    """
    K = len(model.spec.states)
    T = len(evidence)
    conds = [s.network for s in model.spec.states]
    rows = [{**e, **c} for e in evidence for c in conds] + [dict(c) for c in conds]
    post = posterior_batch(model.model, rows, on_impossible="nan")
    logp = post.log_evidence
    base = logp[T * K :]
    log_l = logp[: T * K].reshape(T, K) - base[None, :]
    with np.errstate(invalid="ignore"):
        log_l = log_l - np.max(np.where(np.isfinite(log_l), log_l, -np.inf), axis=1, keepdims=True)
    L = np.where(np.isfinite(log_l), np.exp(log_l), 0.0)
    if model.spec.fitted is not None:
        L = emission_likelihood(model.spec.fitted, model.state_names, _hard(evidence))
    marg = {
        v: np.nan_to_num(post.marginals[v][: T * K].reshape(T, K, -1)) for v in model.network.names
    }
    return L, marg


def _hard(evidence: Sequence[dict[str, str | list[float]]]) -> list[dict[str, str]]:
    """Engine rows as statuses: a likelihood vector (a softened report) reads ``present``."""
    return [{i: v if isinstance(v, str) else "present" for i, v in e.items()} for e in evidence]


def run_timeline(
    model: TimelineModel,
    weeks: Sequence[str],
    evidence: Sequence[dict[str, str]],
    smooth: bool = False,
    variables: Sequence[str] | None = None,
    weights: Sequence[dict[str, float]] | None = None,
) -> TimelineResult:
    """Filter (or smooth) the escalation chain over the weeks and mix the outcome posteriors.

    Args:
        model: the time model.
        weeks: ISO week labels, consecutive.
        evidence: one ``{indicator: "present"|"absent"}`` per week.
        smooth: use P(S_t | all weeks) instead of P(S_t | weeks up to t).
        variables: variables to report (default: the model's outcomes).
        weights: per week, observed indicator -> source weight (:func:`report_weights`);
            used when the time model's evidence is ``graded``; None means hard evidence.

    Returns:
        the timeline, with alerts evaluated.
    """
    variables = list(variables or model.outcomes)
    if not weeks:
        return TimelineResult([], model.state_names, np.zeros((0, len(model.prior))), {}, [])
    L, marg = state_terms(model, engine_evidence(model, evidence, weights))
    res = hmm.forward_filter(model.prior, model.transition, L)
    beliefs = hmm.backward_smooth(res, model.transition) if smooth else res.beliefs
    outcomes = {v: np.einsum("tk,tks->ts", beliefs, marg[v]) for v in variables}
    result = TimelineResult(
        list(weeks),
        model.state_names,
        beliefs,
        outcomes,
        list(evidence),
        log_evidence=float(res.log_evidence),
        predicted=res.predicted,
    )
    result.alert_on = alert_flags(model, result, marg)
    result.alerts = evaluate_alerts(model, result, marg)
    return result


def _alert_series(
    model: TimelineModel, result: TimelineResult, marg: dict[str, np.ndarray], rule: Alert
) -> list[tuple[bool, range, str]]:
    """Per week: whether ``rule`` holds, the weeks it looked at, and what it saw."""
    v = rule.variable
    k = model.network.variables[v].index(rule.state)
    series = (
        result.outcomes[v][:, k]
        if v in result.outcomes
        else np.einsum("tk,tk->t", result.beliefs, marg[v][:, :, k])
    )
    out = []
    for t in range(len(result.weeks)):
        p = float(series[t])
        if rule.above is not None:
            out.append(
                (
                    p > rule.above,
                    range(t, t + 1),
                    f"P({v}={rule.state}) = {p:.3f} crossed {rule.above:.2f}",
                )
            )
            continue
        assert rule.within_weeks is not None and rule.rises_by is not None
        lo = max(0, t - rule.within_weeks)
        base = float(series[lo:t].min()) if t > lo else p
        out.append(
            (
                p - base > rule.rises_by,
                range(lo, t + 1),
                f"P({v}={rule.state}) rose {p - base:+.3f} to {p:.3f} within "
                f"{rule.within_weeks} weeks (threshold {rule.rises_by:.2f})",
            )
        )
    return out


def alert_flags(
    model: TimelineModel, result: TimelineResult, marg: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Alert rule id -> [T] True in the weeks its condition holds (not only at onsets)."""
    return {
        rule.id: np.array([on for on, _, _ in _alert_series(model, result, marg, rule)], dtype=bool)
        for rule in model.spec.alerts
    }


def evaluate_alerts(
    model: TimelineModel, result: TimelineResult, marg: dict[str, np.ndarray]
) -> list[AlertEvent]:
    """Fire each alert rule on the weekly probabilities (see the module docstring).

    A rule fires at each onset: a week where it holds and did not the week before.
    """
    events: list[AlertEvent] = []
    for rule in model.spec.alerts:
        was_on = False
        for t, (on, span, what) in enumerate(_alert_series(model, result, marg, rule)):
            week = result.weeks[t]
            if on and not was_on:
                inds = sorted(
                    {i for s in span for i, st in result.evidence[s].items() if st == "present"}
                )
                cause = (
                    ", ".join(inds)
                    if inds
                    else "none observed; the rise comes from the chain's dynamics"
                )
                events.append(
                    AlertEvent(
                        week,
                        rule.id,
                        f"{week} ALERT {rule.id}: {what}; indicators: {cause}",
                        tuple(inds),
                    )
                )
            was_on = on
    events.sort(key=lambda e: (e.week, e.rule))
    return events


def state_holding_weeks(model: TimelineModel) -> np.ndarray:
    """Weeks [K] over which each hidden state's outcome probabilities are realised.

    A state's expected stay is ``1 / (1 - A[k, k])`` weeks under the weekly transition
    matrix; it is capped at the network's horizon, the span its probabilities are for.
    """
    stay = np.diag(np.asarray(model.transition, dtype=np.float64))
    with np.errstate(divide="ignore"):
        weeks = np.where(stay < 1.0, 1.0 / np.maximum(1.0 - stay, 1e-12), np.inf)
    return np.minimum(weeks, float(model.spec.network_horizon_weeks))


def state_hazards(model: TimelineModel, variable: str, state: str) -> np.ndarray:
    """Weekly probability [K] that ``variable = state`` happens, per hidden state.

    The network's probabilities are for its whole horizon (``network_horizon_weeks``);
    a constant weekly hazard is assumed within it: ``h_k = 1 - (1 - P(v = s | c_k))**(1/H)``.
    """
    post = model.state_posteriors
    p = post.marginals[variable][:-1, model.network.variables[variable].index(state)]
    return cast(
        "np.ndarray",
        1.0 - (1.0 - np.clip(p, 0.0, 1.0 - 1e-12)) ** (1.0 / model.spec.network_horizon_weeks),
    )


__all__ = [
    "AlertEvent",
    "Coefficient",
    "EvidenceWeighting",
    "OutcomeReports",
    "OutlookSpec",
    "TimelineFile",
    "TimelineModel",
    "TimelineResult",
    "alert_flags",
    "engine_evidence",
    "evaluate_alerts",
    "load_timeline",
    "report_weights",
    "run_timeline",
    "state_hazards",
    "state_holding_weeks",
    "state_terms",
]
