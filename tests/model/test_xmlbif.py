"""XMLBIF reader and writer: layout, diagnostics, round trips, exact loading into pyAgrum."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from secondfront import testing as T
from secondfront.errors import SpecError
from secondfront.model.bif import parse_bif
from secondfront.model.network import Network, Variable
from secondfront.model.xmlbif import dump_xmlbif, parse_xmlbif, read_xmlbif, write_xmlbif

FULL = bool(os.environ.get("SECONDFRONT_FULL_CROSSCHECK"))
_SKIP_BIG = pytest.mark.skipif(
    not FULL,
    reason="about 1 s per network to write, re-read and load into pyAgrum; "
    "set SECONDFRONT_FULL_CROSSCHECK=1 to run it",
)
# Writing, re-reading and loading into pyAgrum is quick for four more than the reader
# cross-checks take by default.
EVERY = [*T.QUICK_NETWORKS, "andes", "water", "pigs", "munin1"]
BIG = [n for n in T.EXAMPLE_NETWORKS if n not in EVERY]
NETWORKS = [*EVERY, *(pytest.param(n, marks=[pytest.mark.slow, _SKIP_BIG]) for n in BIG)]

SMALL_DOC = """<?xml version="1.0" encoding="UTF-8"?>
<BIF VERSION="0.3">
<NETWORK>
<NAME>tiny</NAME>
<VARIABLE TYPE="nature">
  <NAME>c</NAME>
  <OUTCOME>c0</OUTCOME>
  <OUTCOME>c1</OUTCOME>
  <PROPERTY>label = The child &amp; its "label"</PROPERTY>
</VARIABLE>
<VARIABLE TYPE="nature">
  <NAME>a</NAME>
  <OUTCOME>a0</OUTCOME>
  <OUTCOME>a1</OUTCOME>
</VARIABLE>
<variable type="nature">
  <name>b</name>
  <outcome>b0</outcome> <outcome>b1</outcome> <outcome>b2</outcome>
</variable>
<DEFINITION>
  <FOR>c</FOR>
  <GIVEN>a</GIVEN>
  <GIVEN>b</GIVEN>
  <TABLE>0.1 0.9  0.2 0.8  0.3 0.7
         0.4 0.6  0.5 0.5  0.6 0.4</TABLE>
</DEFINITION>
<DEFINITION><FOR>a</FOR><TABLE>0.25 0.75</TABLE></DEFINITION>
<PROBABILITY><FOR>b</FOR><TABLE>0.2 0.3 0.5</TABLE></PROBABILITY>
</NETWORK>
</BIF>
"""


def import_pyagrum() -> ModuleType:
    """Import pyAgrum with its SWIG import-time DeprecationWarnings silenced.

    Under this project's "warnings are errors" setting, the warnings SWIG emits while
    pyAgrum's extension module is being imported abort that import with a segmentation
    fault, so they are ignored for the import only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import pyagrum
    return pyagrum


def example(name: str) -> Network:
    return parse_bif(T.example_network_text(name), name)


