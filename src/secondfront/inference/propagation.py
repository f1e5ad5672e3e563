"""Compiled message passing over a junction tree: one streaming pass per clique.

Why compiled, and why streaming
-------------------------------
The junction tree's work is the clique tables. Propagating a batch of ``B`` evidence
sets with numpy means materialising every clique table once per row (``N_c x B``
doubles) and then reading and writing it several times: the product with each incoming
message, the sum towards each separator, the Hugin update, each marginal. On networks
whose largest cliques hold 10^5 entries or more (ANDES, PATHFINDER, MUNIN) those
broadcasts are the whole cost, and each one is memory traffic plus a fresh allocation.

Here a clique table is never materialised for the batch. A pass over clique ``c``
walks its entries once, in C order: for entry ``i`` it forms, for every row ``b``,

    value[b] = phi_c[i] * prod_k  input_k[offset_k(i), b]

and adds ``value`` into every output table at ``offset_j(i)``. The inputs are the
messages that arrive (children's collect messages, the evidence homed in ``c``, the
parent's distribute message), the outputs are the messages that leave (towards the
parent in the collect pass; towards each child, the marginals homed in ``c`` and, at a
root, P(e) in the distribute pass). Offsets are kept by an odometer over the clique's
axes, so no index array of clique size is ever stored (a 78-million-entry MUNIN clique
needs none). The only batch-sized storage is the workspace: one ``(rows, B)`` array
holding every separator message, every likelihood and every marginal (a few thousand
rows on the standard networks), so the memory a query needs grows with the separators,
not with the cliques.

This is Shafer-Shenoy's order of work with Hugin's bookkeeping: the distribute message
to a child is the parent's belief summed to the separator divided by the child's own
collect message (0/0 := 0, as in Jensen's Hugin propagation), so a pass needs no
product "over all neighbours but one".

numba compiles the two loops (there is no library routine for "contract one dense table
against many small batched ones and scatter the results into many others", and
``np.einsum`` would materialise the batched product): the inner loops run over the
contiguous batch axis, which the compiler vectorises. Kernels are cached on disk.
Loading them costs a new process about 0.5-1 s, so small work does not come here: it
goes to the numpy twin in :mod:`secondfront.inference.passes`, which states the size rule.
Where that time goes (measured on the 2-core development machine, quiet): importing
numba 0.13 s, its first use filling its typing and lowering registries 0.31 s (they
import scipy.linalg to look for BLAS), and reading this module's machine code from the
cache 0.02 s. So compiling fewer specialisations would not shorten it: it is numba's
start, paid once per process whatever it loads.

Rows are scaled as in the numpy engine: every collect message and every distribute
message is divided by its sum per row and the logs of the divisors are summed, so
products over hundreds of tables neither underflow nor lose P(e).
"""

from __future__ import annotations

import numba as nb
import numpy as np

# Operand roles (defined with the numpy twin, which must not import numba).
from secondfront.inference.passes import (
    CHILD_DOWN,
    CHILD_UP,
    EVIDENCE,
    MARGINAL,
    PARENT_DOWN,
    PARENT_UP,
    TOTAL,
)


