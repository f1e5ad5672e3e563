"""Commands for an analyst's own argument: new, check of a draft, and the rest."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app

runner = CliRunner()
HELDOUT = Path(__file__).resolve().parents[1] / "model" / "fixtures" / "heldout"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_new_then_check_then_verify(tmp_path: Path) -> None:
    source = tmp_path / "be.txt"
    shutil.copy(HELDOUT / "be.txt", source)
    draft = tmp_path / "draft.yaml"
    code, _, stderr = run(
        "new", "--source", str(source), "--id", "kamentar", "--lang", "be",
        "--outcome", "Belarus enters the war", "-o", str(draft),
    )  # fmt: skip
    assert code == 0, stderr
    assert 'text: "be.txt"' in draft.read_text(encoding="utf-8")
    code, stdout, stderr = run("check", str(draft))
    # 6 claims x 2, 6 of the source and model, 1 parameter; the title line is metadata.
    assert code == 0 and "draft: 19 items left" in stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 19 and all(f"{draft}:" in ln and ": warning: " in ln for ln in lines)
    code, _, _ = run("check", "--strict", str(draft))
    assert code == 1
    code, stdout, stderr = run("sources", "verify", str(source), "--model", str(draft))
    assert code == 0, stderr
    assert "7 locators" in stdout


def test_new_refuses_to_overwrite_and_explains(tmp_path: Path) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text("x", encoding="utf-8")
    code, _, stderr = run("new", "--source", str(HELDOUT / "en.txt"), "--id", "a", "-o", str(draft))
    assert code == 2 and "exists" in stderr and "Traceback" not in stderr
    code, _, stderr = run("new", "--id", "a", "-o", str(tmp_path / "other.yaml"))
    assert code == 2 and "--source" in stderr


def test_assumptions_json_lists_groups_with_swings_and_indicators() -> None:
    import json

    code, stdout, stderr = run("assumptions", "--json")
    assert code == 0, stderr
    data = json.loads(stdout)
    items = data["items"]
    assert items and {"assumption", "claim"} <= {i["kind"] for i in items}
    swings = [i["max_swing"] for i in items]
    assert swings == sorted(swings, reverse=True)
    assert all(i["indicator"] for i in items[:10])
    code, stdout, _ = run("assumptions", "--top", "3")
    assert code == 0 and "key assumptions" in stdout


def test_sources_influence_ranks_sources() -> None:
    import json

    code, stdout, stderr = run("sources", "influence", "--json")
    assert code == 0, stderr
    data = json.loads(stdout)
    influence = [s["influence"] for s in data["sources"]]
    assert influence == sorted(influence, reverse=True)
    assert data["sources"][0]["source"] == "kazakov-column"
    assert "link" in data["without"] and "uniform" not in json.dumps(data["without"])
    column = data["sources"][0]
    entry = next(w for w in column["swings"] if w["outcome"] == "belarus_entry")
    assert entry["low"] < entry["baseline"] < entry["high"] < 0.5
    assert column["disagreements"] == []


def test_forecast_with_overlay_and_pool(tmp_path: Path) -> None:
    import json

    hawk = tmp_path / "hawk.yaml"
    hawk.write_text(
        "analyst: hawk\nparameters:\n"
        '  belarus_entry.logistic.intercept: {value: -3.5, reason: "cannot refuse"}\n',
        encoding="utf-8",
    )
    dove = tmp_path / "dove.yaml"
    dove.write_text(
        "analyst: dove\nparameters:\n"
        '  belarus_entry.logistic.intercept: {value: -6.0, reason: "will not go"}\n',
        encoding="utf-8",
    )
    code, stdout, _ = run("forecast", "--argument-only", "--json")
    base = json.loads(stdout)["outcomes"]["belarus_entry"]["entered"]
    code, stdout, stderr = run("forecast", "--overlay", str(hawk), "--json")
    assert code == 0, stderr
    raised = json.loads(stdout)["outcomes"]["belarus_entry"]["entered"]
    assert raised > base
    code, stdout, stderr = run("forecast", "--overlay", str(hawk), "--overlay", str(dove))
    assert code == 0, stderr
    assert f"with the analysts' numbers of: {hawk}, {dove}" in stdout
    code, stdout, stderr = run("pool", "belarus-second-front", str(hawk), str(dove), "--json")
    assert code == 0, stderr
    entry = next(o for o in json.loads(stdout)["outcomes"] if o["outcome"] == "belarus_entry")
    assert entry["analysts"][0] == pytest.approx(raised)
    assert (
        min(entry["analysts"]) <= entry["logarithmic"] <= entry["linear"] <= max(entry["analysts"])
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("parameters:\n  nope.table: {p: [0.5, 0.5], reason: x}\n", encoding="utf-8")
    code, _, stderr = run("forecast", "--overlay", str(bad))
    assert code == 2 and stderr.startswith(f"{bad}:2:3: error: unknown parameter")


def test_compare_and_argdown_export(tmp_path: Path) -> None:
    import json

    code, stdout, stderr = run("compare", "belarus-second-front", "isw-belarus-restraint", "--json")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["outcomes"][0]["outcome"] == "belarus_entry"
    assert data["indicators"][0]["jeffreys"] > 0
    code, stdout, _ = run("compare", "belarus-second-front", "isw-belarus-restraint")
    assert code == 0 and "decide between them" in stdout
    target = tmp_path / "map.argdown"
    code, _, stderr = run(
        "export", "isw-belarus-restraint", "--format", "argdown", "-o", str(target)
    )
    assert code == 0, stderr
    draft = tmp_path / "draft.yaml"
    code, _, stderr = run("new", "--from-argdown", str(target), "-o", str(draft))
    assert code == 0, stderr
    code, stdout, _ = run("check", str(draft))
    # The exported map carries the whole model: it comes back a model, not a draft.
    assert code == 0 and stdout.startswith("ok: isw-belarus-restraint"), stdout


def test_sources_verify_counts_only_the_passages_of_that_source(tmp_path: Path) -> None:
    source = tmp_path / "en.txt"
    shutil.copy(HELDOUT / "en.txt", source)
    draft = tmp_path / "draft.yaml"
    assert run("new", "--source", str(source), "--id", "note", "-o", str(draft))[0] == 0
    text = draft.read_text(encoding="utf-8")
    text = text.replace(
        "not_modelled:\n",
        'not_modelled:\n  - {locator: P40.S1, source: other, reason: "another text"}\n',
    )
    text = text.replace(
        "sources:\n",
        'sources:\n  - {id: other, author: B, title: T, date: "2024", kind: report, grading: B2}\n',
    )
    draft.write_text(text, encoding="utf-8")
    code, stdout, stderr = run(
        "sources", "verify", str(source), "--model", str(draft), "--source", "note"
    )
    assert code == 0, stderr
    assert "6 locators" in stdout  # P40.S1 belongs to the other source


def test_sources_verify_fails_on_a_moved_changed_or_uncited_sentence(tmp_path: Path) -> None:
    source = tmp_path / "en.txt"
    shutil.copy(HELDOUT / "en.txt", source)
    original = source.read_text(encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    assert run("new", "--source", str(source), "--id", "note", "-o", str(draft))[0] == 0
    # A fresh draft stores the fingerprint of every sentence it cites or leaves out.
    code, stdout, stderr = run("sources", "verify", str(source), "--model", str(draft))
    assert code == 0 and "each cited or listed in not_modelled" in stdout
    assert "fingerprint" not in stderr
    text = draft.read_text(encoding="utf-8")
    bare = tmp_path / "bare.yaml"
    bare.write_text(re.sub(r'\n    fingerprint: "[0-9a-f]+"', "", text), encoding="utf-8")
    code, _, stderr = run("sources", "verify", str(source), "--model", str(bare))
    # Without fingerprints it passes, and says which fingerprint to store for each.
    assert code == 0 and "add 'fingerprint: " in stderr
    # A sentence inserted at the start of paragraph 2 shifts the paragraph's locators;
    # a changed word in paragraph 4 changes a sentence.
    lines = original.splitlines()
    lines[2] = "A sentence no claim cites. " + lines[2]
    source.write_text("\n".join(lines).replace("visible preparation", "open preparation"))
    code, _, stderr = run("sources", "verify", str(source), "--model", str(draft))
    assert code == 2
    assert "the sentence of P2.S1 moved: it is now P2.S2" in stderr
    assert "the sentence of P2.S2 moved: it is now P2.S3" in stderr
    assert "the sentence of P4.S1 changed or was removed" in stderr
    assert "sentence P2.S1 is neither cited by a claim nor listed in not_modelled" in stderr
