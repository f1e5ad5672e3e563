"""The batched junction tree against its naive twin (enumeration of the joint).

Every test runs twice: with the numpy passes and with the compiled ones (the size rule
would send these small networks to numpy alone).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from secondfront.errors import ImpossibleEvidenceError, QueryError
from secondfront.inference import (
    compile_query,
    enumerate_marginals,
    infer,
    infer_batch,
    joint,
    passes,
    plan,
    posterior_batch,
)
from secondfront.inference.junction_tree import (
    HEURISTICS,
    TILE,
    build_junction_tree,
    compile_plan,
    total_size,
    triangulate,
)
from secondfront.model.network import Network, Variable


@pytest.fixture(autouse=True, params=["numpy", "compiled"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which propagation answers every call of the test."""
    numpy = request.param == "numpy"
    monkeypatch.setattr(passes, "use_numpy", lambda entries, batch: numpy)
    return str(request.param)


def random_network(
    seed: int, n: int, max_parents: int = 3, max_card: int = 3, zeros: bool = False
) -> Network:
    """A random DAG over ``n`` variables with random tables (some entries 0 if ``zeros``)."""
    rng = np.random.default_rng(seed)
    variables: dict[str, Variable] = {}
    cpts: dict[str, np.ndarray] = {}
    for i in range(n):
        k = int(rng.integers(0, min(i, max_parents) + 1))
        parents = tuple(f"v{j}" for j in sorted(rng.choice(i, size=k, replace=False))) if k else ()
        card = int(rng.integers(2, max_card + 1))
        shape = (*[variables[p].card for p in parents], card)
        table = rng.dirichlet(np.ones(card), size=math.prod(shape[:-1])).reshape(shape)
        if zeros:
            table = np.where(rng.random(shape) < 0.2, 0.0, table)
            table[..., 0] += 1e-3  # keep every row proper
            table /= table.sum(axis=-1, keepdims=True)
        name = f"v{i}"
        variables[name] = Variable(name, tuple(f"s{j}" for j in range(card)), parents)
        cpts[name] = table
    return Network(f"random-{seed}", variables, cpts)


def random_evidence(net: Network, rng: np.random.Generator, k: int) -> dict[str, str]:
    """Hard evidence on ``k`` variables at states drawn from one joint sample (so P(e) > 0)."""
    sample: dict[str, int] = {}
    for v in net:
        row = net.cpts[v.name][tuple(sample[p] for p in v.parents)]
        sample[v.name] = int(rng.choice(v.card, p=row))
    chosen = rng.choice(len(net), size=k, replace=False)
    names = net.names
    return {names[i]: net.variables[names[i]].states[sample[names[i]]] for i in chosen}


