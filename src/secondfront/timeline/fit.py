"""Fitting the time model's numbers to the stored weekly series (Baum-Welch, MAP).

The analyst's timeline file gives the initial distribution and the weekly transition
matrix; the network gives, per hidden state, the probability that each indicator is
observed in a week (``P(indicator = present | state's conditioning)``). These are the
centres of Dirichlet/Beta priors, weighted by equivalent sample sizes (:class:`FitEss`),
and :func:`secondfront.timeline.baumwelch.baum_welch` moves them toward what the
weekly series says. The result is a MAP estimate: with little data the numbers stay
near the analyst's, and no probability is driven to 0 or 1.

Without peeking: :func:`fit_as_of` fits on the weeks up to a date, using only events
dated up to that day, so that a forecast made "as of" that date uses parameters it
could have had then.

The emission model of the fit treats a week's indicators as independent given the
hidden state (the network, by contrast, lets them share causes within a state); the
fitted emission probabilities are written to the copy's ``fitted:`` block and
:func:`secondfront.timeline.fitted.emission_likelihood` evaluates them. The fit uses
hard statuses (observed / not observed / unknown), not the Admiralty-graded soft
evidence a ``graded`` timeline applies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np

from secondfront.errors import UsageError
from secondfront.evidence.mapping import MappingRules, load_rules
from secondfront.evidence.rulesfile import beside_model
from secondfront.evidence.weeks import (
    IndicatorWeek,
    evidence_rows,
    iso_week,
    reported_so_far,
    under_way,
    weekly_statuses,
)
from secondfront.model.fittedcopy import Provenance, write_fitted_copy
from secondfront.model.yamlsource import load_yaml
from secondfront.timeline import baumwelch as bw
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.fitted import FitEss, FittedParameters, FitWindow

# Default prior weights. One sequence for the initial distribution (the data hold one
# start); a year of weeks behind each transition row and each emission probability,
# so that a few years of weekly data move the numbers without overruling them.
DEFAULT_ESS = FitEss(initial=1.0, transition=52.0, emission=52.0)

Emissions = Literal["detection", "per_state"]

METHODS: dict[str, str] = {
    "detection": (
        "Baum-Welch (EM) MAP fit: Dirichlet priors centred on the analyst's numbers; each "
        "indicator's emission is one reporting rate (learned) times the network's "
        "per-state probability, weighted by the equivalent sample sizes"
    ),
    "per_state": (
        "Baum-Welch (EM) MAP fit: Dirichlet priors centred on the analyst's numbers and the "
        "network's per-state indicator probabilities, weighted by the equivalent sample sizes"
    ),
}


def network_emission(model: TimelineModel, indicators: Sequence[str]) -> np.ndarray:
    """``B0`` [K, I]: P(indicator = present | state's network conditioning), from the engine.

    Raises:
        UsageError: an indicator the network lacks, or one without a ``present`` state.
    """
    net = model.network
    for ind in indicators:
        if ind not in net.variables or "present" not in net.variables[ind].states:
            raise UsageError(
                f"indicator {ind!r} is not a variable of {model.spec.model} with a state 'present'"
            )
    post = model.state_posteriors
    return np.stack(
        [post.marginals[i][:-1, net.variables[i].index("present")] for i in indicators], axis=1
    )


def series(evidence: Sequence[dict[str, str]], indicators: Sequence[str]) -> np.ndarray:
    """``X`` [T, I]: 1 for ``present``, 0 for ``absent``, NaN where the week leaves it out."""
    X = np.full((len(evidence), len(indicators)), np.nan)
    for t, week in enumerate(evidence):
        for i, ind in enumerate(indicators):
            status = week.get(ind)
            if status == "present":
                X[t, i] = 1.0
            elif status == "absent":
                X[t, i] = 0.0
    return X


@dataclass(frozen=True)
class TimelineFit:
    """A fitted time model.

    Attributes:
        model: the analyst's model the fit started from.
        indicators: the indicators fitted, in column order.
        weeks: the ISO weeks used.
        until: the last day of data admitted, when the data were cut.
        elicited: the prior's centres (analyst's initial/transition, network emissions).
        ess: the prior's weights.
        result: the EM result (``result.params`` are the fitted numbers).
        basis: what the fit rests on (:func:`fit_basis`).
        emissions: ``detection``: each indicator's emissions are one reporting rate times
            the network's per-state probabilities (:func:`~secondfront.timeline.
            baumwelch.detection_rates`); ``per_state``: each state's free.
    """

    model: TimelineModel
    indicators: tuple[str, ...]
    weeks: tuple[str, ...]
    until: dt.date | None
    elicited: bw.HmmParameters
    ess: FitEss
    result: bw.FitResult
    basis: dict[str, str] = field(default_factory=dict)
    emissions: Emissions = "detection"

    @property
    def params(self) -> bw.HmmParameters:
        """The fitted numbers."""
        return self.result.params

    def provenance(self) -> FittedParameters:
        """The ``fitted:`` block for the copy of the timeline file."""
        states = self.model.state_names

        def table(B: np.ndarray) -> dict[str, dict[str, float]]:
            return {
                s: {ind: _round(float(B[k, i])) for i, ind in enumerate(self.indicators)}
                for k, s in enumerate(states)
            }

        return FittedParameters(
            method=METHODS[self.emissions],
            source=str(self.model.path),
            data=FitWindow(
                first_week=self.weeks[0],
                last_week=self.weeks[-1],
                weeks=len(self.weeks),
                until=self.until.isoformat() if self.until else None,
            ),
            iterations=self.result.iterations,
            converged=self.result.converged,
            ess=self.ess,
            log_likelihood=round(self.result.log_likelihood, 6),
            log_posterior=round(self.result.log_posterior, 6),
            emission=table(self.params.emission),
            prior_emission=table(self.elicited.emission),
            basis=dict(self.basis),
        )

    def fitted_model(self) -> TimelineModel:
        """The model with the fitted initial distribution, transitions and ``fitted:`` block
        (the network is unchanged)."""
        pi = _simplex(self.params.initial)
        A = np.stack([_simplex(r) for r in self.params.transition])
        spec = self.model.spec.model_copy(update={"fitted": self.provenance()})
        return dataclasses.replace(self.model, spec=spec, prior=pi, transition=A)

    def as_json(self) -> dict[str, object]:
        """Plain data: the provenance plus the fitted initial and transition numbers."""
        states = self.model.state_names
        pi = _simplex(self.params.initial)
        return {
            **self.provenance().model_dump(),
            "initial": dict(zip(states, map(float, pi), strict=True)),
            "transition": {
                s: [float(x) for x in _simplex(r)]
                for s, r in zip(states, self.params.transition, strict=True)
            },
        }


def _round(x: float, digits: int = 8) -> float:
    return round(x, digits)


def _simplex(p: np.ndarray, digits: int = 8) -> np.ndarray:
    """Round to ``digits`` decimals keeping the sum exactly 1 (the loader checks it to
    1e-9): the rounding error goes to the largest entry."""
    scale = 10**digits
    q = np.round(np.asarray(p, dtype=np.float64) * scale).astype(np.int64)
    q[int(np.argmax(q))] += scale - int(q.sum())
    out: np.ndarray = q / scale
    return out


def fit_timeline(
    model: TimelineModel,
    weeks: Sequence[str],
    evidence: Sequence[dict[str, str]],
    indicators: Sequence[str],
    ess: FitEss = DEFAULT_ESS,
    until: dt.date | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
    emissions: Emissions = "detection",
) -> TimelineFit:
    """MAP fit of the time model to a weekly series.

    Args:
        model: the analyst's model (its numbers are the prior's centres and the start).
        weeks: ISO week labels [T], consecutive.
        evidence: one ``{indicator: "present"|"absent"}`` per week (unknown: left out).
        indicators: the indicators to fit emissions for.
        ess: the prior's weights.
        until: the last day of data admitted (recorded in the provenance).
        max_iter, tol: EM's limits (tol in nats of log posterior).
        emissions: ``detection`` (the default): one reporting rate per indicator, its
            prior ``ess.emission`` weeks in all, spread over the states as the analyst's
            chain spends its time (:func:`stationary`), so that a state the history has
            never held keeps the network's contrasts at the sources' reporting rate;
            ``per_state``: each state's emission free, ``ess.emission`` weeks each.

    Raises:
        UsageError: no weeks to fit.
    """
    if not weeks:
        raise UsageError("no weeks of data to fit" + (f" up to {until}" if until else ""))
    inds = tuple(indicators)
    elicited = bw.HmmParameters(model.prior, model.transition, network_emission(model, inds))
    prior = bw.dirichlet_prior(elicited, ess.initial, ess.transition, ess.emission)
    if emissions == "detection":
        share = stationary(model.transition)[:, None]
        prior = prior._replace(
            present=prior.present * share,
            absent=prior.absent * share,
            detection=elicited.emission,
        )
    result = bw.baum_welch(series(evidence, inds), elicited, prior, max_iter=max_iter, tol=tol)
    return TimelineFit(model, inds, tuple(weeks), until, elicited, ess, result, {}, emissions)


def stationary(transition: np.ndarray) -> np.ndarray:
    """The stationary distribution [K] of a weekly transition matrix [K, K]."""
    A = np.asarray(transition, dtype=np.float64)
    w, v = np.linalg.eig(A.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1.0))])
    out: np.ndarray = pi / pi.sum()
    return out


def rules_for(model: TimelineModel) -> MappingRules:
    """The mapping rules beside the time model's network (``NAME.mapping.yaml``)."""
    return load_rules(beside_model(model.spec.model, "mapping"), model.network)


def fit_as_of(
    model: TimelineModel,
    store: duckdb.DuckDBPyConnection,
    date: dt.date | None,
    rules: MappingRules | None = None,
    ess: FitEss = DEFAULT_ESS,
    max_iter: int = 200,
    emissions: Emissions = "detection",
    statuses: Sequence[IndicatorWeek] | None = None,
) -> TimelineFit:
    """Fit on the stored weeks up to ``date``, with events dated up to that day only.

    The week holding ``date`` enters with what it reported present by ``date`` (an
    indicator not yet reported in a week under way is unknown, not absent); nothing later
    is read.

    Args:
        model: the analyst's time model.
        store: an open store.
        date: the last day admitted; ``None`` uses everything stored.
        rules: mapping rules (default: the ``*.mapping.yaml`` beside the model).
        ess: the prior's weights.
        max_iter: EM's iteration limit.
        emissions: the emissions' form (:func:`fit_timeline`).
        statuses: the store's weekly statuses up to ``date`` when the caller has read
            them (``WeeklyEvidence.statuses`` of the same day), so that they are not read
            twice; None reads them here.

    Raises:
        UsageError: no stored weeks up to ``date``.
    """
    r = rules or rules_for(model)
    if date is None:
        statuses = weekly_statuses(store, r) if statuses is None else statuses
    else:
        if statuses is None:
            with store_as_of(store, date):
                statuses = weekly_statuses(store, r, end=date)
        statuses = [s for s in statuses if s.week <= iso_week(date)]
    weeks, evidence = evidence_rows(statuses)
    if date is not None and weeks and under_way(weeks[-1], date):
        evidence[-1] = reported_so_far(evidence[-1])
    fit = fit_timeline(
        model, weeks, evidence, r.indicators, ess, date, max_iter, emissions=emissions
    )
    return replace(fit, basis=fit_basis(model, store, r, weeks, evidence, date))


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fit_basis(
    model: TimelineModel,
    store: duckdb.DuckDBPyConnection,
    rules: MappingRules,
    weeks: Sequence[str],
    evidence: Sequence[dict[str, str]],
    date: dt.date | None,
) -> dict[str, str]:
    """Fingerprints of what a fit rests on (see ``FittedParameters.basis``).

    ``store`` hashes the digests of the ingested files and the number of stored events
    read (up to ``date``), so the same store gives the same fingerprint and an added file
    or event another one; ``series`` hashes the weekly evidence the fit saw.
    """
    import secondfront

    files = sorted(
        str(r[0]) for r in store.execute("SELECT DISTINCT file_sha256 FROM ingests").fetchall()
    )
    read = 0
    for table, col in dated_tables(store).items():
        if table == "observations":
            continue
        where = "" if date is None else f" WHERE CAST({col} AS DATE) <= ?"
        row = store.execute(
            f"SELECT count(*) FROM {table}{where}", [] if date is None else [date]
        ).fetchone()
        read += int(row[0]) if row else 0
    series = json.dumps([list(weeks), list(evidence)], sort_keys=True).encode()
    return {
        "store": _sha(json.dumps([files, read]).encode()),
        "series": _sha(series),
        "rules": rules.digest if rules.digest.startswith("sha256:") else f"sha256:{rules.digest}",
        "network": model.model.digest,
        "timeline": _sha(Path(model.path).read_bytes()),
        "program": secondfront.__version__,
        "fitted_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def dated_tables(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every stored event table of the registry's sources and the column that dates its
    rows, plus the mapping's ``observations``: what an "as of" cut must shadow.

    A source's table is the first relation its events read (``EventSource.relation``) and
    its date column the source's ``day``: a source registered by a third party is cut like
    the built-in ones, without editing this module.
    """
    from secondfront.evidence.registry import present_sources

    found: dict[str, str] = {}
    for source in present_sources(con).values():
        found[source.relation.split()[0]] = source.day
    found["observations"] = "day"
    return found


@contextmanager
def store_as_of(con: duckdb.DuckDBPyConnection, date: dt.date) -> Iterator[None]:
    """Within the block, the store's event tables show only rows dated up to ``date``.

    Temporary views of the same names shadow the tables (DuckDB resolves the ``temp``
    schema first), so code that reads the store by table name (coverage spans, weekly
    statuses, GDELT baselines) sees the store as it could have been on that day; a source's
    coverage then ends with its last row up to ``date``, not with its last row today.
    Only reads are possible inside the block.
    """
    if not isinstance(date, dt.date):
        raise TypeError(f"date must be a datetime.date; got {date!r}")
    catalog = con.execute("SELECT current_database()").fetchone()
    assert catalog is not None
    quoted = '"' + str(catalog[0]).replace('"', '""') + '"'
    # A view cannot take a parameter; the literal comes from a date object, not from text.
    day = f"DATE '{date.isoformat()}'"
    made = []
    try:
        for table, col in dated_tables(con).items():
            con.execute(
                f"CREATE TEMP VIEW {table} AS SELECT * FROM {quoted}.main.{table} "
                f"WHERE CAST({col} AS DATE) <= {day}"
            )
            made.append(table)
        yield
    finally:
        for table in made:
            con.execute(f"DROP VIEW temp.main.{table}")


def fitted_document(fit: TimelineFit) -> dict[str, object]:
    """The copy's content: the source file's data (as the YAML reader gives it: mappings,
    lists, scalars) with the fitted numbers; :func:`write_fitted` adds the ``fitted:``
    block (:func:`copy_provenance`)."""
    doc, diags = load_yaml(str(fit.model.path))
    if diags:  # the model loaded from this file a moment ago
        raise UsageError(f"{fit.model.path}: changed while fitting; run again")
    data: dict[str, Any] = dict(doc.data)
    states = fit.model.state_names
    when = f"{fit.weeks[0]} to {fit.weeks[-1]} ({len(fit.weeks)} weeks)"
    data["description"] = (
        f"Fitted copy of {fit.model.path.name} (data {when}); the analyst's file is unchanged. "
        + str(data.get("description", ""))
    ).strip()
    data["initial"] = {
        "p": [float(x) for x in _simplex(fit.params.initial)],
        "assumption": f"Fitted on {when} (MAP, ess {fit.ess.initial:g}); analyst's "
        f"numbers {[float(x) for x in fit.elicited.initial]}: "
        + str(data["initial"].get("assumption", "")),
    }
    data["transition"] = {
        "assumption": f"Fitted on {when} (MAP, ess {fit.ess.transition:g} weeks per row); "
        "analyst's reasoning: " + str(data["transition"].get("assumption", "")),
        "rows": {
            s: [float(x) for x in _simplex(r)]
            for s, r in zip(states, fit.params.transition, strict=True)
        },
    }
    return data


def copy_provenance(fit: TimelineFit) -> Provenance:
    """What the fitted copy says about itself: its header and its ``fitted:`` block
    (:meth:`TimelineFit.provenance`: method, data window and as-of day, fingerprints)."""
    return Provenance(
        source=Path(fit.model.path),
        what="the file being fitted",
        header=(
            f"Written by `secondfront fit` from {fit.model.path.name}; the fitted numbers and",
            "their provenance are in `initial`, `transition` and `fitted`.",
        ),
        fields=fit.provenance().model_dump(),
        block="fitted",
    )


def write_fitted(fit: TimelineFit, out: Path) -> Path:
    """Write the fitted copy to ``out`` (never over the source file), by the one writer
    of fitted copies (:func:`secondfront.model.fittedcopy.write_fitted_copy`).

    Raises:
        UsageError: ``out`` is the source file.
    """
    return write_fitted_copy(out, fitted_document(fit), copy_provenance(fit), width=88)


__all__ = [
    "DEFAULT_ESS",
    "METHODS",
    "Emissions",
    "TimelineFit",
    "copy_provenance",
    "dated_tables",
    "fit_as_of",
    "fit_basis",
    "fit_timeline",
    "fitted_document",
    "network_emission",
    "rules_for",
    "series",
    "stationary",
    "store_as_of",
    "write_fitted",
]
