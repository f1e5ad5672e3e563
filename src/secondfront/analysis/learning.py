"""Learning a network's tables from a case file by EM, with the model's tables as priors.

A case file is CSV with a header row of variable names (any subset of the network's
variables, any order) and one case per line; a cell holds a state name, or nothing when
the value is missing. Variables without a column are never observed (latent).

EM for discrete networks (Lauritzen 1995; what GeNIe, Netica and pyAgrum do):

* **E-step**: for each case e and each family (X, U = parents of X), the expected count
  ``P(X = x, U = u | e)``, summed over cases. The junction-tree engine returns single-
  variable posteriors and ``log P(e)``; a family marginal is read from them by fixing the
  parents: for each parent configuration u consistent with the case, one more row with
  evidence ``e + {U = u}`` gives ``P(u | e) = exp(log P(e, u) - log P(e))`` and
  ``P(x | e, u)`` (its posterior of X). Families the case observes fully are counted
  directly, families whose parents it observes need no extra row, and identical cases
  are run once with their multiplicity, so the batch stays small. All rows of an
  iteration go to the engine in one batched call.
* **M-step**: ``theta(x | u) = (n(x, u) + a(x, u)) / sum_x (n(x, u) + a(x, u))`` with
  pseudo-counts ``a``; a row with neither counts nor pseudo-counts keeps its value.

Pseudo-counts: with ``ess`` (equivalent sample size) ``a(x, u) = ess * theta0(x | u)``
from the model's own tables, so every row is worth ``ess`` cases (GeNIe's "confidence",
Netica's "experience"); :func:`joint_counts` gives ``weight * P(x, u)`` (pyAgrum's
``useDirichletPrior``) and :func:`smoothing_counts` a constant per cell (pyAgrum's
``useSmoothingPrior``). EM maximises ``log P(data) + sum a log theta`` and never lowers
it from one iteration to the next. The loop, the normalisation and the log prior are the
package's one EM driver (:mod:`secondfront.em`), shared with the weekly chain's fit.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Collection, Mapping
from dataclasses import astuple, dataclass, field, fields
from pathlib import Path

import numpy as np

from secondfront import em
from secondfront.errors import Diagnostic, InputFormatError, SpecError, UsageError
from secondfront.inference.query import posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.fittedcopy import Provenance, write_fitted_copy
from secondfront.model.model import ModelLike, network_of
from secondfront.model.network import Network
from secondfront.tabular import Rows, Tabular

MISSING = -1


@dataclass(frozen=True)
class Cases:
    """Cases as state indices.

    Attributes:
        variables: the columns, network variable names.
        values: [N, V] state indices, ``MISSING`` (-1) where a value is missing.
        source: where they were read from ("" when built in memory).
        latent: network variables without a column (never observed).
    """

    variables: tuple[str, ...]
    values: np.ndarray
    source: str = ""
    latent: tuple[str, ...] = ()

    @property
    def missing_share(self) -> float:
        """Share of missing values over every variable of the network, a variable without
        a column counting as missing in every case."""
        n = len(self.values)
        cells = n * (len(self.variables) + len(self.latent))
        missing = int(np.sum(self.values == MISSING)) + n * len(self.latent)
        return missing / cells if cells else 0.0


def _cell_problems(
    path: str,
    names: list[str],
    network: Network,
    rows: list[tuple[int, list[str]]],
) -> tuple[list[list[int]], list[Diagnostic]]:
    """Code every cell; every bad row or state a diagnostic at its line and column."""
    lookup = [
        {s: i for i, s in enumerate(network.variables[n].states)} if n in network.variables else {}
        for n in names
    ]
    coded_rows: list[list[int]] = []
    problems: list[Diagnostic] = []
    for line_no, row in rows:
        if len(row) != len(names):
            problems.append(
                Diagnostic(path, line_no, 1, f"{len(row)} fields; the header has {len(names)}")
            )
            continue
        coded = []
        for k, (n, states, cell) in enumerate(zip(names, lookup, row, strict=True), start=1):
            v = cell.strip()
            if not v:
                coded.append(MISSING)
            elif v in states or not states:
                coded.append(states.get(v, MISSING))
            else:
                problems.append(
                    Diagnostic(
                        path,
                        line_no,
                        k,
                        f"column {n!r}: unknown state {v!r}; states: "
                        f"{', '.join(network.variables[n].states)} (leave the cell empty "
                        "for a missing value)",
                    )
                )
                coded.append(MISSING)
        coded_rows.append(coded)
    return coded_rows, problems


def read_cases(path: str | Path, model: ModelLike, latent: Collection[str] | None = None) -> Cases:
    """Read a case file (see the module docstring), naming every problem in one error.

    Args:
        path: the CSV file.
        model: the network the columns belong to.
        latent: variables deliberately left without a column. When given, every other
            variable of the network must have a column; None accepts any subset.

    Raises:
        UsageError: no such file, or ``latent`` names a variable the network lacks.
        SpecError: every problem of the file at its line and column: an unknown,
            repeated or missing column, a row of the wrong length, a state the variable
            does not have.
    """
    network = network_of(model)
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{p}: no such file")
    for name in latent or ():
        if name not in network.variables:
            raise UsageError(f"--latent {name}: not a variable of {network.name or 'the model'}")
    with p.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        rows = [(n, row) for n, row in enumerate(reader, start=2) if row]
    if not header:
        raise SpecError([Diagnostic(str(p), 1, 1, "no header row of variable names")])
    names = [h.strip() for h in header]
    problems = []
    for k, n in enumerate(names, start=1):
        if n not in network.variables:
            problems.append(
                Diagnostic(
                    str(p), 1, k, f"column {n!r}: not a variable of {network.name or 'the model'}"
                )
            )
        elif names.index(n) != k - 1:
            problems.append(Diagnostic(str(p), 1, k, f"column {n!r} repeated"))
    if latent is not None:
        absent = [v for v in network.names if v not in names and v not in latent]
        if absent:
            problems.append(
                Diagnostic(
                    str(p), 1, 1,
                    f"no column for {', '.join(absent)}: add each column (empty cells for "
                    "missing values) or declare it unobserved with --latent NAME",
                )
            )  # fmt: skip
    coded, cell_problems = _cell_problems(str(p), names, network, rows)
    if problems or cell_problems:
        raise SpecError(problems + cell_problems)
    values = np.array(coded, dtype=np.int64).reshape(len(coded), len(names))
    unobserved = tuple(v for v in network.names if v not in names)
    return Cases(tuple(names), values, str(p), unobserved)


def ess_counts(model: ModelLike, ess: float) -> dict[str, np.ndarray]:
    """Pseudo-counts ``ess * theta0(x | u)`` from the model's own tables."""
    network = network_of(model)
    if not (ess >= 0 and np.isfinite(ess)):
        raise UsageError(f"ess must be a finite number >= 0; got {ess}")
    return {v.name: ess * np.asarray(network.cpts[v.name]) for v in network}


