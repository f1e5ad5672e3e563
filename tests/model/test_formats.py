"""Loading by suffix and by name; companion data files are not models."""

from __future__ import annotations

from pathlib import Path

import pytest

import secondfront as sf
from secondfront.errors import UsageError
from secondfront.model.formats import available_models, format_for, resolve_model
from tests.conftest import ASIA_BIF

SPEC = """\
model: {name: tiny, title: t, horizon: h}
variables:
  - {name: x, label: x, states: [a, b], table: {p: [0.5, 0.5], assumption: even}}
"""


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("m.yaml", "spec"),
        ("m.YML", "spec"),
        ("m.bif", "bif"),
        ("m.bif.gz", "bif"),
        ("m.xml", "xmlbif"),
        ("m.bifxml", "xmlbif"),
    ],
)
def test_format_by_suffix(name: str, fmt: str) -> None:
    assert format_for(Path(name)).name == fmt


def test_unknown_suffix_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown model format"):
        format_for(Path("m.txt"))


def test_models_by_name_skip_companion_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tiny.yaml").write_text(SPEC)
    (tmp_path / "asia.bif").write_text(ASIA_BIF)
    (tmp_path / "tiny.mapping.yaml").write_text("rules: []\n")
    (tmp_path / "society.yaml").write_text("agents: 100\n")
    monkeypatch.setenv("SECONDFRONT_MODELS", str(tmp_path))
    found = available_models()
    assert found["tiny"] == tmp_path / "tiny.yaml"
    assert found["asia"] == tmp_path / "asia.bif"
    assert "tiny.mapping" not in found and "society" not in found
    assert len(sf.load("tiny")) == 1
    with pytest.raises(UsageError, match=r"models available: .*tiny"):
        resolve_model("nothing-here")


def test_flagship_claims_say_why_they_are_graded_and_sources_have_urls() -> None:
    from tests.conftest import FLAGSHIP

    spec = sf.load(FLAGSHIP).spec
    assert all(c.note for c in spec.claims)
    external = [s for s in spec.sources if s.id != "kazakov-column"]
    assert sum(1 for s in external if s.url) >= len(external) // 2
    assert all("(" not in (s.url or "") for s in spec.sources)
