"""Learned tables written back into a copy of the YAML spec, by the one writer of copies."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from secondfront import __version__
from secondfront.analysis import learning as L
from secondfront.analysis.learned_spec import fitted_spec_document, write_fitted_spec
from secondfront.errors import UsageError
from secondfront.model.fittedcopy import Provenance, fitted_yaml_text
from secondfront.model.formats import load
from tests.analysis.argument_models import TINY, tiny_files


def test_the_spec_copy_states_its_provenance_and_compiles_to_the_fitted_tables(
    tmp_path: Path,
) -> None:
    spec, cases = tiny_files(tmp_path)
    model = load(spec)
    data = L.read_cases(cases, model)
    prior = L.ess_counts(model, 10.0)
    fit = L.em_fit(model, data, prior, prior_label="Dirichlet, ess 10")
    basis = L.table_basis(fit, data, prior)
    out = write_fitted_spec(model, fit, basis, str(spec), str(cases), tmp_path / "a" / "c.yaml")
    text = out.read_text(encoding="utf-8")
    sha = hashlib.sha256(spec.read_bytes()).hexdigest()
    head = [
        f"# tiny with tables learned from data: 20 cases from {cases}.",
        f"# Model file sha256 {sha}; {fit.iterations} (converged) EM iterations.",
    ]
    assert text.splitlines()[:2] == head
    copy = load(out)
    assert copy.spec is not None and copy.spec.model.name == "tiny-fitted"
    for v in fit.network:
        np.testing.assert_allclose(copy.cpts[v.name], fit.network.cpts[v.name], atol=1e-12)
    # Each learned row names the cases (and their fingerprint), the prior, the program
    # and the time: the provenance a BIF copy writes as its network's properties.
    entry = copy.spec.variable("entry")
    assert entry.table is not None  # type: ignore[union-attr]
    note = entry.table.rows[0].assumption or ""  # type: ignore[union-attr]
    cases_sha = hashlib.sha256(cases.read_bytes()).hexdigest()[:12]
    assert f"learned by EM from 20 cases from {cases} (sha256 {cases_sha})" in note
    assert f"Dirichlet, ess 10, secondfront {__version__}, " in note
    # The text is the one writer's: header, then the document (no block: the schema has none).
    fields = dict(L.provenance(fit, str(spec), str(cases)))
    fields["fitted_on"] = note.split(f"secondfront {__version__}, ")[1][:20]
    document = fitted_spec_document(model, fit, basis, fields)
    assert text == fitted_yaml_text(document, Provenance(spec, "x", tuple(h[2:] for h in head)))
    with pytest.raises(UsageError, match="is the model being fitted"):
        write_fitted_spec(model, fit, basis, str(spec), str(cases), spec)
    assert spec.read_text() == TINY
