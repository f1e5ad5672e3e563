"""Our engine agrees with pyAgrum, pgmpy and brute-force enumeration to 1e-9.

This is the cross-check the project promises: on the standard networks pgmpy ships, for
random evidence sets that observe five leaves at states drawn from the prior, every
single-variable posterior from ``secondfront.infer_batch`` is compared with

* pyAgrum's ShaferShenoyInference (C++ junction tree), built exactly in float64
  through its API by ``secondfront.testing.to_pyagrum``;
* pgmpy's VariableElimination (numpy), one query per variable;
* ``enumerate_marginals``, the naive twin, where the joint has fewer than 2**16 states.

The tables are read with our own BIF reader and renormalised in float64; one test checks
that pgmpy's independent loading path gives the same tables.

Networks whose references need many seconds (measured on 2 cores, three evidence sets)
are marked ``slow`` and run only with ``SECONDFRONT_FULL_CROSSCHECK=1``, the switch the
BIF cross-checks use too.
"""

from __future__ import annotations

import math
import os
from functools import cache

import numpy as np
import pytest

import secondfront
from secondfront import testing as T
from secondfront.inference.enumeration import enumerate_marginals
from secondfront.model.bif import read_bif
from secondfront.model.network import Network

TOLERANCE = 1e-9
N_SETS = 3  # random evidence sets per network, plus the empty set (the prior)
N_OBSERVED = 5
SEED = 20240601
ENUMERATION_LIMIT = 2**16  # joint states

FULL = bool(os.environ.get("SECONDFRONT_FULL_CROSSCHECK"))

# Every shipped network runs in the default suite except those below. Times are for one
# process on 2 cores, three evidence sets; ours is the whole batch, planning included.
EXPENSIVE = {
    "link": "ours ~5 s, pyAgrum ~20 s and pgmpy ~45 s for three sets (a 134-million-state clique)",
    "munin1": "ours ~55 s, pyAgrum ~50 s, pgmpy ~50 s for three sets (a 78-million-state clique)",
    "diabetes": "pgmpy VariableElimination ~130 s for three sets (413 variables, one query each)",
    "barley": "ours ~3.5 s, pyAgrum ~4 s and pgmpy ~4 s for three sets on a quiet machine, "
    "40 s and more under load (a 13-million-state clique)",
    "munin": "pyAgrum ~8 s and pgmpy ~9 s per set on 1,041 variables",
    "munin2": "pgmpy ~10 s per set on 1,003 variables",
    "munin3": "pyAgrum ~6 s and pgmpy ~7 s per set on 1,041 variables",
    "munin4": "pyAgrum ~16 s and pgmpy ~24 s per set on 1,038 variables",
}


# pgmpy answers only the first rows (the prior and one evidence set) where one set costs it
# seconds; pyAgrum and, where small enough, enumeration still check every row.
PGMPY_ROWS = {"andes": 2}  # ~3.5 s per evidence set (one query per each of 223 variables)


def _param(name: str) -> object:
    if name not in EXPENSIVE:
        return name
    skip = pytest.mark.skipif(
        not FULL, reason=f"{EXPENSIVE[name]}; set SECONDFRONT_FULL_CROSSCHECK=1 to run it"
    )
    return pytest.param(name, marks=[pytest.mark.slow, skip])


NETWORKS = [_param(n) for n in T.EXAMPLE_NETWORKS]


@cache
def network(name: str) -> Network:
    """The shipped network through our BIF reader (cached: every test only reads it)."""
    return read_bif(T.example_network_path(name))


@cache
def evidence_sets(name: str) -> tuple[dict[str, str], ...]:
    return ({}, *T.random_leaf_evidence(network(name), N_SETS, N_OBSERVED, seed=SEED))


@cache
def ours(name: str) -> dict[str, np.ndarray]:
    marginals = secondfront.infer_batch(network(name), list(evidence_sets(name)))
    return {k: np.asarray(v, dtype=np.float64) for k, v in marginals.items()}


def _row(marginals: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    return {name: m[i] for name, m in marginals.items()}


def _assert_close(ref: dict[str, np.ndarray], got: dict[str, np.ndarray], what: str) -> None:
    """Max abs difference below TOLERANCE, naming the worst variable when it is not."""
    assert set(ref) == set(got), f"{what}: variables differ"
    worst, where = 0.0, ""
    for name, expected in ref.items():
        assert got[name].shape == expected.shape, f"{what}: {name} shape"
        diff = float(np.max(np.abs(got[name] - expected)))
        if diff > worst:
            worst, where = diff, name
    assert worst < TOLERANCE, f"{what}: max abs diff {worst:.3g} at {where}"


def _assert_one_hot(name: str) -> None:
    net, got = network(name), ours(name)
    for i, evidence in enumerate(evidence_sets(name)):
        for var, state in evidence.items():
            expected = np.eye(net.variables[var].card)[net.variables[var].index(state)]
            np.testing.assert_array_equal(got[var][i], expected, err_msg=f"{var} row {i}")


@pytest.mark.parametrize("name", NETWORKS)
def test_matches_pyagrum(name: str) -> None:
    net = network(name)
    reference = T.pyagrum_marginals_batch(T.to_pyagrum(net), evidence_sets(name), "shafer")
    got = ours(name)
    assert set(got) == set(net.names)
    for var, m in got.items():
        assert m.shape == (len(evidence_sets(name)), net.variables[var].card), var
    _assert_close(reference, got, f"{name} vs pyAgrum")
    _assert_one_hot(name)


@pytest.mark.parametrize("name", NETWORKS)
def test_matches_pgmpy(name: str) -> None:
    net = network(name)
    rows = slice(0, PGMPY_ROWS.get(name, len(evidence_sets(name))))
    reference = T.PgmpyMarginals(T.to_pgmpy(net), net).batch(evidence_sets(name)[rows])
    got = {var: m[rows] for var, m in ours(name).items()}
    _assert_close(reference, got, f"{name} vs pgmpy")


# The networks whose joint has fewer than ENUMERATION_LIMIT states (checked below).
SMALL = ["asia", "cancer", "earthquake", "survey"]


@pytest.mark.parametrize("name", SMALL)
def test_matches_enumeration(name: str) -> None:
    got = ours(name)
    for i, evidence in enumerate(evidence_sets(name)):
        reference = enumerate_marginals(network(name), evidence)
        _assert_close(reference, _row(got, i), f"{name} set {i} vs enumeration")


def test_enumeration_covers_every_small_network() -> None:
    """SMALL is exactly the cheap networks that enumeration can handle."""
    cheap = [n for n in T.EXAMPLE_NETWORKS if n not in EXPENSIVE]
    assert [n for n in cheap if math.prod(v.card for v in network(n)) < ENUMERATION_LIMIT] == SMALL


@pytest.mark.parametrize("name", ["asia", "alarm", "child", "win95pts"])
def test_both_loaders_give_the_same_tables(name: str) -> None:
    """Our BIF reader and pgmpy's (through ``network_from_pgmpy``) agree on every table.

    ``child`` has the state name ``Asy/Patch`` that pyAgrum's own BIF reader rejects.
    """
    mine = network(name)
    theirs = T.network_from_pgmpy(T.load_pgmpy_model(name))
    assert set(mine.names) == set(theirs.names)
    for var in mine:
        other = theirs.variables[var.name]
        assert other.states == var.states, var.name
        assert other.parents == var.parents, var.name
        np.testing.assert_allclose(
            theirs.cpts[var.name], mine.cpts[var.name], rtol=0, atol=1e-15, err_msg=var.name
        )
