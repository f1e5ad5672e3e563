"""Limits: how much reading a file may cost, in one declarative table.

Model files, mapping and timeline files and evidence batches come from anywhere: a
download, a colleague, an attacker. A few hundred bytes of YAML with aliases, a gzip
file of zeros or a noisy-OR with forty parents can ask for gigabytes of memory or
minutes of work. Every reader therefore estimates what an input will cost *before*
paying it and refuses, with the estimate, the limit and the environment variable that
raises it, when the cost is over a limit.

Each limit is a row of :data:`LIMITS`: a name, the environment variable that
overrides it, the default and one line of help. Messages are built from these rows;
a test fails when a row lacks help text or is missing from the README's table.

The defaults leave a wide margin over every real model known to the project: the
flagship spec is 40 KB with about 3,000 YAML values and 6 levels of nesting; the
largest network of the bnlearn repository (diabetes) is 5.5 MB of BIF text that gzip
compresses 21 times, and its largest table has 7 x 21^3 = 64,827 entries.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from secondfront.errors import Diagnostic, SpecError, UsageError

__all__ = [
    "GZIP_MAGIC",
    "LIMITS",
    "Limit",
    "gunzip_limited",
    "limit",
    "memory_problem",
    "read_limited",
    "table_entries",
]

GZIP_MAGIC = b"\x1f\x8b"
# Output is produced in pieces of this size, so a limit is noticed within one piece.
_CHUNK = 2**20


@dataclass(frozen=True)
class Limit:
    """One row of the limits table.

    Attributes:
        name: short name used in code, e.g. ``"yaml_max_nodes"``.
        env: environment variable that overrides the default.
        default: the value when the variable is unset.
        unit: what the number counts (``"bytes"``, ``"levels"``, ...), for messages.
        help: one line for the docs.
    """

    name: str
    env: str
    default: int
    unit: str
    help: str

    def value(self, env: Mapping[str, str] | None = None) -> int:
        """The limit in force: ``$ENV`` when set (a positive integer), else the default.

        Raises:
            UsageError: the variable is set to something that is not a positive integer.
        """
        raw = (os.environ if env is None else env).get(self.env, "").strip()
        if not raw:
            return self.default
        # K, M and G suffixes are powers of 1024 (SECONDFRONT_UNZIP_LIMIT=4G).
        scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(raw[-1:].upper(), 1)
        digits = (raw[:-1] if scale > 1 else raw).replace("_", "")
        value = int(digits) * scale if digits.isdigit() and len(digits) <= 18 else 0
        if value < 1:
            raise UsageError(
                f"{self.env}={raw!r} must be a positive whole number ({self.unit}; "
                "K, M and G suffixes allowed)"
            )
        return value

    def hint(self) -> str:
        """The phrase messages end with: how to raise this limit."""
        return f"set {self.env} to raise the limit"


LIMITS: tuple[Limit, ...] = (
    Limit(
        "max_model_bytes",
        "SECONDFRONT_MAX_MODEL_BYTES",
        64 * 2**20,
        "bytes",
        "Largest BIF or XMLBIF model, in bytes, after decompressing a .bif.gz.",
    ),
    Limit(
        "max_expansion_ratio",
        "SECONDFRONT_MAX_EXPANSION_RATIO",
        100,
        "times the compressed size",
        "Largest ratio of decompressed to compressed size of a .bif.gz beyond its first MiB.",
    ),
    Limit(
        "max_yaml_bytes",
        "SECONDFRONT_MAX_YAML_BYTES",
        8 * 2**20,
        "bytes",
        "Largest YAML file (scenario spec, mapping or timeline), in bytes.",
    ),
    Limit(
        "yaml_max_depth",
        "SECONDFRONT_YAML_MAX_DEPTH",
        64,
        "levels",
        "Deepest nesting of lists and mappings in a YAML file.",
    ),
    Limit(
        "yaml_max_nodes",
        "SECONDFRONT_YAML_MAX_NODES",
        200_000,
        "values",
        "Most values a YAML file may hold, counting each use of an alias or merge key "
        "as a copy of what it names.",
    ),
    Limit(
        "max_table_entries",
        "SECONDFRONT_MAX_TABLE_ENTRIES",
        2**23,
        "entries",
        "Most entries of one probability table (parent configurations x child states; "
        "8 bytes each).",
    ),
    Limit(
        "max_plan_bytes",
        "SECONDFRONT_MAX_PLAN_BYTES",
        16 * 2**30,
        "bytes",
        "Most memory the junction tree of one query may need per evidence set (its clique "
        "and separator tables); `secondfront plan PATH` shows a network's need.",
    ),
    Limit(
        "max_batch_bytes",
        "SECONDFRONT_MAX_BATCH_BYTES",
        8 * 2**30,
        "bytes",
        "Most memory the sampled parameter sets of one uncertainty or sensitivity run may "
        "take (--samples times the model's table entries, 8 bytes each, three copies).",
    ),
    Limit(
        "unzip_limit",
        "SECONDFRONT_UNZIP_LIMIT",
        4 << 30,
        "bytes",
        "Most bytes one member of an event-file zip (GDELT) may expand to; free temporary "
        "space is checked as well.",
    ),
    Limit(
        "unzip_ratio",
        "SECONDFRONT_UNZIP_RATIO",
        100,
        "times the compressed size",
        "Largest ratio of expanded to compressed size of a zip member past its first 64 MiB.",
    ),
    Limit(
        "max_json_line_bytes",
        "SECONDFRONT_MAX_JSON_LINE_BYTES",
        2**20,
        "bytes",
        "Longest line of a JSON-lines evidence batch, in bytes.",
    ),
)

_BY_NAME = {row.name: row for row in LIMITS}


def limit(name: str) -> Limit:
    """The row called ``name`` (a KeyError for a name not in :data:`LIMITS`)."""
    return _BY_NAME[name]


def table_entries(cards: tuple[int, ...] | list[int], child: int) -> int:
    """Entries of a probability table: the product of the parents' cardinalities and the
    child's, as an exact Python integer (no overflow, whatever the sizes)."""
    n = child
    for c in cards:
        n *= c
    return n


