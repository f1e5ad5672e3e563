"""What to watch: which indicators would change the target probability most if observed.

For a target T = t and each indicator I, exactly from the network (no sampling):

* the mutual information I(T; I) in bits, sum over i, t' of
  P(i) P(t' | i) log2(P(t' | i) / P(t')), over all states of T: how much observing I
  is expected to tell about T;
* the expected absolute change of P(T = t), sum over i of P(i) |P(t | i) - P(t)|;
* the collection-plan table: P(T = t) if the indicator is seen, and if it is not.

Pairs of indicators observed together use the joint states (i, j) in the same
formulas. All conditionals come from one batched engine call: one evidence row per
indicator state (or state pair), and P(i) (or P(i, j)) is that row's P(evidence).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from secondfront.analysis.sensitivity import Target
from secondfront.inference.query import Evidence, posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.model import ModelLike, as_model
from secondfront.model.network import Network
from secondfront.tabular import Rows, Tabular


@dataclass(frozen=True)
class Watch:
    """The value of observing one indicator (or a pair) for the target.

    Attributes:
        indicators: the indicator name(s).
        mutual_information: I(T; indicators), bits.
        expected_change: expected |P(t | obs) - P(t)|.
        outcomes: per joint observed state: (states, P(obs), P(t | obs)).
    """

    indicators: tuple[str, ...]
    mutual_information: float
    expected_change: float
    outcomes: list[tuple[tuple[str, ...], float, float]]

    def if_seen(self) -> float | None:
        """P(t) if a single two-state indicator shows its last state ("present")."""
        return self.outcomes[-1][2] if len(self.indicators) == 1 else None

    def if_not_seen(self) -> float | None:
        """P(t) if a single two-state indicator shows its first state ("absent")."""
        return self.outcomes[0][2] if len(self.indicators) == 1 else None


@dataclass(frozen=True)
class Watchlist(Tabular):
    """Indicators ranked by mutual information with the target, and the best pairs."""

    target: Target
    baseline: float
    singles: list[Watch]
    pairs: list[Watch]

    def table(self) -> Rows:
        """One row per indicator (then per pair): MI in bits, E|ΔP|, if seen / not seen."""
        return Rows(
            f"Watchlist for P({self.target.variable}={self.target.state}), "
            f"baseline {self.baseline:.4f}",
            ("indicators", "mi_bits", "expected_change", "if_seen", "if_not_seen"),
            [
                (
                    " + ".join(w.indicators),
                    w.mutual_information,
                    w.expected_change,
                    w.if_seen(),
                    w.if_not_seen(),
                )
                for w in [*self.singles, *self.pairs]
            ],
        )

    def top(self, n: int) -> JSONObject:
        """The target, the baseline and the ``n`` best single indicators (the workbench's
        panel)."""
        return {
            "target": str(self.target),
            "baseline": self.baseline,
            "rows": [
                {
                    "indicator": " + ".join(w.indicators),
                    "mutual_information": w.mutual_information,
                    "expected_change": w.expected_change,
                    "if_seen": w.if_seen(),
                    "if_not_seen": w.if_not_seen(),
                }
                for w in self.singles[:n]
            ],
        }


def _score(
    network: Network,
    target: Target,
    names: tuple[str, ...],
    prior: np.ndarray,
    rows: list[tuple[tuple[str, ...], float, np.ndarray]],
) -> Watch:
    k = network.variables[target.variable].index(target.state)
    mi = 0.0
    change = 0.0
    outcomes = []
    for states, p_obs, post in rows:
        if p_obs <= 0 or not np.all(np.isfinite(post)):
            outcomes.append((states, 0.0, float("nan")))
            continue
        nz = post > 0
        mi += p_obs * float(np.sum(post[nz] * np.log2(post[nz] / prior[nz])))
        change += p_obs * abs(float(post[k]) - float(prior[k]))
        outcomes.append((states, p_obs, float(post[k])))
    return Watch(names, max(mi, 0.0), change, outcomes)


def watchlist(
    network: ModelLike,
    target: Target,
    evidence: Evidence | None = None,
    do: Mapping[str, str] | None = None,
    indicators: list[str] | None = None,
    top_pairs: int = 10,
) -> Watchlist:
    """Rank indicators (and pairs) by how much observing them would move the target.

    Args:
        network: the model.
        target: the probability of interest.
        evidence: what is already known (indicators in it are not ranked).
        do: interventions.
        indicators: candidates (default: the model's indicators, :meth:`Model.indicators`).
        top_pairs: how many pairs to return, ranked by mutual information.
    """
    model = as_model(network)
    base_ev = dict(evidence or {})
    names = [n for n in (indicators or model.indicators()) if n not in base_ev]
    names = [n for n in names if n != target.variable]
    requests: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for n in names:
        for s in network.variables[n].states:
            requests.append(((n,), (s,)))
    for a, b in itertools.combinations(names, 2):
        for sa, sb in itertools.product(network.variables[a].states, network.variables[b].states):
            requests.append(((a, b), (sa, sb)))
    rows = [base_ev] + [{**base_ev, **dict(zip(ns, ss, strict=True))} for ns, ss in requests]
    post = posterior_batch(model, rows, do=do, on_impossible="nan")
    marg = post.marginals[target.variable]
    log_p = post.log_evidence - post.log_evidence[0]  # P(obs | existing evidence)
    prior = marg[0]
    grouped: dict[tuple[str, ...], list[tuple[tuple[str, ...], float, np.ndarray]]] = {}
    for r, (ns, ss) in enumerate(requests, start=1):
        grouped.setdefault(ns, []).append((ss, float(np.exp(log_p[r])), marg[r]))
    singles = [_score(model.network, target, (n,), prior, grouped[(n,)]) for n in names]
    pairs = [
        _score(model.network, target, pair, prior, rows_)
        for pair, rows_ in grouped.items()
        if len(pair) == 2
    ]
    singles.sort(key=lambda w: -w.mutual_information)
    pairs.sort(key=lambda w: -w.mutual_information)
    k = model.variables[target.variable].index(target.state)
    return Watchlist(target, float(prior[k]), singles, pairs[:top_pairs])
