"""Arguments weighed against each other in the workbench: Compare, overlays, pooling."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from secondfront.analysis.compare import compare
from secondfront.analysis.overlay import apply_overlay, parse_overlay
from secondfront.inference.query import infer
from secondfront.service import Settings, create_app
from secondfront.service.catalog import ModelCatalog
from tests.service.test_service_api import MODEL, assert_error_shape

SECOND = "isw-belarus-restraint"
FIXTURES = Path(__file__).resolve().parents[1] / "model" / "fixtures"


def _kl(p: float, q: float) -> float:
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


# -- Compare --------------------------------------------------------------------------


def test_compare_gives_each_models_own_forecast_per_shared_outcome(client: TestClient) -> None:
    r = client.get("/api/compare", params={"a": MODEL, "b": SECOND})
    assert r.status_code == 200, r.text
    c = r.json()
    assert (c["model_a"], c["model_b"]) == (MODEL, SECOND)
    # The route renders the library's result, the one `secondfront compare --json` prints.
    catalog = ModelCatalog(None)
    direct = compare(catalog.load(MODEL), catalog.load(SECOND)).as_json()
    assert c == json.loads(json.dumps(direct))
    assert c["outcomes"] and c["outcomes"][0]["outcome"] == "belarus_entry"
    # Each side is that model's own forecast, as the forecast route gives it.
    fa = client.post(f"/api/models/{MODEL}/forecast", json={}).json()["outcomes"]
    fb = client.post(f"/api/models/{SECOND}/forecast", json={}).json()["outcomes"]
    pa = {o["variable"]: o["probability"] for o in fa}
    pb = {o["variable"]: o["probability"] for o in fb}
    for o in c["outcomes"]:
        assert o["p_a"] == pytest.approx(pa[o["outcome"]], abs=1e-9)
        assert o["p_b"] == pytest.approx(pb[o["outcome"]], abs=1e-9)
        assert o["difference"] == pytest.approx(o["p_a"] - o["p_b"])
    assert set(c["only_a"]) == set(pa) - {o["outcome"] for o in c["outcomes"]}
    for key in ("variables", "parameters", "tables"):
        d = [row["distance"] for row in c[key]]
        assert d == sorted(d, reverse=True) and d[0] > 0, key


def test_compare_ranks_indicators_by_expected_log_bayes_factor(client: TestClient) -> None:
    c = client.get("/api/compare", params={"a": MODEL, "b": SECOND}).json()
    rows = c["indicators"]
    assert len(rows) >= 5
    assert [r["jeffreys"] for r in rows] == sorted((r["jeffreys"] for r in rows), reverse=True)
    top = rows[0]
    # Closed forms from the two sighting probabilities.
    assert top["bf_if_seen"] == pytest.approx(top["p_a"] / top["p_b"])
    assert top["bf_if_not_seen"] == pytest.approx((1 - top["p_a"]) / (1 - top["p_b"]))
    assert top["expected_log_bf_a"] == pytest.approx(_kl(top["p_a"], top["p_b"]))
    assert top["expected_log_bf_b"] == pytest.approx(_kl(top["p_b"], top["p_a"]))
    assert top["favours_if_seen"] == ("A" if top["p_a"] > top["p_b"] else "B")
    # P(seen) and what each model says if seen are the models' own posteriors.
    name = top["indicator"]
    for model, side in ((MODEL, "a"), (SECOND, "b")):
        m = client.post(f"/api/models/{model}/marginals", json={}).json()["marginals"]
        assert top[f"p_{side}"] == pytest.approx(m[name]["present"], abs=1e-9)
        seen = client.post(
            f"/api/models/{model}/forecast", json={"evidence": {name: "present"}}
        ).json()
        p = {o["variable"]: o["probability"] for o in seen["outcomes"]}
        assert top[f"{side}_if_seen"] == pytest.approx(p[top["outcome"]], abs=1e-9)


def test_compare_with_shared_evidence_moves_both(client: TestClient) -> None:
    base = client.get("/api/compare", params={"a": MODEL, "b": SECOND}).json()
    seen = client.get(
        "/api/compare",
        params={"a": MODEL, "b": SECOND, "evidence": "troops_toward_southern_border=present"},
    ).json()
    assert seen["outcomes"][0]["p_a"] > base["outcomes"][0]["p_a"]
    assert seen["outcomes"][0]["p_b"] > base["outcomes"][0]["p_b"]
    assert "troops_toward_southern_border" not in {r["indicator"] for r in seen["indicators"]}


def test_compare_refuses_bad_requests_in_the_one_error_shape(client: TestClient) -> None:
    """Compared: a path in place of a name is refused exactly as a plain bad name is."""
    assert_error_shape(client.get("/api/compare", params={"a": MODEL}), 422)
    assert_error_shape(client.get("/api/compare", params={"a": MODEL, "b": "no-such"}), 404)
    path = client.get("/api/compare", params={"a": "../etc/passwd", "b": MODEL})
    assert_error_shape(path, 422)
    plain = client.get("/api/compare", params={"a": "-etc-passwd", "b": MODEL})
    assert path.json() == plain.json()
    r = client.get("/api/compare", params={"a": MODEL, "b": SECOND, "evidence": "nope=x"})
    assert_error_shape(r, 400)
    assert "both models must have it" in r.json()["error"]


@pytest.fixture
def odd_folder(tmp_path: Path) -> TestClient:
    """A model folder with the flagship, a small unrelated spec and a bare network."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(ModelCatalog(None).path(MODEL), folder)
    shutil.copy(FIXTURES / "valid_small.yaml", folder)
    shutil.copy(FIXTURES / "bif" / "valid_sprinkler.bif", folder)
    app = create_app(Settings(workbench_db=tmp_path / "w.sqlite3", models_dir=folder))
    return TestClient(app, base_url="http://127.0.0.1")


