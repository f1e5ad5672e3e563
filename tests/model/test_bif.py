"""BIF reader and writer: grammar, diagnostics, the standard networks against pgmpy."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from secondfront import testing as T
from secondfront.errors import SpecError
from secondfront.model.bif import dump_bif, parse_bif, read_bif, write_bif
from secondfront.model.formats import load
from secondfront.model.network import Network, Variable

FIXTURES = Path(__file__).parent / "fixtures" / "bif"

# pgmpy's BIFReader needs ~0.7 s even on tiny networks (building its pyparsing grammar)
# and 1-10 s on these; our own reader parses every one of them in well under a second.
FULL = bool(os.environ.get("SECONDFRONT_FULL_CROSSCHECK"))
_SKIP_LARGE = pytest.mark.skipif(
    not FULL,
    reason="pgmpy's pyparsing BIF reader takes 1-10 s on this network; "
    "set SECONDFRONT_FULL_CROSSCHECK=1 to cross-check it",
)
SMALL = list(T.QUICK_NETWORKS)
# Everything else pgmpy ships.
LARGE = [n for n in T.EXAMPLE_NETWORKS if n not in SMALL]
ALL = SMALL + LARGE


def diagnostics(path: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        read_bif(path)
    return [str(d) for d in info.value.diagnostics]


# -- the grammar -----------------------------------------------------------------------


def test_valid_fixture_uses_every_construct() -> None:
    net = read_bif(FIXTURES / "valid_sprinkler.bif")
    assert net.name == "sprinkler demo"
    model = load(FIXTURES / "valid_sprinkler.bif")
    assert (model.format, model.path) == ("bif", FIXTURES / "valid_sprinkler.bif")
    assert model.spec is None and not hasattr(net, "meta")
    # Declared wet, rain, sprinkler; stored parents first.
    assert net.names == ["rain", "sprinkler", "wet"]
    assert net.variables["sprinkler"].states == ("off", "low/flow", "high flow")
    assert net.variables["wet"].parents == ("rain", "sprinkler")
    assert net.variables["wet"].label == "Grass is wet"
    np.testing.assert_array_equal(net.cpts["rain"], [0.3, 0.7])
    # "table" with a parent: child state slowest, parent configuration fastest.
    np.testing.assert_array_equal(net.cpts["sprinkler"], [[0.9, 0.05, 0.05], [0.4, 0.3, 0.3]])
    wet = net.cpts["wet"]
    assert wet.shape == (2, 3, 2)
    np.testing.assert_array_equal(wet[0, 0], [0.8, 0.2])
    np.testing.assert_array_equal(wet[0, 1], [0.9, 0.1])
    np.testing.assert_array_equal(wet[1, 0], [0.0, 1.0])  # values without commas
    for filled in (wet[0, 2], wet[1, 1], wet[1, 2]):  # from "default"
        np.testing.assert_array_equal(filled, [0.95, 0.05])


def test_table_with_parents_matches_pgmpy_order() -> None:
    from pgmpy.readwrite import BIFReader

    text = """
    network t { }
    variable a { type discrete [ 2 ] { a0, a1 }; }
    variable b { type discrete [ 3 ] { b0, b1, b2 }; }
    variable c { type discrete [ 2 ] { c0, c1 }; }
    probability ( a ) { table 0.25, 0.75; }
    probability ( b ) { table 0.2, 0.3, 0.5; }
    probability ( c | a, b ) {
      table 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4;
    }
    """
    ours = parse_bif(text).cpts["c"]
    cpd = BIFReader(string=text).get_model().get_cpds("c")
    assert cpd.variables == ["c", "a", "b"]
    theirs = np.moveaxis(cpd.get_values().reshape(2, 2, 3), 0, -1)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(ours[0, 2], [0.3, 0.7])  # P(c | a0, b2)


def test_old_header_form_quoted_names_and_comments() -> None:
    text = """/* header */ network "my net" { }
    variable "two words" { type discrete[2] { "x y", z }; }  // trailing comment
    variable k { type discrete [ 2 ] { p q }; }
    probability ( "two words" ) { table 0.5 0.5; }
    probability ( k "two words" ) { ("x y") 1, 0; (z) 0.0, 1.0; }
    """
    net = parse_bif(text)
    assert net.name == "my net"
    assert net.variables["two words"].states == ("x y", "z")
    assert net.variables["k"].states == ("p", "q")
    assert net.variables["k"].parents == ("two words",)
    np.testing.assert_array_equal(net.cpts["k"], [[1.0, 0.0], [0.0, 1.0]])


def test_rows_within_tolerance_are_renormalised() -> None:
    text = """
    variable a { type discrete [ 3 ] { x, y, z }; }
    probability ( a ) { table 0.3333333, 0.3333333, 0.3333333; }
    """
    cpt = parse_bif(text).cpts["a"]
    assert cpt.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(cpt, [1 / 3] * 3, rtol=1e-15)


def test_string_input_uses_placeholder_path() -> None:
    with pytest.raises(SpecError, match=r"^<string>:1:1: error: no variables declared"):
        parse_bif("network empty { }\n")


def test_writer_quotes_only_names_that_need_it() -> None:
    a = Variable("odd name", ("Asy/Patch", 'say "hi"', "<5"))
    b = Variable("b", ("t", "f"), parents=("odd name",))
    cpts = {
        "odd name": np.array([0.1, 0.2, 0.7]),
        "b": np.array([[1 / 3, 2 / 3], [0.5, 0.5], [1e-300, 1 - 1e-300]]),
    }
    net = Network("n", {"odd name": a, "b": b}, cpts)
    text = write_bif(net)
    assert 'variable "odd name" {' in text
    assert '{ Asy/Patch, "say \\"hi\\"", <5 }' in text
    T.assert_same_network(parse_bif(text), net)


def test_dump_and_read_gzip(tmp_path: Path) -> None:
    net = read_bif(FIXTURES / "valid_sprinkler.bif")
    dump_bif(net, tmp_path / "net.bif.gz")
    dump_bif(net, tmp_path / "net.bif")
    assert (tmp_path / "net.bif.gz").read_bytes()[:2] == b"\x1f\x8b"
    T.assert_same_network(read_bif(tmp_path / "net.bif.gz"), net)
    T.assert_same_network(read_bif(tmp_path / "net.bif"), net)


# -- one fixture per kind of error, with exact positions ------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("syntax_error.bif", ["5:1: error: expected ';', got '}'"]),
        (
            "unknown_variable.bif",
            [
                "12:21: error: unknown variable 'rian' as parent of 'wet'; did you mean 'rain'?",
                "16:15: error: unknown variable 'dry' in probability block",
            ],
        ),
        (
            "duplicate_variable.bif",
            ["6:10: error: duplicate variable 'rain' (first declared on line 3)"],
        ),
        ("duplicate_state.bif", ["4:34: error: duplicate state 'yes' in variable 'rain'"]),
        (
            "wrong_value_count.bif",
            [
                "14:9: error: row (rain=no) of 'wet' has 3 values, expected 2 "
                "(one per state of 'wet')"
            ],
        ),
        (
            "bad_parent_state.bif",
            [
                "14:4: error: 'nope' is not a state of parent 'rain' (states: yes, no); "
                "did you mean 'no'?"
            ],
        ),
        (
            "missing_rows.bif",
            [
                "18:1: error: probability block of 'wet' has no row for "
                "(rain=yes, sprinkler=off), (rain=no, sprinkler=on); "
                "add the rows or a 'default' line"
            ],
        ),
        ("missing_block.bif", ["6:10: error: variable 'wet' has no probability block"]),
        (
            "row_sum.bif",
            [
                "14:9: error: row (rain=no) of 'wet' sums to 0.9 (0.5, 0.4); "
                "each row must sum to 1 within 1e-06"
            ],
        ),
        ("not_a_number.bif", ["7:14: error: expected a number, got 'O.7'"]),
        (
            "out_of_range.bif",
            [
                "7:9: error: probability 1.3 is outside [0, 1]",
                "7:14: error: probability -0.3 is outside [0, 1]",
            ],
        ),
        ("cycle.bif", ["9:1: error: the parents form a cycle: b -> a -> b"]),
        (
            "unterminated_comment.bif",
            [
                "3:10: error: variable 'rain' has no probability block",
                "6:1: error: unterminated comment: '/*' has no closing '*/'",
            ],
        ),
        (
            # Every problem is reported, and a syntax error does not hide later blocks.
            "many_errors.bif",
            [
                "13:3: error: distribution of 'rain' sums to 0.9 (0.3, 0.6); "
                "each row must sum to 1 within 1e-06",
                "18:1: error: expected a number or ';', got '}'",
                "20:14: error: expected a number, got 'x'",
            ],
        ),
    ],
)
def test_error_fixture(fixture: str, expected: list[str]) -> None:
    path = FIXTURES / fixture
    assert diagnostics(path) == [f"{path}:{e}" for e in expected]


def test_error_message_in_exception_text() -> None:
    with pytest.raises(SpecError, match=r"row_sum\.bif:14:9: error: row \(rain=no\) of 'wet'"):
        read_bif(FIXTURES / "row_sum.bif")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("variable a { type discrete [ 3 ] { x, y }; }", "1:30: error: variable 'a' declares 3"),
        ("variable a { property x = 1; }", "1:10: error: variable 'a' has no 'type discrete"),
        ("variable a { type discrete [ 1 ] { x }; }\nfoo", "2:1: error: expected 'network', "),
        ('variable a { type discrete [ 1 ] { "x }; }', "1:36: error: unterminated string"),
        (
            "variable a { type discrete [ 1 ] { x }; }\nprobability ( a ) { (x) 1.0; table 1.0; }",
            "2:21: error: 'a' has both a 'table' and rows",
        ),
        (
            "variable a { type discrete [ 2 ] { x, y }; }\n"
            "probability ( a | a ) { (x) 0.5, 0.5; (y) 0.5, 0.5; }",
            "2:19: error: 'a' is listed as its own parent",
        ),
        (
            "variable a { type discrete [ 2 ] { x, y }; }\n"
            "probability ( a ) { table 0.5, 0.5; }\n"
            "probability ( a ) { table 0.5, 0.5; }",
            "3:1: error: second probability block for 'a' (first on line 2)",
        ),
        (
            "variable a { type discrete [ 2 ] { x, y }; }\n"
            "variable b { type discrete [ 2 ] { x, y }; }\n"
            "probability ( a ) { table 0.5, 0.5; }\n"
            "probability ( b | a ) { (x) 0.5, 0.5; (x) 0.5, 0.5; (y) 1, 0; }",
            "4:39: error: duplicate row (a=x) of 'b' (first given on line 4)",
        ),
        (
            "variable a { type discrete [ 2 ] { x, y }; }\n"
            "probability ( a ) { table 0.5, 0.25, 0.25; }",
            "2:21: error: table of 'a' has 3 values, expected 2 "
            "(1 parent configuration x 2 states)",
        ),
    ],
)
def test_inline_errors(text: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_bif(text)
    assert any(str(d).startswith(f"<string>:{message}") for d in info.value.diagnostics), [
        str(d) for d in info.value.diagnostics
    ]


# -- the standard networks ----------------------------------------------------------------


def pgmpy_cpt(cpd: object, net: Network) -> np.ndarray:
    """pgmpy's CPT in our layout, aligned by parent and state *names*, renormalised."""
    name = cpd.variable  # type: ignore[attr-defined]
    var = net.variables[name]
    evidence = list(cpd.variables[1:])  # type: ignore[attr-defined]
    assert sorted(evidence) == sorted(var.parents)
    values = cpd.get_values()  # type: ignore[attr-defined]  # (child, prod(evidence))
    cards = [len(cpd.state_names[e]) for e in evidence]  # type: ignore[attr-defined]
    arr = np.moveaxis(values.reshape([values.shape[0], *cards]), 0, -1)
    arr = arr.transpose([evidence.index(p) for p in var.parents] + [len(evidence)])
    for axis, axis_var in enumerate([*var.parents, name]):
        theirs = [str(s) for s in cpd.state_names[axis_var]]  # type: ignore[attr-defined]
        arr = np.take(arr, [theirs.index(s) for s in net.variables[axis_var].states], axis=axis)
    return arr / arr.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "name", [*SMALL, *(pytest.param(n, marks=[pytest.mark.slow, _SKIP_LARGE]) for n in LARGE)]
)
def test_matches_pgmpy(name: str) -> None:
    from pgmpy.readwrite import BIFReader

    text = T.example_network_text(name)
    net = parse_bif(text, name)
    model = BIFReader(string=text).get_model()
    assert set(model.nodes()) == set(net.names)
    for cpd in model.get_cpds():
        ours = net.cpts[cpd.variable]
        np.testing.assert_allclose(
            ours / ours.sum(axis=-1, keepdims=True),
            pgmpy_cpt(cpd, net),
            rtol=0,
            atol=1e-12,
            err_msg=cpd.variable,
        )


