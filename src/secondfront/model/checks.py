"""Whole-file checks of a scenario spec, and compilation of its CPTs.

The pydantic models in ``schema`` check each entry on its own. What needs the whole
file is checked here: unique ids, references between entries (claim -> source,
parameter -> claim, variable -> parent, indicator -> parent, outcome -> variable and
state), acyclicity, states, complete and consistent tables, and the shape of each
parametric form. While checking, the CPT of every valid variable is built with the
pure functions of ``parametric``, so checking and compiling cannot disagree.

Each problem is recorded as a ``Diagnostic`` at the line it concerns and checking goes
on; a variable whose own states or parents are invalid is skipped (its CPT would only
repeat the same problem as noise).
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from secondfront.errors import Diagnostic
from secondfront.model.limits import table_size_problem
from secondfront.model.network import (
    ROW_SUM_TOLERANCE,
    Network,
    Variable,
    normalise_rows,
    topological_order,
)
from secondfront.model.parametric import default_scores, logistic_cpt, noisy_max_cpt, noisy_or_cpt
from secondfront.model.schema import Indicator, VariableSpec
from secondfront.model.yamlsource import Path, YamlDocument

_MAX_MISSING_ROWS = 10  # more missing table rows are summarised in one line


def _names(items: Iterable[str]) -> str:
    return ", ".join(items) or "(none)"


def _declared(items: Any, field: str) -> set[str]:
    """The string values of ``field`` in a raw list of mappings (anything else ignored)."""
    if not isinstance(items, list):
        return set()
    return {i[field] for i in items if isinstance(i, dict) and isinstance(i.get(field), str)}


def _given_text(given: Mapping[str, str], order: Sequence[str]) -> str:
    keys = [p for p in order if p in given] + [p for p in given if p not in order]
    return "{" + ", ".join(f"{p}: {given[p]}" for p in keys) + "}"


class Checker:
    """Runs the checks that need the whole file and builds CPTs for what is valid."""

    def __init__(self, doc: YamlDocument, entries: Mapping[str, list[tuple[int, Any]]]) -> None:
        self.doc = doc
        self.entries = entries
        self.diagnostics: list[Diagnostic] = []
        data = doc.data if isinstance(doc.data, dict) else {}
        # Names defined in the file, valid or not: a reference to an invalid definition
        # is not "unknown" (the definition's own error is reported instead).
        self.declared = {
            key: _declared(data.get(key), field)
            for key, field in [
                ("sources", "id"),
                ("claims", "id"),
                ("variables", "name"),
                ("indicators", "name"),
            ]
        }
        self.variables: dict[str, tuple[int, VariableSpec]] = {}
        self.indicators: dict[str, tuple[int, Indicator]] = {}
        self.states: dict[str, tuple[str, ...]] = {}  # names whose states are valid
        self.cpts: dict[str, np.ndarray] = {}

    def error(self, path: Path, message: str, *, key: bool = False) -> None:
        self.diagnostics.append(self.doc.diagnostic(path, message, key=key))

    def run(self) -> None:
        self.check_ids()
        self.check_claim_sources()
        self.check_states()
        self.check_parents()
        self.check_claim_references()
        self.check_cycles()
        for name, (i, var) in self.variables.items():
            cpt = self.variable_cpt(("variables", i), var)
            if cpt is not None:
                self.cpts[name] = cpt
        for name, (i, ind) in self.indicators.items():
            cpt = self.indicator_cpt(("indicators", i), ind)
            if cpt is not None:
                self.cpts[name] = cpt
        self.check_outcomes()
        self.check_claim_directions()

    # -- names -----------------------------------------------------------------------

    def check_ids(self) -> None:
        for key, what in [("sources", "source"), ("claims", "claim")]:
            first: dict[str, int] = {}
            for i, item in self.entries[key]:
                if item.id in first:
                    self.error(
                        (key, i, "id"),
                        f"duplicate {what} id {item.id!r} (first defined at line {first[item.id]})",
                    )
                else:
                    first[item.id] = self.doc.position((key, i, "id"))[0]
        first = {}
        for key in ("variables", "indicators"):
            for i, item in self.entries[key]:
                if item.name in first:
                    self.error(
                        (key, i, "name"),
                        f"duplicate name {item.name!r} (first defined at line {first[item.name]}); "
                        "variables and indicators share one namespace",
                    )
                    continue
                first[item.name] = self.doc.position((key, i, "name"))[0]
                table = self.variables if key == "variables" else self.indicators
                table[item.name] = (i, item)

    def check_claim_sources(self) -> None:
        known = [s.id for _, s in self.entries["sources"]]
        for i, claim in self.entries["claims"]:
            if claim.source not in known and claim.source not in self.declared["sources"]:
                self.error(
                    ("claims", i, "source"),
                    f"claim {claim.id!r} cites unknown source {claim.source!r}; "
                    f"known sources: {_names(known)}",
                )
        for i, left in self.entries["not_modelled"]:
            if left.source is not None and left.source not in self.declared["sources"]:
                self.error(
                    ("not_modelled", i, "source"),
                    f"not_modelled {left.locator} names unknown source {left.source!r}; "
                    f"known sources: {_names(known)}",
                )

    def check_claim_references(self) -> None:
        known = [c.id for _, c in self.entries["claims"]]
        for key in ("variables", "indicators"):
            for i, item in self.entries[key]:
                for rel, param in item.parameters():
                    for k, cid in enumerate(param.claims):
                        if cid not in known and cid not in self.declared["claims"]:
                            self.error(
                                (key, i, *rel, "claims", k),
                                f"{item.name}: unknown claim {cid!r}; "
                                f"known claims: {_names(known)}",
                            )

    def check_states(self) -> None:
        for key in ("variables", "indicators"):
            for name, (i, item) in (
                self.variables if key == "variables" else self.indicators
            ).items():
                ok = True
                if key == "indicators" and len(item.states) != 2:
                    self.error(
                        (key, i, "states"),
                        f"indicator {name!r} needs exactly 2 states (absent first, present "
                        f"last), got {len(item.states)}",
                    )
                    ok = False
                elif len(item.states) < 2:
                    self.error(
                        (key, i, "states"),
                        f"variable {name!r} needs at least 2 states, got {len(item.states)}",
                    )
                    ok = False
                seen: set[str] = set()
                for j, state in enumerate(item.states):
                    if state in seen:
                        self.error((key, i, "states", j), f"duplicate state {state!r} in {name!r}")
                        ok = False
                    seen.add(state)
                if ok:
                    self.states[name] = tuple(item.states)

    def check_parents(self) -> None:
        known = list(self.variables)
        for name, (i, var) in self.variables.items():
            seen: set[str] = set()
            for j, parent in enumerate(var.parents):
                path = ("variables", i, "parents", j)
                if parent in seen:
                    self.error(path, f"variable {name!r} lists parent {parent!r} twice")
                elif parent in self.indicators:
                    self.error(
                        path,
                        f"parent {parent!r} of {name!r} is an indicator; "
                        "indicators are observations and cannot be parents",
                    )
                elif parent not in self.variables and parent not in self.declared["variables"]:
                    self.error(
                        path,
                        f"unknown parent {parent!r} of variable {name!r}; "
                        f"known variables: {_names(known)}",
                    )
                seen.add(parent)
        for name, (i, ind) in self.indicators.items():
            if ind.parent in self.indicators:
                self.error(
                    ("indicators", i, "parent"),
                    f"parent {ind.parent!r} of indicator "
                    f"{name!r} is an indicator; an indicator's parent must be a variable",
                )
            elif ind.parent not in self.variables and ind.parent not in self.declared["variables"]:
                self.error(
                    ("indicators", i, "parent"),
                    f"unknown parent {ind.parent!r} of indicator {name!r}; "
                    f"known variables: {_names(known)}",
                )

    def check_cycles(self) -> None:
        graph = {
            n: tuple(p for p in v.parents if p in self.variables)
            for n, (_, v) in self.variables.items()
        }
        result = topological_order(graph)
        if result and isinstance(result[0], str):
            return
        order = list(self.variables)
        for cycle in result:
            assert isinstance(cycle, list)
            # Start at the variable defined first, and report at its parents entry that
            # closes the cycle (its predecessor in parent -> child direction).
            start = min(range(len(cycle)), key=lambda k: order.index(cycle[k]))
            cycle = cycle[start:] + cycle[:start]
            head, closing = cycle[0], cycle[-1]
            i, var = self.variables[head]
            j = var.parents.index(closing)
            self.error(("variables", i, "parents", j), f"cycle: {' -> '.join([*cycle, head])}")

    def check_outcomes(self) -> None:
        for i, out in self.entries["outcomes"]:
            if out.variable not in self.variables:
                if out.variable not in self.declared["variables"]:
                    self.error(
                        ("outcomes", i, "variable"),
                        f"outcome names unknown variable {out.variable!r}; "
                        f"known variables: {_names(self.variables)}",
                    )
                continue
            states = self.states.get(out.variable)
            if out.state is not None and states is not None and out.state not in states:
                self.error(
                    ("outcomes", i, "state"),
                    f"outcome names unknown state {out.state!r} of {out.variable!r}; "
                    f"states: {_names(states)}",
                )

    def check_claim_directions(self) -> None:
        for i, claim in self.entries["claims"]:
            d = claim.direction
            if d is None:
                continue
            known = {**self.variables, **self.indicators}
            if d.variable not in known:
                if d.variable not in self.declared["variables"] | self.declared["indicators"]:
                    self.error(
                        ("claims", i, "direction", "variable"),
                        f"claim {claim.id!r}: direction names unknown variable {d.variable!r}; "
                        f"known variables: {_names(known)}",
                    )
                continue
            states = self.states.get(d.variable)
            if states is not None and d.state not in states:
                self.error(
                    ("claims", i, "direction", "state"),
                    f"claim {claim.id!r}: direction names unknown state {d.state!r} of "
                    f"{d.variable!r}; states: {_names(states)}",
                )

    # -- CPTs ------------------------------------------------------------------------

    def parent_states(self, var: VariableSpec) -> list[tuple[str, ...]] | None:
        """States of each parent, or None when a parent is unknown, invalid or repeated."""
        if len(set(var.parents)) != len(var.parents):
            return None
        out = [self.states.get(p) if p in self.variables else None for p in var.parents]
        return None if any(s is None for s in out) else typing.cast(list[tuple[str, ...]], out)

    def variable_cpt(self, base: Path, var: VariableSpec) -> np.ndarray | None:
        pstates = self.parent_states(var)
        own = self.states.get(var.name)
        if pstates is None or own is None:
            return None  # the cause is reported elsewhere; its consequences would be noise
        # Estimated before any form allocates: a noisy-OR over 40 parents is a few lines
        # of YAML but terabytes of table.
        too_large = table_size_problem([len(s) for s in pstates], len(own))
        if too_large is not None:
            self.error((*base, "parents"), f"{var.name}: {too_large}")
            return None
        form = var.form
        if form == "table":
            return self.table_cpt(base, var, own, pstates)
        if form == "noisy_or":
            return self.noisy_or(base, var, own, pstates)
        if form == "noisy_max":
            return self.noisy_max(base, var, own, pstates)
        return self.logistic(base, var, own, pstates)

    def distribution(
        self, path: Path, p: Sequence[float], var: str, states: Sequence[str], what: str = "p"
    ) -> np.ndarray | None:
        """Check length and sum of one distribution over ``states``; renormalised copy.

        Args:
            path: where ``p`` is in the file.
            p: the probabilities as written.
            var: name of the variable the distribution is over.
            states: its states.
            what: how the message names the distribution, e.g. ``"leak p"``.
        """
        if len(p) != len(states):
            self.error(
                path,
                f"{var}: {what} has {len(p)} entries but {var!r} has {len(states)} states "
                f"({_names(states)})",
            )
            return None
        total = float(sum(p))
        if abs(total - 1.0) > ROW_SUM_TOLERANCE:
            self.error(path, f"{var}: {what} sums to {total:.6f}, not 1")
            return None
        return normalise_rows(np.asarray(p, dtype=np.float64))

    def table_cpt(
        self, base: Path, var: VariableSpec, own: tuple[str, ...], pstates: list[tuple[str, ...]]
    ) -> np.ndarray | None:
        table = var.table
        assert table is not None
        tpath = (*base, "table")
        if not var.parents:
            if table.p is None:
                self.error(
                    (*tpath, "rows"),
                    f"{var.name!r} has no parents, so its table takes "
                    "one distribution 'p', not 'rows'",
                )
                return None
            if not table.has_basis:
                self.error(
                    tpath, f"table of {var.name!r} needs a basis: give 'claims' or 'assumption'"
                )
            return self.distribution((*tpath, "p"), table.p, var.name, own)
        if table.rows is None:
            self.error(
                (*tpath, "p"),
                f"{var.name!r} has parents ({_names(var.parents)}), so its "
                "table needs 'rows', one per combination of parent states",
            )
            return None
        cards = tuple(len(s) for s in pstates)
        cpt = np.zeros((*cards, len(own)))
        first_line: dict[tuple[int, ...], int] = {}
        complete = True
        bad_given = False  # then 'missing rows' would repeat the row's own error
        for j, row in enumerate(table.rows):
            rpath = (*tpath, "rows", j)
            given = _given_text(row.given, var.parents)
            if not row.has_basis and not table.has_basis:
                self.error(
                    rpath,
                    f"{var.name}: row for given {given} has no basis; give "
                    "'claims' or 'assumption' on the row or on the table",
                )
            idx = self.given_index(rpath, row.given, var, pstates)
            dist = self.distribution((*rpath, "p"), row.p, var.name, own, f"row p (given {given})")
            if idx is None:
                complete, bad_given = False, True
                continue
            if idx in first_line:
                self.error(
                    rpath,
                    f"{var.name}: duplicate row for given {given} "
                    f"(first at line {first_line[idx]})",
                )
                continue
            first_line[idx] = self.doc.position(rpath)[0]
            if dist is None:
                complete = False
            else:
                cpt[idx] = dist
        missing = [idx for idx in np.ndindex(*cards) if idx not in first_line]
        if bad_given:
            return None
        for idx in missing[:_MAX_MISSING_ROWS]:
            combo = {
                p: pstates[k][s] for k, (p, s) in enumerate(zip(var.parents, idx, strict=True))
            }
            self.error(
                (*tpath, "rows"),
                f"table of {var.name!r} has no row for given {_given_text(combo, var.parents)}",
            )
        if len(missing) > _MAX_MISSING_ROWS:
            self.error(
                (*tpath, "rows"),
                f"table of {var.name!r} misses "
                f"{len(missing) - _MAX_MISSING_ROWS} more combinations of parent states",
            )
        return cpt if complete and not missing else None

    def given_index(
        self,
        rpath: Path,
        given: Mapping[str, str],
        var: VariableSpec,
        pstates: list[tuple[str, ...]],
    ) -> tuple[int, ...] | None:
        ok = True
        for key in given:
            if key not in var.parents:
                self.error(
                    (*rpath, "given", key),
                    f"{key!r} is not a parent of {var.name!r} (parents: {_names(var.parents)})",
                    key=True,
                )
                ok = False
        idx: list[int] = []
        for parent, states in zip(var.parents, pstates, strict=True):
            if parent not in given:
                self.error((*rpath, "given"), f"{var.name}: row misses parent {parent!r}")
                ok = False
            elif given[parent] not in states:
                self.error(
                    (*rpath, "given", parent),
                    f"unknown state {given[parent]!r} of "
                    f"parent {parent!r}; states: {_names(states)}",
                )
                ok = False
            else:
                idx.append(states.index(given[parent]))
        return tuple(idx) if ok else None

    def links(
        self,
        fpath: Path,
        var: VariableSpec,
        links: Mapping[str, Mapping[str, object]],
        pstates: list[tuple[str, ...]],
    ) -> bool:
        """Check that links name each parent and each of its states but the first, once."""
        ok = True
        for parent in links:
            if parent not in var.parents:
                self.error(
                    (*fpath, "links", parent),
                    f"{parent!r} is not a parent of {var.name!r} (parents: {_names(var.parents)})",
                    key=True,
                )
                ok = False
        for parent, states in zip(var.parents, pstates, strict=True):
            per_state = links.get(parent)
            if per_state is None:
                self.error(
                    (*fpath, "links"),
                    f"{var.name}: no links for parent {parent!r}; "
                    f"give one for each of its states but the first: {_names(states[1:])}",
                )
                ok = False
                continue
            for state in per_state:
                if state == states[0]:
                    self.error(
                        (*fpath, "links", parent, state),
                        f"state {state!r} is the first "
                        f"(inactive) state of {parent!r} and takes no link",
                        key=True,
                    )
                    ok = False
                elif state not in states:
                    self.error(
                        (*fpath, "links", parent, state),
                        f"unknown state {state!r} of parent {parent!r}; states: {_names(states)}",
                        key=True,
                    )
                    ok = False
            absent = [s for s in states[1:] if s not in per_state]
            if absent:
                self.error(
                    (*fpath, "links", parent),
                    f"{var.name}: links of parent {parent!r} miss state(s): {_names(absent)}",
                )
                ok = False
        return ok

    def noisy_or(
        self, base: Path, var: VariableSpec, own: tuple[str, ...], pstates: list[tuple[str, ...]]
    ) -> np.ndarray | None:
        form = var.noisy_or
        assert form is not None
        ok = self.links((*base, "noisy_or"), var, form.links, pstates)
        if len(own) != 2:
            self.error(
                (*base, "states"),
                f"noisy_or needs exactly 2 states (absent first, "
                f"present last); {var.name!r} has {len(own)}: {_names(own)}",
            )
            return None
        if not ok:
            return None
        arrays = [
            np.array([0.0] + [form.links[p][s].p for s in states[1:]])
            for p, states in zip(var.parents, pstates, strict=True)
        ]
        return noisy_or_cpt(form.leak.p, arrays)

    def noisy_max(
        self, base: Path, var: VariableSpec, own: tuple[str, ...], pstates: list[tuple[str, ...]]
    ) -> np.ndarray | None:
        form = var.noisy_max
        assert form is not None
        fpath = (*base, "noisy_max")
        ok = self.links(fpath, var, form.links, pstates)
        leak = self.distribution((*fpath, "leak", "p"), form.leak.p, var.name, own, "leak p")
        arrays: list[np.ndarray] = []
        for parent, states in zip(var.parents, pstates, strict=True):
            rows = [np.eye(len(own))[0]]  # first state inactive: point mass on the lowest level
            for state in states[1:]:
                param = form.links.get(parent, {}).get(state)
                if param is None:
                    continue
                where = f"link p ({parent}: {state})"
                path = (*fpath, "links", parent, state, "p")
                dist = self.distribution(path, param.p, var.name, own, where)
                ok = ok and dist is not None
                rows.append(dist if dist is not None else rows[0])
            arrays.append(np.array(rows))
        if not ok or leak is None:
            return None
        return noisy_max_cpt(leak, arrays)

    def logistic(
        self, base: Path, var: VariableSpec, own: tuple[str, ...], pstates: list[tuple[str, ...]]
    ) -> np.ndarray | None:
        form = var.logistic
        assert form is not None
        fpath = (*base, "logistic")
        ok = True
        for key, what in [("weights", "weight"), ("scores", "scores")]:
            for parent in getattr(form, key):
                if parent not in var.parents:
                    self.error(
                        (*fpath, key, parent),
                        f"{what} for {parent!r}, which is not a "
                        f"parent of {var.name!r} (parents: {_names(var.parents)})",
                        key=True,
                    )
                    ok = False
        scores: list[np.ndarray] = []
        for parent, states in zip(var.parents, pstates, strict=True):
            if parent not in form.weights:
                self.error((*fpath, "weights"), f"{var.name}: no weight for parent {parent!r}")
                ok = False
            given = form.scores.get(parent)
            if given is None:
                scores.append(default_scores(len(states)))
                continue
            for state in given:
                if state not in states:
                    self.error(
                        (*fpath, "scores", parent, state),
                        f"unknown state {state!r} of parent {parent!r}; states: {_names(states)}",
                        key=True,
                    )
                    ok = False
            absent = [s for s in states if s not in given]
            if absent:
                self.error(
                    (*fpath, "scores", parent),
                    f"{var.name}: scores of {parent!r} miss state(s): {_names(absent)}",
                )
                ok = False
            scores.append(np.array([given.get(s, 0.0) for s in states], dtype=np.float64))
        k = len(own)
        if form.cutpoints is None:
            if k > 2:
                self.error(
                    fpath,
                    f"logistic {var.name!r} has {k} states, so it needs {k - 1} "
                    "increasing cutpoints: 'cutpoints: {value: [...], assumption: ...}'",
                )
                return None
            theta = [0.0]
        else:
            theta = list(form.cutpoints.value)
            cpath = (*fpath, "cutpoints", "value")
            if len(theta) != k - 1:
                self.error(
                    cpath,
                    f"logistic {var.name!r} has {k} states, so it needs {k - 1} "
                    f"cutpoints, got {len(theta)}",
                )
                return None
            if any(b <= a for a, b in itertools.pairwise(theta)):
                self.error(cpath, f"{var.name}: cutpoints must be strictly increasing, got {theta}")
                return None
        if not ok:
            return None
        weights = [form.weights[p].value for p in var.parents]
        return logistic_cpt(form.intercept.value, weights, scores, theta)

    def indicator_cpt(self, base: Path, ind: Indicator) -> np.ndarray | None:
        ok = True
        pstates = self.states.get(ind.parent) if ind.parent in self.variables else None
        if pstates is None or ind.name not in self.states:
            return None
        for state in ind.likelihood:
            if state not in pstates:
                self.error(
                    (*base, "likelihood", state),
                    f"unknown state {state!r} of parent {ind.parent!r}; states: {_names(pstates)}",
                    key=True,
                )
                ok = False
        absent = [s for s in pstates if s not in ind.likelihood]
        if absent:
            self.error(
                (*base, "likelihood"),
                f"likelihood of {ind.name!r} misses state(s) "
                f"{_names(absent)} of parent {ind.parent!r}",
            )
            ok = False
        if not ok:
            return None
        present = np.array([ind.likelihood[s].p for s in pstates], dtype=np.float64)
        return np.stack([1.0 - present, present], axis=-1)

    # -- network ---------------------------------------------------------------------

    def network(self, name: str) -> Network:
        items: dict[str, VariableSpec | Indicator] = {n: v for n, (_, v) in self.variables.items()}
        items.update({n: v for n, (_, v) in self.indicators.items()})
        parents = {
            n: tuple(v.parents) if isinstance(v, VariableSpec) else (v.parent,)
            for n, v in items.items()
        }
        order = topological_order(parents)
        variables = {
            n: Variable(n, self.states[n], parents[n], items[n].label)
            for n in typing.cast(list[str], order)
        }
        return Network(name, variables, {n: self.cpts[n] for n in variables})
