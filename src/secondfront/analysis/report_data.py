"""The content of a report: what a colleague needs to read a forecast and question it.

:func:`report_data` gathers, for one model and one set of evidence and interventions,
typed results of the library's features: the forecast (with ICD 203 words, its basis
and 90% intervals), the indicators' likelihood ratios for the headline outcome, the
top drivers (one-at-a-time sensitivity), the watchlist, the key assumptions check
and the sources ranked by influence (:mod:`secondfront.analysis.assumptions`, the
results ``secondfront assumptions`` prints; each computed once per report, about a
tenth of a second on the flagship), the timeline from the events
store (:func:`secondfront.timeline.view.timeline_view`, the same one the
command line and the workbench show), the track record (the model's resolved
questions, ``NAME.questions.yaml``, each forecast as of its asked day from the same
store with the chain refitted up to then and scored against the baselines: the
:class:`~secondfront.forecasting.scorecard.ScoreCard` that ``questions score`` prints),
every stated assumption and every source and claim. Rendering (HTML, PDF, pictures)
is :mod:`secondfront.report`'s; it computes nothing.

An analysis that cannot run on a model (a bare network states no priors, so it has
no intervals and no drivers) is ``None`` with the reason beside it, which the report
shows as the section's empty state.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from secondfront.analysis.ach import indicator_items, model_view
from secondfront.analysis.assumptions import (
    AssumptionsCheck,
    SourceInfluenceResult,
    key_assumptions,
    source_influence,
)
from secondfront.analysis.availability import CHECKED_ANALYSES, unavailable
from secondfront.analysis.forecast import Forecast, forecast
from secondfront.analysis.provenance import ClaimRow, assumption_rows, source_rows
from secondfront.analysis.sensitivity import OneAtATime, Target, one_at_a_time
from secondfront.analysis.watchlist import Watchlist, watchlist
from secondfront.defaults import DEFAULT_SAMPLES
from secondfront.errors import UsageError
from secondfront.forecasting.dated import DatedStore, dated_timeline, open_dated_store
from secondfront.forecasting.outlook import DEFAULT_HORIZON, Outlook, outlook
from secondfront.forecasting.scorecard import ScoreCard
from secondfront.inference.query import Evidence, posterior_batch
from secondfront.model.model import Model, ModelLike, as_model
from secondfront.timeline.view import TimelineMove, TimelineView, timeline_moves

# The report lists the weeks that moved the headline outcome most, not all of them:
# years of weekly rows would bury the few that matter.
TIMELINE_WEEKS_LISTED = 12
# Rows of the drivers and watchlist tables.
TOP_ROWS = 10


@dataclass(frozen=True)
class Judgement:
    """One key judgement: an outcome in ICD 203 words.

    Attributes:
        variable: outcome variable.
        label: the outcome in words.
        state: headlined state.
        probability: its probability.
        term: the ICD 203 term with its range, e.g. ``"very unlikely (5–20%)"``.
        claims: number of claims it rests on.
        assumptions: number of stated assumptions upstream.
        interval: (low, high) when the model states priors, else ``None``.
    """

    variable: str
    label: str
    state: str
    probability: float
    term: str
    claims: int
    assumptions: int
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class IndicatorRatio:
    """How observing an indicator bears on the headline outcome, from the model.

    Attributes:
        indicator: variable name.
        label: what is observed.
        state: the observed state.
        ratio: P(seen | outcome state) / P(seen | any other state, averaged).
        if_seen: P(outcome state | seen).
    """

    indicator: str
    label: str
    state: str
    ratio: float
    if_seen: float


SUMMARY_FORMAT = "secondfront-report-summary/1"


@dataclass(frozen=True)
class ReportSummary:
    """The figures of a report that the next one compares against.

    Attributes:
        model: the model's name.
        generated: when the report was made.
        argument: outcome label -> P(headline state) of the argument under the evidence.
        dated: outcome label -> the dated forecast of the last shown timeline week
            (empty without an events store).
        dated_week: that week, or ``None``.
        evidence: the evidence and interventions in words.
    """

    model: str
    generated: str
    argument: dict[str, float]
    dated: dict[str, float]
    dated_week: str | None
    evidence: str

    def as_json(self) -> dict[str, object]:
        """Plain data, with its format, as written beside a report file."""
        return {"format": SUMMARY_FORMAT, **dataclasses.asdict(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, object], where: str) -> ReportSummary:
        """Read a summary written by :meth:`as_json`.

        Raises:
            UsageError: not a report summary (the message names ``where``).
        """
        if not isinstance(data, Mapping) or data.get("format") != SUMMARY_FORMAT:
            raise UsageError(f"{where}: not a report summary ({SUMMARY_FORMAT})")
        try:
            return cls(
                str(data["model"]),
                str(data["generated"]),
                _figures(data["argument"]),
                _figures(data["dated"]),
                None if data.get("dated_week") is None else str(data["dated_week"]),
                str(data.get("evidence", "")),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise UsageError(f"{where}: a report summary with a missing or bad field ({e})") from e


def _figures(value: object) -> dict[str, float]:
    """A summary's ``{label: figure}``; TypeError or ValueError when it is not one."""
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object of figures, got {type(value).__name__}")
    out = {}
    for k, v in value.items():
        if not isinstance(v, int | float | str):
            raise TypeError(f"{k}: expected a number, got {type(v).__name__}")
        out[str(k)] = float(v)
    return out


