"""Aggregate capacity of the Belarusian main lines toward the Ukrainian border.

A small graph of public main lines and junctions (``networkx``): nodes are the
junctions the column's context names (Minsk, Orsha, Asipovichy, Babruisk, Zhlobin,
Homel, Kalinkavichy, Mazyr, Luninets, Baranavichy, Brest, ...) and the border
crossings toward Ukraine; edges are main lines with a capacity in trains per day (an
assumption, the same for every line unless the parameters say otherwise).

This is analysis at the aggregate level, never operations. Simulated sabotage is a
*rate* of disrupted links, each link drawn uniformly at random (no line is ranked above
another), and each disruption lasts a random repair time. The only output is how much
of the network's capacity for traffic from the Russian border to the southern border
remains, and the capacity lost, in days. Nothing here identifies, ranks or recommends
any place or asset.

Capacity is the maximum flow from the entry nodes to the border crossings (a super
source and a super sink joined with unbounded arcs), relative to the intact network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
from numpy.typing import NDArray

__all__ = ["RailNetwork", "loss_days"]

_SOURCE = "__entry__"
_SINK = "__border__"


@dataclass(frozen=True)
class RailNetwork:
    """Main lines as an undirected graph.

    Attributes:
        edges: ``(a, b, km, trains_per_day)`` per line section.
        entries: nodes where military traffic enters from Russia.
        crossings: border-crossing nodes toward Ukraine.
    """

    edges: tuple[tuple[str, str, float, float], ...]
    entries: tuple[str, ...]
    crossings: tuple[str, ...]

    @classmethod
    def from_params(cls, data: Mapping[str, object]) -> RailNetwork:
        """Build from the ``rail`` section of the society parameters."""
        edges = tuple(
            (str(e["from"]), str(e["to"]), float(e["km"]), float(e.get("trains_per_day", 1.0)))
            for e in data["lines"]  # type: ignore[attr-defined]
        )
        net = cls(edges, tuple(data["entries"]), tuple(data["crossings"]))  # type: ignore[arg-type]
        nodes = {n for a, b, _, _ in edges for n in (a, b)}
        missing = [n for n in (*net.entries, *net.crossings) if n not in nodes]
        if missing:
            raise ValueError(f"rail entries or crossings not on any line: {', '.join(missing)}")
        if net.capacity(()) <= 0:
            raise ValueError("the intact rail network carries no traffic from entries to crossings")
        return net

    @property
    def n_edges(self) -> int:
        """Number of line sections."""
        return len(self.edges)

    def graph(self) -> nx.Graph:
        """The network as a ``networkx.Graph`` with ``km`` and ``capacity`` on edges."""
        g = nx.Graph()
        for a, b, km, cap in self.edges:
            g.add_edge(a, b, km=km, capacity=cap)
        return g

    def capacity(self, cut: Iterable[int]) -> float:
        """Maximum flow, in trains per day, with the edges ``cut`` (indices) removed."""
        return _max_flow(self, frozenset(cut))

    def capacity_share(self, cut: Iterable[int]) -> float:
        """Capacity with ``cut`` removed, as a share of the intact capacity."""
        return self.capacity(cut) / self.capacity(())


@lru_cache(maxsize=4096)
def _max_flow(net: RailNetwork, cut: frozenset[int]) -> float:
    g = nx.DiGraph()
    for i, (a, b, _, cap) in enumerate(net.edges):
        if i in cut:
            continue
        # An undirected line is two opposite arcs of the same capacity.
        for u, v in ((a, b), (b, a)):
            if g.has_edge(u, v):
                g[u][v]["capacity"] += cap
            else:
                g.add_edge(u, v, capacity=cap)
    for e in net.entries:
        g.add_edge(_SOURCE, e)  # no capacity attribute: unbounded
    for c in net.crossings:
        g.add_edge(c, _SINK)
    if _SOURCE not in g or _SINK not in g:
        return 0.0
    return float(nx.maximum_flow_value(g, _SOURCE, _SINK))


def loss_days(share: Sequence[float] | NDArray[np.float64], days_per_step: float = 1.0) -> float:
    """Capacity lost over a period, in days of total halt: ``sum_t (1 - share_t) * dt``."""
    return float(np.sum(1.0 - np.asarray(share, dtype=float)) * days_per_step)