def human_bytes(n: int) -> str:
    """``n`` bytes in the largest binary unit that keeps the number at least 1."""
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        value /= 1024
        if value < 1024:
            return f"{value:,.1f} {unit}" if n >= 1024 else f"{n} bytes"
    return f"{value:,.0f} EiB"


def table_size_problem(cards: tuple[int, ...] | list[int], child: int) -> str | None:
    """Why a table with these parent cardinalities and ``child`` states is too large to
    build, or None when it is within ``SECONDFRONT_MAX_TABLE_ENTRIES``.

    Checked before a table is allocated: a noisy-OR over 40 binary parents is a few
    lines of a spec but 2^41 float64 entries (16 TiB).
    """
    entries = table_entries(cards, child)
    cap = limit("max_table_entries")
    if entries <= cap.value():
        return None
    configs = entries // child if child else 0
    return (
        f"its table would have {entries:,} entries ({configs:,} parent configurations x "
        f"{child} states, {human_bytes(8 * entries)}), over the limit of {cap.value():,} "
        f"entries; use fewer parents or states ({cap.hint()})"
    )


def memory_problem(row: str, needed: int, what: str) -> str | None:
    """Why ``needed`` bytes for ``what`` are refused under the limit ``row``, or None.

    Checked before allocating, so that a mistyped size (``--samples 1000000000``) is a
    one-line refusal with the estimate rather than a MemoryError minutes later.
    """
    cap = limit(row)
    if needed <= cap.value():
        return None
    return (
        f"{what} would need about {human_bytes(needed)}, over the limit of "
        f"{human_bytes(cap.value())} ({cap.hint()})"
    )


def _located(path: str, text: bytes | bytearray, offset: int, message: str) -> SpecError:
    """A one-diagnostic SpecError at the line (and byte in it) of ``offset`` in ``text``."""
    line = text.count(b"\n", 0, offset) + 1
    col = offset - (text.rfind(b"\n", 0, offset) + 1) + 1
    return SpecError([Diagnostic(path, line, col, message)])


