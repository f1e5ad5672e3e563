"""Watchlist numbers against brute force over the joint distribution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import secondfront as sf
from secondfront.analysis.sensitivity import Target
from secondfront.analysis.watchlist import watchlist
from secondfront.inference.enumeration import joint


def brute_force(
    model: sf.Network, target: str, state: str, observed: list[str]
) -> tuple[float, float]:
    """Mutual information (bits) and expected |change| from the full joint."""
    p = joint(model)
    names = model.names
    t = names.index(target)
    obs = [names.index(o) for o in observed]
    keep = sorted([t, *obs])
    pj = p.sum(axis=tuple(i for i in range(len(names)) if i not in keep))
    pj = np.moveaxis(pj, [keep.index(t)] + [keep.index(o) for o in obs], list(range(len(keep))))
    pt = pj.sum(axis=tuple(range(1, pj.ndim)))
    po = pj.sum(axis=0)
    mi = 0.0
    change = 0.0
    k = model.variables[target].index(state)
    for idx in np.ndindex(po.shape):
        if po[idx] == 0:
            continue
        cond = pj[(slice(None), *idx)] / po[idx]
        nz = cond > 0
        mi += po[idx] * np.sum(cond[nz] * np.log2(cond[nz] / pt[nz]))
        change += po[idx] * abs(cond[k] - pt[k])
    return mi, change


def test_asia_watchlist_matches_brute_force(asia_bif: Path) -> None:
    model = sf.load(asia_bif)
    wl = watchlist(model, Target("lung", "yes"), indicators=["xray", "dysp", "smoke", "asia"])
    for w in wl.singles:
        mi, change = brute_force(model, "lung", "yes", list(w.indicators))
        assert w.mutual_information == pytest.approx(mi, abs=1e-12)
        assert w.expected_change == pytest.approx(change, abs=1e-12)
    for w in wl.pairs:
        mi, change = brute_force(model, "lung", "yes", list(w.indicators))
        assert w.mutual_information == pytest.approx(mi, abs=1e-12)
        assert w.expected_change == pytest.approx(change, abs=1e-12)
    assert [w.mutual_information for w in wl.singles] == sorted(
        (w.mutual_information for w in wl.singles), reverse=True
    )
    xray = next(w for w in wl.singles if w.indicators == ("xray",))
    # asia's states are (yes, no): the first joint outcome is xray=yes.
    assert xray.outcomes[0][0] == ("yes",)
    assert xray.outcomes[0][2] == pytest.approx(sf.infer(model, {"xray": "yes"})["lung"]["yes"])


def test_flagship_watchlist_has_every_indicator_and_ten_pairs() -> None:
    model = sf.load(Path(__file__).parents[2] / "models" / "belarus-second-front.yaml")
    wl = watchlist(model, Target("belarus_entry", "entered"))
    assert len(wl.singles) == len(model.spec.indicators)
    assert len(wl.pairs) == 10
    top = wl.singles[0]
    assert top.if_seen() != pytest.approx(top.if_not_seen())
    # The workbench's panel is the same result's best singles, not a second ranking.
    panel = wl.top(3)
    assert panel["target"] == "belarus_entry=entered" and panel["baseline"] == wl.baseline
    rows = panel["rows"]
    assert isinstance(rows, list) and [r["indicator"] for r in rows] == [
        w.indicators[0] for w in wl.singles[:3]
    ]
    assert rows[0]["if_seen"] == top.if_seen()
