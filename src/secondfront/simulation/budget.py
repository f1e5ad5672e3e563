"""Memory of a simulation, estimated before anything is allocated.

A run's memory grows with its agents: the lattice holds a few bytes per cell and the
per-agent arrays (position, kind, jail term, grievance, risk aversion, the Belarus
model's private attitudes) a few dozen bytes per agent, and the set-up's random draws
briefly double some of them. The constants below bound the peak that ``tracemalloc``
measures for one run (set-up included) with a margin, so an estimate is an upper bound
for the arrays; each process adds its interpreter, numpy, numba and compiled code.

``check_memory`` refuses an ensemble whose estimate exceeds a limit (by default the
machine's physical memory) with a ``UsageError``: the CLI prints it and exits 2, and
any other caller of ``run_ensemble`` (the workbench, a notebook) gets the same error
before a single array exists.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from secondfront.errors import UsageError

__all__ = [
    "BYTES_PER_AGENT",
    "MAX_AGENTS",
    "MemoryEstimate",
    "check_memory",
    "estimate_memory",
    "format_bytes",
    "parse_size",
    "physical_memory",
]

# Peak bytes per agent of one run, set-up included (measured peaks: about 62 for
# Epstein's model and 70 for the Belarus model), plus the incremental neighbourhood
# counts (8 bytes per cell, 10.3 per agent at Mesa's densities) and the copy of the
# codes they were built from (1 byte per cell), rounded up.
BYTES_PER_AGENT: dict[str, int] = {"epstein": 88, "belarus": 96}
# Per step of one run: its series and their aggregation (a few floats per step).
BYTES_PER_STEP = 512
# Per process: interpreter, numpy, numba and the compiled kernel.
PROCESS_BYTES = 256 * 2**20
# The kernel indexes agents and cells with 32-bit integers.
MAX_AGENTS = 2**31 - 1


class _Run(Protocol):
    @property
    def model(self) -> str: ...
    @property
    def agents(self) -> int: ...
    @property
    def steps(self) -> int: ...


@dataclass(frozen=True)
class MemoryEstimate:
    """Peak memory of an ensemble, in bytes.

    Attributes:
        per_run: the largest run's peak, arrays and its process.
        concurrent: runs held in memory at once.
        total: ``per_run * concurrent``.
    """

    per_run: int
    concurrent: int
    total: int


def estimate_memory(specs: Sequence[_Run], concurrent: int) -> MemoryEstimate:
    """Upper bound of the peak memory of running ``specs``, ``concurrent`` at a time.

    Args:
        specs: the runs (``RunSpec``: model, agents, steps).
        concurrent: how many run at once (one process each).

    Returns:
        the estimate.
    """
    per_run = max(
        PROCESS_BYTES
        + BYTES_PER_AGENT.get(s.model, max(BYTES_PER_AGENT.values())) * max(s.agents, 1_200)
        + BYTES_PER_STEP * s.steps
        for s in specs
    )
    n = max(1, min(concurrent, len(specs)))
    return MemoryEstimate(per_run, n, per_run * n)


def physical_memory() -> int:
    """Bytes of physical memory of this machine (0 when unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - platform
        return 0


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}
_UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_size(text: str) -> int:
    """``"16GB"``, ``"512 MiB"`` or a number of bytes -> bytes.

    Raises:
        UsageError: not a size.
    """
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", text)
    unit = m.group(2).upper() if m else ""
    if m is None or unit not in _UNITS:
        raise UsageError(f"{text!r} is not a memory size; write it as 16GB, 512MiB or bytes")
    return int(float(m.group(1)) * _UNITS[unit])


def format_bytes(n: float) -> str:
    """Bytes in decimal units: ``"4.2 GB"``."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError  # pragma: no cover


def check_memory(
    specs: Sequence[_Run], concurrent: int, limit: int | None = None
) -> MemoryEstimate:
    """Refuse an ensemble that cannot fit, before it allocates anything.

    Args:
        specs: the runs.
        concurrent: runs held in memory at once.
        limit: bytes allowed; ``None`` for the machine's physical memory (no check when
            that is unknown).

    Returns:
        the estimate, when it fits.

    Raises:
        UsageError: a run has more agents than the kernel can index, or the estimate
            exceeds the limit; the message gives the estimate and the flag that
            overrides it (``--memory-limit``).
    """
    biggest = max(specs, key=lambda s: s.agents)
    est = estimate_memory(specs, concurrent)
    if biggest.agents > MAX_AGENTS:
        raise UsageError(
            f"--agents {biggest.agents:,} would need about {format_bytes(est.per_run)} per "
            f"run, and the kernel indexes at most {MAX_AGENTS:,} agents per run; use fewer "
            "--agents"
        )
    allowed = physical_memory() if limit is None else limit
    if allowed and est.total > allowed:
        what = "the memory limit" if limit is not None else "this machine's memory"
        at_once = f", {est.concurrent} at a time," if est.concurrent > 1 else ""
        raise UsageError(
            f"{len(specs)} run(s) of {biggest.agents:,} agents{at_once} would need about "
            f"{format_bytes(est.total)} ({format_bytes(est.per_run)} per run), more than "
            f"{what} ({format_bytes(allowed)}); use fewer --agents or --workers, or "
            f"pass --memory-limit {math.ceil(est.total * 1.1 / 1e9)}GB "
            "to run it anyway"
        )
    return est
