"""Hostile and broken YAML: every file kind read through the YAML reader (scenario
specs, mapping files, timeline files) answers each fault with a located error.

Table-driven: each case is crossed with each file kind. The cases that would need
gigabytes without a bound (alias and merge-key bombs) run in a child process under an
address-space limit (``tests.hostile.run_limited``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from secondfront.errors import RulesError, SpecError
from secondfront.evidence.mapping import load_rules
from secondfront.model.scenario import load_spec
from secondfront.model.yamlsource import parse_yaml
from secondfront.timeline.chain import load_timeline
from tests.hostile import (
    alias_bomb,
    alias_chain,
    assert_located,
    deep_block,
    deep_flow,
    merge_bomb,
    run_limited,
)

LOADERS: dict[str, Callable[[Path], object]] = {
    "spec": load_spec,
    "mapping": load_rules,
    "timeline": load_timeline,
}


def errors_of(kind: str, path: Path) -> str:
    """The error text the loader of ``kind`` gives for ``path`` (fails if it loads)."""
    with pytest.raises((SpecError, RulesError)) as info:
        LOADERS[kind](path)
    return str(info.value)


# (name, file content, line, column, what the message says)
CASES: list[tuple[str, str | bytes, int, int, str]] = [
    ("impossible date", "x: 2024-02-30\n", 1, 4, r"invalid date or time '2024-02-30'"),
    ("hour 25", "x:\n  y: 2024-01-01 25:00:00\n", 2, 6, r"hour must be in 0\.\.23"),
    ("NUL", "x: a\ny: b\x00c\n", 2, 5, r"character U\+0000 is not allowed"),
    ("control character", "x: a\x1b[31m\n", 1, 5, r"character U\+001B is not allowed"),
    ("5,000-digit integer", "x:\n  y: " + "7" * 5000 + "\n", 2, 6, r"integer of 5000 digits"),
    (
        "python tag on a list",
        "x: !!python/object/apply:os.system [echo]\n",
        1,
        4,
        r"unsupported tag 'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    ("python tag on a scalar", "x: !!python/name:os.system ''\n", 1, 4, r"could not determine"),
    # The top-level mapping is the first level, so the 64th '[' (column 4 + 63) is the 65th.
    ("3,000 nested lists", deep_flow(3000), 1, 4 + 63, r"nested more than 64 levels deep"),
    ("50,000 nested lists", deep_flow(50_000), 1, 4 + 63, r"nested more than 64 levels deep"),
    ("3,000 nested blocks", deep_block(3000), 65, 65, r"nested more than 64 levels deep"),
    ("aliases nest too deep", alias_chain(700), 64, 9, r"alias \*a62 nests the document 65"),
    ("recursive alias", "x: &a [1, *a]\n", 1, 4, r"recursive alias"),
    (
        "not UTF-8",
        b"x: 1\ny: caf\xc3\xa9\nzz: \xff\xfe\n",
        3,
        5,
        r"not valid UTF-8: byte\(s\) ff at byte 5 of line 3",
    ),
    ("latin-1 text", "x: 1\ny: café\n".encode("latin-1"), 2, 7, r"not valid UTF-8"),
]


# Each case's document with an inert value in place of the hostile one (a real date, a
# plain letter for the control character, no tag, one level less, ...).
INERT: dict[str, str | bytes] = {
    "impossible date": "x: 2024-02-28\n",
    "hour 25": "x:\n  y: 2024-01-01 23:00:00\n",
    "NUL": "x: a\ny: b0c\n",
    "control character": "x: a[31m\n",
    "5,000-digit integer": "x:\n  y: 7\n",
    "python tag on a list": "x: [echo]\n",
    "python tag on a scalar": "x: ''\n",
    "3,000 nested lists": deep_flow(63),
    "50,000 nested lists": deep_flow(63),
    "3,000 nested blocks": deep_block(64),
    "aliases nest too deep": alias_chain(63),
    "recursive alias": "x: &a [1, a]\n",
    "not UTF-8": b"x: 1\ny: caf\xc3\xa9\nzz: \xc3\xbf\xc3\xbe\n",
    "latin-1 text": "x: 1\ny: café\n".encode(),
}


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


@pytest.mark.parametrize("kind", list(LOADERS))
@pytest.mark.parametrize(
    ("text", "inert", "line", "col", "message"),
    [pytest.param(case[1], INERT[case[0]], *case[2:], id=case[0]) for case in CASES],
)
def test_fault_is_a_located_error(
    kind: str,
    text: str | bytes,
    inert: str | bytes,
    line: int,
    col: int,
    message: str,
    tmp_path: Path,
) -> None:
    """Compared: the document with an inert value in the hostile one's place is read
    without a diagnostic, and its loader never gives the hostile value's error."""
    path = tmp_path / f"hostile.{kind}.yaml"
    path.write_bytes(_bytes(text))
    m = assert_located(errors_of(kind, path), path, message)
    assert (int(m.group(1)), int(m.group(2))) == (line, col)
    assert parse_yaml(_bytes(inert).decode("utf-8"), "inert.yaml")[1] == []
    path.write_bytes(_bytes(inert))
    assert re.search(message, errors_of(kind, path)) is None


