"""Compiled step kernel shared by the Epstein and the Belarus models.

The state of a run lives in flat arrays (structure of arrays), never in one Python
object per agent: a lattice of ``H x W`` cells on a torus holds at most one agent per
cell (``cell_agent``, -1 when empty) and a one-byte code per cell (``code``) that the
neighbourhood scans read; per-agent arrays hold kind, position, state, jail term,
grievance and risk aversion.

Update order. Mesa's Epstein example activates every agent once per step in a fresh
uniformly random order, and each agent sees the effects of those that went before it
in the same step (an activation raises the local count of actives that the next
citizen sees, so outbursts cascade within a step). A fully synchronous update breaks
that cascade and shrinks outbursts. The kernel therefore keeps the sequential,
random-order semantics:

* the lattice is cut into rectangular tiles; within a tile, agents act one at a time in
  the order of a random permutation of the tile's cells that held an agent when the
  step began. An agent acts only from that cell (it moves only on its own turn), and
  an "acted" bit in the cell code stops an agent that moved into a later cell from
  acting twice, so the order of agents is a uniformly random permutation;
* with a single tile this is exactly Mesa's semantics;
* with many tiles, tiles are coloured like a 2 x 2 checkerboard (even numbers of tile
  rows and columns, each at least ``3 * vision + 1`` cells wide), and the tiles of one
  colour are processed in parallel: an agent reads and writes cells only within
  ``vision`` cells of itself (and strip sums within ``2 * vision``), so two tiles of one
  colour never touch the same cell. Only the
  interleaving of agents on different tiles near tile borders differs from one global
  random order; the tests check that the outcome distributions agree.

Counting. A citizen weighs the cops and active citizens within its vision. Scanning
the ``2v(v+1)`` cells of the neighbourhood (112 at vision 7) for every activation is
the obvious way; the kernel instead keeps strip sums along the diagonals, updated
whenever a cell changes kind (a move, an arrest, a citizen turning active or quiet),
and reads a count in ``2v + 1`` lines (``_window``, ``_set``). Agents still act one at a
time in the same order and see the same counts, so a run is identical either way; the
strips win while a tile's cells stay in cache and lose beyond (``Lattice.incremental``
chooses). The strips write up to ``v`` cells beyond a changed cell, so tiles are at
least ``3v + 1`` cells wide.

Randomness. Each tile draws from its own counter-based stream (SplitMix64) keyed by
the run's seed, the step and the tile, so results do not depend on how threads are
scheduled: a seed replays a run exactly on any number of cores.
"""

from __future__ import annotations

from typing import NamedTuple, get_type_hints

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ACTIVE",
    "COP",
    "EMPTY",
    "JAILED",
    "QUIET",
    "Agents",
    "Geometry",
    "Rules",
    "diamond_offsets",
    "geometry",
    "run_steps",
    "step_tiles",
    "tile_layout",
]

# Cell codes. A jailed citizen keeps its cell (as in Mesa's example) but is neither
# active nor a cop for anyone's count.
EMPTY = 0
COP = 1
QUIET = 2
ACTIVE = 3
JAILED = 4
# Bit 3 of a cell's code says whether its agent has acted in the current step: it is
# set to the step's tag (8 on even steps, 0 on odd ones) when the agent acts, so it
# needs no clearing between steps and lives in the same cache lines as the codes.
ACTED = 8
KIND = 7

# Neighbour counts are packed into one integer per cell code (cops, actives, citizens
# and empty cells in 8-bit fields; a neighbourhood has at most 112 cells of radius 7
# and 255 of radius 10), so counting is one table look-up and one add per cell, without
# data-dependent branches, and the strips below hold packed sums.
_PACKED = np.zeros(2 * ACTED, dtype=np.int64)
for _flag in (0, ACTED):
    _PACKED[COP | _flag] = 1
    _PACKED[ACTIVE | _flag] = (1 << 8) | (1 << 16)
    _PACKED[QUIET | _flag] = 1 << 16
    _PACKED[EMPTY | _flag] = 1 << 24
