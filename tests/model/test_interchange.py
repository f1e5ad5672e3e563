"""Hugin NET and GeNIe XDSL: write, read back, and load in the reference libraries.

NET files are checked against pyAgrum's NET reader (all marginals); XDSL files against
pgmpy's XDSLReader, whose table order follows SMILE's documented layout (first parent
most significant, the node's own state least). pyAgrum 3.3 reads XDSL tables with the
first parent fastest instead; a test pins that difference so that it is seen if it
changes.
"""

from __future__ import annotations

import numpy as np
import pytest

from secondfront.errors import SpecError
from secondfront.inference import infer
from secondfront.model.assembly import identifiers
from secondfront.model.formats import load
from secondfront.model.hugin import parse_net, write_net
from secondfront.model.network import Network, Variable
from secondfront.model.xdsl import parse_xdsl, write_xdsl
from secondfront.testing import QUICK_NETWORKS, example_network, network_from_pgmpy

pyagrum = pytest.importorskip("pyagrum")

NETWORKS = (*QUICK_NETWORKS[:8], "flagship")


def _network(name: str) -> Network:
    if name == "flagship":
        model = load("belarus-second-front")
        return getattr(model, "network", model)
    return example_network(name)


def _marginals(network: Network) -> dict[str, np.ndarray]:
    return {v: np.array(list(p.values())) for v, p in infer(network, {}).items()}


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize(("write", "parse"), [(write_net, parse_net), (write_xdsl, parse_xdsl)])
def test_round_trip_keeps_every_table(name, write, parse):
    net = _network(name)
    back = parse(write(net), "x")
    ids = identifiers(net.names)
    assert [ids[n] for n in net.names] == back.names
    for var in net:
        np.testing.assert_array_equal(back.cpts[ids[var.name]], net.cpts[var.name])
        assert back.variables[ids[var.name]].parents == tuple(ids[p] for p in var.parents)


@pytest.mark.parametrize("name", NETWORKS)
def test_pyagrum_reads_net_with_the_same_marginals(name, tmp_path):
    net = _network(name)
    path = tmp_path / "x.net"
    path.write_text(write_net(net), encoding="utf-8")
    bn = pyagrum.loadBN(str(path))
    ie = pyagrum.LazyPropagation(bn)
    ie.makeInference()
    ids = identifiers(net.names)
    ours = _marginals(net)
    for v in net.names:
        labels = [bn.variable(ids[v]).label(i) for i in range(bn.variable(ids[v]).domainSize())]
        assert labels == list(net.variables[v].states)
        # pyAgrum's NET reader keeps ~8 significant digits.
        np.testing.assert_allclose(ie.posterior(ids[v]).toarray(), ours[v], atol=1e-7)


@pytest.mark.parametrize("name", NETWORKS)
def test_pgmpy_reads_xdsl_with_the_same_tables(name):
    from pgmpy.readwrite import XDSLReader

    net = _network(name)
    other = network_from_pgmpy(XDSLReader(string=write_xdsl(net)).get_model())
    ids = identifiers(net.names)
    for var in net:
        theirs = other.variables[ids[var.name]]
        # pgmpy may order parents differently: align its axes to ours by name.
        axes = [theirs.parents.index(ids[p]) for p in var.parents] + [len(var.parents)]
        np.testing.assert_allclose(
            np.transpose(other.cpts[ids[var.name]], axes), net.cpts[var.name], atol=1e-15
        )


def test_pyagrum_reads_xdsl_tables_with_the_first_parent_fastest(tmp_path):
    net = example_network("cancer")  # Cancer | Pollution, Smoker
    path = tmp_path / "cancer.xdsl"
    path.write_text(write_xdsl(net), encoding="utf-8")
    bn = pyagrum.loadBN(str(path))
    flat = net.cpts["Cancer"].ravel()
    # pyAgrum's instantiation order: Cancer fastest, then Pollution, then Smoker; it
    # fills that order from the file's list, so it reads the list first parent fastest.
    inst = pyagrum.Instantiation(bn.cpt("Cancer"))
    read = []
    inst.setFirst()
    while not inst.end():
        read.append(bn.cpt("Cancer").get(inst))
        inst.inc()
    np.testing.assert_allclose(read, flat)
    assert not np.allclose(
        [bn.cpt("Cancer")[{"Pollution": 0, "Smoker": 1}][k] for k in range(2)],
        net.cpts["Cancer"][0, 1],
    )


def test_identifiers_are_one_to_one():
    ids = identifiers(["Asy/Patch", "Asy_Patch", "5-12", "ok", ""])
    assert ids["ok"] == "ok" and ids["Asy_Patch"] == "Asy_Patch"
    assert len(set(ids.values())) == 5
    assert all(i[0].isalpha() or i[0] == "_" for i in ids.values())


NET_CASES = [
    ('node a { states = ("x" "y"); }\npotential (a) { data = (0.5 0.6); }', "2:1", "sums to"),
    ('node a { states = ("x" "y"); }\npotential (a | b) { data = (0.5 0.5); }', "2:1", "unknown"),
    ('node a { states = ("x"); }\npotential (a) { data = (1 2 3 ; }', "2:", "expected"),
    ("continuous node z { }", "1:1", "continuous nodes are not supported"),
    ('node a { states = ("x" "y"); }', "1:6", "has no table"),
    ("node a { states = (" + "(" * 100 + ");}", "1:", "nested deeper"),
    ('node a { states = ("x" "y"); }\npotential (a | a) { data = (1 0); }', "2:1", "repeated"),
]