# The largest networks take ~1 s each to write and re-read; the rest run every time.
_BIG = {"mildew", "barley", "pathfinder", "munin", "munin2", "munin3", "munin4", "diabetes"}
_SKIP_BIG = pytest.mark.skipif(
    not FULL,
    reason="writing and re-reading this network takes ~1 s; "
    "set SECONDFRONT_FULL_CROSSCHECK=1 to run it",
)


@pytest.mark.parametrize(
    "name",
    [n if n not in _BIG else pytest.param(n, marks=[pytest.mark.slow, _SKIP_BIG]) for n in ALL],
)
def test_standard_network_round_trip(name: str) -> None:
    net = read_bif(T.example_network_path(name))
    assert not hasattr(net, "meta")  # provenance lives on the Model, not the network
    for var in net:
        cpt = net.cpts[var.name]
        np.testing.assert_allclose(cpt.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    T.assert_same_network(parse_bif(write_bif(net)), net)


def test_child_state_with_slash() -> None:
    net = read_bif(T.example_network_path("child"))
    assert "Asy/Patch" in net.variables["ChestXray"].states
    assert net.variables["LowerBodyO2"].states == ("<5", "5-12", "12+")


@pytest.mark.parametrize("name", ["hepar2", "win95pts"])
def test_parsing_is_fast(name: str) -> None:
    text = T.example_network_text(name)
    best = min(_timed(lambda: parse_bif(text)) for _ in range(3))
    assert best < 0.1, f"{name}: {best * 1000:.0f} ms"


def test_all_standard_networks_parse_quickly() -> None:
    # Parsing alone (no pgmpy, no writing) for all 24 networks, ~3 s on a laptop core.
    texts = {n: T.example_network_text(n) for n in ALL}
    t0 = time.perf_counter()
    sizes = {n: len(parse_bif(t, n)) for n, t in texts.items()}
    elapsed = time.perf_counter() - t0
    assert sizes["munin"] == 1041 and sizes["pathfinder"] == 109
    assert elapsed < 30, f"{elapsed:.1f} s"


def _timed(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0
