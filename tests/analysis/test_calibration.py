"""Calibration from the simulation as an analysis feature: a typed result, the adults read
from the parameters the runs use (not a number written in the code), the simulation apart."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import secondfront.simulation as simulation
from secondfront.analysis.calibration import (
    CALIBRATORS,
    Calibration,
    SimulationSettings,
    adults_of,
    calibrate,
)
from secondfront.model.scenario import check_spec, load_spec
from secondfront.simulation.params import DEFAULT_SOCIETY, load_society

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "models" / "belarus-second-front.yaml"


def _society_with_adults(tmp_path: Path, adults: float) -> Path:
    data = yaml.safe_load(DEFAULT_SOCIETY.read_text(encoding="utf-8"))
    data["society"]["adults"]["value"] = adults
    path = tmp_path / "few-adults.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_adults_come_from_the_parameters_file(tmp_path: Path) -> None:
    shipped = load_society()
    few = load_society(_society_with_adults(tmp_path, 750_000))
    classify = CALIBRATORS["mass_mobilisation"].classify
    # 2% of simulated citizens expressing on the peak week's day: 150,000 of 7.5 M adults
    # (mass), 15,000 of 0.75 M (limited).
    series = {"expressing_share": [0.001, 0.02, 0.005]}
    assert classify(series, shipped) == "mass"
    assert classify(series, few) == "limited"
    stated = adults_of(shipped, None)
    assert stated.value == shipped.value("society", "adults") == 7_500_000
    assert "society.adults of belarus-society.yaml" in stated.source
    assert "population-pyramid" in stated.source
    words = CALIBRATORS["mass_mobilisation"].describe
    assert "per 7.5 M adults" in words(shipped) and "per 0.75 M adults" in words(few)


def test_a_calibration_is_a_typed_result_with_its_scale(tmp_path: Path) -> None:
    params = _society_with_adults(tmp_path, 750_000)
    out = tmp_path / "copy.yaml"
    how = SimulationSettings(1, 3, 1500, 14, workers=2, params_path=str(params))
    result = calibrate(FLAGSHIP, "mass_mobilisation", out, how)
    assert isinstance(result, Calibration) and check_spec(out) == []
    assert result.output == out.resolve() and len(result.rows) == 36
    assert result.adults.value == 750_000 and "few-adults.yaml" in result.adults.source
    data = result.as_json()
    assert list(data) == ["variable", "output", "runs", "seed", "rows", "shift", "warnings"]
    assert data["warnings"] == [s.warning for s in result.shift if s.warning]
    var = next(v for v in load_spec(out).spec.variables if v.name == "mass_mobilisation")
    assert var.table is not None and "per 0.75 M adults" in str(var.table.assumption)


def test_the_simulation_package_no_longer_calibrates() -> None:
    assert not hasattr(simulation, "calibrate_spec")
    with pytest.raises(ModuleNotFoundError):
        __import__("secondfront.simulation.calibrate")


def test_the_calibrated_copy_states_its_provenance_and_loads_to_the_simulated_rows(
    tmp_path: Path,
) -> None:
    import numpy as np

    from secondfront.errors import UsageError
    from secondfront.model.fittedcopy import Provenance, fitted_yaml_text
    from secondfront.model.formats import load
    from secondfront.model.yamlsource import yaml_data

    out = tmp_path / "new" / "copy.yaml"
    how = SimulationSettings(1, 5, 1500, 14, workers=2)
    result = calibrate(FLAGSHIP, "logistics_disruption", out, how)
    text = out.read_text(encoding="utf-8")
    head = (
        "A copy of belarus-second-front.yaml with the table of logistics_disruption "
        "simulated by the",
        "Belarus agent-based model; see that table's assumption for the provenance.",
    )
    assert text == fitted_yaml_text(yaml_data(str(out)), Provenance(None, "", head))
    # What was simulated, by which runs and seed: the table's assumption.
    var = next(v for v in load_spec(out).spec.variables if v.name == "logistics_disruption")
    assert var.table is not None
    assert str(var.table.assumption).startswith(
        "simulated, 1 runs per row, seed 5, 1500 agents, 14 days "
        "(secondfront calibrate logistics_disruption)"
    )
    # Loaded back, the variable's table is the simulated rows.
    net = load(out).network
    parents = net.variables["logistics_disruption"].parents
    cpt = net.cpts["logistics_disruption"]
    for row in result.rows:
        idx = tuple(net.variables[p].index(row.given[p]) for p in parents)
        np.testing.assert_allclose(cpt[idx], row.p, atol=1e-12)
    with pytest.raises(UsageError, match="is the spec being calibrated; the copy must not"):
        calibrate(FLAGSHIP, "logistics_disruption", FLAGSHIP, how)