def joint_counts(model: ModelLike, weight: float) -> dict[str, np.ndarray]:
    """Pseudo-counts ``weight * P(x, u)`` from the network's joint distribution (the BDe
    form: a virtual sample of ``weight`` cases drawn from the network; pyAgrum's
    ``useDirichletPrior(bn, weight)``). ``P(u)`` comes from the engine, one row per
    parent configuration."""
    network = network_of(model)
    if not (weight >= 0 and np.isfinite(weight)):
        raise UsageError(f"weight must be a finite number >= 0; got {weight}")
    out = {}
    for v in network:
        table = np.asarray(network.cpts[v.name])
        if not v.parents:
            out[v.name] = weight * table
            continue
        rows = [
            dict(zip(v.parents, u, strict=True))
            for u in itertools.product(*(network.variables[q].states for q in v.parents))
        ]
        p_u = np.exp(posterior_batch(network, rows, on_impossible="nan").log_evidence)
        out[v.name] = weight * p_u.reshape(table.shape[:-1])[..., None] * table
    return out


def smoothing_counts(model: ModelLike, weight: float) -> dict[str, np.ndarray]:
    """A constant pseudo-count ``weight`` in every cell (Laplace smoothing)."""
    network = network_of(model)
    return {v.name: np.full(network.cpts[v.name].shape, float(weight)) for v in network}


@dataclass(frozen=True)
class FamilyCounts:
    """Expected counts of one E-step.

    Attributes:
        counts: variable -> array of its table's shape, expected n(u, x).
        log_likelihood: sum over cases of log P(case), natural log.
    """

    counts: dict[str, np.ndarray]
    log_likelihood: float