@nb.njit(cache=True, error_model="numpy")
def _stream(
    phi: np.ndarray,
    phi_off: int,
    batched: bool,
    phi_cols: int,
    col0: int,
    shape: np.ndarray,
    in_base: np.ndarray,
    in_strides: np.ndarray,
    out_base: np.ndarray,
    out_strides: np.ndarray,
    work: np.ndarray,
    value: np.ndarray,
) -> None:
    """One pass over a clique: multiply the inputs in, add the product into the outputs.

    Args:
        phi: every clique's initial potential, flattened; this clique's starts at
            ``phi_off``: ``(N,)`` entries, or ``(N, phi_cols)`` when ``batched``, of
            which this call uses the columns from ``col0`` on.
        shape: the clique's axis lengths, ``(naxes,)``.
        in_base, in_strides: first workspace row of each input ``(k,)`` and its stride
            along each clique axis ``(k, naxes)`` (0 for an axis it does not have).
        out_base, out_strides: the same for the outputs, which are added into.
        work: the workspace ``(rows, B)``.
        value: scratch ``(B,)``.
    """
    naxes = shape.shape[0]
    n_in = in_base.shape[0]
    n_out = out_base.shape[0]
    batch = work.shape[1]
    n = 1
    for a in range(naxes):
        n *= shape[a]
    digits = np.zeros(naxes, np.int64)
    in_row = in_base.copy()
    out_row = out_base.copy()
    for i in range(n):
        if batched:
            start = phi_off + i * phi_cols + col0
            for b in range(batch):
                value[b] = phi[start + b]
            skip = False
        else:
            x = phi[phi_off + i]
            skip = x == 0.0  # a zero entry adds nothing: deterministic tables are common
            if not skip:
                for b in range(batch):
                    value[b] = x
        if not skip:
            for k in range(n_in):
                r = in_row[k]
                for b in range(batch):
                    value[b] *= work[r, b]
            for k in range(n_out):
                r = out_row[k]
                for b in range(batch):
                    work[r, b] += value[b]
        # Advance the odometer: the last axis fastest (C order).
        a = naxes - 1
        while a >= 0:
            digits[a] += 1
            if digits[a] < shape[a]:
                for k in range(n_in):
                    in_row[k] += in_strides[k, a]
                for k in range(n_out):
                    out_row[k] += out_strides[k, a]
                break
            digits[a] = 0
            back = shape[a] - 1
            for k in range(n_in):
                in_row[k] -= back * in_strides[k, a]
            for k in range(n_out):
                out_row[k] -= back * out_strides[k, a]
            a -= 1


@nb.njit(cache=True, error_model="numpy")
def _scale(work: np.ndarray, base: int, rows: int, log_z: np.ndarray) -> None:
    """Divide rows ``base:base+rows`` of ``work`` by their column sums; add the logs.

    A column that sums to zero (impossible evidence) stays zero and adds ``-inf``.
    """
    for b in range(work.shape[1]):
        s = 0.0
        for r in range(base, base + rows):
            s += work[r, b]
        if s > 0.0:
            inv = 1.0 / s
            for r in range(base, base + rows):
                work[r, b] *= inv
        log_z[b] += np.log(s)