CASES = list(itertools.product(range(6), [4, 8, 11]))


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_batch_matches_enumeration(seed: int, n: int) -> None:
    net = random_network(seed, n, zeros=seed % 2 == 1)
    rng = np.random.default_rng(seed)
    evidence = [random_evidence(net, rng, k) for k in (0, 1, 2, 3, 1, 2)]
    got = infer_batch(net, evidence)
    for b, ev in enumerate(evidence):
        want = enumerate_marginals(net, ev)
        for name in net.names:
            np.testing.assert_allclose(got[name][b], want[name], atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_soft_evidence_and_intervention_match_enumeration(seed: int) -> None:
    net = random_network(100 + seed, 9)
    rng = np.random.default_rng(seed)
    names = net.names
    soft = {names[-1]: rng.random(net.variables[names[-1]].card) + 0.1}
    hard = random_evidence(net, rng, 1)
    hard.pop(names[-1], None)
    do_var = names[2]
    do = {do_var: net.variables[do_var].states[-1]}
    got = infer(net, {**hard, **soft}, do=do)
    want = enumerate_marginals(net, hard, likelihood=soft, do=do)
    for name in names:
        np.testing.assert_allclose(list(got[name].values()), want[name], atol=1e-12)
    assert got[do_var][do[do_var]] == pytest.approx(1.0)


def test_intervention_differs_from_conditioning() -> None:
    # X -> Y: observing Y changes belief in X; setting Y by intervention does not.
    net = Network(
        "xy",
        {"X": Variable("X", ("a", "b")), "Y": Variable("Y", ("a", "b"), ("X",))},
        {"X": np.array([0.3, 0.7]), "Y": np.array([[0.9, 0.1], [0.2, 0.8]])},
    )
    seen = infer(net, {"Y": "a"})["X"]["a"]
    assert seen == pytest.approx(0.3 * 0.9 / (0.3 * 0.9 + 0.7 * 0.2))
    assert infer(net, do={"Y": "a"})["X"]["a"] == pytest.approx(0.3)


def test_log_evidence_is_probability_of_evidence() -> None:
    net = random_network(7, 10)
    rng = np.random.default_rng(7)
    evidence = [random_evidence(net, rng, 3) for _ in range(5)]
    post = posterior_batch(net, evidence)
    p = joint(net)
    names = net.names
    for b, ev in enumerate(evidence):
        idx = tuple(net.variables[n].index(ev[n]) if n in ev else slice(None) for n in names)
        assert post.log_evidence[b] == pytest.approx(math.log(p[idx].sum()), abs=1e-12)


def test_parameter_batch_matches_one_at_a_time() -> None:
    net = random_network(3, 8)
    rng = np.random.default_rng(3)
    target = net.names[5]
    shape = net.cpts[target].shape
    tables = rng.dirichlet(np.ones(shape[-1]), size=(4, *shape[:-1]))
    ev = random_evidence(net, rng, 2)
    got = posterior_batch(net, [ev] * 4, cpts={target: tables}).marginals
    for b in range(4):
        want = enumerate_marginals(net.with_cpts({target: tables[b]}), ev)
        for name in net.names:
            np.testing.assert_allclose(got[name][b], want[name], atol=1e-12)


@pytest.mark.parametrize("zeros", [False, True])
def test_batches_over_several_tiles_match_one_at_a_time(zeros: bool) -> None:
    # 2 tiles and a partial third: each row has its own parameter set (the potentials
    # carry the batch axis, read at the tile's column offset), its own hard and soft
    # evidence, and its own P(e); zero entries (skipped by the passes) in half the runs.
    net = random_network(31, 9, zeros=zeros)
    rng = np.random.default_rng(31)
    target = net.names[4]
    batch = 2 * TILE + 5
    shape = net.cpts[target].shape
    tables = rng.dirichlet(np.ones(shape[-1]), size=(batch, *shape[:-1]))
    rows = []
    for _ in range(batch):
        ev: dict[str, object] = dict(random_evidence(net, rng, 2))
        soft = net.names[0]
        if soft not in ev:
            ev[soft] = list(rng.uniform(0.1, 1.0, net.variables[soft].card))
        rows.append(ev)
    got = posterior_batch(net, rows, cpts={target: tables}, on_impossible="nan")
    for b in range(batch):
        one = net.with_cpts({target: tables[b]})
        hard = {k: v for k, v in rows[b].items() if isinstance(v, str)}
        weight = np.asarray(rows[b][net.names[0]]) if net.names[0] not in hard else None
        p = joint(one)
        idx = tuple(
            one.variables[n].index(hard[n]) if n in hard else slice(None) for n in net.names
        )
        sub = p[idx] if weight is None else None
        if weight is not None:
            # Soft evidence on the first variable: weight the joint along its axis.
            shaped = weight.reshape((-1,) + (1,) * (len(net.names) - 1))
            sub = (p * shaped)[idx]
        assert sub is not None
        if sub.sum() == 0:  # these parameters make this row's evidence impossible
            assert np.isneginf(got.log_evidence[b]) and np.isnan(got.marginals[target][b]).all()
            continue
        assert got.log_evidence[b] == pytest.approx(math.log(sub.sum()), abs=1e-12)
        kept = [n for n in net.names if n not in hard]
        for axis, name in enumerate(kept):
            want = sub.sum(axis=tuple(a for a in range(sub.ndim) if a != axis))
            np.testing.assert_allclose(got.marginals[name][b], want / want.sum(), atol=1e-12)


def test_batch_split_by_memory_limit_gives_same_answer() -> None:
    net = random_network(11, 11)
    rng = np.random.default_rng(11)
    evidence = [random_evidence(net, rng, 2) for _ in range(17)]
    whole = posterior_batch(net, evidence)
    p = plan(net, {n for e in evidence for n in e})
    split = posterior_batch(net, evidence, memory_limit=3 * p.bytes_per_row)
    for name in net.names:
        np.testing.assert_allclose(split.marginals[name], whole.marginals[name], atol=1e-15)
    np.testing.assert_allclose(split.log_evidence, whole.log_evidence)


def test_impossible_evidence_names_the_evidence() -> None:
    net = Network(
        "det",
        {"A": Variable("A", ("no", "yes")), "B": Variable("B", ("no", "yes"), ("A",))},
        {"A": np.array([1.0, 0.0]), "B": np.array([[1.0, 0.0], [0.5, 0.5]])},
    )
    with pytest.raises(ImpossibleEvidenceError, match=r"P\(e\) = 0 for \{'B': 'yes'\}"):
        infer(net, {"B": "yes"})
    with pytest.raises(ImpossibleEvidenceError, match=r"batch rows \[1\]"):
        infer_batch(net, [{"B": "no"}, {"B": "yes"}])
    with pytest.raises(ImpossibleEvidenceError):
        enumerate_marginals(net, {"B": "yes"})
    nan = posterior_batch(net, [{"B": "no"}, {"B": "yes"}], on_impossible="nan")
    assert np.isneginf(nan.log_evidence[1]) and np.isnan(nan.marginals["A"][1]).all()


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ({"Z": "yes"}, r"unknown variable 'Z'; valid variables: A, B"),
        ({"A": "maybe"}, r"unknown state of A 'maybe'; valid states of A: no, yes"),
        ({"A": "yse"}, r"state of A 'yse'; did you mean 'yes'\? Valid states of A: no, yes"),
        ({"A": [1.0]}, r"soft evidence on A needs 2 non-negative numbers"),
        ({"A": [-1.0, 1.0]}, r"soft evidence on A needs 2"),
    ],
)
def test_unknown_names_are_one_line_errors(evidence: dict, message: str) -> None:
    net = Network(
        "ab",
        {"A": Variable("A", ("no", "yes")), "B": Variable("B", ("no", "yes"), ("A",))},
        {"A": np.array([0.5, 0.5]), "B": np.array([[0.9, 0.1], [0.5, 0.5]])},
    )
    with pytest.raises(QueryError, match=message):
        infer(net, evidence)


