"""One prior marginal for many parameter sets: a single tensor contraction.

Without evidence, P(T) depends only on T's ancestors: every other table sums to one
and drops out (barren variables). P(T) is then one einsum over the tables of T and
its ancestors, and opt_einsum finds a good contraction order once
(``contract_expression``) for all batches of that shape. Sensitivity analyses evaluate
hundreds of thousands of parameter sets for one target, and this costs a small
fraction of a full junction-tree pass, which computes every marginal.

Tables whose parameters vary carry a leading batch axis; the others are constants
folded into the compiled expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
import opt_einsum

from secondfront.model.network import Network


def ancestral_set(network: Network, names: set[str] | list[str]) -> list[str]:
    """``names`` and all their ancestors, in the network's topological order."""
    keep = set(names)
    stack = list(names)
    while stack:
        for p in network.variables[stack.pop()].parents:
            if p not in keep:
                keep.add(p)
                stack.append(p)
    return [n for n in network.names if n in keep]


class TargetMarginal:
    """Compiled P(target) as a function of batched tables.

    Args:
        network: the model (its tables are the constants).
        target: the variable whose prior marginal is wanted.
        varying: variables whose tables will be given per batch row.
    """

    def __init__(self, network: Network, target: str, varying: set[str]) -> None:
        self.network = network
        self.target = target
        self.members = ancestral_set(network, [target])
        self.varying = [n for n in self.members if n in varying]
        index = {n: i for i, n in enumerate(self.members)}
        batch = opt_einsum.get_symbol(len(self.members))
        self._terms: list[str] = []
        for n in self.members:
            axes = "".join(
                opt_einsum.get_symbol(index[v]) for v in (*network.variables[n].parents, n)
            )
            self._terms.append(batch + axes if n in self.varying else axes)
        self._output = batch + opt_einsum.get_symbol(index[target])
        self._compiled: dict[int, opt_einsum.contract.ContractExpression] = {}

    def _expression(self, size: int) -> opt_einsum.contract.ContractExpression:
        expr = self._compiled.get(size)
        if expr is None:
            operands: list[object] = []
            constants: list[int] = []
            for i, n in enumerate(self.members):
                shape = self.network.cpts[n].shape
                if n in self.varying:
                    operands.append((size, *shape))
                else:
                    operands.append(self.network.cpts[n])
                    constants.append(i)
            equation = ",".join(self._terms) + "->" + self._output
            expr = opt_einsum.contract_expression(equation, *operands, constants=constants)
            self._compiled[size] = expr
        return expr

    def __call__(self, tables: Mapping[str, np.ndarray]) -> np.ndarray:
        """P(target) for each row: ``tables[v]`` has shape ``(B, *table shape)``.

        Returns:
            array ``(B, n_states of target)``.
        """
        if not self.varying:
            raise ValueError("no varying table: use the network's prior marginal instead")
        size = np.shape(tables[self.varying[0]])[0]
        return cast("np.ndarray", self._expression(size)(*[tables[n] for n in self.varying]))