@nb.njit(cache=True, error_model="numpy")
def _message_flags(
    phi_batched: np.ndarray,
    postorder: np.ndarray,
    trivial: np.ndarray,
    heads_cross: np.ndarray,
    op_ptr: np.ndarray,
    op_role: np.ndarray,
    op_ref: np.ndarray,
    present: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per clique ``(C,)``: whether its collect message is skipped (all ones for every
    row) and whether it is formed once (the same for every row: no evidence given and no
    batched table in its subtree). See :func:`propagate` for the arguments."""
    n_cliques = postorder.shape[0]
    varies = np.zeros(n_cliques, np.bool_)  # evidence or batched tables in the subtree
    for j in range(n_cliques):
        c = postorder[j]
        varies[c] = phi_batched[c]
        for o in range(op_ptr[c], op_ptr[c + 1]):
            if op_role[o] == EVIDENCE and present[op_ref[o]]:
                varies[c] = True
            if op_role[o] == CHILD_DOWN and varies[op_ref[o]]:
                varies[c] = True
    skip = trivial | (~varies & ~heads_cross)
    once = ~skip & ~varies
    return skip, once


@nb.njit(cache=True, error_model="numpy")
def _gather(
    c: int,
    step: int,
    skip: np.ndarray,
    present: np.ndarray,
    op_ptr: np.ndarray,
    op_role: np.ndarray,
    op_base: np.ndarray,
    op_strides: np.ndarray,
    op_ref: np.ndarray,
    ins: tuple[np.ndarray, np.ndarray],
    outs: tuple[np.ndarray, np.ndarray],
) -> tuple[int, int]:
    """Write the first rows and strides of the operands clique ``c`` reads in pass
    ``step`` (0 collect, 1 distribute) into ``ins`` and of those it writes into
    ``outs``; return how many of each."""
    n_in = 0
    n_out = 0
    for o in range(op_ptr[c], op_ptr[c + 1]):
        role = op_role[o]
        use_in = (
            (role == CHILD_UP and not skip[op_ref[o]])
            or (role == EVIDENCE and present[op_ref[o]])
            or (role == PARENT_DOWN and step == 1)
        )
        use_out = (role == PARENT_UP and step == 0) or (
            step == 1 and (role == CHILD_DOWN or role == MARGINAL or role == TOTAL)
        )
        if use_in:
            ins[0][n_in] = op_base[o]
            ins[1][n_in, :] = op_strides[o, :]
            n_in += 1
        elif use_out:
            outs[0][n_out] = op_base[o]
            outs[1][n_out, :] = op_strides[o, :]
            n_out += 1
    return n_in, n_out


@nb.njit(cache=True, error_model="numpy")
def _receive(
    work: np.ndarray, base: int, up: int, entries: int, from_below: bool, logs: np.ndarray
) -> None:
    """Turn rows ``base:base+entries`` (the parent's belief summed to the separator)
    into the message the clique receives: scaled, then divided by the clique's own
    collect message at rows ``up:`` when it sent one (``from_below``), 0/0 := 0."""
    _scale(work, base, entries, logs)
    if from_below:
        for r in range(entries):
            for b in range(work.shape[1]):
                old = work[up + r, b]
                work[base + r, b] = work[base + r, b] / old if old > 0.0 else 0.0


@nb.njit(cache=True, error_model="numpy")
def _copy_once(work: np.ndarray, base: int, entries: int, lz: np.ndarray) -> None:
    """Scale a collect message formed on the first column only, copy it to every column
    and add its log-scale to every row's ``lz``."""
    once_z = np.zeros(1)
    _scale(work[:, :1], base, entries, once_z)
    for r in range(base, base + entries):
        for b in range(1, work.shape[1]):
            work[r, b] = work[r, 0]
    for b in range(work.shape[1]):
        lz[b] += once_z[0]


@nb.njit(cache=True, error_model="numpy")
def _pass(
    step: int,
    pots: tuple,  # type: ignore[type-arg]
    tree: tuple,  # type: ignore[type-arg]
    ops: tuple,  # type: ignore[type-arg]
    present: np.ndarray,
    flags: tuple[np.ndarray, np.ndarray],
    scratch: tuple,  # type: ignore[type-arg]
    work: np.ndarray,
    lz: np.ndarray,
) -> None:
    """One pass, collect (``step`` 0: leaves to roots) or distribute (1: roots to leaves),
    over every clique for one tile of the batch: ``work`` is the tile's workspace
    ``(rows, n)`` and ``lz`` ``(n,)`` its part of log P(e). The tuples hold
    :func:`propagate`'s arguments: ``pots`` (phi, phi_off, phi_batched, the batch, the
    tile's first row, shape, naxes), ``tree`` (postorder, parent, up_base, down_base,
    sep_rows), ``ops`` (op_ptr, op_role, op_base, op_strides, op_ref), ``flags`` (skip,
    once: :func:`_message_flags`) and ``scratch`` (the operand buffers of
    :func:`_gather`, a row of values, the distribute messages' unused log-scales)."""
    phi, phi_off, phi_batched, total, t0, shape, naxes = pots
    postorder, parent, up_base, down_base, sep_rows = tree
    op_ptr, op_role, op_base, op_strides, op_ref = ops
    skip, once = flags
    ins, outs, value, unused_logs = scratch
    n_cliques = postorder.shape[0]
    n = work.shape[1]
    for j in range(n_cliques):
        c = postorder[j] if step == 0 else postorder[n_cliques - 1 - j]
        if step == 0 and (parent[c] < 0 or skip[c]):
            continue
        if step == 1 and parent[c] >= 0:
            from_below = not skip[c]
            _receive(work, down_base[c], up_base[c], sep_rows[c], from_below, unused_logs)
        n_in, n_out = _gather(
            c, step, skip, present, op_ptr, op_role, op_base, op_strides, op_ref, ins, outs
        )
        k = naxes[c]
        # A message equal for every row is formed on the first column only. (The full
        # workspace is passed as it is: a slice of it would be typed as a strided array,
        # and the batch loops would no longer be vectorised.)
        args = (
            phi,
            phi_off[c],
            phi_batched[c],
            total,
            t0,
            shape[c, :k],
            ins[0][:n_in],
            ins[1][:n_in, :k],
            outs[0][:n_out],
            outs[1][:n_out, :k],
        )
        if step == 0 and once[c]:
            _stream(*args, work[:, :1], value[:1])
            _copy_once(work, up_base[c], sep_rows[c], lz)
            continue
        _stream(*args, work, value)
        if step == 0:
            _scale(work, up_base[c], sep_rows[c], lz)
        else:
            for o in range(op_ptr[c], op_ptr[c + 1]):
                if op_role[o] == TOTAL:
                    for b in range(n):
                        lz[b] += np.log(work[op_base[o], b])


# nogil: the workbench answers requests on threads; a propagation owns its workspace and
# only reads the potentials, so threads may run it at once.
@nb.njit(cache=True, error_model="numpy", nogil=True)
def propagate(
    phi: np.ndarray,
    phi_off: np.ndarray,
    phi_batched: np.ndarray,
    shape: np.ndarray,
    naxes: np.ndarray,
    postorder: np.ndarray,
    parent: np.ndarray,
    trivial: np.ndarray,
    heads_cross: np.ndarray,
    up_base: np.ndarray,
    down_base: np.ndarray,
    sep_rows: np.ndarray,
    op_ptr: np.ndarray,
    op_role: np.ndarray,
    op_base: np.ndarray,
    op_strides: np.ndarray,
    op_ref: np.ndarray,
    present: np.ndarray,
    rows: int,
    likelihoods: np.ndarray,
    marginals: np.ndarray,
    log_z: np.ndarray,
    tile: int,
) -> None:
    """Collect and distribute over every tree of the forest, ``tile`` batch rows at a time.

    Args:
        phi, phi_off, phi_batched: the flattened potentials, each clique's offset and
            whether it carries the batch axis (then of length B).
        shape, naxes: per clique, its axis lengths ``(C, max_axes)`` and axis count.
        postorder, parent, trivial: the tree (children before parents), each clique's
            parent (-1 for a root) and whether its collect message is all ones whatever
            the evidence (the plan's skipped messages).
        heads_cross: per clique, whether a table homed in its subtree has its head
            variable in the separator (then the message is not all ones even without
            evidence).
        up_base, down_base, sep_rows: per clique, the workspace rows of its collect and
            distribute messages and the separator's number of entries.
        op_ptr, op_role, op_base, op_strides, op_ref: clique ``c``'s operands are
            ``op_ptr[c]:op_ptr[c+1]``: each one's role, first row, strides
            ``(ops, max_axes)`` and the clique (CHILD_*) or variable (EVIDENCE) it is of.
        present: per variable, whether its likelihood rows were given for this call. A
            subtree where none is given (and whose potentials have no batch axis) sends
            the same collect message for every row: skipped, or formed once and copied.
        rows: workspace rows; the likelihoods are its first rows, the marginals its last.
        likelihoods: ``(E, B)`` the likelihood rows (ones where a row has no evidence).
        marginals: ``(M, B)`` receives every variable's unnormalised marginal.
        log_z: ``(B,)`` zeros; receives log P(e) per row.
        tile: batch rows propagated together. Tiles are independent; a workspace of
            ``rows x tile`` keeps the messages a clique touches in cache, where one of
            ``rows x B`` would stream them from memory for every clique entry.
    """
    total = likelihoods.shape[1]
    flags = _message_flags(
        phi_batched, postorder, trivial, heads_cross, op_ptr, op_role, op_ref, present
    )
    max_ops = np.max(op_ptr[1:] - op_ptr[:-1]) if postorder.shape[0] else 0
    ins = (np.empty(max_ops, np.int64), np.empty((max_ops, shape.shape[1]), np.int64))
    outs = (np.empty(max_ops, np.int64), np.empty((max_ops, shape.shape[1]), np.int64))
    unused_logs = np.zeros(min(tile, total))  # the distribute messages' scales
    tree = (postorder, parent, up_base, down_base, sep_rows)
    ops = (op_ptr, op_role, op_base, op_strides, op_ref)
    for t0 in range(0, total, tile):
        n = min(tile, total - t0)
        work = np.zeros((rows, n))
        work[: likelihoods.shape[0]] = likelihoods[:, t0 : t0 + n]
        pots = (phi, phi_off, phi_batched, total, t0, shape, naxes)
        scratch = (ins, outs, np.empty(n), unused_logs[:n])
        for step in range(2):  # 0: collect (leaves to roots), 1: distribute (roots to leaves)
            _pass(step, pots, tree, ops, present, flags, scratch, work, log_z[t0 : t0 + n])
        marginals[:, t0 : t0 + n] = work[rows - marginals.shape[0] :]
