"""``secondfront variables``: names, states, roles and labels, from the Model's roles."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import secondfront as sf
from secondfront.cli.app import app
from tests.conftest import FLAGSHIP

runner = CliRunner()


def test_variables_json_lists_every_variable_with_its_roles() -> None:
    result = runner.invoke(app, ["variables", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    model = sf.load(FLAGSHIP)
    rows = {r["name"]: r for r in data["variables"]}
    assert list(rows) == model.names
    outcomes = set(model.spec.outcome_variables())
    indicators = {i.name for i in model.spec.indicators}
    assert outcomes and indicators
    for name, row in rows.items():
        assert row["states"] == list(model.variables[name].states)
        assert row["label"] == model.variables[name].label
        want = [
            r for r, on in (("outcome", name in outcomes), ("indicator", name in indicators)) if on
        ]
        assert row["roles"] == (want or ["latent"])
    # the name the README once misspelled is there, as an indicator
    assert rows["troops_toward_southern_border"]["roles"] == ["indicator"]
    assert any(r["roles"] == ["latent"] for r in rows.values())


def test_variables_table_and_bare_network_roles(asia_bif: Path) -> None:
    result = runner.invoke(app, ["variables"])
    assert result.exit_code == 0
    assert "troops_toward_southern_border" in result.stdout and "latent" in result.stdout
    result = runner.invoke(app, ["variables", "--model", str(asia_bif), "--json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["name"]: r["roles"] for r in json.loads(result.stdout)["variables"]}
    bare = sf.load(asia_bif)
    leaves = {v.name for v in bare if not bare.children(v.name)}
    # a bare network declares nothing: every variable is an outcome, leaves also indicators
    for name, roles in rows.items():
        assert roles == (["outcome", "indicator"] if name in leaves else ["outcome"])


def test_variables_unknown_model_is_one_line_error() -> None:
    result = runner.invoke(app, ["variables", "--model", "no-such-model"])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
