"""The Belarus model: parameters file, rail capacity, scenarios, calibration targets."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from secondfront.errors import UsageError
from secondfront.simulation.belarus import SCENARIOS, run_belarus
from secondfront.simulation.params import DEFAULT_SOCIETY, load_society
from secondfront.simulation.rail import RailNetwork, loss_days

FULL = os.environ.get("SECONDFRONT_FULL") == "1"


@pytest.fixture(scope="module")
def society():  # type: ignore[no-untyped-def]
    return load_society()


def test_every_parameter_has_a_basis_and_every_locator_is_the_columns(society) -> None:  # type: ignore[no-untyped-def]
    groups = [
        society.society,
        society.police,
        society.scenarios,
        society.army,
        society.partisans,
        society.calibration,
    ]
    for group in groups:
        for name, p in group.items():
            assert p.claims or p.sources or p.assumption, name
    locators = {c for g in groups for p in g.values() for c in p.claims}
    # The column's sentences the issue names as the basis of the simulation.
    assert {"P4.S1", "P4.S2", "P5.S1", "P6.S2", "P6.S3", "P6.S4"} <= locators


def test_a_parameter_without_basis_is_an_error_naming_it(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_SOCIETY.read_text())
    data["police"]["staff"] = {"value": 1}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(UsageError, match=r"police\.staff.*needs claims, sources or an assumption"):
        load_society(bad)


def test_an_unknown_source_is_an_error(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_SOCIETY.read_text())
    data["army"]["soldiers"]["sources"] = ["nowhere"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(UsageError, match=r"army\.soldiers: unknown source \['nowhere'\]"):
        load_society(bad)


def test_rail_graph_has_the_named_junctions_and_full_capacity_when_intact(society) -> None:  # type: ignore[no-untyped-def]
    net = RailNetwork.from_params(society.rail_section())
    nodes = set(net.graph().nodes)
    named = {
        "Minsk",
        "Orsha",
        "Asipovichy",
        "Babruisk",
        "Zhlobin",
        "Homel",
        "Kalinkavichy",
        "Mazyr",
        "Luninets",
        "Baranavichy",
        "Brest",
    }
    assert named <= nodes
    assert net.capacity_share(()) == 1.0
    assert net.capacity_share(range(net.n_edges)) == 0.0
    assert loss_days([1.0, 0.5, 0.0, 1.0]) == 1.5


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenarios_run_and_stay_in_range(society, scenario: str) -> None:  # type: ignore[no-untyped-def]
    run = run_belarus(society, scenario, 5000, 30, 1)
    for name, series in run.series().items():
        assert series.shape == (31,), name
        assert np.all(np.isfinite(series)) and np.all(series >= 0), name
    assert np.all(run.rail_capacity <= 1.0)
    assert np.all(np.diff(run.detentions_total) >= 0)
    if scenario in ("2020", "no-entry"):
        assert np.all(run.rail_capacity == 1.0) and run.refusals_total[-1] == 0


def test_entry_raises_expression_and_brings_refusals(society) -> None:  # type: ignore[no-untyped-def]
    entry_day = int(society.value("scenarios", "entry_day"))
    runs = {s: run_belarus(society, s, 20000, 42, 5) for s in ("no-entry", "entry")}
    after = slice(entry_day + 7, None)
    assert (
        runs["entry"].expressing_share[after].mean()
        > 2 * runs["no-entry"].expressing_share[after].mean()
    )
    assert runs["entry"].refusals_total[-1] > 0
    assert runs["entry"].rail_capacity.min() < 1.0


def test_unknown_scenario_is_a_usage_error(society) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="unknown scenario 'war'; scenarios: 2020, no-entry"):
        run_belarus(society, "war", 1000, 1, 0)


@pytest.mark.slow
def test_calibration_targets_are_met(society) -> None:  # type: ignore[no-untyped-def]
    """The 2020 protest peak, 2020 detentions and 2022 rail disruption, within tolerance.

    Medians over seeds, counts scaled to 7.5 M adults. Default: 40,000 agents and 3
    seeds; SECONDFRONT_FULL=1: 500,000 agents and 10 seeds.
    """
    agents, seeds = (500_000, 10) if FULL else (40_000, 3)
    targets = society.calibration
    peak, detained, rail = [], [], []
    for seed in range(seeds):
        r = run_belarus(society, "2020", agents, 98, seed)
        peak.append(r.expressing_share.max() * society.value("society", "adults"))
        detained.append(r.detentions_total[98])
        g = run_belarus(society, "2022", 1000, 45, seed)  # the rail part needs no crowd
        rail.append(loss_days(g.rail_capacity[1:]))
    for name, values in (
        ("protest_peak_2020", peak),
        ("detentions_2020", detained),
        ("rail_loss_days_2022", rail),
    ):
        t = targets[name]
        assert t.low <= np.median(values) <= t.high, (name, values, (t.low, t.high))
