"""The propagation's operand roles, and its plain-numpy twin for small work.

Why a second implementation
---------------------------
The compiled passes (:mod:`secondfront.inference.propagation`) are fastest once
loaded, but loading them costs each new process about 0.5-1 s (importing numba and
filling its registries; reading the cached machine code is 0.02 s of it, see
:mod:`~secondfront.inference.propagation`) and the first process after an install about 7 CPU
seconds more (compiling it: a first ``forecast`` took 9.6 CPU seconds, 22 s of wall
time at load 7). A forecast of the flagship network, or any small network, needs a few
milliseconds of propagation: paying a second to load the compiled passes for that is
the whole wait of a command. So work below :data:`NUMPY_MAX_WORK` is propagated here,
with numpy, and numba is imported only for work above it (:func:`use_numpy` is the
rule; :meth:`~secondfront.inference.junction_tree.Plan.run` applies it). The two agree
to rounding, not bit for bit (on the standard networks 2e-16 in the marginals and 1e-14
in log P(e)); which one answered is decided by the size of the call and by whether
the compiled passes are loaded, never by chance.

:func:`propagate_numpy` takes the compiled ``propagate``'s arguments and does the same
arithmetic in the same order of passes: the same workspace rows, the same scaling of
every message by its sum per row (multiplying by the inverse), the same Hugin division
with 0/0 := 0, the same skipped and formed-once messages. Where the compiled loop walks
a clique's entries once with an odometer, numpy materialises the clique's table for the
whole batch (``entries x B`` doubles), which is why it serves small work only: the sums
towards each separator are then numpy reductions, whose order of addition differs from
the loop's, so the two agree to rounding (tests hold them to 1e-12).
"""

from __future__ import annotations

import sys

import numpy as np

# Operand roles: what an operand of a clique is to that clique.
CHILD_UP = 0  # a child's collect message: input in both passes
EVIDENCE = 1  # a likelihood homed here: input in both passes (when given)
PARENT_UP = 2  # this clique's collect message: output of the collect pass
PARENT_DOWN = 3  # this clique's distribute message: input of the distribute pass
CHILD_DOWN = 4  # a child's distribute message: output of the distribute pass
MARGINAL = 5  # a variable's marginal homed here: output of the distribute pass
TOTAL = 6  # P(e) of a root's component: output of the distribute pass

COMPILED = "secondfront.inference.propagation"  # the module of the compiled passes

NUMPY_MAX_WORK = 1 << 23
"""The size rule: a call whose work (the plan's total clique entries times the rows of
the batch) is at most this many entries (8.4 million) is propagated with numpy, unless
the compiled passes are already loaded in the process; a larger one loads them. numpy
costs 1-6 ms a call on the standard networks plus about 10-15 ns an entry (the compiled
passes about 0.2 ms and 3-5 ns), so at this size it takes about 0.1 s, a fifth to a
tenth of what loading the compiled passes costs a new process (0.5-1 s; about 7 CPU
seconds more once after an install, when numba compiles them). The flagship network (about 2,500
entries) is answered with numpy up to about 3,300 evidence or parameter sets a call;
``forecast --uncertainty`` (10,000 parameter sets), Sobol designs and the large
networks use the compiled passes. Once they are loaded (by such a call, or by the
workbench at start), every call uses them: nothing is left to save."""


def use_numpy(total_entries: int, batch: int) -> bool:
    """Whether a call goes to :func:`propagate_numpy` (see :data:`NUMPY_MAX_WORK`).

    Args:
        total_entries: the plan's clique entries per batch row, summed over its cliques.
        batch: rows of the batch (evidence sets or parameter sets).
    """
    if COMPILED in sys.modules:
        return False
    return total_entries * batch <= NUMPY_MAX_WORK


def _scale(block: np.ndarray, log_z: np.ndarray | None) -> None:
    """Divide ``block`` ``(rows, B)`` by its column sums in place; add their logs to ``log_z``.

    A column that sums to zero (impossible evidence) stays zero and adds ``-inf``.
    """
    s = block.sum(axis=0)
    positive = s > 0.0
    inv = np.divide(1.0, s, out=np.zeros_like(s), where=positive)
    block *= np.where(positive, inv, 1.0)
    if log_z is not None:
        with np.errstate(divide="ignore"):
            log_z += np.log(s)


def _operand(
    work: np.ndarray, base: int, strides: np.ndarray, shape: np.ndarray, width: int
) -> np.ndarray:
    """Workspace rows of one operand, shaped to broadcast against the clique's table.

    The operand's table covers the clique axes where its stride is non-zero, laid out
    in the clique's axis order (the layout's invariant), so its rows reshape to the
    clique's shape with 1 on every other axis, plus the batch axis.
    """
    dims = [int(d) if s != 0 else 1 for d, s in zip(shape, strides, strict=True)]
    size = int(np.prod(dims)) if dims else 1
    return work[base : base + size, :width].reshape(*dims, width)


