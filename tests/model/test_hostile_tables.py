"""Tables too large to build are refused from an estimate, before any allocation.

A noisy-OR, noisy-MAX or logistic form with dozens of parents is a few lines of YAML
but a table of 2^(parents + 1) entries. ``secondfront check`` allocated 3-4 GB for 34-40
parents; now it names the variable, the estimate and the setting that raises the limit.
The full-size cases run in a child process under an address-space limit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from secondfront.errors import SpecError, UsageError
from secondfront.model.limits import LIMITS, human_bytes, table_entries, table_size_problem
from secondfront.model.parametric import logistic_cpt, noisy_max_cpt, noisy_or_cpt
from secondfront.model.scenario import load_spec_text
from tests.hostile import assert_located, run_limited, wide_spec

FORMS = ["noisy_or", "noisy_max", "logistic"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("parents", [34, 40])
def test_check_refuses_a_wide_form_within_a_memory_limit(
    form: str, parents: int, tmp_path: Path
) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(wide_spec(form, parents))
    done = run_limited(["check", str(path)], timeout=60)
    assert done.returncode == 2, done.stderr
    entries = 2 ** (parents + 1)
    m = assert_located(
        done.stderr,
        path,
        rf"c: its table would have {entries:,} entries \({entries // 2:,} parent "
        rf"configurations x 2 states, {human_bytes(8 * entries)}\), over the limit of "
        r"8,388,608 entries; use fewer parents or states \(set SECONDFRONT_MAX_TABLE_ENTRIES",
    )
    # At the variable's 'parents' list, on the last line of the file.
    assert int(m.group(1)) == path.read_text().count("\n")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("form", FORMS)
def test_the_estimate_is_exact_at_the_limit(form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """10 binary parents and a binary child: 2,048 entries, accepted at a limit of 2,048."""
    monkeypatch.setenv("SECONDFRONT_MAX_TABLE_ENTRIES", "2048")
    net = load_spec_text(wide_spec(form, 10), "ten.yaml")
    assert net.cpts["c"].size == 2048
    with pytest.raises(SpecError, match=r"ten\.yaml:\d+:\d+: error: c: its table would have 4,096"):
        load_spec_text(wide_spec(form, 11), "ten.yaml")


def test_parametric_functions_refuse_before_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECONDFRONT_MAX_TABLE_ENTRIES", "1000")
    links = [np.array([0.0, 0.5])] * 10  # 2 ** 10 configurations x 2 states
    with pytest.raises(UsageError, match=r"10 parents: its table would have 2,048 entries"):
        noisy_or_cpt(0.1, links)
    with pytest.raises(UsageError, match="SECONDFRONT_MAX_TABLE_ENTRIES"):
        noisy_max_cpt([0.9, 0.1], [np.array([[1.0, 0.0], [0.5, 0.5]])] * 10)
    with pytest.raises(UsageError, match="2,048 entries"):
        logistic_cpt(0.0, [1.0] * 10, [np.array([0.0, 1.0])] * 10, [0.0])
    assert noisy_or_cpt(0.1, links[:8]).shape == (2,) * 9  # 512 entries: within the limit


def test_entries_are_exact_integers_whatever_the_size() -> None:
    assert table_entries([2] * 100, 3) == 3 * 2**100
    assert table_size_problem([2] * 10, 2) is None
    assert "1,267,650,600,228,229,401,496,703,205,376 entries" in str(
        table_size_problem([2] * 100, 1)
    )


def test_every_limit_is_documented_and_overridable() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for row in LIMITS:
        assert row.env.startswith("SECONDFRONT_") and row.help.endswith("."), row
        assert f"`{row.env}`" in readme, f"{row.env} is not in the README's table of limits"
        assert row.value({row.env: "12_345"}) == 12345
        assert row.value({}) == row.default
        with pytest.raises(UsageError, match=rf"{row.env}='-1' must be a positive whole number"):
            row.value({row.env: "-1"})
