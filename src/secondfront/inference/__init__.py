"""Exact inference: a batched junction tree, its naive twin, and queries by name."""

from secondfront.inference.enumeration import enumerate_marginals, joint
from secondfront.inference.junction_tree import JunctionTree, Plan, Posterior, compile_plan
from secondfront.inference.query import (
    BatchPosterior,
    Query,
    compile_query,
    infer,
    infer_batch,
    intervene,
    plan,
    posterior_batch,
)

__all__ = [
    "BatchPosterior",
    "JunctionTree",
    "Plan",
    "Posterior",
    "Query",
    "compile_plan",
    "compile_query",
    "enumerate_marginals",
    "infer",
    "infer_batch",
    "intervene",
    "joint",
    "plan",
    "posterior_batch",
]