@pytest.mark.parametrize(("text", "where", "message"), NET_CASES)
def test_net_errors_are_located(text, where, message):
    with pytest.raises(SpecError) as err:
        parse_net(text, "bad.net")
    shown = str(err.value)
    assert f"bad.net:{where}" in shown and message in shown


XDSL_CASES = [
    (
        '<smile id="n"><nodes><cpt id="a"><state id="x"/><state id="y"/><probabilities>0.5 0.4'
        "</probabilities></cpt></nodes></smile>",
        "1:",
        "sums to",
    ),
    ('<smile id="n"><nodes><noisymax id="a"/></nodes></smile>', "1:", "not supported"),
    (
        '<smile id="n"><nodes><cpt id="a"><state id="x"/><probabilities>1 oops'
        "</probabilities></cpt></nodes></smile>",
        "1:",
        "could not convert",
    ),
    ("<smile><nodes>", "1:", "malformed XML"),
    ("", "1:1", "malformed XML: no element found"),
    (
        '<?xml version="1.0"?>\n<!DOCTYPE smile [ <!ENTITY a "aaaa"> ]>\n<smile id="n"/>',
        "2:",
        "XDSL needs none",
    ),
    ("<bif/>", "1:1", "not an XDSL file"),
]


@pytest.mark.parametrize(("text", "where", "message"), XDSL_CASES)
def test_xdsl_errors_are_located(text, where, message):
    with pytest.raises(SpecError) as err:
        parse_xdsl(text, "bad.xdsl")
    shown = str(err.value)
    assert f"bad.xdsl:{where}" in shown and message in shown


def test_cycle_is_reported():
    text = (
        'node a { states = ("x" "y"); }\nnode b { states = ("x" "y"); }\n'
        "potential (a | b) { data = ((1 0) (0 1)); }\n"
        "potential (b | a) { data = ((1 0) (0 1)); }\n"
    )
    with pytest.raises(SpecError, match="cycle"):
        parse_net(text, "c.net")


def test_load_and_export_by_suffix(tmp_path):
    net = Network("tiny", {"a": Variable("a", ("x", "y"))}, {"a": np.array([0.25, 0.75])})
    for suffix, write in ((".net", write_net), (".xdsl", write_xdsl)):
        path = tmp_path / f"tiny{suffix}"
        path.write_text(write(net), encoding="utf-8")
        loaded = load(path)
        loaded = getattr(loaded, "network", loaded)
        np.testing.assert_array_equal(loaded.cpts["a"], [0.25, 0.75])


XDSL_NETWORKS = ("flagship", "asia", "cancer", "earthquake")


def _pyagrum_with_smile_layout(bn, net: Network):  # type: ignore[no-untyped-def]
    """pyAgrum 3.3 fills a table from the file's list with the first parent fastest; the
    documented workaround re-reads each list in SMILE's layout (first parent slowest)."""
    ids = identifiers(net.names)
    for var in net:
        cpt = bn.cpt(ids[var.name])
        inst = pyagrum.Instantiation(cpt)
        listed = []
        inst.setFirst()
        while not inst.end():
            listed.append(cpt.get(inst))
            inst.inc()
        cards = [net.variables[p].card for p in var.parents]
        table = np.reshape(listed, (*cards, var.card))  # the file's list, SMILE's layout
        for idx in np.ndindex(*cards):
            given = {ids[p]: int(i) for p, i in zip(var.parents, idx, strict=True)}
            cpt[given] = table[idx].tolist()
    return bn


@pytest.mark.parametrize("name", XDSL_NETWORKS)
def test_pyagrum_and_pgmpy_load_the_xdsl_with_the_same_marginals(name, tmp_path):
    from pgmpy.inference import VariableElimination
    from pgmpy.readwrite import XDSLReader

    net = _network(name)
    text = write_xdsl(net)
    ids = identifiers(net.names)
    ours = _marginals(net)
    path = tmp_path / "x.xdsl"
    path.write_text(text, encoding="utf-8")
    bn = pyagrum.loadBN(str(path))
    # Nodes are named by their ids, never by their labels.
    assert sorted(bn.variable(n).name() for n in bn.nodes()) == sorted(ids.values())
    bn = _pyagrum_with_smile_layout(bn, net)
    ie = pyagrum.LazyPropagation(bn)
    ie.makeInference()
    model = XDSLReader(string=text).get_model()
    ve = VariableElimination(model)
    for v in net.names:
        np.testing.assert_allclose(ie.posterior(ids[v]).toarray(), ours[v], atol=1e-9)
        theirs = ve.query([ids[v]], show_progress=False)
        order = [
            theirs.state_names[ids[v]].index(s)
            for s in identifiers(net.variables[v].states).values()
        ]
        np.testing.assert_allclose(theirs.values[order], ours[v], atol=1e-9)


def test_xdsl_labels_travel_in_the_comment():
    net = _network("flagship")
    text = write_xdsl(net)
    assert "<name>belarus_entry</name>" in text
    back = parse_xdsl(text, "x")
    for var in net:
        assert back.variables[var.name].label == var.label
