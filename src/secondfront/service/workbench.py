"""The workbench's state and the calls its routes make: one library call each, rendered.

What is shared between request threads, and why nothing else is:

* the **model catalog** (:class:`~secondfront.service.catalog.ModelCatalog`): per
  model file version, the model, its compiled query and its baseline forecast
  (:class:`~secondfront.service.catalog.Loaded`); a newer version evicts the older.
  Models and queries are immutable, so requests share them without a lock; the
  What-if page compares every scenario with the baseline, which depends on the model
  alone (two first requests compute the same value; the assignment is atomic).
* the **events store** file: each request opens its own connection for writing
  (:func:`~secondfront.evidence.mapping.open_mapped`) and closes it. A store mapped
  with other rules, or holding unmapped files, is mapped once, under the mapping's one
  lock in :mod:`secondfront.evidence.mapping`; reads never write, so the workbench holds
  no lock of its own for the store.
* the **ACH store** (SQLite; its module serialises its own writes).
"""

from __future__ import annotations

import datetime as dt

from secondfront.analysis import ach
from secondfront.analysis.forecast import Forecast, WhatIf, forecast, whatif
from secondfront.analysis.uncertainty import INTERACTIVE_SAMPLES
from secondfront.errors import SecondfrontError, SpecError, unknown_name
from secondfront.forecasting.dated import dated_outlook, dated_timeline
from secondfront.forecasting.outlook import DEFAULT_HORIZON, Outlook
from secondfront.inference.query import Evidence
from secondfront.model.grading import parse_grading
from secondfront.model.model import Model
from secondfront.service.catalog import Loaded, ModelCatalog
from secondfront.service.errors import ServiceError, messages_for
from secondfront.service.schemas import (
    CellOut,
    ItemOut,
    MatrixOut,
    MatrixSummary,
    ModelDetail,
    ModelSummary,
    NewItem,
    VariableOut,
)
from secondfront.service.settings import Settings
from secondfront.service.store import AchStore, Matrix
from secondfront.timeline.view import TimelineView