def test_disconnected_network_and_isolated_variable() -> None:
    net = random_network(5, 6, max_parents=0)  # six independent variables: a forest
    rng = np.random.default_rng(5)
    ev = random_evidence(net, rng, 2)
    got = infer_batch(net, [ev])
    want = enumerate_marginals(net, ev)
    for name in net.names:
        np.testing.assert_allclose(got[name][0], want[name], atol=1e-14)


@pytest.mark.parametrize("heuristic", [None, *HEURISTICS])
@pytest.mark.parametrize("seed", range(5))
def test_junction_tree_properties(seed: int, heuristic: str | None) -> None:
    """Every family sits in a clique, and cliques holding a variable form a connected subtree."""
    net = random_network(seed, 14, max_parents=4)
    index = {n: i for i, n in enumerate(net.names)}
    parents = [tuple(index[p] for p in v.parents) for v in net]
    tree = build_junction_tree(parents, [v.card for v in net], heuristic)
    for v, ps in enumerate(parents):
        assert {v, *ps} <= set(tree.cliques[tree.family_home[v]])
    for v in range(len(parents)):
        holding = {c for c, cl in enumerate(tree.cliques) if v in cl}
        # Running intersection: the holders have exactly one member whose parent is not a holder.
        tops = [c for c in holding if tree.parent[c] not in holding]
        assert len(tops) == 1
    assert sorted(tree.postorder) == list(range(len(tree.cliques)))
    seen: set[int] = set()
    for c in tree.postorder:
        assert all(child in seen for child, p in enumerate(tree.parent) if p == c)
        seen.add(c)


