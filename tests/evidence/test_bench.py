"""The ingest benchmark runs end to end at a tiny size (``--quick``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_ingest.py"


def test_bench_ingest_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_ingest", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(["--quick", "--json", str(tmp_path / "r.json")])
    assert result["counts"]["read"] == 20_000
    # Both sides apply the same GDELT rules, so they find the same observations.
    assert result["observations"] == result["baseline_observations"] > 0
    assert (tmp_path / "r.json").exists()
    assert "speed-up" in capsys.readouterr().out
