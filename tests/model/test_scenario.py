"""Loading, checking and compiling scenario specs (format ``secondfront/1``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from secondfront.errors import Diagnostic, SpecError
from secondfront.model.model import Model
from secondfront.model.network import Network
from secondfront.model.scenario import check_spec, check_spec_text, load_spec, load_spec_text
from secondfront.model.schema import ScenarioSpec
from secondfront.model.yamlsource import parse_yaml

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid_small.yaml"

# The first 13 lines of every bad fixture and of the inline specs below: a model, one
# source, one claim (c1) and one root variable `a` with states [no, yes].
HEAD = """\
model:
  name: bad
  title: "Bad"
  horizon: "1 year"
sources:
  - {id: src, author: A, title: T, date: "2024", kind: news-report, grading: B2}
claims:
  - {id: c1, source: src, locator: P1.S1, says: Something., grading: B2}
variables:
  - name: a
    label: A
    states: [no, yes]
    table: {p: [0.5, 0.5], assumption: even}
"""


@pytest.fixture(scope="module")
def network() -> Model:
    return load_spec(VALID)


# -- the valid model -----------------------------------------------------------------


def test_valid_spec_has_no_diagnostics() -> None:
    assert check_spec(VALID) == []


def test_network_order_names_and_meta(network: Model) -> None:
    assert network.name == "small-crisis"
    assert set(network.names) == {
        "pressure",
        "record",
        "preparation",
        "entry",
        "unrest",
        "troops_to_border",
        "protest_reports",
    }
    pos = {n: i for i, n in enumerate(network.names)}
    for var in network:
        assert all(pos[p] < pos[var.name] for p in var.parents)
    assert network.format == "spec"
    assert network.path == VALID
    assert network.digest.startswith("sha256:")
    assert isinstance(network.spec, ScenarioSpec)
    assert network.variables["entry"].label == "Armed forces enter"


@pytest.mark.parametrize(
    ("name", "states", "parents", "shape"),
    [
        ("pressure", ("low", "high"), (), (2,)),
        ("record", ("no", "yes"), (), (2,)),
        ("preparation", ("no", "yes"), ("pressure", "record"), (2, 2, 2)),
        ("entry", ("none", "limited", "full"), ("preparation",), (2, 3)),
        ("unrest", ("calm", "protests", "uprising"), ("entry", "pressure"), (3, 2, 3)),
        ("troops_to_border", ("absent", "present"), ("preparation",), (2, 2)),
        ("protest_reports", ("quiet", "reported"), ("unrest",), (3, 2)),
    ],
)
def test_variables_compile(
    network: Network,
    name: str,
    states: tuple[str, ...],
    parents: tuple[str, ...],
    shape: tuple[int, ...],
) -> None:
    var = network.variables[name]
    assert var.states == states
    assert var.parents == parents
    cpt = network.cpts[name]
    assert cpt.shape == shape
    assert cpt.dtype == np.float64
    np.testing.assert_allclose(cpt.sum(axis=-1), 1.0, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "index", "expected"),
    [
        ("pressure", (), [0.4, 0.6]),
        ("preparation", (0, 0), [0.95, 0.05]),
        ("preparation", (1, 1), [0.95 * 0.6 * 0.8, 1 - 0.95 * 0.6 * 0.8]),
        ("entry", (0,), [0.9, 0.08, 0.02]),
        ("entry", (1,), [0.45, 0.98 * 0.8 - 0.45, 1 - 0.98 * 0.8]),
        ("troops_to_border", (1,), [0.2, 0.8]),
        ("protest_reports", (2,), [0.01, 0.99]),
    ],
)
def test_cpt_values(
    network: Network, name: str, index: tuple[int, ...], expected: list[float]
) -> None:
    np.testing.assert_allclose(network.cpts[name][index], expected, atol=1e-12)


def test_logistic_uses_scores_and_cutpoints(network: Network) -> None:
    # entry = limited scores 0.5, pressure = high scores 1 (default spacing)
    eta = -2.0 + 3.0 * 0.5 + 0.5 * 1.0
    above = [1 / (1 + np.exp(-(eta - t))) for t in (0.0, 1.5)]
    expected = [1 - above[0], above[0] - above[1], above[1]]
    np.testing.assert_allclose(network.cpts["unrest"][1, 1], expected, atol=1e-12)


def test_spec_lookups(network: Network) -> None:
    spec: ScenarioSpec = network.spec
    assert [c.id for c in spec.claims_for_variable("entry")] == ["pressure-claim", "record-claim"]
    assert [c.id for c in spec.claims_for_variable("protest_reports")] == ["sentiment-claim"]
    assert spec.assumptions_for_variable("unrest") == [
        "calm is the norm",
        "pressure is felt",
        "uprising is rarer than protests",
    ]
    assert spec.assumptions_for_variable("pressure") == []
    assert spec.outcome_variables() == ["entry", "unrest"]
    assert spec.outcomes[0].state == "full"
    assert spec.claims_by_id["record-claim"].source == "report"
    assert str(spec.claims_by_id["record-claim"].locator) == "P3.S1-S2"
    assert spec.sources_by_id["report"].date == "2024-05-01"  # unquoted date kept as text
    assert (
        spec.sources_by_id["column"].grading.describe() == "fairly reliable source; possibly true"
    )
    assert spec.citing("record-claim") == ["preparation", "entry", "troops_to_border"]
    with pytest.raises(KeyError):
        spec.claims_for_variable("nothing")


# -- one bad fixture per error class -------------------------------------------------

BAD = [
    ("yaml_syntax", 17, r"invalid YAML: expected ',' or '\]'.*started at line 16"),
    ("duplicate_key", 18, r"duplicate key 'label' \(first at line 15\)"),
    ("unknown_field", 17, r"variables\[1\]\.tabel: unknown field 'tabel'; allowed fields: name"),
    ("missing_field", 14, r"variables\[1\]: missing required field 'label'"),
    ("missing_basis", 19, r"noisy_or\.leak: a parameter needs a basis: give 'claims'"),
    ("p_out_of_range", 20, r"links\.a\.yes\.p: a probability must be in \[0, 1\], got 1\.3"),
    ("name", 14, r"variables\[1\]\.name: expected a name of letters.*got '2b'"),
    ("two_forms", 14, r"exactly one of table, noisy_or, noisy_max, logistic; got table, noisy_or"),
    ("grading", 7, r"sources\[1\]\.grading: invalid grading 'G9'"),
    ("locator", 17, r"not_modelled\[1\]\.locator: invalid locator 'P2-S1'"),
    ("unknown_source", 9, r"claim 'c2' cites unknown source 'nowhere'; known sources: src"),
    ("unknown_claim", 19, r"b: unknown claim 'c2'; known claims: c1"),
    ("duplicate_name", 15, r"duplicate name 'a' \(first defined at line 10\)"),
    ("unknown_parent", 17, r"unknown parent 'c' of variable 'b'; known variables: a, b"),
    ("cycle", 17, r"cycle: b -> c -> d -> b$"),
    ("too_few_states", 16, r"variable 'b' needs at least 2 states, got 1"),
    ("duplicate_state", 16, r"duplicate state 'low' in 'b'"),
    ("table_unknown_state", 22, r"unknown state 'maybe' of parent 'a'; states: no, yes"),
    ("table_missing_row", 21, r"table of 'b' has no row for given \{a: yes\}"),
    ("table_duplicate_row", 23, r"b: duplicate row for given \{a: no\} \(first at line 21\)"),
    ("row_sum", 22, r"b: row p \(given \{a: yes\}\) sums to 0\.900000, not 1"),
    ("vector_length", 19, r"b: leak p has 2 entries but 'b' has 3 states \(low, mid, high\)"),
    ("noisy_or_nonbinary", 16, r"noisy_or needs exactly 2 states .*'b' has 3: low, mid, high"),
    ("link_unknown_state", 23, r"unknown state 'perhaps' of parent 'a'; states: no, yes"),
    ("cutpoints_not_increasing", 21, r"cutpoints must be strictly increasing, got \[1\.0, 0\.5\]"),
    ("cutpoints_wrong_count", 21, r"'b' has 3 states, so it needs 2 cutpoints, got 1"),
    ("outcome_unknown_variable", 16, r"outcome names unknown variable 'zz'; known variables: a"),
    ("outcome_unknown_state", 15, r"outcome names unknown state 'maybe' of 'a'; states: no, yes"),
    ("indicator_unknown_parent", 17, r"unknown parent 'nothere' of indicator 'seen'"),
    (
        "indicator_missing_likelihood",
        19,
        r"likelihood of 'seen' misses state\(s\) yes of parent 'a'",
    ),
]


@pytest.mark.parametrize(("name", "line", "match"), BAD, ids=[b[0] for b in BAD])
def test_bad_fixture(name: str, line: int, match: str) -> None:
    path = FIXTURES / f"bad_{name}.yaml"
    diagnostics = check_spec(path)
    assert len(diagnostics) == 1, diagnostics
    (d,) = diagnostics
    assert d.path == str(path)
    assert d.line == line
    assert re.search(match, d.message), d.message
    with pytest.raises(SpecError, match=match) as info:
        load_spec(path)
    assert info.value.diagnostics == diagnostics
    assert str(info.value).startswith(f"{path}:{line}:{d.col}: error: ")


def test_all_problems_of_one_file_are_reported() -> None:
    path = FIXTURES / "bad_many_problems.yaml"
    found = [(d.line, d.message) for d in check_spec(path)]
    expected = [
        (17, r"unknown parent 'ghost' of variable 'b'"),
        (20, r"b: unknown claim 'c9'"),
        (28, r"table of 'c' has no row for given \{a: yes\}"),
        (28, r"c: row p \(given \{a: no\}\) sums to 1\.100000, not 1"),
        (35, r"indicators\[0\]\.likelihood\.yes\.p: a probability must be in \[0, 1\], got 1\.5"),
        (37, r"outcome names unknown variable 'd'"),
    ]
    assert len(found) == len(expected), found
    for (line, message), (want_line, pattern) in zip(found, expected, strict=True):
        assert line == want_line
        assert re.search(pattern, message), message


# -- more error classes, inline ------------------------------------------------------


def _variable(body: str) -> str:
    return HEAD + body


INLINE = [
    (
        "root table with rows",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    table:\n"
            "      assumption: x\n      rows: [{given: {}, p: [0.5, 0.5]}]\n"
        ),
        19,
        r"'b' has no parents, so its table takes one distribution 'p', not 'rows'",
    ),
    (
        "table with parents needs rows",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n"
            "    table: {p: [0.5, 0.5], assumption: x}\n"
        ),
        18,
        r"'b' has parents \(a\), so its table needs 'rows'",
    ),
    (
        "root table without basis",
        _variable("  - name: b\n    label: B\n    states: [no, yes]\n    table: {p: [0.5, 0.5]}\n"),
        17,
        r"table of 'b' needs a basis",
    ),
    (
        "row without basis",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n    table:\n"
            "      rows:\n        - {given: {a: no}, p: [0.5, 0.5], claims: [c1]}\n"
            "        - {given: {a: yes}, p: [0.5, 0.5]}\n"
        ),
        21,
        r"b: row for given \{a: yes\} has no basis",
    ),
    (
        "given names a non-parent",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n    table:\n"
            "      assumption: x\n      rows:\n        - {given: {a: no}, p: [0.5, 0.5]}\n"
            "        - {given: {a: yes, z: low}, p: [0.5, 0.5]}\n"
        ),
        22,
        r"'z' is not a parent of 'b' \(parents: a\)",
    ),
    (
        "noisy_or without links for a parent",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n"
            "    noisy_or:\n      leak: {p: 0.1, assumption: x}\n"
        ),
        18,
        r"b: no links for parent 'a'; give one for each of its states but the first: yes",
    ),
    (
        "link on the inactive first state",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n    noisy_or:\n"
            "      leak: {p: 0.1, assumption: x}\n      links:\n        a:\n"
            "          no: {p: 0.1, assumption: x}\n          yes: {p: 0.5, assumption: x}\n"
        ),
        22,
        r"state 'no' is the first \(inactive\) state of 'a' and takes no link",
    ),
    (
        "noisy_max link distribution does not sum to 1",
        _variable(
            "  - name: b\n    label: B\n    states: [low, high]\n    parents: [a]\n    noisy_max:\n"
            "      leak: {p: [0.9, 0.1], assumption: x}\n"
            "      links: {a: {yes: {p: [0.5, 0.4], assumption: x}}}\n"
        ),
        20,
        r"b: link p \(a: yes\) sums to 0\.900000, not 1",
    ),
    (
        "logistic without a weight",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n"
            "    logistic:\n      intercept: {value: 0, assumption: x}\n"
        ),
        18,
        r"b: no weight for parent 'a'",
    ),
    (
        "logistic scores miss a state",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n    logistic:\n"
            "      intercept: {value: 0, assumption: x}\n"
            "      weights: {a: {value: 1, assumption: x}}\n      scores: {a: {no: 0}}\n"
        ),
        21,
        r"b: scores of 'a' miss state\(s\): yes",
    ),
    (
        "ranked logistic without cutpoints",
        _variable(
            "  - name: b\n    label: B\n    states: [low, mid, high]\n    logistic:\n"
            "      intercept: {value: 0, assumption: x}\n"
        ),
        18,
        r"logistic 'b' has 3 states, so it needs 2 increasing cutpoints",
    ),
    (
        "indicator with three states",
        HEAD
        + "indicators:\n  - name: seen\n    label: Seen\n    parent: a\n"
        + "    states: [x, y, z]\n"
        + "    likelihood: {no: {p: 0.1, assumption: x}, yes: {p: 0.9, assumption: x}}\n",
        18,
        r"indicator 'seen' needs exactly 2 states",
    ),
    (
        "parent is an indicator",
        HEAD
        + "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [seen]\n"
        + "    logistic: {intercept: {value: 0, assumption: x}, weights: {seen: {value: 1, "
        + "assumption: x}}}\n"
        + "indicators:\n  - name: seen\n    label: Seen\n    parent: a\n"
        + "    likelihood: {no: {p: 0.1, assumption: x}, yes: {p: 0.9, assumption: x}}\n",
        17,
        r"parent 'seen' of 'b' is an indicator",
    ),
    (
        "duplicate claim id",
        HEAD.replace(
            "claims:\n",
            "claims:\n  - {id: c1, source: src, locator: P2.S1, says: More., grading: B2}\n",
        ),
        9,
        r"duplicate claim id 'c1' \(first defined at line 8\)",
    ),
    (
        "bad date",
        HEAD.replace('date: "2024"', 'date: "May 2024"'),
        6,
        r"sources\[0\]\.date: expected an ISO date or a year",
    ),
    (
        "missing model",
        HEAD[HEAD.index("sources:") :],
        1,
        r"top level: missing required field 'model'",
    ),
    (
        "unknown format",
        "format: secondfront/2\n" + HEAD,
        1,
        r"format: Input should be 'secondfront/1' \(got 'secondfront/2'\)",
    ),
    (
        "not a number",
        _variable(
            "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [a]\n    noisy_or:\n"
            "      leak: {p: high, assumption: x}\n"
            "      links: {a: {yes: {p: 0.5, claims: [c1]}}}\n"
        ),
        19,
        r"noisy_or\.leak\.p: expected a number \(got 'high'\)",
    ),
    (
        "not a mapping",
        "- just\n- a list\n",
        1,
        r"expected a mapping with 'model', 'variables'",
    ),
    ("empty file", "", 1, r"empty file"),
]


@pytest.mark.parametrize(
    ("text", "line", "match"), [c[1:] for c in INLINE], ids=[c[0] for c in INLINE]
)
def test_inline_error(text: str, line: int, match: str) -> None:
    diagnostics = check_spec_text(text, "inline.yaml")
    assert len(diagnostics) == 1, diagnostics
    assert diagnostics[0].line == line
    assert re.search(match, diagnostics[0].message), diagnostics[0].message


def test_invalid_definition_does_not_cascade() -> None:
    # `b` is invalid (missing label); its child `c` must not report `b` as unknown.
    text = _variable(
        "  - name: b\n    states: [no, yes]\n    table: {p: [0.5, 0.5], assumption: x}\n"
        "  - name: c\n    label: C\n    states: [no, yes]\n    parents: [b]\n"
        "    logistic: {intercept: {value: 0, assumption: x}, weights: {b: {value: 1, "
        "assumption: x}}}\n"
    )
    diagnostics = check_spec_text(text, "inline.yaml")
    assert [(d.line, d.message) for d in diagnostics] == [
        (14, "variables[1]: missing required field 'label'")
    ]


def test_yes_no_and_merge_keys() -> None:
    text = _variable(
        "  - name: b\n    label: B\n    states: [off, on]\n    parents: [a]\n    noisy_or:\n"
        "      leak: &rare {p: 0.1, assumption: rare}\n"
        "      links: {a: {yes: {<<: *rare, p: 0.6}}}\n"
    )
    network = load_spec_text(text, "inline.yaml")
    assert network.variables["a"].states == ("no", "yes")
    assert network.variables["b"].states == ("off", "on")
    np.testing.assert_allclose(network.cpts["b"][1], [0.9 * 0.4, 1 - 0.9 * 0.4])


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    (d,) = check_spec(path)
    assert d.line == 0
    assert "cannot read file" in d.message
    with pytest.raises(SpecError, match="cannot read file"):
        load_spec(path)


def test_diagnostic_format() -> None:
    d = Diagnostic("m.yaml", 3, 5, "boom")
    assert str(d) == "m.yaml:3:5: error: boom"


def test_many_missing_rows_are_summarised() -> None:
    roots = "".join(
        f"  - name: r{k}\n    label: R\n    states: [no, yes]\n"
        "    table: {p: [0.5, 0.5], assumption: even}\n"
        for k in range(4)
    )
    text = _variable(
        roots + "  - name: b\n    label: B\n    states: [no, yes]\n    parents: [r0, r1, r2, r3]\n"
        "    table:\n      assumption: x\n      rows: []\n"
    )
    messages = [d.message for d in check_spec_text(text, "inline.yaml")]
    assert len(messages) == 11
    assert messages[0] == "table of 'b' has no row for given {r0: no, r1: no, r2: no, r3: no}"
    assert messages[-1] == "table of 'b' misses 6 more combinations of parent states"


@pytest.mark.parametrize(
    ("text", "path", "position"),
    [
        ("a:\n  b: [1, 2]\n", ("a", "b", 1), (2, 10)),
        ("a:\n  b: [1, 2]\n", ("a", "b"), (2, 6)),
        ("a:\n  b: [1, 2]\n", ("a", "c", 0), (1, 1)),  # missing: the enclosing key
        ("- x: 1\n- y: 2\n", (1, "y"), (2, 6)),
        ("- x: 1\n- y: 2\n", (1, "z"), (2, 3)),
    ],
)
def test_yaml_positions(text: str, path: tuple[str | int, ...], position: tuple[int, int]) -> None:
    doc, problems = parse_yaml(text, "t.yaml")
    assert problems == []
    assert doc.position(path) == position


@pytest.mark.parametrize(
    ("text", "line", "col", "match"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, 1, r"duplicate key 'a' \(first at line 1\)"),
        ("a:\n  x: 1\n  x: 1\n", 3, 3, r"duplicate key 'x'"),
        ("a: [1, 2\n", 2, 1, r"invalid YAML: expected ',' or '\]'"),
        ("a: 1\n---\nb: 2\n", 2, 1, r"invalid YAML: .*expected a single document"),
        ("? [1, 2]\n: x\n", 1, 3, r"mapping keys must be plain scalars"),
    ],
)
def test_yaml_problems(text: str, line: int, col: int, match: str) -> None:
    _, problems = parse_yaml(text, "t.yaml")
    assert len(problems) == 1, problems
    assert (problems[0].line, problems[0].col) == (line, col)
    assert re.search(match, problems[0].message), problems[0].message


def test_yaml_booleans_are_only_true_and_false() -> None:
    doc, _ = parse_yaml("a: [yes, no, on, off, y, n, true, false]\n")
    assert doc.data == {"a": ["yes", "no", "on", "off", "y", "n", True, False]}
