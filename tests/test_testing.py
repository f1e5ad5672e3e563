"""The reference-library adapters in ``secondfront.testing`` are themselves correct.

The cross-checks in ``tests/inference/test_reference_agreement.py`` are only as good as
these adapters, so they are checked here without our engine: tables survive every
conversion bit for bit, and pyAgrum and pgmpy, fed through them, agree with each other.
"""

from __future__ import annotations

import numpy as np
import pytest

from secondfront import testing as T
from secondfront.model.network import Network, Variable


def _random_network(seed: int = 0) -> Network:
    """A small network with awkward names: slashes, spaces, an empty and a numeric label."""
    rng = np.random.default_rng(seed)
    odd = ("Asy/Patch", "a b", "", "1", "x;y", "{z}", "é")
    variables = {
        "A": Variable("A", odd),
        "B b": Variable("B b", ("0", "1"), ("A",)),
        "C": Variable("C", ("lo", "mid", "hi"), ("B b", "A")),
    }
    cpts = {}
    for var in variables.values():
        shape = (*(variables[p].card for p in var.parents), var.card)
        table = rng.random(shape)
        cpts[var.name] = table / table.sum(axis=-1, keepdims=True)
    return Network("odd", variables, cpts)


# -- locating and loading ----------------------------------------------------------------


def test_example_networks_are_shipped() -> None:
    folder = T.example_networks_dir()
    for name in T.EXAMPLE_NETWORKS:
        assert T.example_network_path(name) == folder / f"{name}.bif.gz"
        assert T.example_network_path(name).is_file()
    with pytest.raises(KeyError, match="unknown example network"):
        T.example_network_path("nope")


def test_network_from_pgmpy_asia() -> None:
    net = T.example_network("asia")
    assert len(net) == 8
    assert net.variables["either"].parents == ("lung", "tub")
    assert net.variables["asia"].states == ("yes", "no")
    # P(either | lung=yes, tub=no) = (1, 0); P(dysp=yes | bronc=no, either=yes) = 0.7
    np.testing.assert_array_equal(net.cpts["either"][0, 1], [1.0, 0.0])
    assert net.cpts["dysp"][1, 0, 0] == pytest.approx(0.7, abs=1e-15)
    for var in net:
        np.testing.assert_allclose(net.cpts[var.name].sum(axis=-1), 1.0, rtol=0, atol=1e-15)


def test_network_from_pgmpy_aligns_parent_states_by_name() -> None:
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork([("P", "C")])
    model.add_cpds(
        TabularCPD("P", 2, [[0.3], [0.7]], state_names={"P": ["p0", "p1"]}),
        # The child's table lists the parent's states in the other order.
        TabularCPD(
            "C",
            2,
            [[0.9, 0.2], [0.1, 0.8]],
            evidence=["P"],
            evidence_card=[2],
            state_names={"C": ["c0", "c1"], "P": ["p1", "p0"]},
        ),
    )
    net = T.network_from_pgmpy(model)
    assert net.variables["P"].states == ("p0", "p1")
    np.testing.assert_array_equal(net.cpts["C"], [[0.2, 0.8], [0.9, 0.1]])


def test_network_from_pgmpy_rejects_rows_far_from_one() -> None:
    model = T.to_pgmpy(_random_network())
    cpd = model.get_cpds("A")
    cpd.values = cpd.values * 1.01
    with pytest.raises(ValueError, match="sums to 1"):
        T.network_from_pgmpy(model)


# -- conversions keep every table exactly ------------------------------------------------


@pytest.mark.parametrize("name", ["asia", "alarm", "child", "insurance"])
def test_pyagrum_tables_are_ours(name: str) -> None:
    net = T.example_network(name)
    bn = T.to_pyagrum(net)
    assert bn.size() == len(net)
    for var in net:
        assert list(bn.variable(var.name).labels()) == list(var.states)
        assert {bn.variable(p).name() for p in bn.parents(var.name)} == set(var.parents)
        np.testing.assert_allclose(
            T.pyagrum_cpt(bn, net, var.name), net.cpts[var.name], rtol=0, atol=1e-15
        )


def test_pyagrum_accepts_odd_names() -> None:
    net = _random_network()
    bn = T.to_pyagrum(net)
    for var in net:
        np.testing.assert_array_equal(T.pyagrum_cpt(bn, net, var.name), net.cpts[var.name])


@pytest.mark.parametrize("name", ["asia", "alarm", "child"])
def test_pgmpy_round_trip(name: str) -> None:
    net = T.example_network(name)
    back = T.network_from_pgmpy(T.to_pgmpy(net))
    assert set(back.names) == set(net.names)  # pgmpy orders its nodes by edge insertion
    for var in net:
        assert back.variables[var.name] == var
        np.testing.assert_allclose(back.cpts[var.name], net.cpts[var.name], rtol=0, atol=1e-15)


# -- the two references agree through the adapters ---------------------------------------


