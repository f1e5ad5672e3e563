"""Hostile and broken BIF, .bif.gz and XMLBIF files: located errors, bounded work.

Decompression bombs run in a child process under an address-space limit
(``tests.hostile.run_limited``), so a reader that decompressed them whole would die
there, not take the machine's memory.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from secondfront.errors import SpecError
from secondfront.model.bif import read_bif, write_bif
from secondfront.model.formats import load
from secondfront.model.xmlbif import read_xmlbif
from tests.conftest import ASIA_BIF
from tests.hostile import assert_located, gzip_bomb, loader_code, run_limited, wide_bif

ASIA_GZ = gzip.compress(ASIA_BIF.encode())


def error_text(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        load(path)
    return str(info.value)


# (name, file name, content, line, column, message)
CASES: list[tuple[str, str, bytes, int, int, str]] = [
    (
        "truncated gzip",
        "net.bif.gz",
        ASIA_GZ[: len(ASIA_GZ) // 2],
        # The text recovered before the cut ends on this line; the message says where.
        0,
        0,
        r"gzip data ends early after [\d,]+ bytes of text \(truncated",
    ),
    (
        "corrupt gzip",
        "net.bif.gz",
        ASIA_GZ[:12] + bytes(b ^ 0x5A for b in ASIA_GZ[12:40]) + ASIA_GZ[40:],
        0,
        0,
        r"corrupt gzip data",
    ),
    (
        "gzip checksum wrong",
        "net.bif.gz",
        ASIA_GZ[:-8] + b"\0\0\0\0" + ASIA_GZ[-4:],
        0,
        0,
        r"corrupt gzip data .*incorrect data check",
    ),
    (
        "junk after the gzip member",
        "net.bif.gz",
        ASIA_GZ + b"PK\x03\x04junk",
        22,
        1,
        r"8 bytes of data that is not gzip after the compressed text",
    ),
    (
        "5,000-digit state count",
        "net.bif",
        b"variable a { type discrete [ " + b"9" * 5000 + b" ] { x, y }; }\n",
        1,
        30,
        r"expected the number of states, got '9999.*\(5,000 characters\)",
    ),
    (
        "non-ASCII digit as state count",
        "net.bif",
        "variable a { type discrete [ ² ] { x, y }; }\n".encode(),
        1,
        30,
        r"expected the number of states, got '²'",
    ),
    (
        "unterminated comment",
        "net.bif",
        b"variable a { type discrete [ 2 ] { x, y }; }\n/* no end " + b"x" * 10_000,
        2,
        1,
        r"unterminated comment",
    ),
    (
        "entity expansion (billion laughs)",
        "net.xml",
        b'<?xml version="1.0"?>\n<!DOCTYPE BIF [\n  <!ENTITY a "aaaaaaaaaa">\n'
        b'  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
        b"<BIF><NETWORK><NAME>&b;</NAME></NETWORK></BIF>\n",
        3,
        0,
        r"refused XML entity declaration .*name='a'",
    ),
    (
        "external entity",
        "net.xmlbif",
        b'<?xml version="1.0"?>\n<!DOCTYPE BIF [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
        b"<BIF><NETWORK><NAME>&x;</NAME></NETWORK></BIF>\n",
        2,
        0,
        r"refused XML entity declaration .*file:///etc/passwd",
    ),
    (
        "external DTD",
        "net.bifxml",
        b'<?xml version="1.0"?>\n<!DOCTYPE BIF SYSTEM "http://evil.example/bif.dtd">\n'
        b"<BIF><NETWORK><NAME>n</NAME></NETWORK></BIF>\n",
        2,
        0,
        r"refused XML external entity or DTD",
    ),
    (
        "malformed XML",
        "net.xml",
        b"<BIF>\n<NETWORK>\n</BIF>\n",
        3,
        3,
        r"malformed XML: mismatched tag",
    ),
    ("NUL in XML", "net.xml", b"<BIF>\x00</BIF>", 1, 6, r"malformed XML: not well-formed"),
]


_XML_NAME = b"<BIF><NETWORK><NAME>n</NAME></NETWORK></BIF>\n"
_VARIABLE = b"variable a { type discrete [ 2 ] { x, y }; }\n"

# Each case's file with an inert value in place of the hostile one: the whole gzip file,
# a plain number, a closed comment, no DOCTYPE, well-formed XML.
INERT: dict[str, bytes] = {
    "truncated gzip": ASIA_GZ,
    "corrupt gzip": ASIA_GZ,
    "gzip checksum wrong": ASIA_GZ,
    "junk after the gzip member": ASIA_GZ,
    "5,000-digit state count": _VARIABLE,
    "non-ASCII digit as state count": _VARIABLE,
    "unterminated comment": _VARIABLE + b"/* an end */\n",
    "entity expansion (billion laughs)": b'<?xml version="1.0"?>\n' + _XML_NAME,
    "external entity": b'<?xml version="1.0"?>\n' + _XML_NAME,
    "external DTD": b'<?xml version="1.0"?>\n' + _XML_NAME,
    "malformed XML": b"<BIF>\n<NETWORK>\n</NETWORK>\n</BIF>\n",
    "NUL in XML": b"<BIF>0</BIF>",
}


@pytest.mark.parametrize(
    ("name", "content", "inert", "line", "col", "message"),
    [pytest.param(case[1], case[2], INERT[case[0]], *case[3:], id=case[0]) for case in CASES],
)
def test_fault_is_a_located_error(
    name: str, content: bytes, inert: bytes, line: int, col: int, message: str, tmp_path: Path
) -> None:
    """Compared: the file with an inert value in the hostile one's place loads, or gets
    only the reader's ordinary located errors, never the hostile value's."""
    path = tmp_path / name
    path.write_bytes(content)
    text = error_text(path)
    for diagnostic in text.splitlines():
        assert diagnostic.startswith(f"{path}:") and ": error: " in diagnostic, text
    m = assert_located(text, path, message)
    if line:
        assert int(m.group(1)) == line
    if col:
        assert int(m.group(2)) == col
    path.write_bytes(inert)
    try:
        load(path)
    except SpecError as e:
        for diagnostic in str(e).splitlines():
            assert diagnostic.startswith(f"{path}:") and ": error: " in diagnostic, str(e)
        assert re.search(message, str(e)) is None, str(e)


def test_truncated_gzip_points_at_the_end_of_the_recovered_text(tmp_path: Path) -> None:
    path = tmp_path / "net.bif.gz"
    path.write_bytes(ASIA_GZ[: len(ASIA_GZ) // 2])
    m = assert_located(error_text(path), path, r"ends early after ([\d,]+) bytes")
    recovered = int(m.group(3).replace(",", ""))
    head = ASIA_BIF.encode()[:recovered]
    assert 0 < recovered < len(ASIA_BIF)
    assert int(m.group(1)) == head.count(b"\n") + 1


def test_a_good_gzip_file_with_several_members_and_padding_loads(tmp_path: Path) -> None:
    text = ASIA_BIF.encode()
    path = tmp_path / "net.bif.gz"
    path.write_bytes(gzip.compress(text[:100]) + gzip.compress(text[100:]) + b"\0" * 16)
    net = read_bif(path)
    assert write_bif(net) == write_bif(read_bif(_plain(tmp_path, text)))


def _plain(tmp_path: Path, text: bytes) -> Path:
    path = tmp_path / "plain.bif"
    path.write_bytes(text)
    return path


def test_unreadable_files_are_located_errors(tmp_path: Path) -> None:
    folder = tmp_path / "folder.bif"
    folder.mkdir()
    for reader in (read_bif, read_xmlbif):
        with pytest.raises(SpecError, match=r"folder\.bif:0:0: error: cannot read file"):
            reader(folder)


@pytest.mark.parametrize("name", ["net.bif", "net.xml"])
def test_oversized_model_file_is_refused_unread(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compared: the same file under a limit it fits is read; only its content is wrong."""
    monkeypatch.setenv("SECONDFRONT_MAX_MODEL_BYTES", "100")
    path = tmp_path / name
    path.write_bytes(b"x\n" * 500)
    text = error_text(path)
    m = assert_located(text, path, r"file of 1,000 bytes is over the limit of 100 bytes")
    assert (m.group(1), m.group(2)) == ("51", "1")
    assert "SECONDFRONT_MAX_MODEL_BYTES" in text
    monkeypatch.setenv("SECONDFRONT_MAX_MODEL_BYTES", "1000")
    assert "over the limit" not in error_text(path)


