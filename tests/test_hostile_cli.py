"""Hostile input through the command line: exit status 2, a located error, no traceback.

One row per input kind and fault class, run as ``secondfront ...`` in a child process
whose address space is capped (``tests.hostile.run_limited``), so a command that
forgot a bound fails its test with a MemoryError instead of taking the machine's
memory. Each row names the file the error must point at and what it must say.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ASIA_BIF, FLAGSHIP
from tests.hostile import (
    TRACEBACK,
    alias_bomb,
    assert_located,
    deep_flow,
    gzip_bomb,
    run_limited,
    wide_spec,
)

ASIA_GZ = gzip.compress(ASIA_BIF.encode())


@dataclass(frozen=True)
class Case:
    """One command on one hostile file.

    Attributes:
        name: what the case is about (the test id).
        file: the file name the input is written to, in the test's folder.
        content: the file's bytes.
        command: the arguments; ``{file}`` stands for the file's path and ``{asia}`` for
            a valid BIF network.
        message: regular expression for the located error's message.
        env: extra environment of the command (a lowered limit).
        inert: for an injected value (an XML entity, a control character), the same file
            with an inert value in its place: read on to the reader's ordinary located
            errors, never the refusal, so the refusal is the hostile value's alone.
    """

    name: str
    file: str
    content: bytes
    command: tuple[str, ...]
    message: str
    env: dict[str, str] = field(default_factory=dict)
    inert: bytes | None = None


def _text(s: str) -> bytes:
    return s.encode("utf-8")


def _lines(*rows: object) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


CHECK, FORECAST, INFER = ("check", "{file}"), ("forecast", "--model", "{file}"), ("infer", "{file}")
BATCH = ("infer", "{asia}", "--batch", "{file}")
MAPPING = ("indicators", "--rules", "{file}", "--db", "{db}")
TIMELINE = ("timeline", "--timeline", "{file}", "--db", "{db}")

CASES = [
    # Scenario specs.
    Case("spec alias bomb", "s.yaml", _text(alias_bomb()), CHECK, r"takes the document past"),
    Case("spec deep nesting", "s.yaml", _text(deep_flow(50_000)), CHECK, r"nested more than 64"),
    Case("spec impossible date", "s.yaml", b"x: 2024-02-30\n", FORECAST, r"invalid date or time"),
    Case("spec hour 25", "s.yaml", b"x: 2024-01-01 25:00:00\n", INFER, r"hour must be in 0\.\.23"),
    Case(
        "spec NUL",
        "s.yaml",
        b"a: b\x00\n",
        FORECAST,
        r"character U\+0000 is not allowed",
        inert=b"a: b0\n",
    ),
    Case("spec long integer", "s.yaml", b"a: " + b"1" * 5000 + b"\n", CHECK, r"5000 digits"),
    Case("spec not UTF-8", "s.yaml", b"a: 1\nb: \xff\n", INFER, r"UTF-8: .*byte 4 of line 2"),
    Case(
        "spec too large",
        "s.yaml",
        b"a: 1\n" * 300,
        CHECK,
        r"over the limit of 1,000 bytes",
        {"SECONDFRONT_MAX_YAML_BYTES": "1000"},
    ),
    Case(
        "spec 40-parent noisy-OR",
        "s.yaml",
        _text(wide_spec("noisy_or", 40)),
        CHECK,
        r"its table would have 2,199,023,255,552 entries",
    ),
    # BIF, compressed or not.
    Case("bif.gz truncated", "n.bif.gz", ASIA_GZ[:150], CHECK, r"gzip data ends early"),
    Case("bif.gz truncated, forecast", "n.bif.gz", ASIA_GZ[:150], FORECAST, r"ends early"),
    Case(
        "bif.gz corrupt",
        "n.bif.gz",
        ASIA_GZ[:10] + b"\xff" * 30 + ASIA_GZ[40:],
        INFER,
        r"corrupt gzip data",
    ),
    Case("bif.gz bomb", "n.bif.gz", gzip_bomb(2048), CHECK, r"expands [\d,]+ times"),
    Case(
        "bif state count",
        "n.bif",
        b"variable a { type discrete [ " + b"9" * 5000 + b" ] {a};}",
        CHECK,
        r"expected the number of states",
    ),
    # XMLBIF.
    Case(
        "xml entity",
        "n.xml",
        b'<!DOCTYPE BIF [<!ENTITY a "x">]>\n<BIF><NETWORK><NAME>&a;</NAME></NETWORK></BIF>',
        CHECK,
        r"refused XML entity declaration",
        inert=b"\n<BIF><NETWORK><NAME>a</NAME></NETWORK></BIF>",
    ),
    Case(
        "xml external",
        "n.xmlbif",
        b'<!DOCTYPE BIF SYSTEM "file:///etc/passwd">\n<BIF/>',
        FORECAST,
        r"refused XML external",
        inert=b"\n<BIF/>",
    ),
    # Evidence batches of infer --batch.
    Case(
        "batch deep JSON",
        "e.jsonl",
        _lines({"xray": "yes"}, b'{"a": ' + b"[" * 50_000),
        BATCH,
        r"JSON nested more than 3 levels deep",
    ),
    Case(
        "batch not UTF-8",
        "e.jsonl",
        _lines({"xray": "yes"}, b'{"xray": "\xe9"}'),
        BATCH,
        r"not valid UTF-8",
    ),
    Case(
        "batch huge integer",
        "e.jsonl",
        _lines(b'{"xray": [' + b"7" * 5000 + b", 1]}"),
        BATCH,
        r"integer of 5,000 digits is too long",
    ),
    Case(
        "batch not an object",
        "e.jsonl",
        _lines(["xray", "yes"]),
        BATCH,
        r"each line must be a JSON object",
    ),
    Case(
        "batch value of a wrong type",
        "e.jsonl",
        _lines({"xray": {"yes": 1}}),
        BATCH,
        r"the value of 'xray' must be a state name or a list of likelihoods",
    ),
    Case("batch not JSON", "e.jsonl", _lines(b'{"xray": yes}'), BATCH, r"not JSON"),
    Case(
        "batch long line",
        "e.jsonl",
        _lines({"xray": "y" * 5000}),
        BATCH,
        r"line longer than 1,000 bytes",
        {"SECONDFRONT_MAX_JSON_LINE_BYTES": "1000"},
    ),
    # Mapping and timeline files (the same YAML reader).
    Case(
        "mapping alias bomb",
        "m.mapping.yaml",
        _text(alias_bomb()),
        MAPPING,
        r"takes the document past",
    ),
    Case(
        "mapping impossible date",
        "m.mapping.yaml",
        b"model: x\nfrom: 2024-13-01\n",
        MAPPING,
        r"invalid date or time '2024-13-01'",
    ),
    Case(
        "timeline deep nesting",
        "t.timeline.yaml",
        _text(deep_flow(3000)),
        TIMELINE,
        r"nested more than 64",
    ),
    Case(
        "timeline control character",
        "t.timeline.yaml",
        b"model: x\x07\n",
        TIMELINE,
        r"character U\+0007",
        inert=b"model: x7\n",
    ),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty events store, so read commands get as far as their rules and timeline."""
    from secondfront.evidence import store as events

    path = tmp_path_factory.mktemp("store") / "events.duckdb"
    events.connect(path).close()
    return path


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_one_located_error_exit_2(case: Case, tmp_path: Path, store: Path) -> None:
    """Compared, for an injected value: the inert value in its place gets the same kind
    of answer (exit 2, located diagnostics only, no traceback) but never the refusal."""
    path = tmp_path / case.file
    path.write_bytes(case.content)
    asia = tmp_path / "asia.bif"
    asia.write_text(ASIA_BIF)
    fill: Callable[[str], str] = lambda a: a.format(file=path, asia=asia, db=store)  # noqa: E731
    done = run_limited([fill(a) for a in case.command], env=case.env, timeout=90)
    assert TRACEBACK not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert_located(done.stderr, path, case.message)
    for line in done.stderr.strip().splitlines():  # nothing but diagnostics
        assert line.startswith(f"{path}:") and ": error: " in line, done.stderr
    if case.inert is None:
        return
    path.write_bytes(case.inert)
    inert = run_limited([fill(a) for a in case.command], env=case.env, timeout=90)
    assert TRACEBACK not in inert.stderr + inert.stdout, inert.stderr
    assert inert.returncode == 2 and inert.stderr.strip(), (inert.returncode, inert.stderr)
    assert re.search(case.message, inert.stderr) is None, inert.stderr
    for line in inert.stderr.strip().splitlines():
        assert line.startswith(f"{path}:") and ": error: " in line, inert.stderr


def test_the_shipped_model_still_checks() -> None:
    """The limits leave room for real models: the flagship passes under the same cap."""
    done = run_limited(["check", str(FLAGSHIP)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok:")