def _patterns(cases: Cases) -> tuple[np.ndarray, np.ndarray]:
    """Distinct cases [P, V] and their multiplicities [P]."""
    if not len(cases.values):
        return cases.values, np.zeros(0)
    uniq, counts = np.unique(cases.values, axis=0, return_counts=True)
    return uniq, counts.astype(np.float64)


def expected_counts(model: ModelLike, cases: Cases) -> FamilyCounts:
    """E-step through the junction-tree engine (module docstring).

    Raises:
        InputFormatError: a case has probability zero under the network (its line named).
    """
    network = network_of(model)
    patterns, mult = _patterns(cases)
    col = {n: i for i, n in enumerate(cases.variables)}
    variables = list(network)

    def observed(p: np.ndarray, name: str) -> int:
        i = col.get(name)
        return MISSING if i is None else int(p[i])

    base = [
        {n: network.variables[n].states[int(p[i])] for n, i in col.items() if p[i] != MISSING}
        for p in patterns
    ]
    counts = {v.name: np.zeros(network.cpts[v.name].shape) for v in variables}
    # (case, variable, parent configuration) of each extra row, after the base rows.
    extra: list[dict[str, str]] = []
    jobs: list[tuple[int, str, tuple[int, ...]]] = []
    direct: list[tuple[int, str, tuple[int, ...]]] = []
    for n, p in enumerate(patterns):
        for v in variables:
            seen_x = observed(p, v.name)
            seen_u = [observed(p, q) for q in v.parents]
            if seen_x != MISSING and all(u != MISSING for u in seen_u):
                counts[v.name][(*seen_u, seen_x)] += mult[n]
            elif all(u != MISSING for u in seen_u):
                direct.append((n, v.name, tuple(seen_u)))  # X's posterior in the base row
            else:
                choices = [
                    range(network.variables[q].card) if u == MISSING else (u,)
                    for q, u in zip(v.parents, seen_u, strict=True)
                ]
                for u in itertools.product(*choices):
                    row = dict(base[n])
                    for q, s in zip(v.parents, u, strict=True):
                        row[q] = network.variables[q].states[s]
                    extra.append(row)
                    jobs.append((n, v.name, u))
    post = posterior_batch(network, base + extra, on_impossible="nan")
    logp = post.log_evidence
    P = len(base)
    bad = np.flatnonzero(~np.isfinite(logp[:P]))
    if bad.size:
        first = int(np.flatnonzero((cases.values == patterns[bad[0]]).all(axis=1))[0])
        raise InputFormatError(
            cases.source or "cases",
            first + 2 if cases.source else 0,  # the header is line 1
            "",
            f"the model gives this case probability zero: {base[int(bad[0])]}; EM cannot "
            "move a table entry away from 0, so remove the case or make the entry positive",
        )
    for n, name, u in direct:
        counts[name][u] += mult[n] * post.marginals[name][n]
    for r, (n, name, u) in enumerate(jobs, start=P):
        w = np.exp(logp[r] - logp[n])
        if w > 0:
            counts[name][u] += mult[n] * w * post.marginals[name][r]
    return FamilyCounts(counts, float(np.dot(mult, logp[:P])))


def naive_expected_counts(model: ModelLike, cases: Cases) -> FamilyCounts:
    """The E-step by enumerating the joint distribution (small networks; tests only)."""
    network = network_of(model)
    from secondfront.inference.enumeration import joint

    J = joint(network)
    names = network.names
    axis = {n: i for i, n in enumerate(names)}
    counts = {v.name: np.zeros(network.cpts[v.name].shape) for v in network}
    total = 0.0
    for case in cases.values:
        index: list[int | slice] = [slice(None)] * len(names)
        for n, s in zip(cases.variables, case, strict=True):
            if s != MISSING:
                index[axis[n]] = slice(int(s), int(s) + 1)
        mask = np.zeros_like(J)
        mask[tuple(index)] = 1.0
        post = J * mask
        pe = post.sum()
        total += np.log(pe)
        post = post / pe
        for v in network:
            fam = [axis[q] for q in (*v.parents, v.name)]
            other = tuple(i for i in range(len(names)) if i not in fam)
            m = post.sum(axis=other)  # axes in network order of the family
            order = np.argsort(np.argsort(fam))  # network order -> family order
            counts[v.name] += np.transpose(m, order)
    return FamilyCounts(counts, float(total))