def read_limited(path: str | os.PathLike[str], row: str = "max_model_bytes") -> bytes:
    """The bytes of a file, refusing one over the limit called ``row`` without reading it all.

    Raises:
        SpecError: the file cannot be read, or is over the limit (located at the line
            where the limit falls).
    """
    name = os.fspath(path)
    cap = limit(row)
    max_bytes = cap.value()
    try:
        with open(name, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise SpecError([Diagnostic(name, 0, 0, f"cannot read file: {exc}")]) from None
    if len(data) > max_bytes:
        raise _located(
            name,
            data,
            max_bytes,
            f"file of {max(size, len(data)):,} bytes is over the limit of {max_bytes:,} bytes "
            f"(the position is where the limit falls; {cap.hint()})",
        )
    return data


def _check_expansion(path: str, out: bytearray, read: int, total: int) -> None:
    """Refuse gzip output ``out`` that passed ``SECONDFRONT_MAX_MODEL_BYTES`` or, beyond
    its first MiB, ``SECONDFRONT_MAX_EXPANSION_RATIO`` times the ``read`` compressed
    bytes (of ``total``).

    Raises:
        SpecError: located where the limit falls in the text.
    """
    size_cap, ratio_cap = limit("max_model_bytes"), limit("max_expansion_ratio")
    max_out, max_ratio = size_cap.value(), ratio_cap.value()
    if len(out) > max_out:
        raise _located(
            path,
            out,
            max_out,
            f"gzip data expands past {max_out:,} bytes (from {read:,} compressed "
            f"bytes read so far of {total:,}); refused before decompressing the "
            f"rest ({size_cap.hint()})",
        )
    if len(out) > _CHUNK and len(out) > max_ratio * max(read, 1):
        raise _located(
            path,
            out,
            len(out),
            f"gzip data expands {len(out) / max(read, 1):,.0f} times ({len(out):,} bytes "
            f"from {read:,} compressed bytes), over the limit of {max_ratio} times; "
            f"refused as a likely decompression bomb ({ratio_cap.hint()})",
        )


def gunzip_limited(data: bytes, path: str) -> bytes:
    """Decompress gzip ``data`` (one member or several), refusing a bomb as it expands.

    The output grows a MiB at a time; decompression stops, with the numbers, as soon as
    it passes ``SECONDFRONT_MAX_MODEL_BYTES`` or, beyond its first MiB, expands more
    than ``SECONDFRONT_MAX_EXPANSION_RATIO`` times the compressed bytes read so far.
    A truncated or corrupt stream is one located error (at the end of the text
    recovered so far), not a zlib or EOF exception.

    Args:
        data: the compressed file.
        path: the file name for diagnostics.

    Returns:
        the decompressed bytes.

    Raises:
        SpecError: one diagnostic saying what is wrong and where the text stops.
    """
    out = bytearray()
    rest = data
    done = 0  # compressed bytes of the members already finished
    while True:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header and trailer
        pending = rest
        while True:
            try:
                got = inflater.decompress(pending, _CHUNK)
            except zlib.error as exc:
                raise _located(
                    path,
                    out,
                    len(out),
                    f"corrupt gzip data after {len(out):,} bytes of text ({exc}); "
                    "download or compress the file again",
                ) from None
            out += got
            pending = inflater.unconsumed_tail
            read = done + len(rest) - len(pending) - len(inflater.unused_data)
            _check_expansion(path, out, read, len(data))
            # Output held back by the piece size may remain once all input is consumed.
            if inflater.eof or (not pending and len(got) < _CHUNK):
                break
        if not inflater.eof:
            raise _located(
                path,
                out,
                len(out),
                f"gzip data ends early after {len(out):,} bytes of text (truncated: "
                f"{len(data):,} compressed bytes); download or compress the file again",
            )
        done += len(rest) - len(inflater.unused_data)
        rest = inflater.unused_data.lstrip(b"\x00")
        if not rest:
            return bytes(out)
        if not rest.startswith(GZIP_MAGIC):
            raise _located(
                path,
                out,
                len(out),
                f"{len(rest):,} bytes of data that is not gzip after the compressed text",
            )
