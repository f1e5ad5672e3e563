"""Evidence conflict: does a week's evidence fit the model together?

Hugin's conflict measure (Jensen, *Bayesian Networks and Decision Graphs*) for findings
``e = {e_1, ..., e_m}``::

    conf(e) = log( prod_i P(e_i) / P(e) ) = sum_i log P(e_i) - log P(e)

It is 0 when the findings are independent under the model, negative when they support
one another (they are more probable together than apart, the usual case for reports of
one underlying development), and positive when they are less probable together than
their separate probabilities would suggest: a flawed report, deception, or a mechanism
the model lacks. The finding most responsible is the one whose removal lowers the
conflict most (``conf(e \\ e_j)`` smallest); with two findings, removing either leaves
one, whose conflict is 0.

In the timeline a week's probabilities are those of the chain's prediction for that
week: with ``w_k = P(S_t = k | e_1..e_{t-1})`` and ``c_k`` the network conditioning of
state k, ``P(x) = sum_k w_k P(x | c_k)`` for each subset x of findings needed. Without
weights the plain network is used (Hugin's measure on the static model).

All probabilities come from the junction-tree engine in one batched call per run:
for m findings, the full set, each single finding and each leave-one-out set, times
the K states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from secondfront.inference.query import EvidenceValue, posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.model import ModelLike


@dataclass(frozen=True)
class Conflict:
    """The conflict of one set of findings.

    Attributes:
        value: conf(e) in nats (natural log); +inf when P(e) = 0 while every finding
            alone is possible; 0 for fewer than two findings.
        single: finding -> log P(e_i).
        log_joint: log P(e).
        culprit: the finding whose removal lowers the conflict most; None unless
            conf(e) > 0 (no conflict, nothing to blame) and for fewer than two findings.
        without_culprit: conf(e without the culprit); conf(e) itself when there is none.
    """

    value: float
    single: dict[str, float]
    log_joint: float
    culprit: str | None
    without_culprit: float

    def as_json(self) -> JSONObject:
        """Plain data; infinities as strings ("inf") so the JSON stays valid."""

        def num(x: float) -> float | str:
            return x if np.isfinite(x) else ("inf" if x > 0 else "-inf")

        return {
            "conflict": num(self.value),
            "culprit": self.culprit,
            "without_culprit": num(self.without_culprit),
            "log_joint": num(self.log_joint),
            "single": {k: num(v) for k, v in self.single.items()},
        }

    def summary(self) -> JSONObject:
        """``{"value", "culprit", "without_culprit"}`` (nats; infinities as strings):
        what a timeline week shows."""
        data = self.as_json()
        return {
            "value": data["conflict"],
            "culprit": data["culprit"],
            "without_culprit": data["without_culprit"],
        }


def _subsets(evidence: Mapping[str, EvidenceValue]) -> list[dict[str, EvidenceValue]]:
    """The full set, each single finding, each leave-one-out set (in this order)."""
    names = list(evidence)
    full = dict(evidence)
    singles = [{n: evidence[n]} for n in names]
    drops = [{n: evidence[n] for n in names if n != j} for j in names]
    return [full, *singles, *drops]


def _conf(log_joint: float, singles: Sequence[float]) -> float:
    total = float(np.sum(singles))
    if not np.isfinite(log_joint) and np.isfinite(total):
        return float("inf")
    return total - log_joint


def _assemble(evidence: Mapping[str, EvidenceValue], logp: np.ndarray) -> Conflict:
    """A :class:`Conflict` from log P of the subsets in :func:`_subsets` order."""
    names = list(evidence)
    m = len(names)
    single = {n: float(logp[1 + i]) for i, n in enumerate(names)}
    value = _conf(float(logp[0]), list(single.values())) if m >= 2 else 0.0
    if m < 2 or not value > 0:  # conf(e) <= 0 (or NaN): no conflict, so no culprit
        return Conflict(value, single, float(logp[0]), None, value if m >= 2 else 0.0)
    drops = [
        _conf(float(logp[1 + m + j]), [single[n] for n in names if n != names[j]]) if m > 2 else 0.0
        for j in range(m)
    ]
    j = int(np.argmin(drops))
    return Conflict(value, single, float(logp[0]), names[j], float(drops[j]))


def _log_probs(
    network: ModelLike,
    rows: Sequence[Mapping[str, EvidenceValue]],
    conditions: Sequence[Mapping[str, str]] | None,
    weights: np.ndarray | None,
) -> np.ndarray:
    """log P(row) [R] under the network, or under the mixture ``sum_k w[r, k] P(. | c_k)``
    with ``weights`` [R, K]; one engine call either way."""
    if conditions is None or weights is None:
        if not rows:
            return np.zeros(0)
        post = posterior_batch(network, list(rows), on_impossible="nan")
        return np.asarray(post.log_evidence, dtype=np.float64)
    K = len(conditions)
    batch = [{**r, **c} for r in rows for c in conditions] + [dict(c) for c in conditions]
    logp = posterior_batch(network, batch, on_impossible="nan").log_evidence
    base = logp[len(rows) * K :]
    # log P(row | c_k) = log P(row, c_k) - log P(c_k), then log-sum-exp over k.
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = logp[: len(rows) * K].reshape(len(rows), K) - base[None, :] + np.log(weights)
    top = np.max(terms, axis=1, keepdims=True) if len(rows) else np.zeros((0, 1))
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        out: np.ndarray = np.log(np.exp(terms - safe).sum(axis=1)) + safe[:, 0]
    return out


def evidence_conflict(
    network: ModelLike,
    evidence: Mapping[str, EvidenceValue],
    conditions: Sequence[Mapping[str, str]] | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
) -> Conflict:
    """conf(e) of one set of findings, with the finding most responsible.

    Args:
        network: the model (or a bare network).
        evidence: variable -> state (hard) or likelihood vector (soft).
        conditions: optional per-hidden-state conditioning (the timeline's states).
        weights: [K] mixture weights over ``conditions`` (e.g. the chain's prediction).
    """
    (out,) = week_conflicts(
        network, [evidence], conditions, None if weights is None else np.asarray([weights])
    )
    return out


def week_conflicts(
    network: ModelLike,
    evidence: Sequence[Mapping[str, EvidenceValue]],
    conditions: Sequence[Mapping[str, str]] | None = None,
    weights: np.ndarray | None = None,
) -> list[Conflict]:
    """conf(e_t) for every week, in one batched engine call.

    Args:
        network: the model (or a bare network).
        evidence: one mapping of findings per week (as handed to the engine).
        conditions: the hidden states' network conditioning (``[s.network for s in
            model.spec.states]``); None for the plain network.
        weights: [T, K] per-week state weights, e.g. ``forward_filter(...).predicted``
            (the chain's prediction before the week's evidence); needed with
            ``conditions``.

    Returns:
        one :class:`Conflict` per week.

    Raises:
        ValueError: ``conditions`` without ``weights`` (or the reverse), or weights of
            the wrong shape.
    """
    if (conditions is None) != (weights is None):
        raise ValueError("give both conditions and weights, or neither")
    per_week = [_subsets(e) for e in evidence]
    flat = [r for rows in per_week for r in rows]
    W = None
    if conditions is not None and weights is not None:
        W = np.asarray(weights, dtype=np.float64)
        if W.shape != (len(evidence), len(conditions)):
            raise ValueError(
                f"weights must be [T, K] = {(len(evidence), len(conditions))}; got {W.shape}"
            )
        W = np.repeat(W, [len(rows) for rows in per_week], axis=0)
    logp = _log_probs(network, flat, conditions, W)
    out, at = [], 0
    for e, rows in zip(evidence, per_week, strict=True):
        out.append(_assemble(e, logp[at : at + len(rows)]))
        at += len(rows)
    return out


def naive_conflict(
    joint: np.ndarray,
    names: Sequence[str],
    states: Mapping[str, Sequence[str]],
    evidence: Mapping[str, str],
) -> float:
    """conf(e) from a full joint table [*cards] (axes in ``names`` order), hard evidence only;
    the twin of :func:`evidence_conflict` for tests."""

    def prob(findings: Mapping[str, str]) -> float:
        index = tuple(states[n].index(findings[n]) if n in findings else slice(None) for n in names)
        return float(np.sum(joint[index]))

    singles = [np.log(prob({k: v})) for k, v in evidence.items()]
    return float(np.sum(singles) - np.log(prob(evidence)))


__all__ = [
    "Conflict",
    "evidence_conflict",
    "naive_conflict",
    "week_conflicts",
]