class Workbench:
    """State shared by the routes: settings, the model catalog, baselines, the ACH store.

    Args:
        settings: the instance's configuration.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = ModelCatalog(settings.models_dir)
        self.store = AchStore(settings.workbench_db)

    # -- models --------------------------------------------------------------------

    def model(self, name: str) -> Model:
        """The model called ``name`` (NotFoundError when unknown; see :meth:`loaded`)."""
        return self.loaded(name).model

    def loaded(self, name: str) -> Loaded:
        """Model ``name`` with its compiled query and baseline (NotFoundError when unknown).

        A file with problems is a 422 whose messages name the file, not its full path:
        where the server keeps its models is none of the client's business.
        """
        try:
            return self.catalog.loaded(name)
        except SpecError as e:
            path = self.catalog.path(name)
            lines = [str(d).replace(str(path), path.name) for d in e.diagnostics]
            raise ServiceError(f"model {name!r} has problems: {lines[0]}", lines) from None

    def summaries(self) -> list[ModelSummary]:
        """Every model of the folder; one that does not load says why, in ``error``."""
        out = []
        for name in self.catalog.entries():
            try:
                out.append(self.summary(name))
            except SecondfrontError as e:
                out.append(
                    ModelSummary(
                        name=name,
                        title="",
                        horizon="",
                        variables=0,
                        indicators=0,
                        outcomes=[],
                        error=messages_for(e)[0],
                    )
                )
        return out

    def summary(self, name: str) -> ModelSummary:
        """Name, title, horizon and counts of model ``name``."""
        m = self.model(name)
        return ModelSummary(
            name=name,
            title=m.title,
            horizon=m.horizon,
            variables=len(m),
            indicators=len(m.indicators()),
            outcomes=m.declared_outcomes(),
        )

    def detail(self, name: str) -> ModelDetail:
        """Summary plus every variable of model ``name``."""
        m = self.model(name)
        heads = m.headlines()
        outs = set(m.declared_outcomes())
        inds = set(m.indicators())
        return ModelDetail(
            **self.summary(name).model_dump(),
            description=m.description,
            nodes=[
                VariableOut(
                    name=v.name,
                    label=v.label,
                    states=list(v.states),
                    parents=list(v.parents),
                    kind="indicator" if v.name in inds else "variable",
                    outcome=v.name in outs,
                    headline=heads[v.name],
                )
                for v in m
            ],
        )

    # -- forecasts -----------------------------------------------------------------

    def baseline(self, name: str) -> Forecast:
        """Model ``name``'s forecast without evidence, computed once per file version."""
        return self.loaded(name).baseline

    def forecast(
        self, name: str, evidence: Evidence, do: dict[str, str], intervals: bool = False
    ) -> Forecast:
        """The forecast of model ``name``; with ``intervals``, sampled 90% intervals
        (a UsageError, rendered as the empty state, for a bare network)."""
        found = self.loaded(name)
        m = found.model
        samples = INTERACTIVE_SAMPLES if intervals and m.spec is not None else 0
        return forecast(m, evidence, do, samples=samples, query=found.query)

    def whatif(
        self, name: str, evidence: Evidence, do: dict[str, str], intervals: bool = False
    ) -> WhatIf:
        """A scenario beside the cached baseline: one engine call per update."""
        found = self.loaded(name)
        m = found.model
        samples = INTERACTIVE_SAMPLES if intervals else 0
        return whatif(m, evidence, do, baseline=found.baseline, query=found.query, samples=samples)

    def timeline(
        self,
        name: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
        smooth: bool = False,
        refit: bool = False,
    ) -> TimelineView:
        """The timeline of model ``name`` from the configured events store; with ``refit``
        each week's dated forecast under the chain refitted up to that week.

        Raises:
            QueryError: a reversed, out-of-bounds or too long date range (422).
        """
        m = self.model(name)
        return dated_timeline(m, self.settings.events_db, start, end, smooth, refit=refit)

    def dated(
        self,
        name: str,
        as_of: dt.date | None = None,
        horizon: int = DEFAULT_HORIZON,
        refit: bool = False,
    ) -> tuple[Outlook | None, str | None]:
        """Every outcome's dated forecast from the configured events store, what
        ``secondfront forecast --db`` prints (:func:`dated_outlook`), or why there is none.

        Raises:
            QueryError: ``as_of`` after the store's last event day, or a horizon outside
                1 to 520 weeks (422).
        """
        return dated_outlook(self.model(name), self.settings.events_db, as_of, horizon, refit)

    # -- ACH -----------------------------------------------------------------------

    def matrix_out(self, matrix: Matrix, analyst: str = ach.DEFAULT_ANALYST) -> MatrixOut:
        """A saved matrix scored on its consensus, with ``analyst``'s own ratings beside it.

        Every analyst's ratings and the consensus (:data:`ach.CONSENSUS_RULE`) are given
        per cell; the scores, the disagreements with the model and the model's
        posterior use the consensus of the rated cells only.
        """
        m = self.model(matrix.model)
        agreed = matrix.ratings
        own = ach.analyst_ratings(matrix.panel, analyst)
        result = ach.assess(m, matrix.hypothesis, matrix.items, agreed)
        hyps, view, scores = result.hypotheses, result.view, result.scores
        items = [
            ItemOut(
                id=i.id,
                label=i.label,
                kind=i.kind,
                grading=i.grading,
                grading_words=parse_grading(i.grading).describe(),
                weight=i.weight,
                variable=i.variable,
                state=i.state,
                states=list(m.variables[i.variable].states) if i.variable else [],
                ratings={h: r for h in hyps if (r := agreed.get((i.id, h)))},
                mine={h: r for h in hyps if (r := own.get((i.id, h)))},
                cells={
                    h: CellOut(
                        ratings=dict(matrix.panel.get((i.id, h), {})),
                        consensus=agreed.get((i.id, h)),
                    )
                    for h in hyps
                },
                diagnosticity=scores.diagnosticity[i.id],
                model_ratings=view.ratings.get(i.id),
                likelihoods=view.likelihoods.get(i.id),
            )
            for i in matrix.items
        ]
        return MatrixOut(
            **MatrixSummary.of(matrix).model_dump(),
            analyst=analyst,
            analysts=matrix.analysts,
            consensus_rule=ach.CONSENSUS_RULE,
            hypotheses=hyps,
            ratings_allowed=list(ach.RATINGS),
            items=items,
            inconsistency=scores.inconsistency,
            weighted_inconsistency=scores.weighted,
            ranking=scores.ranking,
            model_prior=view.prior,
            model_posterior=view.posterior,
            disagreements=scores.disagreements,
            rated_cells=scores.rated,
        )

    def new_item(self, m: Model, body: NewItem) -> ach.EvidenceItem:
        """The row a NewItem describes, checked against the model."""
        if body.kind == "claim":
            item = ach.claim_item(m, body.ref)
            if body.grading:
                item = ach.EvidenceItem(item.id, item.label, item.kind, body.grading)
            return item
        inds = m.indicators()
        if body.ref not in inds:
            raise unknown_name("indicator", body.ref, inds)
        var = m.variables[body.ref]
        state = body.state or m.headline(var.name)
        if state not in var.states:
            raise unknown_name(f"state of {var.name}", state, var.states)
        return ach.EvidenceItem(
            f"ind:{var.name}",
            var.label or var.name,
            "indicator",
            body.grading or "F6",
            var.name,
            state,
        )


__all__ = ["Workbench"]
