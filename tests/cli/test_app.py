"""The command-line contract: output shapes, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import secondfront as sf
from secondfront.cli.app import app
from tests.conftest import FLAGSHIP

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_forecast_json_shape_and_values() -> None:
    code, stdout, _ = run("forecast", "--argument-only", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["model"] == "belarus-second-front"
    model = sf.load(FLAGSHIP)
    want = sf.infer(model)
    spec = model.spec
    assert set(data["outcomes"]) == set(spec.outcome_variables())
    for var, dist in data["outcomes"].items():
        assert dist == pytest.approx(want[var], abs=1e-12)


def test_forecast_table_names_claims_and_words() -> None:
    code, stdout, _ = run("forecast", "--claims")
    assert code == 0
    assert "ICD 203" in stdout and "P3.S2" in stdout
    assert "not an authoritative prediction" in stdout


def test_forecast_evidence_and_do_move_the_outcome() -> None:
    model = sf.load(FLAGSHIP)
    entry = model.spec.outcomes[0]
    var = entry.variable
    state = entry.state or model.variables[var].states[-1]
    _, base, _ = run("forecast", "--argument-only", "--json")
    code, forced, _ = run("forecast", "--json", "--do", f"{var}={state}")
    assert code == 0
    assert json.loads(forced)["outcomes"][var][state] == pytest.approx(1.0)
    assert json.loads(base)["outcomes"][var][state] < 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["forecast", "--evidence", "nosuch=yes"], "unknown variable 'nosuch'; valid variables:"),
        (["forecast", "--evidence", "belarus_entry=maybe"], "unknown state of belarus_entry"),
        (["forecast", "--evidence", "belarus_entry"], "is not VAR=STATE"),
        (["forecast", "--model", "no-such-model"], "no model file or model named 'no-such-model'"),
        (["explain", "nosuch"], "unknown variable 'nosuch'"),
        (["export", str(FLAGSHIP), "--format", "png"], "unknown export format 'png'"),
    ],
)
def test_user_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    code, stdout, stderr = run(*args)
    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr + stdout
    assert len(stderr.strip().splitlines()) == 1


def test_infer_json_on_bif(asia_bif: Path) -> None:
    code, stdout, _ = run("infer", str(asia_bif), "--evidence", "xray=yes", "--json")
    assert code == 0
    marginals = json.loads(stdout)["marginals"]
    assert marginals["xray"] == {"yes": 1.0, "no": 0.0}
    # Closed form check on asia: P(either=yes | xray=yes) by Bayes' rule.
    prior = sf.infer(sf.load(asia_bif))["either"]["yes"]
    post = prior * 0.98 / (prior * 0.98 + (1 - prior) * 0.05)
    assert marginals["either"]["yes"] == pytest.approx(post, abs=1e-12)


def test_infer_batch_lines_in_order(asia_bif: Path, tmp_path: Path) -> None:
    rows = [{"xray": "yes"}, {}, {"dysp": "no", "smoke": "yes"}, {"either": "no"}]
    batch = tmp_path / "ev.jsonl"
    batch.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, stdout, _ = run("infer", str(asia_bif), "--batch", str(batch))
    assert code == 0
    lines = [json.loads(x) for x in stdout.splitlines()]
    assert len(lines) == len(rows)
    model = sf.load(asia_bif)
    for row, line in zip(rows, lines, strict=True):
        want = sf.infer(model, row)
        for var in want:
            assert line[var] == pytest.approx(want[var], abs=1e-12)


def test_infer_batch_bad_line_is_named(asia_bif: Path, tmp_path: Path) -> None:
    batch = tmp_path / "ev.jsonl"
    batch.write_text('{"xray": "yes"}\n{"xray": "perhaps"}\n')
    code, _, stderr = run("infer", str(asia_bif), "--batch", str(batch))
    assert code == 2
    assert f"{batch}:2:" in stderr and "perhaps" in stderr


def test_check_ok_and_errors(tmp_path: Path) -> None:
    code, stdout, _ = run("check", str(FLAGSHIP))
    assert code == 0 and stdout.startswith("ok")
    bad = tmp_path / "bad.bif"
    bad.write_text(
        "variable a { type discrete [ 2 ] { x, y }; }\nprobability ( a ) { table 0.5, 0.4; }\n"
    )
    code, _, stderr = run("check", str(bad))
    assert code == 2
    assert stderr.startswith(f"{bad}:2:")
    assert "error:" in stderr and "Traceback" not in stderr


def test_explain_shows_table_claims_and_sources() -> None:
    code, stdout, _ = run("explain", "belarus_entry", "--json")
    assert code == 0
    data = json.loads(stdout)
    model = sf.load(FLAGSHIP)
    assert data["parents"] == list(model.variables["belarus_entry"].parents)
    assert len(data["rows"]) == int(np.prod(model.cpts["belarus_entry"].shape[:-1]))
    assert data["claims"] and all(c["source"]["id"] for c in data["claims"])


@pytest.mark.parametrize("fmt", ["bif", "json", "dot"])
def test_export_formats(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"model.{fmt}"
    code, _, _ = run("export", str(FLAGSHIP), "--format", fmt, "-o", str(target))
    assert code == 0
    text = target.read_text()
    model = sf.load(FLAGSHIP)
    if fmt == "bif":
        again = sf.load(target)
        for v in model:
            np.testing.assert_allclose(again.cpts[v.name], model.cpts[v.name], atol=1e-12)
    elif fmt == "json":
        data = json.loads(text)
        assert [v["name"] for v in data["variables"]] == model.names
    else:
        assert text.startswith("digraph") and text.count("->") == sum(len(v.parents) for v in model)


def test_sources_verify_against_seed(seed_text: Path, tmp_path: Path) -> None:
    code, stdout, _ = run("sources", "verify", str(seed_text))
    assert code == 0 and "resolve" in stdout
    # Drop the last paragraph: its locators must be reported, exit 2.
    cut = tmp_path / "cut.txt"
    paragraphs = [p for p in seed_text.read_text(encoding="utf-8").splitlines() if p.strip()]
    cut.write_text("\n".join(paragraphs[:-1]), encoding="utf-8")
    code, _, stderr = run("sources", "verify", str(cut))
    assert code == 2
    assert "P7.S" in stderr


def test_python_dash_m_and_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "secondfront", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    for command in ("forecast", "infer", "check", "explain", "export", "sources"):
        assert command in proc.stdout


def test_plan_reports_its_largest_intermediate(asia_bif: Path) -> None:
    code, stdout, _ = run("plan", str(asia_bif), "--observe", "xray", "--json")
    assert code == 0
    info = json.loads(stdout)
    assert info["variables"] == 8
    # asia triangulates into cliques of at most 3 binary variables.
    assert info["largest_clique_entries"] == 8
    assert info["bytes_per_evidence_set"] > 0


def test_a_variable_given_twice_is_refused_as_by_the_api() -> None:
    from secondfront.analysis.assignments import parse_assignments
    from secondfront.errors import QueryError

    code, _, stderr = run(
        "forecast", "-e", "reservist_callups=present", "-e", "reservist_callups=absent"
    )
    message = "evidence: reservist_callups given twice ('present' and 'absent')"
    assert code == 2 and message in stderr
    with pytest.raises(QueryError) as info:
        parse_assignments(["reservist_callups=present", "reservist_callups=absent"], "evidence")
    assert str(info.value) == message
    code, _, stderr = run(
        "forecast", "-e", "reservist_callups=present", "--soft", "reservist_callups=0.2,0.8"
    )
    assert code == 2 and "reservist_callups given twice" in stderr