def messages(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_xmlbif(text, "m.xml")
    return [str(d) for d in info.value.diagnostics]


# -- layout ------------------------------------------------------------------------------


def test_small_document() -> None:
    net = parse_xmlbif(SMALL_DOC, "tiny.xml")
    assert net.name == "tiny"
    assert not hasattr(net, "meta")  # provenance lives on the Model, not the network
    assert net.names == ["a", "b", "c"]
    assert net.variables["c"].parents == ("a", "b")
    assert net.variables["c"].label == 'The child & its "label"'
    assert net.variables["b"].states == ("b0", "b1", "b2")
    # Child states innermost, last GIVEN fastest: row (a1, b0) is the 4th pair.
    np.testing.assert_array_equal(net.cpts["c"][1, 0], [0.4, 0.6])
    np.testing.assert_array_equal(net.cpts["c"][0, 2], [0.3, 0.7])


def test_table_order_matches_pgmpy() -> None:
    from pgmpy.readwrite import XMLBIFReader

    doc = SMALL_DOC.replace("<PROBABILITY>", "<DEFINITION>").replace(
        "</PROBABILITY>", "</DEFINITION>"
    )
    for old, new in [("variable", "VARIABLE"), ("name", "NAME"), ("outcome", "OUTCOME")]:
        doc = doc.replace(f"<{old}", f"<{new}").replace(f"</{old}>", f"</{new}>")
    doc = doc.replace('type="nature"', 'TYPE="nature"')
    cpd = XMLBIFReader(string=doc).get_model().get_cpds("c")
    assert cpd.variables == ["c", "a", "b"]
    theirs = np.moveaxis(cpd.get_values().reshape(2, 2, 3), 0, -1)
    np.testing.assert_array_equal(parse_xmlbif(doc).cpts["c"], theirs)


def test_writer_escapes_and_round_trips(tmp_path: Path) -> None:
    a = Variable("a<&>", ("Asy/Patch", "<5", 'q"uote'), label="a & b < c")
    b = Variable("b", ("t", "f"), parents=("a<&>",))
    cpts = {
        "a<&>": np.array([0.1, 0.2, 0.7]),
        "b": np.array([[1 / 3, 2 / 3], [0.5, 0.5], [1e-300, 1 - 1e-300]]),
    }
    net = Network("n & m", {"a<&>": a, "b": b}, cpts)
    text = write_xmlbif(net)
    assert "<NAME>a&lt;&amp;&gt;</NAME>" in text
    T.assert_same_network(parse_xmlbif(text), net)
    dump_xmlbif(net, tmp_path / "n.xml")
    T.assert_same_network(read_xmlbif(tmp_path / "n.xml"), net)


def test_declared_encoding_is_honoured(tmp_path: Path) -> None:
    doc = SMALL_DOC.replace("UTF-8", "ISO-8859-1").replace("<OUTCOME>c0<", "<OUTCOME>café<")
    path = tmp_path / "latin1.xml"
    path.write_bytes(doc.encode("latin-1"))
    assert read_xmlbif(path).variables["c"].states == ("café", "c1")


# -- diagnostics ---------------------------------------------------------------------------


def test_malformed_xml_at_expat_position() -> None:
    doc = SMALL_DOC.replace("</FOR>\n  <GIVEN>a", "</FR>\n  <GIVEN>a")
    assert messages(doc) == ["m.xml:21:11: error: malformed XML: mismatched tag"]


def test_an_entity_declaration_is_refused_in_the_format_s_words() -> None:
    doc = '<!DOCTYPE BIF [ <!ENTITY a "aaaa"> ]>\n' + SMALL_DOC.split("?>", 1)[1]
    (message,) = messages(doc)
    assert message.startswith("m.xml:1:") and "refused XML entity declaration" in message
    assert "XMLBIF needs none" in message


def test_unknown_variables() -> None:
    doc = SMALL_DOC.replace("<GIVEN>b</GIVEN>", "<GIVEN>bb</GIVEN>").replace(
        "<FOR>a</FOR>", "<FOR>z</FOR>"
    )
    assert messages(doc) == [
        "m.xml:11:1: error: variable 'a' has no <DEFINITION>",
        "m.xml:23:3: error: unknown variable 'bb' as parent of 'c'; did you mean 'b'?",
        "m.xml:27:13: error: unknown variable 'z' in <FOR>",
    ]


def test_duplicates() -> None:
    doc = SMALL_DOC.replace("<OUTCOME>a1</OUTCOME>", "<OUTCOME>a0</OUTCOME>").replace(
        "<name>b</name>", "<name>c</name>"
    )
    # 'a' is broken by its duplicate state, so its definition is not checked any further.
    assert messages(doc) == [
        "m.xml:14:3: error: duplicate state 'a0' in variable 'a'",
        "m.xml:16:1: error: duplicate variable 'c' (first declared on line 5)",
        "m.xml:23:3: error: unknown variable 'b' as parent of 'c'",
        "m.xml:28:14: error: unknown variable 'b' in <FOR>",
    ]


def test_table_value_errors_point_at_the_value() -> None:
    doc = SMALL_DOC.replace("0.5 0.5  0.6 0.4", "0.5 0.5  x.6 1.4")
    assert messages(doc) == [
        "m.xml:25:28: error: expected a number, got 'x.6'",
        "m.xml:25:32: error: probability 1.4 is outside [0, 1]",
    ]


def test_row_sum_points_at_the_row() -> None:
    doc = SMALL_DOC.replace("0.5 0.5  0.6 0.4", "0.5 0.4  0.6 0.4")
    assert messages(doc) == [
        "m.xml:25:19: error: row (a=a1, b=b1) of 'c' sums to 0.9 (0.5, 0.4); "
        "each row must sum to 1 within 1e-06"
    ]


def test_wrong_number_of_values() -> None:
    doc = SMALL_DOC.replace("<TABLE>0.2 0.3 0.5</TABLE>", "<TABLE>0.2 0.8</TABLE>")
    assert messages(doc) == [
        "m.xml:28:26: error: <TABLE> of 'b' has 2 values, expected 3 "
        "(1 parent configuration x 3 states)"
    ]


def test_missing_definition_and_cycle() -> None:
    doc = SMALL_DOC.replace("<FOR>a</FOR>", "<FOR>a</FOR><GIVEN>c</GIVEN>").replace(
        "<TABLE>0.25 0.75</TABLE>", "<TABLE>0.25 0.75 0.5 0.5</TABLE>"
    )
    doc = doc.replace("<PROBABILITY><FOR>b</FOR><TABLE>0.2 0.3 0.5</TABLE></PROBABILITY>", "")
    assert messages(doc) == [
        "m.xml:16:1: error: variable 'b' has no <DEFINITION>",
        "m.xml:20:1: error: the parents form a cycle: a -> c -> a",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("<BIF", "<XBIF", "m.xml:2:1: error: expected the root element <BIF>, got <XBIF>"),
        (
            '<VARIABLE TYPE="nature">\n  <NAME>a',
            '<VARIABLE TYPE="decision">\n  <NAME>a',
            "m.xml:11:1: error: variable 'a' has TYPE='decision'; "
            'only chance variables (TYPE="nature") are supported',
        ),
        (
            "<TABLE>0.25 0.75</TABLE>",
            "",
            "m.xml:27:1: error: <DEFINITION> of 'a' has no <TABLE>",
        ),
        (
            "<NAME>a</NAME>",
            "<NAME> </NAME>",
            "m.xml:12:3: error: empty <NAME> (the variable's name)",
        ),
    ],
)
def test_structure_errors(old: str, new: str, expected: str) -> None:
    doc = SMALL_DOC.replace(old, new, 1)
    if "XBIF" in new:
        doc = doc.replace("</BIF>", "</XBIF>")
    assert messages(doc)[0] == expected


