"""An analysis a model cannot support says why in one sentence, the same everywhere.

The report, the workbench's JSON API and its What-if page each show the reason an
analysis is not available (a bare network states no priors; a model without
indicators has no watchlist); the sentence comes from
:func:`secondfront.analysis.availability.unavailable`, so the three read alike.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from secondfront.analysis.availability import unavailable
from secondfront.analysis.report_data import report_data
from secondfront.model.formats import load
from secondfront.service import Settings, create_app

SMALL = Path(__file__).resolve().parents[1] / "model" / "fixtures" / "valid_small.yaml"
BARE = "not available for asia: a bare bif network states no priors"


def _client(folder: Path) -> TestClient:
    app = create_app(Settings(workbench_db=folder / "x.sqlite3", models_dir=folder))
    return TestClient(app, base_url="http://127.0.0.1")


def test_a_bare_network_reads_one_sentence_in_the_api_the_page_and_the_report(
    asia_bif: Path,
) -> None:
    client = _client(asia_bif.parent)
    assert client.get("/api/models/asia/sensitivity").json()["reason"] == BARE
    forecast = client.post("/api/models/asia/forecast", json={"uncertainty": True}).json()
    assert forecast["uncertainty"]["reason"] == BARE
    # The What-if page said "not available for asia: no priors" before.
    page = client.get("/models/asia/whatif").text
    assert f"{BARE}." in page and "asia: no priors" not in page
    reasons = report_data(load(str(asia_bif)), samples=0).reasons
    assert reasons["uncertainty"] == reasons["sensitivity"] == BARE
    assert reasons["key_assumptions"] == (
        "not available for asia: a bare bif network states no assumptions or claims"
    )
    assert (
        reasons["source_influence"] == "not available for asia: a bare bif network cites no sources"
    )
    assert "watchlist" not in reasons  # a bare network's leaves are its indicators


def test_a_model_without_indicators_reads_one_sentence_for_its_watchlist(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8")
    start, end = text.index("indicators:\n"), text.index("outcomes:\n")
    path = tmp_path / "no-indicators.yaml"
    path.write_text(text[:start] + "indicators: []\n" + text[end:], encoding="utf-8")
    m = load(str(path))
    expected = f"not available for {m.name}: it has no indicators"
    assert unavailable(m, "watchlist") == expected
    assert unavailable(m, "uncertainty") is None
    # The API said "NAME has no indicators" before; the report said the sentence above.
    served = _client(tmp_path).get(f"/api/models/{path.stem}/watchlist").json()
    assert served["available"] is False and served["reason"] == expected
    assert report_data(m, samples=0).reasons == {
        "watchlist": expected,
        # A model file alone, without its time model, mapping rules and questions beside
        # it, has no dated forecast and no track record either.
        "outlook": "the dated forecast needs the model's time model and mapping rules",
        "track_record": "no no-indicators.questions.yaml beside the model: no resolved questions",
    }
