"""The Questions routes: forecasts over time, scores once resolved, the reliability bins.

The page and the API render :func:`secondfront.forecasting.questions_view.questions_view`;
these tests check that what they answer is what the forecasting functions compute
(``questions forecast`` and ``questions score``), that the scores are the closed forms
of each forecast and outcome, that recorded revisions become the history line, and
that a missing questions file or store is an empty state.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from secondfront.evidence import connect
from secondfront.evidence.coverage import coverage_for_store
from secondfront.evidence.mapping import load_rules
from secondfront.evidence.rulesfile import beside_model
from secondfront.forecasting import forecast_all, load_questions, record
from secondfront.forecasting.scoring import LOG_CLIP
from secondfront.service import Settings, create_app
from secondfront.timeline.chain import load_timeline

MODEL = "belarus-second-front"
QUESTIONS = beside_model(MODEL, "questions")
LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def questions_client(
    events_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app on the shipped history; module-wide, so the view is computed once."""
    tmp = tmp_path_factory.mktemp("questions")
    settings = Settings(workbench_db=tmp / "w.sqlite3", events_db=events_store)
    with TestClient(create_app(settings), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def questions_json(questions_client: TestClient) -> dict:  # type: ignore[type-arg]
    r = questions_client.get(f"/api/models/{MODEL}/questions")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_questions_are_those_of_the_file_forecast_as_the_library_does(
    questions_json: dict,  # type: ignore[type-arg]
    events_store: Path,
) -> None:
    data = questions_json
    assert data["status"] == "ok" and data["reason"] == ""
    assert data["file"] == QUESTIONS.name and data["store"] == events_store.name
    qs = load_questions(QUESTIONS)
    assert [q["id"] for q in data["questions"]] == [q.id for q in qs.questions]
    # The same numbers as `questions forecast` (refitted up to each asked day).
    con = connect(events_store, create=False)
    try:
        tm = load_timeline(beside_model(MODEL, "timeline"), qs.model)
        rules = load_rules(beside_model(MODEL, "mapping"), qs.model)
        expected = forecast_all(tm, qs, con, rules, coverage_for_store(con), refit=True)
    finally:
        con.close()
    for q, f in zip(data["questions"], expected, strict=True):
        assert q["p"] == pytest.approx(f.p, abs=1e-12)
        assert q["in_sample"] is f.parameters.in_sample
        # No revision recorded in this store: one point, the forecast as of the asked day.
        assert q["history_source"] == "asked"
        assert q["history"] == [
            {
                "as_of": q["asked"],
                "p": q["p"],
                "revision": None,
                "recorded_at": None,
                "change": None,
                "new_evidence": None,
                "parameter_edits": None,
                "structure_changes": None,
            }
        ]


def test_scores_are_the_closed_forms_of_forecast_and_outcome(
    questions_json: dict,  # type: ignore[type-arg]
) -> None:
    data = questions_json
    scores = data["scores"]
    resolved = [q for q in data["questions"] if q["outcome"] is not None]
    assert scores["n"] == len(resolved) >= 20
    assert 1 <= scores["independent"] <= scores["n"]
    for q in resolved:
        # From the unrounded forecast; the score card rounds scores to 6 decimals.
        y = 1.0 if q["outcome"] else 0.0
        p = q["p"]
        assert q["brier"] == pytest.approx((p - y) ** 2, abs=1e-6)
        clipped = min(max(p, LOG_CLIP), 1 - LOG_CLIP)
        log = -math.log(clipped if q["outcome"] else 1 - clipped)
        assert q["log"] == pytest.approx(log, abs=1e-6)
    for q in data["questions"]:
        if q["outcome"] is None:
            assert q["brier"] is None and q["log"] is None and q["id"] in scores["unresolved"]
    mean_brier = sum(q["brier"] for q in resolved) / len(resolved)
    assert scores["mean"]["brier"] == pytest.approx(mean_brier, abs=1e-5)
    assert {"always_no", "climatology", "persistence", "base_rate"} <= set(scores["baselines"])
    # always-no: Brier is the share of yes answers.
    share = sum(q["outcome"] for q in resolved) / len(resolved)
    assert scores["baselines"]["always_no"]["brier"] == pytest.approx(share, abs=1e-5)
    # The reliability diagram's bins hold every scored question once, at its mean.
    bins = scores["bins"]
    assert sum(b["n"] for b in bins) == scores["n"]
    for b in bins:
        inside = [
            q for q in resolved if b["lo"] <= q["p"] < b["hi"] or (b["hi"] == 1 and q["p"] == 1)
        ]
        assert len(inside) == b["n"]
        assert b["forecast"] == pytest.approx(sum(q["p"] for q in inside) / b["n"], abs=1e-5)
        assert b["observed"] == pytest.approx(sum(q["outcome"] for q in inside) / b["n"])
    # Murphy: REL - RES + UNC + within-bin = mean Brier (of the unrounded forecasts).
    total = (
        scores["reliability"] - scores["resolution"] + scores["uncertainty"] + scores["within_bin"]
    )
    assert total == pytest.approx(scores["mean"]["brier"], abs=1e-5)


def test_one_question_and_an_unknown_one(
    questions_client: TestClient,
    questions_json: dict,  # type: ignore[type-arg]
) -> None:
    first = questions_json["questions"][0]
    r = questions_client.get(f"/api/models/{MODEL}/questions/{first['id']}")
    assert r.status_code == 200 and r.json() == first
    r = questions_client.get(f"/api/models/{MODEL}/questions/entry-2022-02-01-8x")
    assert r.status_code == 404
    body = r.json()
    assert body["ok"] is False and "entry-2022-02-01-8w" in body["error"]
    r = questions_client.get("/api/models/no-such-model/questions")
    assert r.status_code == 404 and r.json()["ok"] is False


def test_questions_page_lists_questions_scores_and_the_diagram(
    questions_client: TestClient,
    questions_json: dict,  # type: ignore[type-arg]
) -> None:
    html = questions_client.get(f"/models/{MODEL}/questions").text
    assert 'id="questions-chart"' in html and 'id="reliability-chart"' in html
    assert f'href="/models/{MODEL}/questions" class="on"' in html
    for q in questions_json["questions"]:
        assert f'data-id="{q["id"]}"' in html
    assert f"{questions_json['scores']['mean']['brier']:.4f}" in html
    assert 'id="questions-empty"' not in html
    # The badge says in-sample only when every scored forecast is; else how many are.
    scores = questions_json["scores"]
    k, n = scores["in_sample_questions"], scores["n"]
    if scores["in_sample"]:
        assert k == n and '"questions-in-sample">in-sample</span>' in html
    elif k:
        assert f"in-sample: {k} of {n}" in html and 'class="badge alert"' not in html
    else:
        assert 'id="questions-in-sample"' not in html


def test_recorded_revisions_are_the_history_line(events_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    shutil.copyfile(events_store, db)
    qs = load_questions(QUESTIONS)
    con = connect(db, create=False)
    try:
        tm = load_timeline(beside_model(MODEL, "timeline"), qs.model)
        rules = load_rules(beside_model(MODEL, "mapping"), qs.model)
        cov = coverage_for_store(con)
        days = (dt.date(2022, 1, 20), dt.date(2022, 2, 20))
        recorded = []
        for day in days:
            fs = forecast_all(tm, qs, con, rules, cov, as_of=day, refit=False)
            record(con, fs, str(QUESTIONS), now=dt.datetime(2026, 1, 1))
            recorded.append({f.id: f.p for f in fs})
    finally:
        con.close()
    settings = Settings(workbench_db=tmp_path / "w.sqlite3", events_db=db)
    with TestClient(create_app(settings), base_url=LOCAL) as c:
        data = c.get(f"/api/models/{MODEL}/questions").json()
    assert data["status"] == "ok"
    for q in data["questions"]:
        assert q["history_source"] == "ledger"
        assert [h["as_of"] for h in q["history"]] == [d.isoformat() for d in days]
        assert [h["revision"] for h in q["history"]] == [1, 2]
        for h, seen in zip(q["history"], recorded, strict=True):
            assert h["p"] == pytest.approx(seen[q["id"]], abs=1e-12)
        second = q["history"][1]
        assert second["change"] == pytest.approx(second["p"] - q["history"][0]["p"], abs=1e-9)
        # Same model and parameters: the whole change is new evidence (and time passed).
        assert second["new_evidence"] == pytest.approx(second["change"], abs=1e-9)


def test_no_store_is_an_empty_state_and_leaves_no_file(
    client: TestClient, settings: Settings
) -> None:
    r = client.get(f"/api/models/{MODEL}/questions")
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "no_store" and data["questions"] == [] and data["scores"] is None
    assert settings.events_db.name in data["reason"]
    html = client.get(f"/models/{MODEL}/questions").text
    assert 'id="questions-empty"' in html and "secondfront ingest" in html
    assert not settings.events_db.exists()


def test_a_model_without_questions_is_an_empty_state(questions_client: TestClient) -> None:
    data = questions_client.get("/api/models/isw-belarus-restraint/questions").json()
    assert data["status"] == "no_questions"
    assert "isw-belarus-restraint.questions.yaml" in data["reason"]
    html = questions_client.get("/models/isw-belarus-restraint/questions").text
    assert 'id="questions-empty"' in html and "questions file" in html