# The two strip sums of a cell share one int64: the long one in the low 32 bits.
_HIGH = np.int64(1 << 32)
_LOW = np.int64((1 << 32) - 1)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@nb.njit(inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always")
def _uniform(s: np.uint64) -> tuple[np.uint64, float]:
    """Advance a SplitMix64 state; return it and a float in [0, 1)."""
    s = s + _GOLDEN
    return s, float(_mix(s) >> _S11) * _INV53


@nb.njit(inline="always")
def _below(s: np.uint64, n: int) -> tuple[np.uint64, int]:
    """A uniform integer in [0, n) (bias below 2**-40 for n < 2**13)."""
    s, u = _uniform(s)
    i = int(u * n)
    return s, min(i, n - 1)


def diamond_offsets(radius: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Cells within Manhattan distance ``radius``, centre excluded (Mesa's von Neumann
    neighbourhood of that radius).

    Returns:
        ``(dy, dx)``, each of shape ``(2 * radius * (radius + 1),)``.
    """
    dy, dx = [], []
    for y in range(-radius, radius + 1):
        for x in range(-radius, radius + 1):
            if 0 < abs(y) + abs(x) <= radius:
                dy.append(y)
                dx.append(x)
    return np.asarray(dy, dtype=np.int64), np.asarray(dx, dtype=np.int64)


def _bounds(n: int, target: int, minimum: int) -> list[int]:
    """Cut ``n`` cells into an even number of strips of about ``target`` cells."""
    k = max(2, round(n / target))
    k += k % 2
    while k > 2 and n // k < minimum:
        k -= 2
    if n // k < minimum:
        raise ValueError(f"a side of {n} cells cannot hold 2 strips of {minimum} cells")
    return [round(i * n / k) for i in range(k + 1)]


def tile_layout(
    height: int, width: int, vision: int, tile: int | None, *, reach: int | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Tiles of the lattice and their processing order.

    Args:
        height: lattice rows.
        width: lattice columns.
        vision: the largest vision radius of any agent, in cells.
        tile: target tile side in cells; ``None`` for one tile (exact Mesa order,
            sequential on one core).
        reach: how far beyond a tile an agent's step may write, in cells along each
            axis (``vision`` by default; ``2 * vision`` with the incremental counts,
            which update strips up to ``vision`` cells beyond a changed cell).

    Returns:
        ``(tiles, colour_start)``: ``tiles`` of shape ``(n_tiles, 4)`` holding
        ``y0, y1, x0, x1`` (half-open), sorted by colour; tiles of colour ``c`` are
        ``tiles[colour_start[c]:colour_start[c + 1]]`` (``colour_start`` has 5 entries,
        or 2 for a single tile).
    """
    if tile is None:
        return (np.array([[0, height, 0, width]], dtype=np.int64), np.array([0, 1], dtype=np.int64))
    # A tile of side vision + reach + 1 keeps same-coloured tiles out of each other's
    # reach (2 * vision + 1 for the scan; see the module doc).
    minimum = vision + (vision if reach is None else reach) + 1
    ys = _bounds(height, tile, minimum)
    xs = _bounds(width, tile, minimum)
    by_colour: list[list[list[int]]] = [[], [], [], []]
    for iy in range(len(ys) - 1):
        for ix in range(len(xs) - 1):
            by_colour[(iy % 2) * 2 + ix % 2].append([ys[iy], ys[iy + 1], xs[ix], xs[ix + 1]])
    tiles = [t for group in by_colour for t in group]
    start = np.cumsum([0] + [len(g) for g in by_colour])
    return np.asarray(tiles, dtype=np.int64), start.astype(np.int64)


@nb.njit(inline="always")
def _advance(s: np.uint64) -> np.uint64:
    """Move a stream past the draws ``_pick`` made from a substream of it."""
    return _mix(s + _GOLDEN)


class Geometry(NamedTuple):
    """Where cells are: the torus, the neighbourhood and the tiles (fixed for a run).

    Attributes:
        height: rows of the torus, in cells.
        width: columns of the torus, in cells.
        radius: vision radius, in cells (Manhattan).
        dy: row offsets of the neighbourhood (``diamond_offsets``); shape ``(n_off,)``.
        dx: column offsets, same shape.
        flat: ``dy * width + dx``: flat offsets, valid away from the torus seam.
        wrap_y: row index modulo ``height`` for rows ``-radius .. height + radius - 1``
            (index ``y + radius``); shape ``(height + 2 * radius,)``.
        wrap_x: the same for columns; shape ``(width + 2 * radius,)``.
        tiles: ``(n_tiles, 4)`` rows of ``y0, y1, x0, x1`` (``tile_layout``).
        colour_start: tiles of colour ``c`` are ``tiles[colour_start[c]:colour_start[c+1]]``.
        line_dy: row offset of the first cell of each of the ``2 * radius + 1``
            diagonal lines that make up the neighbourhood (see ``_window``).
        line_dx: column offsets of those first cells, same shape.
        line_flat: ``line_dy * width + line_dx``.
        line_shift: 0 where the line has ``radius + 1`` cells (the low half of a
            strip word), 32 where it has ``radius`` (the high half).
    """

    height: int
    width: int
    radius: int
    dy: NDArray[np.int64]
    dx: NDArray[np.int64]
    flat: NDArray[np.int64]
    wrap_y: NDArray[np.int64]
    wrap_x: NDArray[np.int64]
    tiles: NDArray[np.int64]
    colour_start: NDArray[np.int64]
    line_dy: NDArray[np.int64]
    line_dx: NDArray[np.int64]
    line_flat: NDArray[np.int64]
    line_shift: NDArray[np.int64]


class Agents(NamedTuple):
    """The mutable state of a run, as arrays the kernel changes in place.

    Attributes:
        cell_agent: agent index per cell, -1 when empty; shape ``(height * width,)``.
        code: live cell codes (``EMPTY`` ... ``JAILED``, plus the acted bit); same shape.
        code_seen: the codes citizens count actives and cops in: ``code`` itself for
            the sequential update, a copy taken at the start of the step for the
            synchronous-activation twin.
        pos: cell index per agent; shape ``(n_agents,)``.
        jail: remaining jail term per agent, in steps; same shape.
        grievance: per agent, in [0, 1]; same shape.
        risk: risk aversion per agent, in [0, 1]; same shape.
        synchronous: whether ``code_seen`` is a snapshot (the twin) rather than ``code``.
        strips: diagonal strip sums of the packed cell counts, one int64 per cell
            (``_fill_row``); kept up to date by every change of a cell's kind, and
            built from the codes at the start of a ``run_steps`` call unless the caller
            says that they still hold the sums of the current codes.
        use_strips: count neighbourhoods from ``strips`` (``2 * radius + 1`` reads)
            rather than by scanning every cell (``2 * radius * (radius + 1)`` reads);
            the counts, and so the runs, are identical. The synchronous twin scans.
    """

    cell_agent: NDArray[np.int32]
    code: NDArray[np.uint8]
    code_seen: NDArray[np.uint8]
    pos: NDArray[np.int64]
    jail: NDArray[np.int32]
    grievance: NDArray[np.float32]
    risk: NDArray[np.float32]
    synchronous: bool
    strips: NDArray[np.int64]
    use_strips: bool


class Rules(NamedTuple):
    """The constants of the step rules (see ``step_tiles``); Epstein's model by default.

    A new rule parameter is one field here, with its default, read in ``_run_tile``;
    every caller passes the whole tuple, so nothing else changes.

    Attributes:
        k: arrest-probability constant ``k``.
        threshold: activation threshold ``T``.
        max_jail: longest ordinary jail term ``J``, in steps.
        social_weight: weight ``w`` of the share of active citizens in view.
        severity: severity ``s`` multiplying the perceived cost of arrest.
        long_jail_p: probability that an arrest brings the long term instead.
        long_jail: the long term, in steps.
        movement: whether agents move after acting.
        perceived_police: police ``c0`` a citizen presumes present beyond those in view.
        arrest_p: probability that a cop who sees actives detains one this step.
        round_ratio: round ``(C + c0) / A`` half to even, as Epstein's model does.
    """

    k: float
    threshold: float
    max_jail: int
    social_weight: float = 0.0
    severity: float = 1.0
    long_jail_p: float = 0.0
    long_jail: int = 0
    movement: bool = True
    perceived_police: float = 0.0
    arrest_p: float = 1.0
    round_ratio: bool = True

    def typed(self) -> Rules:
        """The same rules with every field cast to its declared type.

        The compiled kernel is specialised on the types of its arguments: an ``int``
        where a ``float`` is declared would compile (and cache) a second variant.
        """
        return Rules(*(t(v) for t, v in zip(_RULE_TYPES, self, strict=True)))


# The declared type of each field of ``Rules``, in order (read once, from the class).
_RULE_TYPES = tuple(get_type_hints(Rules)[name] for name in Rules._fields)


def geometry(height: int, width: int, vision: int, tile: int | None) -> Geometry:
    """The geometry of a ``height x width`` torus seen with radius ``vision``.

    Args:
        height: rows, in cells.
        width: columns, in cells.
        vision: vision radius, in cells.
        tile: target tile side (``tile_layout``), ``None`` for one tile. Tiles are
            at least ``3 * vision + 1`` cells wide, as the incremental counts need, so
            the layout does not depend on how neighbourhoods are counted.

    Returns:
        the geometry; raises ``ValueError`` when the neighbourhood wraps around.
    """
    if 2 * vision + 1 > min(height, width):
        raise ValueError(
            f"vision {vision} wraps around a {height}x{width} torus; "
            f"each side needs at least {2 * vision + 1} cells"
        )
    dy, dx = diamond_offsets(vision)
    tiles, colour_start = tile_layout(height, width, vision, tile, reach=2 * vision)
    # The neighbourhood (centre included) is a square in the rotated coordinates
    # u = dy + dx, w = dy - dx: line w holds the cells u = u0, u0 + 2, ..., <= radius,
    # with u0 = -radius or -radius + 1 (u and w have the same parity); a step along a
    # line is (+1, +1).
    line_dy, line_dx, line_shift = [], [], []
    for w in range(-vision, vision + 1):
        u0 = -vision if (vision + w) % 2 == 0 else -vision + 1
        line_dy.append((u0 + w) // 2)
        line_dx.append((u0 - w) // 2)
        line_shift.append(0 if u0 == -vision else 32)
    ldy = np.asarray(line_dy, dtype=np.int64)
    ldx = np.asarray(line_dx, dtype=np.int64)
    return Geometry(
        height=height,
        width=width,
        radius=vision,
        dy=dy,
        dx=dx,
        flat=dy * width + dx,
        wrap_y=np.arange(-vision, height + vision, dtype=np.int64) % height,
        wrap_x=np.arange(-vision, width + vision, dtype=np.int64) % width,
        tiles=tiles,
        colour_start=colour_start,
        line_dy=ldy,
        line_dx=ldx,
        line_flat=ldy * width + ldx,
        line_shift=np.asarray(line_shift, dtype=np.int64),
    )


@nb.njit(inline="always")
def _neighbour(o: int, cell: int, y: int, x: int, inner: bool, g: Geometry) -> int:
    """Cell index of neighbour ``o``: a fixed offset away from the torus seam, else wrapped."""
    # numba compiles this body, and typing.cast is not something it can compile, so the
    # numpy element reads (typed Any) are returned as they are.
    if inner:
        return cell + g.flat[o]  # type: ignore[no-any-return]
    r = g.radius
    return g.wrap_y[y + g.dy[o] + r] * g.width + g.wrap_x[x + g.dx[o] + r]  # type: ignore[no-any-return]


@nb.njit(inline="always")
def _pick(
    s: np.uint64,
    want: int,
    count: int,
    code: NDArray[np.uint8],
    cell: int,
    y: int,
    x: int,
    inner: bool,
    g: Geometry,
) -> int:
    """A uniformly chosen neighbour whose code is ``want``, or -1 when there is none.

    ``count`` is the number of matches when known, or -1. Rejection sampling (draw a
    neighbour, keep it if it matches) is exact; when matches are rare or the draws keep
    failing, a scan for the u-th match takes over, which is exact as well.
    """
    n = g.flat.shape[0]
    s = _mix(s ^ _GOLDEN)  # a substream: the caller advances its own stream once
    if count < 0 or count * 8 >= n:
        # Four candidates per 64-bit draw, 16 bits each, mapped to [0, n) by
        # multiplication with Lemire's rejection of the 65536 mod n lowest products,
        # which makes each candidate exactly uniform.
        reject = 65536 % n
        tries = 4 * n if count < 0 else 1 << 30
        while tries > 0:
            s = s + _GOLDEN
            z = _mix(s)
            for _ in range(4):
                m = (z & np.uint64(0xFFFF)) * np.uint64(n)
                z >>= np.uint64(16)
                if (m & np.uint64(0xFFFF)) < reject:
                    continue
                c = _neighbour(int(m >> np.uint64(16)), cell, y, x, inner, g)
                if (code[c] & KIND) == want:
                    return c
                tries -= 1
        count = 0
        for o in range(n):
            c = _neighbour(o, cell, y, x, inner, g)
            if (code[c] & KIND) == want:
                count += 1
        if count == 0:
            return -1
    s, u = _below(s, count)
    for o in range(n):
        c = _neighbour(o, cell, y, x, inner, g)
        if (code[c] & KIND) == want:
            if u == 0:
                return c
            u -= 1
    return -1  # unreachable: count matches exist


@nb.njit(inline="always")
def _window(strips: NDArray[np.int64], cell: int, y: int, x: int, inner: bool, g: Geometry) -> int:
    """Packed counts of the neighbourhood of ``cell``, centre included: one read per line.

    Incremental counts (why they are hand-written: no library keeps windowed counts
    of a lattice that changes one cell at a time). ``strips[c]`` holds, in its low 32
    bits, the packed sum of the ``radius + 1`` cells ``c, c + (1, 1), ...`` and in its
    high 32 bits that of the first ``radius`` of them. The neighbourhood is
    ``2 * radius + 1`` such diagonal lines (``geometry``), so a count is that many reads
    instead of a scan of ``2 * radius * (radius + 1)`` cells; each field of a sum stays
    below 256, so the packed fields never carry into each other.
    """
    acc = 0
    r = g.radius
    for j in range(g.line_flat.shape[0]):
        if inner:
            c = cell + g.line_flat[j]
        else:
            c = g.wrap_y[y + g.line_dy[j] + r] * g.width + g.wrap_x[x + g.line_dx[j] + r]
        acc += (strips[c] >> g.line_shift[j]) & _LOW
    return acc


@nb.njit(inline="always")
def _set(
    code: NDArray[np.uint8],
    strips: NDArray[np.int64],
    c: int,
    new: int,
    deep: bool,
    r: int,
    w: int,
    wrap_y: NDArray[np.int64],
    wrap_x: NDArray[np.int64],
) -> None:
    """Write a cell's code; when its kind changes, update the strips that contain it.

    A cell lies on the long strips of the ``radius + 1`` cells ``c - t * (1, 1)``,
    ``t = 0 .. radius``, and on the short strips of the first ``radius`` of them.
    ``deep`` says that the acting agent is far enough from the torus seam (``2 *
    radius`` above and left, ``radius`` below and right) for those cells to be at fixed
    offsets from ``c``, which saves a division. Without strips (an empty array: the
    scan counts) only the code is written.
    """
    old = code[c]
    code[c] = new
    if strips.shape[0] == 0:
        return
    d = _PACKED[new] - _PACKED[old]
    if d == 0:
        return
    both = d + d * _HIGH
    if deep:
        y = x = r
    else:
        y = c // w
        x = c - y * w
    if y >= r and x >= r:
        for t in range(r):
            strips[c - t * (w + 1)] += both
        strips[c - r * (w + 1)] += d
    else:
        for t in range(r + 1):
            s = wrap_y[y - t + r] * w + wrap_x[x - t + r]
            strips[s] += both if t < r else d


@nb.njit(inline="always")
def _fill_row(code: NDArray[np.uint8], strips: NDArray[np.int64], y: int, g: Geometry) -> None:
    """Strip sums of row ``y`` from scratch (every read contiguous)."""
    height, width, r = g.height, g.width, g.radius
    row = y * width
    for x in range(width):
        strips[row + x] = 0
    for t in range(r + 1):
        src = ((y + t) % height) * width
        mult = 1 + _HIGH if t < r else np.int64(1)
        for x in range(width):
            xx = x + t
            if xx >= width:
                xx -= width
            strips[row + x] += _PACKED[code[src + xx]] * mult


@nb.njit(cache=True)
def _arrest_table(rules: Rules, n_off: int) -> NDArray[np.float64]:
    """The estimated arrest probability ``P`` for every count a citizen can see.

    ``P`` depends only on the cops ``C`` and the other active citizens ``A`` in view,
    each at most ``n_off``, so it is looked up instead of calling ``exp`` per
    activation; entry ``A * (n_off + 1) + C`` is the very expression ``_run_tile``
    evaluated before, so the runs are bit-identical.

    Returns:
        shape ``((n_off + 1) ** 2,)``.
    """
    side = n_off + 1
    table = np.empty(side * side, dtype=np.float64)
    for actives in range(side):
        for cops in range(side):
            ratio = (cops + rules.perceived_police) / (actives + 1.0)
            table[actives * side + cops] = 1.0 - np.exp(
                -rules.k * (np.rint(ratio) if rules.round_ratio else ratio)
            )
    return table


# Compiled without numba's reference counting: every array this function reads out of
# the state tuples (and every array an inlined helper receives) otherwise costs an
# atomic increment and decrement of that array's shared count, many per activation,
# and on several cores those counts' cache lines bounce between them. The caller owns
# every array, including the scratch ``perm``, so none is allocated or freed here.
# numba's decorators are untyped, and _nrt is a flag numba's signatures do not declare
@nb.njit(cache=True, _nrt=False)  # type: ignore[call-overload,untyped-decorator]
def _run_tile(
    t: int,
    g: Geometry,
    a: Agents,
    rules: Rules,
    step_no: int,
    seed: np.uint64,
    p_arrest_of: NDArray[np.float64],
    perm: NDArray[np.int64],
) -> int:
    """Let every agent of tile ``t`` act once, in random order; return its arrests.

    ``p_arrest_of`` is ``_arrest_table(rules, n_off)``; ``perm`` is scratch space of at
    least the tile's cells (its contents are overwritten).
    """
    width = g.width
    height = g.height
    radius = g.radius
    code = a.code
    code_seen = a.code_seen
    cell_agent = a.cell_agent
    jail = a.jail
    grievance = a.grievance
    risk = a.risk
    social_weight = rules.social_weight
    threshold = rules.threshold
    n_off = g.dy.shape[0]
    y0, y1, x0, x1 = g.tiles[t, 0], g.tiles[t, 1], g.tiles[t, 2], g.tiles[t, 3]
    tag = ACTED if step_no % 2 == 0 else 0
    s = _mix(seed ^ _mix(np.uint64(step_no) * _GOLDEN + np.uint64(t)))
    # The tile's occupied cells in random order, as flat cell indices (no division per
    # visit): a random order of the cells that held an agent when the step began is a
    # random order of the agents, and empty cells (a third at the Belarus density)
    # would only cost draws and visits.
    m = 0
    for yy in range(y0, y1):
        for xx in range(x0, x1):
            c = yy * width + xx
            perm[m] = c
            m += (code[c] & KIND) != EMPTY  # no branch: a cell is kept by moving on
    for i in range(m - 1, 0, -1):
        s, j = _below(s, i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    tile_inner = y0 >= radius and y1 <= height - radius and x0 >= radius and x1 <= width - radius
    tile_deep = (
        y0 >= 2 * radius and y1 <= height - radius and x0 >= 2 * radius and x1 <= width - radius
    )
    packed = _PACKED
    # An empty strips array tells ``_set`` that the scan counts.
    strips = a.strips if a.use_strips else a.strips[:0]
    made = 0
    y = 0
    x = 0
    for q in range(m):
        cell = perm[q]
        here = code[cell]
        kind = here & KIND
        # An agent that moved in during this step has acted already.
        if kind == EMPTY or (here & ACTED) == tag:
            continue
        ag = cell_agent[cell]
        deep = False
        if kind == JAILED and jail[ag] > 0:
            jail[ag] -= 1
            code[cell] = JAILED | tag  # the kind stays: no count changes
            continue
        if tile_inner:
            inner = True
            deep = tile_deep
        else:
            y = cell // width
            x = cell % width
            inner = radius <= y < height - radius and radius <= x < width - radius
            deep = inner and y >= 2 * radius and x >= 2 * radius
        # A citizen's own kind changes in one place (one copy of the inlined ``_set``,
        # which is what the compile time of this function grows with).
        new = QUIET
        detain = False
        live_actives = 0
        if kind != COP and grievance[ag] + max(social_weight, 0.0) <= threshold:
            # This citizen cannot be active whatever it sees (its net is at most its
            # grievance plus the social term), so it skips the scan; the result is the
            # same, and at low grievance most citizens are such.
            empties = -1
        else:
            if a.use_strips:
                acc = _window(a.strips, cell, y, x, inner, g) - packed[here]
            else:
                acc = 0
                for o in range(n_off):
                    acc += packed[code_seen[_neighbour(o, cell, y, x, inner, g)]]
            if a.synchronous:
                live = 0
                for o in range(n_off):
                    live += packed[code[_neighbour(o, cell, y, x, inner, g)]]
            else:
                live = acc
            cops = acc & 255
            actives = (acc >> 8) & 255
            citizens = (acc >> 16) & 255
            empties = (live >> 24) & 255
            live_actives = (live >> 8) & 255
            if kind == COP:
                code[cell] = COP | tag
                # Cops act on the live lattice in both update modes. A cop that sees
                # active citizens detains one with probability arrest_p (1 in
                # Epstein's model; below 1 where detention capacity is the limit).
                detain = live_actives > 0
                if detain and rules.arrest_p < 1.0:
                    s, w = _uniform(s)
                    detain = w < rules.arrest_p
            else:
                p_arrest = p_arrest_of[actives * (n_off + 1) + cops]
                share = actives / citizens if citizens > 0 else 0.0
                net = grievance[ag] + social_weight * share - risk[ag] * rules.severity * p_arrest
                if net > threshold:
                    new = ACTIVE
        if kind != COP:
            _set(code, strips, cell, new | tag, deep, radius, width, g.wrap_y, g.wrap_x)
        # A cop that detains draws the arrested first, then every agent draws the cell
        # it moves to: both draws go through this one copy of the inlined ``_pick``
        # (each copy costs about a CPU second of compiling), in that order.
        want = ACTIVE if detain else EMPTY
        while want == ACTIVE or (rules.movement and empties != 0):
            c = _pick(
                s, want, live_actives if want == ACTIVE else empties, code, cell, y, x, inner, g
            )
            s = _advance(s)
            if want == EMPTY:
                if c >= 0:
                    cell_agent[c] = ag
                    cell_agent[cell] = -1
                    _set(code, strips, c, code[cell], deep, radius, width, g.wrap_y, g.wrap_x)
                    _set(code, strips, cell, EMPTY, deep, radius, width, g.wrap_y, g.wrap_x)
                    a.pos[ag] = c
                break
            b = cell_agent[c]
            s, v = _uniform(s)
            if v < rules.long_jail_p:
                jail[b] = rules.long_jail
            else:
                s, jt = _below(s, rules.max_jail + 1)
                jail[b] = jt
            # The arrested keeps its acted flag: if its turn is still to come, it will
            # serve its first day then.
            _set(
                code, strips, c, JAILED | (code[c] & ACTED), deep, radius, width, g.wrap_y, g.wrap_x
            )
            made += 1
            want = EMPTY
    return made


@nb.njit(inline="always")
def _count_block(
    code: NDArray[np.uint8], lo: int, hi: int, per_block: NDArray[np.int64], row: int
) -> None:
    """Cells per code of cells ``lo .. hi - 1``, the acted bit included, into
    ``per_block[row : row + 2 * ACTED]``."""
    for j in range(2 * ACTED):
        per_block[row + j] = 0
    for i in range(lo, hi):
        per_block[row + code[i]] += 1


@nb.njit(inline="always")
def _store_counts(
    series: NDArray[np.int64], k: int, per_block: NDArray[np.int64], blocks: int
) -> None:
    """Active, quiet and jailed citizens summed over ``blocks`` blocks of ``_count_block``
    into rows 1-3 of column ``k`` of ``series``."""
    for out, kind in ((1, ACTIVE), (2, QUIET), (3, JAILED)):
        n = 0
        for b in range(blocks):
            n += per_block[b * 2 * ACTED + kind] + per_block[b * 2 * ACTED + (kind | ACTED)]
        series[out, k] = n


# The runners. Several steps run in one call: passing the state's tuples from Python
# costs about 0.1 ms a call, a quarter of a 40 x 40 step. The strips are kept up to
# date by every change within a step, so they hold the sums of the codes at the end of
# a step: they are built once per call at most (``fill``: the caller cannot vouch for
# them), not once per step. Scratch arrays are 1-d and summed element by element:
# ``np.zeros``, 2-d arrays, a row assignment and ``sum`` would each compile more of
# numba's library (their shape checks and error messages) on the first run after an
# install, several CPU seconds in all.


# One tile runs on the calling thread: no thread-pool launch per step, which costs more
# than a 40 x 40 lattice's whole step. Compiled without reference counting, like
# ``_run_tile``, and so without allocations: the caller passes the arrest table and
# the scratch arrays. A runner of its own, not the parallel one compiled serially, so
# that a first small run compiles neither threads nor allocations.
@nb.njit(cache=True, _nrt=False)  # type: ignore[call-overload,untyped-decorator]
def _run_serial(
    g: Geometry,
    a: Agents,
    rules: Rules,
    step0: int,
    steps: int,
    seed: np.uint64,
    series: NDArray[np.int64],
    fill: bool,
    p_arrest_of: NDArray[np.float64],
    perm: NDArray[np.int64],
    per_block: NDArray[np.int64],
) -> None:
    """``steps`` steps of a one-tile lattice; ``perm`` holds at least every cell and
    ``per_block`` ``2 * ACTED`` entries (both scratch)."""
    if a.use_strips and fill:
        for y in range(g.height):
            _fill_row(a.code, a.strips, y, g)
    for k in range(steps):
        series[0, k] = _run_tile(0, g, a, rules, step0 + k, seed, p_arrest_of, perm)
        _count_block(a.code, 0, a.code.shape[0], per_block, 0)
        _store_counts(series, k, per_block, 1)


# Many tiles run on numba's thread pool, one colour at a time.
@nb.njit(cache=True, parallel=True)
def _run_parallel(
    g: Geometry,
    a: Agents,
    rules: Rules,
    step0: int,
    steps: int,
    seed: np.uint64,
    series: NDArray[np.int64],
    fill: bool,
    p_arrest_of: NDArray[np.float64],
) -> None:
    """``steps`` steps of a tiled lattice (see the module doc for the colours)."""
    code = a.code
    n_cells = code.shape[0]
    blocks = max(1, min(64, n_cells // 65_536))
    if a.use_strips and fill:
        for y in nb.prange(g.height):
            _fill_row(code, a.strips, y, g)
    per_block = np.empty(blocks * 2 * ACTED, dtype=np.int64)
    for k in range(steps):
        step_no = step0 + k
        total = 0
        for colour in range(g.colour_start.shape[0] - 1):
            lo = g.colour_start[colour]
            hi = g.colour_start[colour + 1]
            made = np.empty(hi - lo, dtype=np.int64)
            for ti in nb.prange(hi - lo):
                t = lo + ti
                perm = np.empty(
                    (g.tiles[t, 1] - g.tiles[t, 0]) * (g.tiles[t, 3] - g.tiles[t, 2]),
                    dtype=np.int64,
                )
                made[ti] = _run_tile(t, g, a, rules, step_no, seed, p_arrest_of, perm)
            for ti in range(hi - lo):
                total += made[ti]
        series[0, k] = total
        # The day's counts, by blocks of cells on every core.
        for b in nb.prange(blocks):
            _count_block(
                code, b * n_cells // blocks, (b + 1) * n_cells // blocks, per_block, b * 2 * ACTED
            )
        _store_counts(series, k, per_block, blocks)


def run_steps(
    g: Geometry,
    a: Agents,
    rules: Rules,
    step0: int,
    steps: int,
    seed: int,
    *,
    fill: bool = True,
) -> NDArray[np.int64]:
    """Advance the lattice by ``steps`` steps in place (see ``step_tiles`` for the rules).

    Args:
        g: the geometry (``geometry``); one tile runs serially, several in parallel.
        a: the state arrays, changed in place.
        rules: the rule constants.
        step0: the number of the first step (its parity tags the acted bit).
        steps: how many steps.
        seed: the run's kernel seed.
        fill: build ``a.strips`` from the codes before the first step; ``False`` only
            when they already hold the sums of the current codes (as a previous call
            left them, the codes untouched since).

    Returns:
        shape ``(4, steps)``: arrests made during each step, then the active, quiet and
        jailed citizens after it.
    """
    if a.use_strips and a.synchronous:
        raise ValueError("the synchronous twin counts by scanning (use_strips=False)")
    series = np.zeros((4, steps), dtype=np.int64)
    typed = rules.typed()
    args = (g, a, typed, step0, steps, np.uint64(seed), series, fill)
    p_arrest_of = _arrest_table(typed, g.dy.shape[0])
    if g.tiles.shape[0] == 1:
        n_cells = a.code.shape[0]
        scratch = np.empty(n_cells + 2 * ACTED, dtype=np.int64)
        _run_serial(*args, p_arrest_of, scratch[:n_cells], scratch[n_cells:])
    else:
        _run_parallel(*args, p_arrest_of)
    return series


def step_tiles(g: Geometry, a: Agents, rules: Rules, step_no: int, seed: int) -> int:
    """Advance the lattice by one step in place; return the number of arrests.

    Citizen rule (Epstein 2002, as in Mesa): with ``C`` cops and ``A`` active citizens
    in vision (``A`` counts the citizen itself), the estimated arrest probability is
    ``P = 1 - exp(-k * round((C + c0) / A))`` (round half to even, like Python's
    ``round``; ``c0``, the police a citizen presumes present beyond those in view, is 0
    in Epstein's model; ``round_ratio=False`` drops the rounding, so that risk fades
    smoothly with crowd size instead of vanishing at once);
    the citizen is active when ``G + w * S - R * s * P > T``, where ``G`` is its
    grievance, ``R`` its risk aversion, ``S`` the share of visible citizens who are
    active, ``w`` the social weight and ``s`` the severity (``w = 0``, ``s = 1`` give
    Epstein's rule). A jailed citizen only serves a day. A cop arrests one active
    citizen in vision, chosen uniformly (with probability ``arrest_p``, 1 in
    Epstein's model), for ``U{0..max_jail}`` steps, or with
    probability ``long_jail_p`` for ``long_jail`` steps. Then the agent moves to a
    uniformly chosen empty cell in vision.

    Args:
        g: the geometry (``geometry``); one tile runs serially, several in parallel.
        a: the state arrays, changed in place.
        rules: the rule constants (cast with ``Rules.typed``).
        step_no: the step's number; its parity is the tag of the acted bit.
        seed: the run's kernel seed; each tile's stream is keyed by it, the step and
            the tile index.

    Returns:
        arrests made during the step.
    """
    return int(run_steps(g, a, rules, step_no, 1, seed)[0, 0])
