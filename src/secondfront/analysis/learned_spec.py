"""Learned tables written back into a copy of the sourced YAML spec.

``fit-cases MODEL.yaml CASES.csv -o COPY.yaml`` keeps everything the spec says (sources,
claims, indicators, outcomes, every table the data did not inform) and replaces each
learned table by an explicit ``table`` whose rows carry their provenance beside the
claims they replace:

* ``claims``: the claims the replaced parameters cited (the learned numbers still rest
  on them, as the prior);
* ``assumption``: how the row was learned (cases, file fingerprint, prior weight, the
  cases behind this row, whether the data pin it down) and what it replaces;
* ``uncertainty: {ess: a + n}``: the posterior Dirichlet's equivalent sample size, the
  prior's weight plus the cases behind the row.

An indicator keeps its form (one likelihood per parent state), each ``p`` learned and
annotated the same way. Variables no case informed are left as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from secondfront.analysis.learning import CaseFit, TableBasis, copy_provenance
from secondfront.model.fittedcopy import write_fitted_copy
from secondfront.model.model import Model
from secondfront.model.schema import CPT_FORMS

__all__ = ["fitted_spec_document", "write_fitted_spec"]


def _claims(entry: Mapping[str, Any]) -> list[str]:
    """Every claim id cited anywhere in a variable or indicator entry, in order, once."""
    found: dict[str, None] = {}

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "claims" and isinstance(v, list):
                    found.update(dict.fromkeys(str(c) for c in v))
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(entry)
    return list(found)


def _note(b: TableBasis, k: int, how: str) -> str:
    row = b.rows[k]
    if not b.observed:
        why = "; never observed: EM moved it only through its neighbours, not pinned down"
    elif not row.pinned:
        why = "; the data do not pin this row down (fewer cases than the prior's weight)"
    else:
        why = ""
    return f"{how}; {row.cases:.1f} cases (expected counts) informed this row{why}"


def fitted_spec_document(
    model: Model, fit: CaseFit, basis: list[TableBasis], provenance: Mapping[str, str]
) -> dict[str, object]:
    """The spec's data with its learned tables written back (see the module docstring).

    Args:
        model: the model loaded from a YAML spec.
        fit: the EM result.
        basis: :func:`~secondfront.analysis.learning.table_basis` of that fit.
        provenance: :func:`~secondfront.analysis.learning.provenance` of that fit.
    """
    spec = model.require_spec("writing learned tables back into YAML")
    data: dict[str, Any] = spec.model_dump(mode="json", exclude_none=True)
    net = fit.network
    learned = {b.variable: b for b in basis if any(r.cases > 0 for r in b.rows)}
    how = (
        f"learned by EM from {provenance['fitted_cases']} (sha256 "
        f"{provenance['fitted_cases_sha256'][:12]}), {provenance['fitted_prior']}, "
        f"{provenance['fitted_by']}, {provenance['fitted_on']}"
    )
    for entry in data["variables"]:
        b = learned.get(entry["name"])
        if b is None:
            continue
        var = net.variables[entry["name"]]
        form = next(f for f in CPT_FORMS if f in entry)
        replaces = f"replaces the stated {form.replace('_', '-')}"
        claims = _claims(entry)
        cpt = np.asarray(net.cpts[var.name])
        rows = []
        for k, r in enumerate(b.rows):
            idx = tuple(net.variables[p].index(r.given[p]) for p in var.parents)
            row: dict[str, Any] = {"p": [float(x) for x in cpt[idx]]}
            if var.parents:
                row = {"given": dict(r.given), **row}
            row["assumption"] = _note(b, k, f"{how}; {replaces}")
            row["uncertainty"] = {"ess": max(r.prior + r.cases, 1e-9)}
            if claims:
                row["claims"] = claims
            rows.append(row)
        for f in CPT_FORMS:
            entry.pop(f, None)
        entry["table"] = rows[0] if not var.parents else {"rows": rows}
        if not var.parents:
            entry["table"].pop("given", None)
    for entry in data.get("indicators", []):
        b = learned.get(entry["name"])
        if b is None:
            continue
        cpt = np.asarray(net.cpts[entry["name"]])
        for k, r in enumerate(b.rows):
            state = next(iter(r.given.values()))
            param = entry["likelihood"][state]
            stated = param["p"]
            param["p"] = float(cpt[k, -1])
            param["assumption"] = _note(b, k, f"{how}; replaces the stated {stated:.4g}")
            param["uncertainty"] = {"ess": max(r.prior + r.cases, 1e-9)}
            param.pop("without", None)
    data["model"]["name"] = f"{spec.model.name}-fitted"
    return data


def write_fitted_spec(
    model: Model, fit: CaseFit, basis: list[TableBasis], name: str, cases_source: str, out: Path
) -> Path:
    """Write the spec with its learned tables to ``out``, by the one writer of fitted
    copies (:func:`secondfront.model.fittedcopy.write_fitted_copy`). The spec's schema
    has no provenance block: the header names the cases, the model file's fingerprint
    and the iterations, and each learned row's ``assumption`` the rest.

    Args:
        model: the model loaded from a YAML spec.
        fit: the EM result.
        basis: :func:`~secondfront.analysis.learning.table_basis` of that fit.
        name: the model as the user named it (a name or a file).
        cases_source: the case file.
        out: where the copy goes.

    Raises:
        UsageError: ``out`` is the spec being fitted, or the model is not a spec.
    """
    copy = copy_provenance(fit, name, cases_source)
    fields = {k: str(v) for k, v in copy.fields.items()}
    spec = model.require_spec("writing learned tables back into YAML")
    header = (
        f"{spec.model.name} with tables learned from data: {fields['fitted_cases']}.",
        f"Model file sha256 {fields['fitted_model_sha256']}; "
        f"{fields['fitted_iterations']} EM iterations.",
    )
    document = fitted_spec_document(model, fit, basis, fields)
    return write_fitted_copy(out, document, replace(copy, header=header, fields={}))