@dataclass(frozen=True)
class Change:
    """One figure then and now: ``kind`` is ``argument`` or ``dated``."""

    kind: str
    label: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        """``after - before`` when both exist."""
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class ReportChanges:
    """What changed since the previous report: its date and each figure then and now."""

    since: str
    since_week: str | None
    rows: list[Change]


def report_changes(before: ReportSummary, now: ReportSummary) -> ReportChanges:
    """Each outcome's argument and dated figures then and now, in ``now``'s order."""
    rows = []
    for kind, old, new in (
        ("argument", before.argument, now.argument),
        ("dated", before.dated, now.dated),
    ):
        for label in [*new, *(k for k in old if k not in new)]:
            rows.append(Change(kind, label, old.get(label), new.get(label)))
    return ReportChanges(before.generated, before.dated_week, rows)


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows, as typed results.

    Attributes:
        model: the model.
        generated: when, ``YYYY-MM-DD HH:MM UTC``.
        forecast: the forecast under the evidence and interventions (with intervals
            when the model states priors).
        judgements: one per outcome.
        indicators: likelihood ratios for the first outcome.
        sensitivity: the top drivers of the headline outcome, or ``None``.
        watchlist: the indicators worth watching for it, or ``None``.
        reasons: analysis name (``uncertainty``, ``sensitivity``, ``watchlist``,
            ``key_assumptions``, ``source_influence``) -> why it is absent.
        timeline: the timeline from the events store (its ``status`` says when absent).
        timeline_moves: the weeks that moved the headline outcome most.
        assumptions: rows (variable, parameter, assumption, claims).
        sources: the spec's sources as dicts.
        claims: the spec's claims as dicts, with the variables citing each.
        key_assumptions: every assumption and claim group with its swing on each
            outcome and the indicator that would best expose it (under the evidence;
            interventions are not applied), or ``None`` for a bare network.
        source_influence: the sources ranked by how far the outcomes move when each
            is dropped (under the evidence), or ``None`` for a bare network.
        changes: what changed since the previous report (``None``: no previous one).
        track_record: the model's resolved questions scored out of sample on the
            events store (:func:`track_record`), or ``None`` with the reason in
            ``reasons["track_record"]``.
        outlook: the dated forecast now
            (:func:`~secondfront.forecasting.dated.dated_outlook`: every outcome's P
            within the next 13 weeks as of the store's last event day, what
            ``forecast --db`` prints), or ``None`` with the reason in
            ``reasons["outlook"]``.
    """

    model: Model
    generated: str
    forecast: Forecast
    judgements: list[Judgement]
    indicators: list[IndicatorRatio]
    sensitivity: OneAtATime | None
    watchlist: Watchlist | None
    reasons: dict[str, str]
    timeline: TimelineView
    timeline_moves: list[TimelineMove] = field(default_factory=list)
    assumptions: list[tuple[str, str, str, str]] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    key_assumptions: AssumptionsCheck | None = None
    source_influence: SourceInfluenceResult | None = None
    changes: ReportChanges | None = None
    track_record: ScoreCard | None = None
    outlook: Outlook | None = None

    def summary(self) -> ReportSummary:
        """The figures the next report compares against."""
        last = self.timeline.weeks[-1] if self.timeline.weeks else None
        labels = {s.variable: s.label for s in self.timeline.series}
        dated = {labels.get(v, v): p for v, p in last.dated.items()} if last else {}
        words = ", ".join(f"{k}={v}" for k, v in self.forecast.evidence.items())
        return ReportSummary(
            self.model.name,
            self.generated,
            {j.label: j.probability for j in self.judgements},
            dated,
            last.week if last and last.dated else None,
            words,
        )

    @property
    def evidence(self) -> dict[str, object]:
        """The evidence applied."""
        return self.forecast.evidence

    @property
    def do(self) -> dict[str, str]:
        """The interventions applied."""
        return self.forecast.do


def indicator_ratios(model: ModelLike, outcome: str, state: str) -> list[IndicatorRatio]:
    """Each indicator's likelihood ratio for ``outcome = state``, strongest first.

    ``ratio = P(seen | state) / mean_{s' != state} P(seen | s')``, and
    ``if_seen = P(state | seen)``, both exact from the network (one batched call for
    all the ``if_seen`` values).
    """
    m = as_model(model)
    items = [i for i in indicator_items(m, outcome) if i.variable != outcome]
    if not items:
        return []
    view = model_view(m, outcome, items)
    seen = [i for i in items if i.variable is not None and i.state is not None]
    post = posterior_batch(m, [{i.variable: i.state} for i in seen if i.variable and i.state])
    k = m.variables[outcome].index(state)
    if_seen = {i.id: float(post.marginals[outcome][r, k]) for r, i in enumerate(seen)}
    out = []
    for item in items:
        lik = view.likelihoods[item.id]
        rivals = [v for h, v in lik.items() if h != state]
        rest = sum(rivals) / len(rivals) if rivals else 0.0
        ratio = lik[state] / rest if rest > 0 else float("inf")
        out.append(
            IndicatorRatio(
                item.variable or "", item.label, item.state or "", ratio, if_seen[item.id]
            )
        )
    out.sort(key=lambda r: -abs(_log(r.ratio)))
    return out


def _log(x: float) -> float:
    return math.log(x) if 0 < x < float("inf") else 50.0


def track_record(
    model: Model, events_db: str | Path | None = None
) -> tuple[ScoreCard | None, str | None]:
    """The model's resolved questions (``NAME.questions.yaml`` beside it) scored out of
    sample on the events store, as ``questions score --db`` scores them: each forecast
    as of its asked day from the store as it stood then, the chain refitted up to that
    day, the store's declared coverage. ``(None, why)`` when there is no questions file,
    time model, mapping or store with events.

    Args:
        model: the model.
        events_db: the DuckDB events store; ``None``: the evidence commands' default.
    """
    from secondfront.errors import SecondfrontError

    if model.companions.questions is None:
        return None, _no_questions(model)
    try:
        opened = open_dated_store(model, events_db)
    except SecondfrontError as e:
        return None, str(e)
    if isinstance(opened, str):
        return None, opened
    with opened:
        return _track_record_on(model, opened)


def _no_questions(model: Model) -> str:
    """Why a model has no track record: no questions file beside it."""
    stem = model.path.name.split(".")[0] if model.path is not None else model.name
    return f"no {stem}.questions.yaml beside the model: no resolved questions"


def _track_record_on(model: Model, opened: DatedStore | str) -> tuple[ScoreCard | None, str | None]:
    """:func:`track_record` on a store already opened (or the reason it could not be)."""
    # Imported here: only a report with a store and a questions file needs them.
    from secondfront.errors import SecondfrontError
    from secondfront.evidence.coverage import coverage_for_store
    from secondfront.forecasting.questions import load_questions
    from secondfront.forecasting.scorecard import score_questions

    files = model.companions
    if files.questions is None:
        return None, _no_questions(model)
    if isinstance(opened, str):
        return None, opened
    try:
        card = score_questions(
            load_questions(files.questions),
            opened.time_model,
            opened.con,
            opened.rules,
            coverage_for_store(opened.con),
        )
    except SecondfrontError as e:
        return None, str(e)
    if not card.questions:
        return None, f"none of the questions of {files.questions.name} is resolved yet"
    return card, None


def _dated_parts(
    model: Model, events_db: str | Path | None
) -> tuple[TimelineView, tuple[Outlook | None, str | None], tuple[ScoreCard | None, str | None]]:
    """The timeline, the dated forecast now and the track record, from one opening of the
    events store (each used to open it, and load the rules and the time model, again):
    what :func:`~secondfront.forecasting.dated.dated_timeline`,
    :func:`~secondfront.forecasting.dated.dated_outlook` and :func:`track_record` give."""
    opened = open_dated_store(model, events_db)
    if isinstance(opened, str):
        # The empty states, each in its own words (the timeline's name the file).
        return dated_timeline(model, events_db), (None, opened), _track_record_on(model, opened)
    with opened:
        line = dated_timeline(model, opened.con, rules=opened.rules, time_model=opened.time_model)
        line = dataclasses.replace(line, store=opened.path.name)
        now = outlook(opened.time_model, opened.con, opened.rules, None, DEFAULT_HORIZON)
        return line, (now, None), _track_record_on(model, opened)


def report_data(
    model: ModelLike,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    events_db: str | Path | None = None,
    samples: int = DEFAULT_SAMPLES,
    previous: ReportSummary | None = None,
) -> ReportData:
    """Gather the content of a report on ``model`` under ``evidence`` and ``do``.

    Args:
        model: the model.
        evidence: observed states or likelihood vectors.
        do: interventions.
        events_db: the DuckDB events store for the timeline section; ``None`` means the
            evidence commands' default (``$SECONDFRONT_DB`` or ``./secondfront.duckdb``).
            The timeline comes from the events alone: evidence and interventions do not
            change it.
        samples: parameter sets sampled for the intervals (seed 0); the command
            line's default, so the report's intervals are the CLI's.
        previous: the summary of the previous report, for "what changed since".
    """
    m = as_model(model)
    reasons: dict[str, str] = {
        name: why for name in CHECKED_ANALYSES if (why := unavailable(m, name)) is not None
    }
    fc = forecast(m, evidence, do, samples=samples if m.spec is not None else 0)
    target = Target.headline(m)
    drivers = one_at_a_time(m, target, evidence, do) if m.spec is not None else None
    watch = watchlist(m, target, evidence, do, top_pairs=0) if m.indicators() else None
    judgements = [
        Judgement(
            variable=o.variable,
            label=o.label,
            state=o.state,
            probability=o.probability,
            term=o.term,
            claims=len(o.basis),
            assumptions=o.assumptions,
            interval=o.interval,
        )
        for o in fc.outcomes
    ]
    ratios: list[IndicatorRatio] = []
    if fc.outcomes and m.spec is not None and m.indicators():
        first = fc.outcomes[0]
        ratios = indicator_ratios(m, first.variable, first.state)
    check = key_assumptions(m, evidence=evidence) if m.spec is not None else None
    influence = source_influence(m, evidence) if m.spec is not None else None
    line, (now, why_now), (record, why) = _dated_parts(m, events_db)
    if why_now is not None:
        reasons["outlook"] = why_now
    if why is not None:
        reasons["track_record"] = why
    sources, claims = source_rows(m)
    data = ReportData(
        model=m,
        generated=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        forecast=fc,
        judgements=judgements,
        indicators=ratios,
        sensitivity=drivers,
        watchlist=watch,
        reasons=reasons,
        timeline=line,
        timeline_moves=timeline_moves(line, TIMELINE_WEEKS_LISTED) if line.status == "ok" else [],
        assumptions=assumption_rows(m),
        sources=sources,
        claims=claims,
        key_assumptions=check,
        source_influence=influence,
        track_record=record,
        outlook=now,
    )
    if previous is None:
        return data
    return dataclasses.replace(data, changes=report_changes(previous, data.summary()))


__all__ = [
    "SUMMARY_FORMAT",
    "TIMELINE_WEEKS_LISTED",
    "TOP_ROWS",
    "Change",
    "IndicatorRatio",
    "Judgement",
    "ReportChanges",
    "ReportData",
    "ReportSummary",
    "indicator_ratios",
    "report_changes",
    "report_data",
]
