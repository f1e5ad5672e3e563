"""The libyaml reading path gives what the Python parser gives, faster.

``parse_yaml`` reads with libyaml's parser under the project's own composer and reads a
document again with PyYAML's Python parser whenever the fast read finds any problem, so
that every message and position is the reference's. These tests hold the two to the
same data (types included), positions and diagnostics on the shipped files, on broken
and hostile inputs, and on seeded random edits of the flagship.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from secondfront.errors import Diagnostic
from secondfront.model import yamlsource
from secondfront.model.yamlsource import YamlDocument, parse_yaml
from tests.hostile import alias_bomb, alias_chain, deep_block, deep_flow, merge_bomb

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "models").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "model" / "fixtures").glob("*.yaml")
)

pytestmark = pytest.mark.skipif(
    yamlsource._CParser is None, reason="PyYAML was built without libyaml"
)


def reference(text: str, path: str = "f.yaml") -> tuple[YamlDocument, list[Diagnostic]]:
    """What the Python parser alone reads."""
    return yamlsource._parse_with(yamlsource._SpecLoader, text, path)


def same(a: tuple[YamlDocument, list[Diagnostic]], b: tuple[YamlDocument, list[Diagnostic]]):
    """Assert two reads agree: data (``repr``, so ``True`` is not ``1``), positions, problems."""
    assert repr(a[0].data) == repr(b[0].data)
    assert a[0].positions == b[0].positions
    assert a[0].key_positions == b[0].key_positions
    assert a[1] == b[1]


def loaders_used(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the name of each loader class ``parse_yaml`` reads with."""
    used: list[str] = []
    real = yamlsource._parse_with

    def spy(cls, text, path):  # type: ignore[no-untyped-def]
        used.append(cls.__name__)
        return real(cls, text, path)

    monkeypatch.setattr(yamlsource, "_parse_with", spy)
    return used


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_files_read_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    same(parse_yaml(text, str(path)), reference(text, str(path)))


def test_a_clean_model_is_read_once_with_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    used = loaders_used(monkeypatch)
    doc, problems = parse_yaml((ROOT / "models" / "belarus-second-front.yaml").read_text())
    assert problems == [] and doc.data["variables"]
    assert used == ["_FastSpecLoader"]


BROKEN = [
    "a: [1, 2\nb: 3\n",  # unclosed bracket
    "a: 1\n  b: 2\n",  # bad indentation
    "a: 1\na: 2\n",  # duplicate key
    "x: 2024-02-30\n",  # impossible date
    "x: a\x1b[31m\n",  # control character
    "x: !!python/object/apply:os.system [echo]\n",
    "a: &x [1]\nb: *y\n",  # unknown alias
    "a: 1\n---\nb: 2\n",  # two documents
    "\ta: 1\n",  # a tab where indentation goes
    "k: 'unterminated\n",
    "? [a, b]\n: c\n",  # a list as a key
    "a: &x\n  b: *x\n",  # recursive alias
    deep_flow(200),
    deep_block(200),
    alias_chain(100),
    alias_bomb(),
    merge_bomb(),
]


@pytest.mark.parametrize("text", BROKEN, ids=range(len(BROKEN)))
def test_broken_input_is_reported_as_the_python_parser_reports_it(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = reference(text)
    assert expected[1], "each case is broken"
    used = loaders_used(monkeypatch)
    same(parse_yaml(text, "f.yaml"), expected)
    assert used[-1] == "_SpecLoader"  # the reference has the last word


# Valid YAML the two parsers read differently: each goes to the Python parser.
DIVERGENT = [
    "au\thor: x\n",  # libyaml: the key 'au<TAB>thor'; PyYAML refuses the tab
    "a: {x?y: 1}\n",  # PyYAML ends a flow scalar at '?' (and refuses the text)
    "a: ! 1\n",  # PyYAML resolves '! 1' to 1, libyaml keeps '1'
    "a: !\n",  # None, or ''
    "{a: , b: 1}\n",  # the empty value after ':' or at the next token
    "[a: ]\n",
    "? a",  # an empty value at the end of a text without a final line break
    "a: |#c\n  x\n",  # libyaml takes '#c' as a comment; PyYAML wants a space first
]


@pytest.mark.parametrize("text", DIVERGENT, ids=range(len(DIVERGENT)))
def test_text_the_parsers_read_differently_is_read_by_python(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = reference(text)
    used = loaders_used(monkeypatch)
    same(parse_yaml(text, "f.yaml"), expected)
    assert used[-1] == "_SpecLoader"


def test_random_documents_read_alike() -> None:
    """Seeded random data dumped in block and flow styles, some of it edited: both
    readers agree on data, positions and problems."""
    rng = random.Random(7)
    words = ["yes", "off", "null", "~", "1e3", "0x1F", "1_000", "2024-02-29", "a: b", "- x"]
    words += ["#c", "x?y", "?", "[a]", "{b}", "'q'", "multi\nline", " lead", "é", "&a", "*a"]
    words += ["!t", "%", "|", ">", "", ".inf", "<<", "2024-01-01 10:00:00"]

    def value(depth: int) -> object:
        roll = rng.random()
        if depth > 3 or roll < 0.4:
            return rng.choice([*words, 7, -2.5, True, None])
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {f"{rng.choice(words)}{i}": value(depth + 1) for i in range(rng.randint(0, 4))}

    for _ in range(300):
        text = yaml.safe_dump(
            value(0),
            default_flow_style=rng.choice([None, True, False]),
            allow_unicode=rng.random() < 0.5,
            width=rng.choice([20, 80, 1000]),
        )
        chars = list(text)
        for _ in range(rng.randint(0, 2)):
            if chars:
                chars.insert(rng.randrange(len(chars)), rng.choice(" :-[]{}\n#&*!|>',?"))
        text = "".join(chars)
        same(parse_yaml(text, "f.yaml"), reference(text))


def test_yes_and_no_stay_text_and_dates_stay_dates() -> None:
    doc, problems = parse_yaml("states: [yes, no, on, off]\nok: true\nday: 2024-02-29\n")
    assert problems == []
    assert repr(doc.data) == (
        "{'states': ['yes', 'no', 'on', 'off'], 'ok': True, 'day': datetime.date(2024, 2, 29)}"
    )
    assert doc.positions[("day",)] == (3, 6)


def test_without_libyaml_the_python_parser_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "models" / "belarus-second-front.yaml").read_text()
    expected = reference(text)
    monkeypatch.setattr(yamlsource, "_CParser", None)
    used = loaders_used(monkeypatch)
    same(parse_yaml(text), expected)
    assert used == ["_SpecLoader"]


def test_random_edits_of_the_flagship_read_alike() -> None:
    """Seeded edits (insertions, deletions, replacements of YAML's special characters)
    of the flagship's first part: each read equals the Python parser's, problems and all."""
    base = (ROOT / "models" / "belarus-second-front.yaml").read_text()[:4000]
    alphabet = list(" :-[]{}\n\t#&*!|>'\"%@`,?ab1\u00e9\u2028\x85")
    rng = random.Random(20261207)
    for _ in range(150):
        chars = list(base)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(chars))
            roll = rng.random()
            if roll < 0.4:
                chars.insert(i, rng.choice(alphabet))
            elif roll < 0.7:
                del chars[i]
            else:
                chars[i] = rng.choice(alphabet)
        text = "".join(chars)
        same(parse_yaml(text, "f.yaml"), reference(text))