def maximise(
    counts: Mapping[str, np.ndarray], prior: Mapping[str, np.ndarray], model: ModelLike
) -> dict[str, np.ndarray]:
    """M-step: counts plus pseudo-counts, normalised per row; empty rows keep their value."""
    network = network_of(model)
    return {
        v.name: em.normalise(counts[v.name] + prior[v.name], network.cpts[v.name]) for v in network
    }


def log_prior(model: ModelLike, prior: Mapping[str, np.ndarray]) -> float:
    """``sum a log theta`` (0 * log 0 counts as 0)."""
    network = network_of(model)
    total = 0.0
    for v in network:
        total += em.dirichlet_log_prior(prior[v.name], network.cpts[v.name])
    return total


@dataclass(frozen=True)
class CaseFit:
    """Result of :func:`em_fit`.

    Attributes:
        network: the network with the fitted tables.
        iterations: EM iterations run.
        converged: whether the log posterior rose by less than ``tol`` at the end.
        log_likelihood: log P(cases | fitted tables).
        log_posterior: log-likelihood + ``sum a log theta``.
        trace: the log posterior before each iteration and after the last.
        cases: number of cases.
        missing_share: share of missing cells in the case file.
        prior: how the pseudo-counts were made, in words.
    """

    network: Network
    iterations: int
    converged: bool
    log_likelihood: float
    log_posterior: float
    trace: list[float] = field(repr=False)
    cases: int
    missing_share: float
    prior: str


def em_fit(
    model: ModelLike,
    cases: Cases,
    prior: Mapping[str, np.ndarray],
    max_iter: int = 100,
    tol: float = 1e-6,
    prior_label: str = "",
) -> CaseFit:
    """MAP tables by EM, starting from the network's own tables.

    Args:
        model: the model (or bare network): the structure and the starting tables.
        cases: the data.
        prior: variable -> pseudo-counts of its table's shape (:func:`ess_counts`,
            :func:`smoothing_counts`).
        max_iter: iteration limit.
        tol: stop when the log posterior rises by less than this (nats).
        prior_label: the prior in words, for the provenance.
    """
    if not len(cases.values):
        raise UsageError(f"{cases.source or 'cases'}: no cases to learn from")
    run = em.run_em(
        network_of(model),
        lambda net: expected_counts(net, cases),
        lambda stats, net: net.with_cpts(maximise(stats.counts, prior, net)),
        lambda net: log_prior(net, prior),
        max_iter,
        tol,
    )
    return CaseFit(
        run.params,
        run.iterations,
        run.converged,
        run.log_likelihood,
        run.log_posterior,
        run.trace,
        len(cases.values),
        cases.missing_share,
        prior_label,
    )


def _sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, or "" when it is not a file (a model name, say)."""
    import hashlib

    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""


def provenance(fit: CaseFit, model: str, cases_source: str) -> dict[str, str]:
    """Key -> value lines describing the fit (written as BIF ``property`` lines): what was
    fitted to what, by which program and when, with the fingerprints (SHA-256) of the
    model file and the case file."""
    import datetime

    from secondfront import __version__
    from secondfront.model.formats import resolve_model

    try:
        model_file: str | Path = resolve_model(model)
    except UsageError:  # a network given in memory has no file
        model_file = ""
    return {
        "fitted_from": model,
        "fitted_model_sha256": _sha256(model_file) if model_file else "",
        "fitted_cases": f"{fit.cases} cases from {cases_source}",
        "fitted_cases_sha256": _sha256(cases_source),
        "fitted_missing_share": f"{fit.missing_share:.4f}",
        "fitted_method": "EM (MAP): expected family counts by the junction-tree engine",
        "fitted_prior": fit.prior,
        "fitted_iterations": f"{fit.iterations} ({'converged' if fit.converged else 'limit'})",
        "fitted_log_likelihood": f"{fit.log_likelihood:.6f}",
        "fitted_by": f"secondfront {__version__}",
        "fitted_on": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def copy_provenance(fit: CaseFit, model: str, cases_source: str) -> Provenance:
    """What a copy of the fitted network says about itself: :func:`provenance` (a BIF
    copy's network properties) and the model file it must not overwrite."""
    from secondfront.model.formats import resolve_model

    return Provenance(
        source=resolve_model(model),
        what="the model being fitted",
        fields=provenance(fit, model, cases_source),
    )


def write_fitted(fit: CaseFit, model: str, out: Path, cases_source: str) -> Path:
    """Write the fitted network as BIF with its provenance as network properties, by the
    one writer of fitted copies (:func:`secondfront.model.fittedcopy.write_fitted_copy`).

    Raises:
        UsageError: ``out`` does not end in ``.bif`` (or ``.bif.gz``), or is the model.
    """
    return write_fitted_copy(out, fit.network, copy_provenance(fit, model, cases_source))


def write_cases(cases: Cases, model: ModelLike, path: Path, missing: str = "") -> Path:
    """Write cases as a case file (blank, or ``missing``, for a missing value)."""
    network = network_of(model)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cases.variables)
        for row in cases.values:
            w.writerow(
                [
                    missing if s == MISSING else network.variables[n].states[int(s)]
                    for n, s in zip(cases.variables, row, strict=True)
                ]
            )
    return path