# -- standard networks and pyAgrum ----------------------------------------------------------


def pyagrum_cpts(bn: object, net: Network) -> dict[str, np.ndarray]:
    """pyAgrum's CPTs in our layout, aligned by variable and state names."""
    out = {}
    for var in net:
        tensor = bn.cpt(var.name)  # type: ignore[attr-defined]
        axes = list(reversed(tensor.names))  # toarray() axes are names reversed
        order = [*var.parents, var.name]
        arr = tensor.toarray().transpose([axes.index(n) for n in order])
        for axis, name in enumerate(order):
            labels = list(bn.variable(name).labels())  # type: ignore[attr-defined]
            arr = np.take(arr, [labels.index(s) for s in net.variables[name].states], axis=axis)
        out[var.name] = arr
    return out


@pytest.mark.parametrize("name", NETWORKS)
def test_round_trip_and_exact_pyagrum_load(name: str, tmp_path: Path) -> None:
    pyagrum = import_pyagrum()

    net = example(name)
    text = write_xmlbif(net)
    back = parse_xmlbif(text, "x")
    assert not hasattr(back, "meta")
    T.assert_same_network(back, net)
    # pyAgrum picks its reader by extension; BIFXML must be called .bifxml.
    path = tmp_path / f"{name}.bifxml"
    path.write_text(text, encoding="utf-8")
    bn = pyagrum.loadBN(str(path))
    assert set(bn.names()) == set(net.names)
    for var_name, cpt in pyagrum_cpts(bn, net).items():
        np.testing.assert_array_equal(cpt, net.cpts[var_name], err_msg=var_name)


def test_pyagrum_needs_bifxml_extension(tmp_path: Path) -> None:
    pyagrum = import_pyagrum()

    path = tmp_path / "asia.xml"
    path.write_text(write_xmlbif(example("asia")), encoding="utf-8")
    with pytest.raises(Exception, match="extension xml unknown"):
        pyagrum.loadBN(str(path))


def test_child_loads_into_pyagrum_only_through_bifxml(tmp_path: Path) -> None:
    """pyAgrum's BIF reader rejects child's state ``Asy/Patch``; its BIFXML reader takes it."""
    pyagrum = import_pyagrum()

    net = example("child")
    bif = tmp_path / "child.bif"
    bif.write_bytes(T.example_network_text("child").encode("utf-8"))
    with pytest.raises(pyagrum.FatalError):
        pyagrum.loadBN(str(bif))
    xml = tmp_path / "child.bifxml"
    dump_xmlbif(net, xml)
    bn = pyagrum.loadBN(str(xml))
    assert "Asy/Patch" in bn.variable("ChestXray").labels()
    np.testing.assert_array_equal(
        pyagrum_cpts(bn, net)["ChestXray"], net.cpts["ChestXray"], err_msg="ChestXray"
    )
