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
from typing import Any, cast

import numpy as np
import yaml

from secondfront.analysis.learning import CaseFit, TableBasis
from secondfront.model.model import Model

__all__ = ["fitted_spec_text"]

_FORMS = ("table", "noisy_or", "noisy_max", "logistic")


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


def fitted_spec_text(
    model: Model, fit: CaseFit, basis: list[TableBasis], provenance: Mapping[str, str]
) -> str:
    """The spec with its learned tables written back (see the module docstring).

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
        form = next(f for f in _FORMS if f in entry)
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
        for f in _FORMS:
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
    head = (
        f"# {spec.model.name} with tables learned from data: {provenance['fitted_cases']}.\n"
        f"# Model file sha256 {provenance['fitted_model_sha256']}; "
        f"{provenance['fitted_iterations']} EM iterations.\n"
    )
    return cast("str", head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