__all__ = [
    "MISSING",
    "CaseFit",
    "CaseFitSummary",
    "Cases",
    "FamilyCounts",
    "RowBasis",
    "TableBasis",
    "TableChange",
    "copy_provenance",
    "em_fit",
    "ess_counts",
    "expected_counts",
    "fit_case_file",
    "joint_counts",
    "log_prior",
    "maximise",
    "naive_expected_counts",
    "provenance",
    "read_cases",
    "smoothing_counts",
    "summarise_case_fit",
    "table_basis",
    "write_cases",
    "write_fitted",
]


@dataclass(frozen=True)
class RowBasis:
    """What one row of a learned table rests on.

    Attributes:
        given: parent state per parent (empty for a root).
        cases: expected number of cases that informed the row, sum_x n(u, x) at the
            fitted tables: its effective sample size from the data.
        prior: pseudo-counts of the row, sum_x a(u, x): what the model's own table weighs.
        pinned: True when the variable has a column and the data weigh at least as much
            as the prior (``cases >= prior``, and at least one case); otherwise the row
            mostly restates the prior, or, for a variable never observed, moves only
            through its neighbours.
    """

    given: dict[str, str]
    cases: float
    prior: float
    pinned: bool


@dataclass(frozen=True)
class TableBasis:
    """Per learned table, the basis of each row."""

    variable: str
    observed: bool
    rows: tuple[RowBasis, ...]

    @property
    def unpinned(self) -> tuple[RowBasis, ...]:
        """Rows the data cannot pin down."""
        return tuple(r for r in self.rows if not r.pinned)


def table_basis(fit: CaseFit, cases: Cases, prior: Mapping[str, np.ndarray]) -> list[TableBasis]:
    """Effective sample size of every row of every learned table (one more E-step at the
    fitted tables, outside the EM loop), with the rows the data cannot pin down.

    Args:
        fit: the result of :func:`em_fit`.
        cases: the cases it was fitted to.
        prior: the pseudo-counts it used.
    """
    network = fit.network
    counts = expected_counts(network, cases).counts
    out = []
    for v in network:
        n_u = counts[v.name].sum(axis=-1)
        a_u = np.asarray(prior[v.name]).sum(axis=-1)
        states = [network.variables[q].states for q in v.parents]
        rows = []
        for idx in itertools.product(*(range(len(s)) for s in states)):
            n, a = float(n_u[idx]), float(a_u[idx])
            given = {q: st[i] for q, st, i in zip(v.parents, states, idx, strict=True)}
            seen = v.name in cases.variables
            rows.append(RowBasis(given, n, a, seen and n >= max(a, 1.0)))
        out.append(TableBasis(v.name, v.name in cases.variables, tuple(rows)))
    return out


@dataclass(frozen=True)
class TableChange:
    """How far one learned table moved, and how many cases inform its rows.

    Attributes:
        variable: the table's variable.
        change: the largest absolute change of one of its probabilities.
        fewest_cases, most_cases: the fewest and the most cases informing one of its
            rows (expected counts at the fitted tables).
        unpinned: its rows the data do not pin down (:attr:`TableBasis.unpinned`).
        rows: its rows (parent configurations).
    """

    variable: str
    change: float
    fewest_cases: float
    most_cases: float
    unpinned: int
    rows: int


