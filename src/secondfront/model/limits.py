"""Limits: how much reading a file may cost, in one declarative table.

Model files, mapping and timeline files and evidence batches come from anywhere: a
download, a colleague, an attacker. A few hundred bytes of YAML with aliases, a gzip
file of zeros or a noisy-OR with forty parents can ask for gigabytes of memory or
minutes of work. Every reader therefore estimates what an input will cost *before*
paying it and refuses, with the estimate, the limit and the environment variable that
raises it, when the cost is over a limit.

Each limit is a row of :data:`LIMITS`: a name, the environment variable that
overrides it, the default and one line of help. The README's table of limits and the
messages are built from these rows; a test fails when a row lacks help text.

The defaults leave a wide margin over every real model known to the project: the
flagship spec is 40 KB with about 3,000 YAML values and 6 levels of nesting; the
largest network of the bnlearn repository (diabetes) is 5.5 MB of BIF text that gzip
compresses 21 times, and its largest table has 7 x 21^3 = 64,827 entries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from secondfront.errors import UsageError

__all__ = ["LIMITS", "Limit", "limit", "table_entries"]


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
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(f"{self.env}={raw!r} must be a positive integer ({self.unit})")
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
