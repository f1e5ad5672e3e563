"""Commands for an analyst's own argument: new, check of a draft, and the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

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
    assert code == 0 and "draft: 22 items left" in stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 22 and all(f"{draft}:" in ln and ": warning: " in ln for ln in lines)
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