@pytest.mark.parametrize("name", ["asia", "alarm"])
def test_pyagrum_and_pgmpy_agree(name: str) -> None:
    net = T.example_network(name)
    sets = [{}, *T.random_leaf_evidence(net, 3, seed=11)]
    bn = T.to_pyagrum(net)
    lazy = T.pyagrum_marginals_batch(bn, sets, "lazy")
    shafer = T.pyagrum_marginals_batch(bn, sets, "shafer")
    pgmpy = T.PgmpyMarginals(T.to_pgmpy(net)).batch(sets)
    assert set(lazy) == set(net.names)
    assert T.max_abs_diff(lazy, shafer) < 1e-9
    assert T.max_abs_diff(lazy, pgmpy) < 1e-9
    for i, evidence in enumerate(sets):
        single = T.pyagrum_marginals(bn, evidence, "shafer")
        assert T.max_abs_diff(single, {n: a[i] for n, a in shafer.items()}) < 1e-15
        for var, state in evidence.items():
            expected = np.eye(net.variables[var].card)[net.variables[var].index(state)]
            np.testing.assert_array_equal(pgmpy[var][i], expected)
            np.testing.assert_array_equal(lazy[var][i], expected)


def test_asia_textbook_posterior() -> None:
    """A value known independently of both libraries: P(asia = yes) = 0.01 a priori."""
    net = T.example_network("asia")
    post = T.pyagrum_marginals(T.to_pyagrum(net), {})
    assert post["asia"][0] == pytest.approx(0.01, abs=1e-15)
    assert post["smoke"][0] == pytest.approx(0.5, abs=1e-15)


def test_odd_names_through_both_references() -> None:
    net = _random_network()
    bn = T.to_pyagrum(net)
    model = T.to_pgmpy(net)
    # "" and "1" as state names: passing indices to pyAgrum avoids reading "1" as index 1.
    for evidence in ({}, {"A": ""}, {"A": "1"}, {"C": "hi"}, {"B b": "1", "A": "Asy/Patch"}):
        left = T.pyagrum_marginals(bn, evidence, "shafer")
        right = T.pgmpy_marginals(model, evidence)
        assert T.max_abs_diff(left, right) < 1e-12, evidence


def test_pyagrum_output_realigned_to_our_state_order() -> None:
    net = _random_network()
    # The same distribution with A's states listed in reverse, built as another BayesNet.
    flipped_a = Variable("A", tuple(reversed(net.variables["A"].states)))
    flipped = Network(
        "flipped",
        {"A": flipped_a, "B b": net.variables["B b"], "C": net.variables["C"]},
        {
            "A": net.cpts["A"][::-1],
            "B b": net.cpts["B b"][::-1],
            "C": net.cpts["C"][:, ::-1],
        },
    )
    bn = T.to_pyagrum(flipped)
    ours = T.pyagrum_marginals(T.to_pyagrum(net), {"C": "mid"})
    realigned = T.pyagrum_marginals(bn, {"C": "mid"}, network=net)
    assert T.max_abs_diff(ours, realigned) < 1e-15
    assert list(T.pyagrum_cpt(bn, net, "A")) == list(net.cpts["A"])
    pg = T.pgmpy_marginals(T.to_pgmpy(flipped), {"C": "mid"}, network=net)
    assert T.max_abs_diff(ours, pg) < 1e-12


# -- random evidence ----------------------------------------------------------------------


def test_random_leaf_evidence_observes_leaves_at_possible_states() -> None:
    net = T.example_network("alarm")
    sets = T.random_leaf_evidence(net, 40, n_observed=5, seed=3)
    leaves = {n for n in net.names if not net.children(n)}
    assert len(sets) == 40
    assert len({tuple(s.items()) for s in sets}) > 1
    bn = T.to_pyagrum(net)
    runner = T.PyAgrumMarginals(bn, "lazy")
    for evidence in sets:
        assert len(evidence) == 5
        assert set(evidence) <= leaves
        assert list(evidence) == [n for n in net.names if n in evidence]
        runner._set(evidence)
        assert runner.inference.evidenceProbability() > 0
    assert T.random_leaf_evidence(net, 40, seed=3) == sets
    assert T.random_leaf_evidence(net, 40, seed=4) != sets


def test_random_leaf_evidence_with_few_leaves() -> None:
    asia = T.example_network("asia")  # two leaves: xray, dysp
    sets = T.random_leaf_evidence(asia, 20, n_observed=5, seed=0)
    assert all(len(s) == 5 for s in sets)
    assert any(set(s) - {"xray", "dysp"} for s in sets)
    cancer = T.example_network("cancer")  # five variables: at most four are observed
    assert all(len(s) == 4 for s in T.random_leaf_evidence(cancer, 5, n_observed=5, seed=0))


def test_forward_sample_follows_the_prior() -> None:
    net = T.example_network("asia")
    samples = T.forward_sample(net, 200_000, np.random.default_rng(0))
    prior = T.pyagrum_marginals(T.to_pyagrum(net), {})
    for name, idx in samples.items():
        freq = np.bincount(idx, minlength=net.variables[name].card) / idx.size
        np.testing.assert_allclose(freq, prior[name], atol=5e-3)


def test_max_abs_diff() -> None:
    a = {"x": np.array([0.25, 0.75]), "y": np.array([[1.0, 0.0]])}
    assert T.max_abs_diff(a, a) == 0.0
    assert T.max_abs_diff(a, {**a, "x": np.array([0.5, 0.5])}) == 0.25
    with pytest.raises(KeyError):
        T.max_abs_diff(a, {"x": a["x"]})
    with pytest.raises(ValueError):
        T.max_abs_diff(a, {**a, "y": np.array([1.0, 0.0])})