# Code run in the limited child: read one model file, print the error, exit 2.
_READ = loader_code("secondfront.model.formats", "load")


def test_gzip_bomb_is_refused_by_its_ratio_within_a_memory_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.bif.gz"
    path.write_bytes(gzip_bomb(6 * 1024))  # 6 GiB of spaces in about 6 MB
    done = run_limited([str(path)], code=_READ, memory_mb=512, timeout=60)
    assert done.returncode == 2, done.stderr
    assert_located(
        done.stderr,
        path,
        r"gzip data expands [\d,]+ times \([\d,]+ bytes from [\d,]+ compressed bytes\), "
        r"over the limit of 100 times; refused .*SECONDFRONT_MAX_EXPANSION_RATIO",
    )


def test_gzip_bomb_is_refused_by_its_size_when_the_ratio_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bomb.bif.gz"
    path.write_bytes(gzip_bomb(64))
    env = {"SECONDFRONT_MAX_EXPANSION_RATIO": "100000", "SECONDFRONT_MAX_MODEL_BYTES": "8000000"}
    done = run_limited([str(path)], code=_READ, memory_mb=512, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert_located(
        done.stderr,
        path,
        r"gzip data expands past 8,000,000 bytes \(from [\d,]+ compressed bytes read so far "
        r"of [\d,]+\); refused before decompressing the rest .*SECONDFRONT_MAX_MODEL_BYTES",
    )


def test_bif_table_over_the_entry_limit_is_refused_before_allocating(tmp_path: Path) -> None:
    path = tmp_path / "wide.bif"
    path.write_text(wide_bif(40))  # 2 ** 41 entries (16 TiB) from one 'default' line
    done = run_limited([str(path)], code=_READ, timeout=60)
    assert done.returncode == 2, done.stderr
    m = assert_located(
        done.stderr,
        path,
        r"probability block of 'c': its table would have 2,199,023,255,552 entries "
        r"\(1,099,511,627,776 parent configurations x 2 states, 16\.0 TiB\), over the limit "
        r"of 8,388,608 entries.*SECONDFRONT_MAX_TABLE_ENTRIES",
    )
    assert int(m.group(1)) == 82  # the 'probability ( c | ...' line