def test_trivial_messages_are_skipped_only_without_evidence_below() -> None:
    net = random_network(21, 12)
    leaf = next(v.name for v in reversed(list(net)) if not net.children(v.name))
    quiet = plan(net, set())
    loud = plan(net, {leaf})
    assert sum(quiet.trivial) >= sum(loud.trivial)
    assert sum(quiet.trivial) > 0


@pytest.mark.parametrize("heuristic", HEURISTICS)
@pytest.mark.parametrize("seed", range(4))
def test_every_heuristic_gives_the_enumerated_marginals(seed: int, heuristic: str) -> None:
    net = random_network(100 + seed, 11, max_parents=3, max_card=3)
    index = {n: i for i, n in enumerate(net.names)}
    parents = [tuple(index[p] for p in v.parents) for v in net]
    card = [v.card for v in net]
    tree = build_junction_tree(parents, card, heuristic)
    leaf = net.names[-1]
    p = compile_plan(parents, card, {index[leaf]}, tree=tree)
    pots = p.potentials([net.cpts[n] for n in net.names])
    lik = np.zeros((1, net.variables[leaf].card))
    lik[0, 0] = 1.0
    got = p.run(pots, {index[leaf]: lik})
    want = enumerate_marginals(net, {leaf: net.variables[leaf].states[0]})
    for name, i in index.items():
        np.testing.assert_allclose(got.marginals[i][0], want[name], atol=1e-12)


def test_default_triangulation_keeps_the_smallest_total_of_a_large_network() -> None:
    # A grid of 5-state variables: large enough that every heuristic is tried.
    n = 6
    parents = [
        tuple(p for p in (i - 1 if i % n else None, i - n if i >= n else None) if p is not None)
        for i in range(n * n)
    ]
    card = [5] * (n * n)
    totals = {h: total_size(triangulate(parents, card, h), card) for h in HEURISTICS}
    chosen = total_size(triangulate(parents, card), card)
    assert chosen > (1 << 16) and chosen == min(totals.values())


@pytest.mark.parametrize("seed", range(3))
def test_a_query_for_every_variable_with_evidence_on_few(seed: int) -> None:
    # Compiled for evidence anywhere, given evidence on one variable per call: the
    # subtrees without it send messages that are all ones (skipped) or equal for every
    # row (formed once and copied); answers must be those of the enumerated joint, for a
    # batch over several tiles.
    net = random_network(200 + seed, 12, max_parents=3)
    query = compile_query(net)
    rng = np.random.default_rng(seed)
    for name in (net.names[0], net.names[6], net.names[-1]):
        rows = [{name: net.variables[name].states[int(rng.integers(net.variables[name].card))]}]
        rows = rows * (2 * TILE + 3)
        got = query.run(rows, on_impossible="nan")
        want = enumerate_marginals(net, rows[0]) if np.isfinite(got.log_evidence[0]) else None
        for b in (0, TILE, len(rows) - 1):
            assert got.log_evidence[b] == got.log_evidence[0]
            if want is None:
                continue
            for var in net.names:
                np.testing.assert_allclose(got.marginals[var][b], want[var], atol=1e-12)
