"""Property: any bytes given to the spec loader or the BIF reader give a network or a
``SpecError`` of located diagnostics, never another exception.

Two kinds of input: arbitrary bytes, and a valid file with random edits (bytes cut,
bytes inserted, and snippets that have broken the readers before: anchors and aliases,
merge keys, deep brackets, impossible dates, long integers, control characters, bytes
that are not UTF-8). The example budget is fixed (``max_examples``), so the run is
bounded in CI; the database is off, so nothing is written into the checkout.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondfront.errors import SpecError
from secondfront.model.bif import read_bif
from secondfront.model.model import Model
from secondfront.model.network import Network
from secondfront.model.scenario import load_spec
from tests.conftest import ASIA_BIF

FIXTURES = Path(__file__).parent / "fixtures"
SPEC = (FIXTURES / "valid_small.yaml").read_bytes()
BIF = ASIA_BIF.encode()

BUDGET = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

YAML_SNIPPETS = [
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"<<: [*a, *a]\n",
    b"[" * 200,
    b"{" * 100,
    b"2024-02-30",
    b"2024-01-01 25:00:00",
    b"9" * 5000,
    b"!!python/object/apply:os.system [x]",
    b"!!binary ",
    b"\x00",
    b"\x1b",
    b"\xff\xfe",
    b"\xc3",
    b"\t",
    b": ",
    b"- ",
    b"\n  ",
    b"'",
    b'"',
    b"? ",
    b"%YAML 1.1\n---\n",
    b"---\n",
]
BIF_SNIPPETS = [
    b"{",
    b"}",
    b"(",
    b")",
    b";",
    b",",
    b"|",
    b"/*",
    b"//",
    b'"',
    b"table ",
    b"default ",
    b"variable ",
    b"probability ( ",
    b"[ 99999999999999999999 ]",
    b"9" * 5000,
    b"1e999",
    b"-0.5",
    b"nan",
    b"\x00",
    b"\xff",
]


def mutated(base: bytes, snippets: list[bytes]) -> st.SearchStrategy[bytes]:
    """``base`` with up to eight random edits: cuts, snippet insertions, random bytes."""
    edit = st.tuples(
        st.integers(0, len(base)),
        st.one_of(
            st.just(b""),
            st.sampled_from(snippets),
            st.binary(min_size=1, max_size=8),
        ),
        st.integers(0, 40),  # bytes cut at the position
    )

    def apply(edits: list[tuple[int, bytes, int]]) -> bytes:
        data = base
        for pos, insert, cut in edits:
            pos = min(pos, len(data))
            data = data[:pos] + insert + data[pos + cut :]
        return data

    return st.lists(edit, min_size=1, max_size=8).map(apply)


def assert_network_or_located(read: object, path: Path) -> None:
    try:
        result = read(path)  # type: ignore[operator]
    except SpecError as e:
        assert e.diagnostics
        for d in e.diagnostics:
            line = str(d)
            assert "\n" not in line, line
            m = re.match(rf"{re.escape(str(path))}:(\d+):(\d+): error: \S", line)
            assert m is not None, line
            assert int(m.group(1)) >= 1 and int(m.group(2)) >= 1, line
        return
    assert isinstance(result, Model | Network)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@BUDGET
@given(data=st.binary(max_size=4000))
def test_spec_loader_on_any_bytes(folder: Path, data: bytes) -> None:
    path = folder / "fuzz.yaml"
    path.write_bytes(data)
    assert_network_or_located(load_spec, path)


@BUDGET
@given(data=mutated(SPEC, YAML_SNIPPETS))
def test_spec_loader_on_an_edited_spec(folder: Path, data: bytes) -> None:
    path = folder / "fuzz.yaml"
    path.write_bytes(data)
    assert_network_or_located(load_spec, path)


@BUDGET
@given(data=st.binary(max_size=4000), compress=st.booleans())
def test_bif_reader_on_any_bytes(folder: Path, data: bytes, compress: bool) -> None:
    path = folder / "fuzz.bif"
    path.write_bytes(gzip.compress(data) if compress else data)
    assert_network_or_located(read_bif, path)


@BUDGET
@given(
    data=mutated(BIF, BIF_SNIPPETS),
    how=st.sampled_from(["plain", "gzip", "truncated gzip", "corrupt gzip"]),
    cut=st.floats(0.0, 1.0),
)
def test_bif_reader_on_an_edited_network(folder: Path, data: bytes, how: str, cut: float) -> None:
    path = folder / "fuzz.bif.gz"
    if how != "plain":
        packed = gzip.compress(data)
        at = int(cut * len(packed))
        if how == "truncated gzip":
            data = packed[:at]
        elif how == "corrupt gzip":
            data = (
                packed[:at] + bytes([packed[at] ^ 0xFF]) + packed[at + 1 :]
                if at < len(packed)
                else packed
            )
        else:
            data = packed
    path.write_bytes(data)
    assert_network_or_located(read_bif, path)