def test_compare_page_shows_both_forecasts_and_what_decides(client: TestClient) -> None:
    r = client.get("/compare")  # defaults: the flagship and the second argument
    assert r.status_code == 200, r.text
    html = r.text
    c = client.get("/api/compare", params={"a": MODEL, "b": SECOND}).json()
    first = c["outcomes"][0]
    assert f'data-p="{first["p_a"]:.6f}"' in html and f'data-p="{first["p_b"]:.6f}"' in html
    assert f'data-indicator="{c["indicators"][0]["indicator"]}"' in html
    assert 'href="/compare?a=' in html and 'class="on">Compare' in html
    assert 'href="/compare?a=' in client.get(f"/models/{MODEL}").text  # in the navigation
    swapped = client.get("/compare", params={"a": SECOND}).text  # B defaults to the flagship
    assert f'<option value="{MODEL}" selected>' in swapped.split('id="compare-b"')[1]


def test_compare_page_says_why_models_cannot_be_compared(odd_folder: TestClient) -> None:
    for other, why in (("valid_small", "share no outcome"), ("valid_sprinkler", "bare")):
        r = odd_folder.get("/compare", params={"a": MODEL, "b": other})
        assert r.status_code == 422 and 'id="compare-problem"' in r.text and why in r.text
        assert_error_shape(odd_folder.get("/api/compare", params={"a": MODEL, "b": other}), 400)


# -- overlays -------------------------------------------------------------------------

EDITS = {
    "belarus_entry.logistic.intercept": {"value": -3.5, "reason": "entry is nearer than argued"},
    "anti_war_sentiment.table": {"value": [0.2, 0.3, 0.5], "reason": "polls since 2023"},
}


def test_overlay_parameters_list_what_an_overlay_can_set(client: TestClient) -> None:
    params = client.get(f"/api/models/{MODEL}/parameters").json()
    by_path = {p["path"]: p for p in params}
    assert set(EDITS) <= set(by_path)
    assert by_path["belarus_entry.logistic.intercept"]["kind"] == "real"
    assert by_path["anti_war_sentiment.table"]["kind"] == "distribution"
    assert math.isclose(sum(by_path["anti_war_sentiment.table"]["value"]), 1.0)