def _clique_pass(
    phi_c: np.ndarray,
    work: np.ndarray,
    inputs: list[tuple[int, np.ndarray]],
    outputs: list[tuple[int, np.ndarray]],
    shape: np.ndarray,
    width: int,
) -> None:
    """One clique of one pass: the product of its inputs, summed into each output.

    Args:
        phi_c: the clique's potential shaped ``(*shape, 1 or width)``.
        work: the workspace ``(rows, B)``; columns ``:width`` are used.
        inputs, outputs: (first row, strides over the clique's axes) of each operand.
        shape: the clique's axis lengths.
        width: batch columns to compute (1 for a message formed once).
    """
    value = np.array(np.broadcast_to(phi_c, (*phi_c.shape[:-1], width)))
    for base, strides in inputs:
        value *= _operand(work, base, strides, shape, width)
    naxes = len(shape)
    for base, strides in outputs:
        summed = tuple(a for a in range(naxes) if strides[a] == 0)
        out = value.sum(axis=summed) if summed else value
        rows = out.reshape(-1, width)
        work[base : base + rows.shape[0], :width] += rows


def propagate_numpy(
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
    tile: int = 0,
) -> None:
    """Collect and distribute with numpy: the compiled ``propagate``'s twin.

    The arguments are those of :func:`secondfront.inference.propagation.propagate`
    (``tile`` is accepted and unused: the whole batch is one tile). ``marginals``
    ``(M, B)`` receives every variable's unnormalised marginal and ``log_z`` ``(B,)``
    (zeros on entry) log P(e) per row.
    """
    batch = likelihoods.shape[1]
    skip, once = _message_flags(
        phi_batched, postorder, trivial, heads_cross, op_ptr, op_role, op_ref, present
    )
    work = np.zeros((rows, batch))
    work[: likelihoods.shape[0]] = likelihoods
    for step in range(2):  # 0: collect (leaves to roots), 1: distribute (roots to leaves)
        order = postorder if step == 0 else postorder[::-1]
        for c in order:
            p = parent[c]
            if step == 0 and (p < 0 or skip[c]):
                continue
            if step == 1 and p >= 0:
                # The parent's belief summed to the separator, scaled, divided by the
                # message this clique sent up: the message it receives.
                down = work[down_base[c] : down_base[c] + sep_rows[c]]
                _scale(down, None)
                if not skip[c]:
                    old = work[up_base[c] : up_base[c] + sep_rows[c]]
                    np.divide(down, old, out=down, where=old > 0.0)
                    down[old <= 0.0] = 0.0
            inputs, outputs = _operands(c, step, skip, present, op_ptr, op_role, op_ref)
            k = int(naxes[c])
            axes = shape[c, :k]
            n = int(np.prod(axes)) if k else 1
            cols = batch if phi_batched[c] else 1
            phi_c = phi[phi_off[c] : phi_off[c] + n * cols].reshape(*axes, cols)
            width = 1 if (step == 0 and once[c]) else batch
            strided = [(int(op_base[o]), op_strides[o, :k]) for o in inputs]
            targets = [(int(op_base[o]), op_strides[o, :k]) for o in outputs]
            _clique_pass(phi_c, work, strided, targets, axes, width)
            if step == 0:
                _collected(work[up_base[c] : up_base[c] + sep_rows[c]], bool(once[c]), log_z)
            else:
                for o in outputs:
                    if op_role[o] == TOTAL:
                        with np.errstate(divide="ignore"):
                            log_z += np.log(work[op_base[o]])
    marginals[:] = work[rows - marginals.shape[0] :]


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
    """Per clique ``(C,)``: whether its collect message is skipped and whether it is
    formed once (the compiled ``_message_flags``' twin)."""
    varies = np.zeros(postorder.shape[0], np.bool_)  # evidence or batched tables below
    for c in postorder:
        ops = range(op_ptr[c], op_ptr[c + 1])
        varies[c] = phi_batched[c] or any(
            (op_role[o] == EVIDENCE and present[op_ref[o]])
            or (op_role[o] == CHILD_DOWN and varies[op_ref[o]])
            for o in ops
        )
    skip = trivial | (~varies & ~heads_cross)
    return skip, ~skip & ~varies


def _collected(up: np.ndarray, once: bool, log_z: np.ndarray) -> None:
    """Scale a collect message ``up`` ``(rows, B)`` just formed, adding to ``log_z``; one
    formed on the first column only (``once``) is scaled there and copied to every row."""
    if once:
        once_z = np.zeros(1)
        _scale(up[:, :1], once_z)
        up[:, 1:] = up[:, :1]
        log_z += once_z[0]
    else:
        _scale(up, log_z)


def _operands(
    c: int,
    step: int,
    skip: np.ndarray,
    present: np.ndarray,
    op_ptr: np.ndarray,
    op_role: np.ndarray,
    op_ref: np.ndarray,
) -> tuple[list[int], list[int]]:
    """The operands clique ``c`` reads and writes in pass ``step`` (0 collect, 1 distribute)."""
    inputs: list[int] = []
    outputs: list[int] = []
    for o in range(op_ptr[c], op_ptr[c + 1]):
        role = op_role[o]
        if (
            (role == CHILD_UP and not skip[op_ref[o]])
            or (role == EVIDENCE and present[op_ref[o]])
            or (role == PARENT_DOWN and step == 1)
        ):
            inputs.append(o)
        elif (role == PARENT_UP and step == 0) or (
            step == 1 and role in (CHILD_DOWN, MARGINAL, TOTAL)
        ):
            outputs.append(o)
    return inputs, outputs


__all__ = [
    "CHILD_DOWN",
    "CHILD_UP",
    "EVIDENCE",
    "MARGINAL",
    "NUMPY_MAX_WORK",
    "PARENT_DOWN",
    "PARENT_UP",
    "TOTAL",
    "propagate_numpy",
    "use_numpy",
]