@pytest.mark.parametrize("kind", list(LOADERS))
def test_oversized_file_is_refused_before_parsing(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compared: the same file under a limit it fits is read; only its content is wrong."""
    monkeypatch.setenv("SECONDFRONT_MAX_YAML_BYTES", "1000")
    path = tmp_path / f"big.{kind}.yaml"
    path.write_text("".join(f"key{i:03d}: {'v' * 41}\n" for i in range(100)))  # 5,000 bytes
    text = errors_of(kind, path)
    m = assert_located(text, path, r"file of 5,000 bytes is over the limit of 1,000 bytes")
    # Where the limit falls: bytes 0-999 are lines 1-20 (50 bytes each), so line 21.
    assert (m.group(1), m.group(2)) == ("21", "1")
    assert "SECONDFRONT_MAX_YAML_BYTES" in text
    monkeypatch.setenv("SECONDFRONT_MAX_YAML_BYTES", "5000")
    assert "over the limit" not in errors_of(kind, path)


def test_a_limit_can_be_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(deep_flow(100))
    assert "nested more than 64" in errors_of("spec", path)
    monkeypatch.setenv("SECONDFRONT_YAML_MAX_DEPTH", "200")
    # Past the nesting, the spec is only wrong about its content.
    assert "nested more than" not in errors_of("spec", path)
    monkeypatch.setenv("SECONDFRONT_YAML_MAX_DEPTH", "many")
    with pytest.raises(Exception, match="SECONDFRONT_YAML_MAX_DEPTH='many' must be a positive"):
        load_spec(path)


def test_aliases_and_merge_keys_within_the_limits_still_work() -> None:
    """The bound is on the expanded size, not on using aliases and merge keys at all."""
    text = alias_bomb(levels=3, width=3) + "b: &b {x: 1, y: 1}\nc:\n  <<: *b\n  y: 2\n"
    doc, diagnostics = parse_yaml(text, "anchors.yaml")
    assert diagnostics == []
    assert doc.data["a2"] == [[["lol"] * 3] * 3] * 3
    assert doc.data["c"] == {"x": 1, "y": 2}


# Code run in the limited child: load one file of one kind, print the error, exit 2.
_LOAD = """
from secondfront.errors import RulesError, SpecError
kind, path = sys.argv[1:3]
if kind == "spec":
    from secondfront.model.scenario import load_spec as load
elif kind == "mapping":
    from secondfront.evidence.mapping import load_rules as load
else:
    from secondfront.timeline.chain import load_timeline as load
try:
    load(path)
except (SpecError, RulesError) as e:
    print(e, file=sys.stderr)
    sys.exit(2)
"""


@pytest.mark.parametrize("kind", list(LOADERS))
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # 9 ** 9 = 387 million values from 9 lines (3.8 GB and 53 s before the bound).
        pytest.param(alias_bomb(), 6, r"alias \*a4 takes the document past 200,000", id="alias"),
        # 4 ** 30 merged mappings.
        pytest.param(merge_bomb(), 24, r"alias \*m7 takes the document past 200,000", id="merge"),
    ],
)
def test_expansion_bombs_are_refused_within_a_memory_limit(
    kind: str, text: str, line: int, message: str, tmp_path: Path
) -> None:
    path = tmp_path / f"bomb.{kind}.yaml"
    path.write_text(text)
    done = run_limited([kind, str(path)], code=_LOAD, timeout=60)
    assert done.returncode == 2, done.stderr
    m = assert_located(done.stderr, path, message)
    assert int(m.group(1)) == line
    assert "SECONDFRONT_YAML_MAX_NODES" in done.stderr
