"""The loaded Model: one definition of outcomes, indicators and headline states, a bare
network's answer, companions, identity, and queries the caller owns."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import secondfront as sf
from secondfront.errors import QueryError, UsageError
from secondfront.model.formats import available_models, model_files
from secondfront.model.model import Model
from tests.conftest import FLAGSHIP


def test_a_spec_declares_its_roles() -> None:
    m = sf.load(FLAGSHIP)
    assert isinstance(m, Model) and m.format == "spec" and m.path == FLAGSHIP
    assert m.digest.startswith("sha256:") and len(m.digest) == 7 + 64
    assert [o.variable for o in m.outcomes()] == m.declared_outcomes() == m.spec.outcome_variables()
    assert m.indicators() == [i.name for i in m.spec.indicators]
    assert m.headline("belarus_entry") == "entered"
    assert m.headlines()["reservist_callups"] == "present"


def test_a_bare_network_has_a_defined_answer(asia_bif: Path) -> None:
    m = sf.load(asia_bif)
    assert m.spec is None and m.format == "bif" and m.declared_outcomes() == []
    # Every variable is an outcome, in its last state; the leaves are the indicators.
    assert [o.variable for o in m.outcomes()] == m.names
    assert all(o.state == m.variables[o.variable].states[-1] for o in m.outcomes())
    assert set(m.indicators()) == {"xray", "dysp"}
    with pytest.raises(UsageError, match="sensitivity needs a scenario spec"):
        m.require_spec("sensitivity")


def test_companions_are_found_beside_the_model_and_never_listed() -> None:
    m = sf.load(FLAGSHIP)
    assert m.companions.mapping == FLAGSHIP.with_name("belarus-second-front.mapping.yaml")
    assert m.companions.timeline == FLAGSHIP.with_name("belarus-second-front.timeline.yaml")
    assert m.companions.society == FLAGSHIP.with_name("belarus-society.yaml")
    assert list(model_files(FLAGSHIP.parent)) == ["belarus-second-front", "isw-belarus-restraint"]
    assert "belarus-society" not in available_models()


def test_the_network_is_pure_data() -> None:
    net = sf.load(FLAGSHIP).network
    assert set(vars(net)) == {"name", "variables", "cpts"}


def test_a_query_is_owned_by_its_caller_and_shared_safely() -> None:
    m = sf.load(FLAGSHIP)
    q = sf.compile_query(m, observed=["reservist_callups"])
    assert q is not sf.compile_query(m, observed=["reservist_callups"])  # no hidden cache
    rows = [{"reservist_callups": s} for s in ("absent", "present")]
    want = sf.posterior_batch(m, rows).marginals["belarus_entry"]
    assert np.allclose(q.run(rows).marginals["belarus_entry"], want, atol=1e-12)
    with pytest.raises(QueryError, match="compiled for evidence on"):
        q.run([{"troops_toward_southern_border": "present"}])
    assert all(not p.flags.writeable for p in q.potentials)
    # Threads share one caller-owned query without a lock and get the same answers.
    shared = sf.compile_query(m)
    results: list[np.ndarray] = []

    def work() -> None:
        for _ in range(20):
            results.append(sf.posterior_batch(shared, rows).marginals["belarus_entry"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(np.array_equal(r, results[0]) for r in results)


def test_a_model_holds_no_query() -> None:
    m = sf.load(FLAGSHIP)
    # The model is data: no compiled query on it, before or after a query is answered.
    sf.posterior_batch(m, [{}])
    assert not hasattr(m, "query") and not hasattr(Model, "compile")
    assert "query" not in vars(m)
    # That model/ imports no engine is a contract of pyproject.toml (lint-imports).