@dataclass(frozen=True)
class CaseFitSummary(Tabular):
    """A fit of the network's tables to a case file, as ``fit-cases`` reports it: the
    command's JSON and its table both read this, and compute nothing of their own.

    Attributes:
        fit: the result of :func:`em_fit`.
        latent: the variables without a column in the case file (never observed).
        ess: the prior's weight of each table row, in cases.
        changes: variable -> the largest absolute change of a probability in its table
            (fitted minus the model's own), in the network's order.
        basis: what each learned row rests on (:func:`table_basis`), network order.
    """

    fit: CaseFit
    latent: tuple[str, ...]
    ess: float
    changes: dict[str, float]
    basis: tuple[TableBasis, ...]

    @property
    def caption(self) -> str:
        """The fit in one line: cases, the missing share, the variables never observed."""
        return (
            f"{self.fit.cases} cases, {self.fit.missing_share:.1%} of values missing "
            f"({len(self.latent)} variables never observed)"
        )

    def by_change(self) -> list[TableChange]:
        """Each table, the largest change first (tables that moved alike keep the
        network's order)."""
        by_name = {b.variable: b for b in self.basis}
        found = []
        for name, change in sorted(self.changes.items(), key=lambda kv: -kv[1]):
            b = by_name[name]
            n = [r.cases for r in b.rows]
            found.append(TableChange(name, change, min(n), max(n), len(b.unpinned), len(b.rows)))
        return found

    def table(self) -> Rows:
        """One row per table, as :meth:`by_change`."""
        return Rows(
            self.caption,
            tuple(f.name for f in fields(TableChange)),
            [astuple(t) for t in self.by_change()],
        )

    def as_json(self) -> JSONObject:
        """The fit's summary and, per table row, its cases and prior (plain data)."""
        fit = self.fit
        return {
            "cases": fit.cases,
            "missing_share": round(fit.missing_share, 6),
            "latent": list(self.latent),
            "iterations": fit.iterations,
            "converged": fit.converged,
            "log_likelihood": fit.log_likelihood,
            "log_posterior_trace": fit.trace,
            "ess": self.ess,
            "largest_change": self.changes,
            "tables": {
                b.variable: [
                    {"given": r.given, "cases": r.cases, "prior": r.prior, "pinned": r.pinned}
                    for r in b.rows
                ]
                for b in self.basis
            },
        }


def summarise_case_fit(
    model: ModelLike, fit: CaseFit, cases: Cases, prior: Mapping[str, np.ndarray], ess: float
) -> CaseFitSummary:
    """What the fit moved and what each learned row rests on.

    Args:
        model: the model the fit started from (its tables are the "before").
        fit: the result of :func:`em_fit` on it.
        cases: the cases it was fitted to.
        prior: the pseudo-counts it used.
        ess: the prior's weight per row, in cases (as given to :func:`ess_counts`).
    """
    before = network_of(model)
    changes = {
        v.name: float(abs(fit.network.cpts[v.name] - before.cpts[v.name]).max()) for v in before
    }
    basis = tuple(table_basis(fit, cases, prior))
    return CaseFitSummary(fit, tuple(cases.latent), ess, changes, basis)


def fit_case_file(
    model: ModelLike,
    path: str | Path,
    *,
    ess: float = 10.0,
    max_iter: int = 100,
    latent: Collection[str] = (),
) -> CaseFitSummary:
    """Read a case file and learn the model's tables from it by EM (MAP), the model's own
    tables worth ``ess`` cases per row as the prior: what ``fit-cases`` runs.

    Args:
        model: the model (or bare network).
        path: the case file (see :func:`read_cases`).
        ess: the prior's weight per table row, in cases (>= 0).
        max_iter: the EM iteration limit.
        latent: variables deliberately without a column; every other variable needs one.

    Raises:
        UsageError: no such file, no cases, a bad ``ess`` or ``latent``.
        InputFormatError: the case file's problems, each at its line and column.
    """
    cases = read_cases(path, model, latent=list(latent))
    prior = ess_counts(model, ess)
    fit = em_fit(
        model,
        cases,
        prior,
        max_iter=max_iter,
        prior_label=f"Dirichlet: the model's tables, ess {ess:g} cases per row",
    )
    return summarise_case_fit(model, fit, cases, prior, ess)