def test_overlay_route_writes_a_file_the_model_reads_back(client: TestClient) -> None:
    body = {"analyst": "A. Analyst", "weight": 2, "parameters": EDITS}
    r = client.post(f"/api/models/{MODEL}/overlay", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["filename"] == f"{MODEL}.overlay.yaml" and out["parameters"] == 2
    data = yaml.safe_load(out["text"])
    assert data["model"] == MODEL and data["analyst"] == "A. Analyst" and data["weight"] == 2
    m = ModelCatalog(None).load(MODEL)
    ov = parse_overlay(out["text"], m)
    assert {v.path: (v.value, v.reason) for v in ov.values} == {
        "belarus_entry.logistic.intercept": (-3.5, "entry is nearer than argued"),
        "anti_war_sentiment.table": ((0.2, 0.3, 0.5), "polls since 2023"),
    }
    # Applied, the analyst's numbers move the forecast: the intercept was raised.
    base = infer(m)["belarus_entry"]["entered"]
    assert infer(apply_overlay(m, ov))["belarus_entry"]["entered"] > base


def test_overlay_route_locates_each_problem_in_the_body(client: TestClient) -> None:
    body = {
        "analyst": "B",
        "parameters": {
            "belarus_entry.logistic.interept": {"value": -4, "reason": "typo"},
            "anti_war_sentiment.table": {"value": [0.2, 0.3, 0.6], "reason": "sums to 1.1"},
            "kremlin_pressure.noisy_or.leak": {"value": 1.5, "reason": "out of range"},
        },
    }
    r = client.post(f"/api/models/{MODEL}/overlay", json=body)
    assert_error_shape(r, 422)
    errors = r.json()["errors"]
    assert len(errors) == 3, errors
    by_field = {e.split(": ", 1)[0]: e for e in errors}
    typo = by_field["body.parameters.belarus_entry.logistic.interept"]
    assert "did you mean 'belarus_entry.logistic.intercept'" in typo
    assert "sum to 1" in by_field["body.parameters.anti_war_sentiment.table"]
    assert "[0, 1]" in by_field["body.parameters.kremlin_pressure.noisy_or.leak"]
    # Declared bounds: an empty reason, no parameters, an unknown key, a NaN.
    for bad, field in (
        ({"analyst": "C", "parameters": {"x.table": {"value": 0.1, "reason": ""}}}, "reason"),
        ({"analyst": "C", "parameters": {}}, "body.parameters"),
        ({"analyst": "C", "parameters": EDITS, "path": "/etc/passwd"}, "body.path"),
    ):
        r = client.post(f"/api/models/{MODEL}/overlay", json=bad)
        assert_error_shape(r, 422)
        assert field in r.json()["error"], r.json()
    nan = b'{"analyst": "C", "parameters": {"a.table": {"value": NaN, "reason": "r"}}}'
    r = client.post(
        f"/api/models/{MODEL}/overlay", content=nan, headers={"content-type": "application/json"}
    )
    assert_error_shape(r, 422)
    assert_error_shape(client.post("/api/models/no-such/overlay", json=body), 404)


def test_overlay_bodies_are_bounded_by_the_size_limit(tmp_path: Path) -> None:
    app = create_app(Settings(workbench_db=tmp_path / "s.sqlite3", max_body_bytes=2048))
    c = TestClient(app, base_url="http://127.0.0.1")
    edits = {f"v{i}.table": {"value": 0.5, "reason": "r" * 40} for i in range(60)}
    assert_error_shape(
        c.post(f"/api/models/{MODEL}/overlay", json={"analyst": "A", "parameters": edits}), 413
    )
    assert_error_shape(c.post(f"/api/models/{MODEL}/pool", json={"overlays": ["x" * 4000]}), 413)


# -- pooling --------------------------------------------------------------------------


def _overlay(client: TestClient, analyst: str, intercept: float, weight: float = 1) -> str:
    body = {
        "analyst": analyst,
        "weight": weight,
        "parameters": {"belarus_entry.logistic.intercept": {"value": intercept, "reason": "r"}},
    }
    r = client.post(f"/api/models/{MODEL}/overlay", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["text"])


def test_pool_route_pools_linearly_and_logarithmically(client: TestClient) -> None:
    texts = [_overlay(client, "low", -6.0, 3), _overlay(client, "high", -2.0, 1)]
    r = client.post(f"/api/models/{MODEL}/pool", json={"overlays": texts})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["analysts"] == ["low", "high"] and p["weights"] == pytest.approx([0.75, 0.25])
    assert set(p["pooling"]) == {"linear", "logarithmic"}
    entry = next(o for o in p["outcomes"] if o["outcome"] == "belarus_entry")
    low, high = entry["analysts"]
    assert low < entry["model"] < high  # the model's own intercept lies between
    # Each analyst's number is the forecast of the model with that overlay applied.
    m = ModelCatalog(None).load(MODEL)
    for text, got in zip(texts, entry["analysts"], strict=True):
        want = infer(apply_overlay(m, parse_overlay(text, m)))["belarus_entry"]["entered"]
        assert got == pytest.approx(want, abs=1e-9)
    assert entry["linear"] == pytest.approx(0.75 * low + 0.25 * high)
    # Binary outcome: the log pool is the weighted geometric mean, renormalised.
    g1, g0 = low**0.75 * high**0.25, (1 - low) ** 0.75 * (1 - high) ** 0.25
    assert entry["logarithmic"] == pytest.approx(g1 / (g1 + g0))
    assert entry["spread"] == pytest.approx(high - low)
    d = p["disputed"]["belarus_entry.logistic.intercept"]
    assert d["analysts"] == {"low": -6.0, "high": -2.0} and d["reasons"]["low"] == "r"


def test_pool_route_locates_problems_in_each_overlay(client: TestClient) -> None:
    good = _overlay(client, "a", -4.0)
    bad = good.replace("belarus_entry.logistic.intercept", "belarus_entry.logistic.nope")
    r = client.post(f"/api/models/{MODEL}/pool", json={"overlays": [good, bad, "a: ["]})
    assert_error_shape(r, 422)
    errors = r.json()["errors"]
    assert any(e.startswith("overlay 2:6:") and "unknown parameter" in e for e in errors), errors
    assert any(e.startswith("overlay 3:") and "YAML" in e for e in errors), errors
    assert_error_shape(client.post(f"/api/models/{MODEL}/pool", json={"overlays": []}), 422)
    many = {"overlays": [good] * 21}
    assert_error_shape(client.post(f"/api/models/{MODEL}/pool", json=many), 422)
