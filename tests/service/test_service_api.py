"""The workbench's JSON API, its safety defaults and its one error shape."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from secondfront.errors import UsageError
from secondfront.service import SETTINGS, Settings, api, create_app, pages
from secondfront.service.settings import is_loopback
from tests.conftest import HISTORY_EVENTS, HISTORY_SPAN

MODEL = "belarus-second-front"
TOKEN = "s3cret-token-for-tests-0123456789"


def assert_error_shape(response, status: int) -> None:  # type: ignore[no-untyped-def]
    """The one JSON shape every error has."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"}, body
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert body["errors"] and all(isinstance(e, str) and e for e in body["errors"])


# -- the one error shape, over every route --------------------------------------------

BAD_PATH = {
    "model": "no-such-model",
    "variable": "no_such_variable",
    "matrix_id": "999999",
    "item_id": "ind:nothing",
}


def test_every_route_answers_errors_in_one_shape(settings: Settings) -> None:
    app = create_app(settings)
    client = TestClient(app, base_url="http://127.0.0.1")
    # The same route tables the app includes, built again over the app's own state.
    bench = app.state.bench
    routes = [
        r
        for r in (*api.router(bench).routes, *pages.router(bench).routes)
        if isinstance(r, APIRoute)
    ]
    assert len(routes) >= 25
    seen = 0
    for route in routes:
        if not route.param_convertors and route.path in (
            "/",
            "/api/health",
            "/api/models",
            "/api/capabilities",
            "/api/ach",
        ):
            continue  # nothing in the path that can be wrong
        path = route.path
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", BAD_PATH[name])
        for method in (route.methods or set()) - {"HEAD"}:
            body = {"not_a_field": 1} if method in ("POST", "PUT", "PATCH") else None
            r = client.request(method, path, json=body, headers={"accept": "application/json"})
            assert r.status_code in (404, 422), (method, path, r.status_code, r.text)
            assert_error_shape(r, r.status_code)
            seen += 1
    assert seen >= 20
    # Routing, method, validation, guard and library errors: same shape.
    assert_error_shape(client.get("/api/nowhere"), 404)
    assert_error_shape(client.delete("/api/models"), 405)
    assert_error_shape(client.post("/api/ach", json={"model": MODEL, "hypothesis": "nope"}), 422)
    assert_error_shape(
        client.post("/api/ach", content=b"{", headers={"content-type": "application/json"}), 422
    )
    assert_error_shape(
        client.post(
            f"/api/models/{MODEL}/forecast", content=b"x", headers={"content-type": "text/plain"}
        ),
        415,
    )
    assert_error_shape(TestClient(app).get("/api/health"), 403)


# -- models, forecast, marginals, explain, sources ----------------------------------------


def test_models_and_detail(client: TestClient) -> None:
    names = [m["name"] for m in client.get("/api/models").json()]
    assert MODEL in names
    d = client.get(f"/api/models/{MODEL}").json()
    kinds = {n["name"]: n["kind"] for n in d["nodes"]}
    assert kinds["belarus_entry"] == "variable" and kinds["reservist_callups"] == "indicator"
    assert d["outcomes"][0] == "belarus_entry" and d["indicators"] == 20


def test_forecast_moves_with_evidence_and_uses_icd203_words(client: TestClient) -> None:
    base = client.post(f"/api/models/{MODEL}/forecast", json={}).json()
    seen = client.post(
        f"/api/models/{MODEL}/forecast",
        json={
            "evidence": {"troops_toward_southern_border": "present", "reservist_callups": "present"}
        },
    ).json()
    entry0, entry1 = base["outcomes"][0], seen["outcomes"][0]
    assert entry0["variable"] == "belarus_entry" and entry0["state"] == "entered"
    assert entry1["probability"] > 2 * entry0["probability"]
    assert re.fullmatch(r"[a-z ]+ \(\d+–\d+%\)", entry1["term"])
    assert base["uncertainty"] is None  # only when asked for
    do = client.post(
        f"/api/models/{MODEL}/forecast", json={"do": {"belarus_entry": "entered"}}
    ).json()
    assert do["outcomes"][0]["probability"] == pytest.approx(1.0)


def test_report_for_a_scenario_shows_it_and_its_numbers(client: TestClient) -> None:
    evidence = {"troops_toward_southern_border": "present", "reservist_callups": "present"}
    scenario = client.get(
        f"/api/models/{MODEL}/report",
        params=[("format", "html"), *(("evidence", f"{k}={v}") for k, v in evidence.items())],
    )
    assert scenario.status_code == 200, scenario.text
    html = scenario.text
    for k, v in evidence.items():
        assert f"<code>{k}={v}</code>" in html
    # The key judgement carries the scenario's probability, as the forecast gives it.
    p = client.post(f"/api/models/{MODEL}/forecast", json={"evidence": evidence}).json()
    entry = p["outcomes"][0]
    assert f"belarus_entry = entered: {entry['probability'] * 100:.1f}%" in html
    # It links back to the page a scenario is made on; the baseline to the model's page.
    assert f'<a href="/models/{MODEL}/whatif">Back to the workbench</a>' in html
    baseline = client.get(f"/api/models/{MODEL}/report").text
    assert re.search(r"none \(the model(&#39;|')s baseline\)", baseline)
    assert f'<a href="/models/{MODEL}">Back to the workbench</a>' in baseline
    assert 'id="appendix"' not in baseline
    full = client.get(f"/api/models/{MODEL}/report", params={"appendix": "true"}).text
    assert 'id="appendix"' in full and "<h2>Claims</h2>" in full
    assert f"belarus_entry = entered: {entry['probability'] * 100:.1f}%" not in baseline
    forced = client.get(
        f"/api/models/{MODEL}/report", params={"do": "belarus_entry=entered", "format": "pdf"}
    )
    assert forced.status_code == 200 and forced.content.startswith(b"%PDF-")
    assert "belarus-second-front-scenario.pdf" in forced.headers["content-disposition"]


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"evidence": "no_such_variable=present"}, 422, "no_such_variable"),
        ({"evidence": "troops_toward_southern_border=maybe"}, 422, "maybe"),
        ({"evidence": "troops_toward_southern_border"}, 422, "evidence"),
        (
            [
                ("evidence", "troops_toward_southern_border=present"),
                ("evidence", "troops_toward_southern_border=absent"),
            ],
            422,
            "given twice",
        ),
    ],
)
def test_report_refuses_a_bad_scenario_in_the_one_error_shape(
    client: TestClient, params: object, status: int, needle: str
) -> None:
    r = client.get(f"/api/models/{MODEL}/report", params=params)  # type: ignore[arg-type]
    assert_error_shape(r, status)
    assert needle in r.text


def test_forecast_with_uncertainty_is_an_interval_or_an_empty_state(client: TestClient) -> None:
    u = client.post(f"/api/models/{MODEL}/forecast", json={"uncertainty": True}).json()[
        "uncertainty"
    ]
    if u["available"]:
        lo, hi = u["data"]["intervals"]["belarus_entry"]
        assert 0 <= lo <= hi <= 1
    else:
        assert u["reason"].startswith("not available yet") and u["data"] is None


def test_soft_evidence_and_marginals(client: TestClient) -> None:
    r = client.post(
        f"/api/models/{MODEL}/marginals",
        json={"evidence": {"border_incident_blamed_on_ukraine": [0.3, 0.9]}},
    )
    m = r.json()["marginals"]
    assert len(m) == 43 and sum(m["belarus_entry"].values()) == pytest.approx(1.0)


def test_batch_is_bounded_and_matches_single_queries(client: TestClient, tmp_path: Path) -> None:
    rows = [{}, {"reservist_callups": "present"}]
    r = client.post(f"/api/models/{MODEL}/marginals/batch", json={"rows": rows}).json()
    single = client.post(f"/api/models/{MODEL}/marginals", json={"evidence": rows[1]}).json()
    assert r["rows"][1]["belarus_entry"] == pytest.approx(single["marginals"]["belarus_entry"])
    small = TestClient(
        create_app(Settings(workbench_db=tmp_path / "x.sqlite3", max_batch=3)),
        base_url="http://127.0.0.1",
    )
    over = small.post(f"/api/models/{MODEL}/marginals/batch", json={"rows": [{}] * 4})
    assert_error_shape(over, 422)
    assert "over the batch limit of 3" in over.json()["error"]
    # Rows that observe nothing: one answer per row (the engine runs the plan once).
    blank = client.post(f"/api/models/{MODEL}/marginals/batch", json={"rows": [{}, {}]})
    assert blank.status_code == 200, blank.text
    body = blank.json()
    assert len(body["rows"]) == 2 and body["log_evidence"] == pytest.approx([0.0, 0.0])
    assert body["rows"][0] == body["rows"][1]
    entry = r["rows"][0]["belarus_entry"]
    assert body["rows"][0]["belarus_entry"] == pytest.approx(entry, abs=1e-12)


def test_explain_and_sources(client: TestClient) -> None:
    ex = client.get(f"/api/models/{MODEL}/variables/belarus_entry").json()
    assert ex["parents"][0] == "offensive_preparation" and ex["claims"]
    assert len(ex["rows"]) == 2 * 2 * 3 * 2 * 3 and ex["marginal"]["entered"] < 0.1
    src = client.get(f"/api/models/{MODEL}/sources").json()
    claim = src["claims"][0]
    assert re.fullmatch(r"P\d+\.S\d+(-S?\d+)?", claim["locator"]) and re.fullmatch(
        r"[A-F][1-6]", claim["grading"]
    )
    assert any(c["variables"] for c in src["claims"])


@pytest.mark.parametrize("name", ["timeline", "sensitivity", "watchlist", "simulation"])
def test_optional_capabilities_say_whether_they_are_available(
    client: TestClient, name: str
) -> None:
    r = client.get(f"/api/models/{MODEL}/{name}").json()
    assert r["capability"] == name
    if not r["available"]:
        assert r["reason"].startswith("not available yet:") and r["data"] is None


# -- timeline -------------------------------------------------------------------------------


@pytest.fixture
def history_client(events_store: Path, tmp_path: Path) -> TestClient:
    """The app reading the shipped history (data/belarus-events.csv) as its events store."""
    settings = Settings(workbench_db=tmp_path / "w.sqlite3", events_db=events_store)
    return TestClient(create_app(settings), base_url="http://127.0.0.1")


def test_timeline_reads_the_events_store(history_client: TestClient) -> None:
    r = history_client.get(
        f"/api/models/{MODEL}/timeline", params={"from": "2022-01-01", "to": "2022-06-30"}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["capability"] == "timeline" and out["available"] is True
    data = out["data"]
    assert data["status"] == "ok" and data["reason"] is None
    assert data["store"] == "secondfront.duckdb"  # a name, never a path
    assert data["events"] == HISTORY_EVENTS
    assert (data["from"], data["to"]) == ("2021-12-27", "2022-07-03")  # whole ISO weeks
    weeks = {w["week"]: w for w in data["weeks"]}
    assert len(weeks) == 27 and data["series"][0] == {
        "variable": "belarus_entry",
        "label": data["series"][0]["label"],
        "state": "entered",
    }
    for w in weeks.values():
        assert all(0.0 <= p <= 1.0 for p in w["p"].values())
        assert sum(w["states"].values()) == pytest.approx(1.0, abs=1e-5)
    # The week of 24 February 2022: alerts, the indicators behind them and their events.
    w08 = weeks["2022-W08"]
    assert w08["p"]["belarus_entry"] > 0.05 > weeks["2022-W02"]["p"]["belarus_entry"]
    assert w08["indicators"]["troops_toward_southern_border"] == "observed"
    assert "troops_toward_southern_border" in w08["observed"]
    ids = {e["id"] for e in w08["events"]}
    assert "SFBLR0019" in ids and w08["more_events"] == 0
    event = next(e for e in w08["events"] if e["id"] == "SFBLR0019")
    assert event["date"] == "2022-02-24" and "troops_toward_southern_border" in event["indicators"]
    # The time model's own rules on the chain: which week first crosses 5% is a property of
    # the history (the build-up reported from January 2022); it comes no later than the
    # invasion week and carries that week's network p.
    first = next(a for a in data["rule_alerts"] if a["rule"] == "entry-above-5pc")
    assert first["week"] <= "2022-W08"
    assert first["p"] == pytest.approx(weeks[first["week"]]["p"]["belarus_entry"], abs=1e-6)
    assert "troops_toward_southern_border" in first["indicators"]
    # The alerts drawn are the dated forecast's early warning, each with its week's dated p:
    # Russian operations from Belarus from the week to 6 February, before the attack.
    ops = next(a for a in data["alerts"] if a["variable"] == "russian_operations_from_belarus")
    assert ops["rule"] == "dated-8w" and ops["week"] == "2022-W05"
    assert ops["p"] == pytest.approx(weeks["2022-W05"]["dated"][ops["variable"]], abs=1e-12)
    # Smoothing knows what came after, so the weeks before the invasion rise.
    smooth = history_client.get(
        f"/api/models/{MODEL}/timeline",
        params={"from": "2022-01-01", "to": "2022-06-30", "smooth": "true"},
    ).json()["data"]
    assert smooth["smooth"] is True
    before = {w["week"]: w["p"]["belarus_entry"] for w in smooth["weeks"]}
    assert before["2022-W06"] > weeks["2022-W06"]["p"]["belarus_entry"]


def test_timeline_refit_gives_the_refitted_forecast_of_each_week(
    history_client: TestClient, events_store: Path
) -> None:
    # refit=true: each week's number is what `forecast --as-of DAY --refit` prints, and the
    # payload says which chain it rests on.
    from secondfront.evidence.mapping import load_rules
    from secondfront.evidence.store import connect
    from secondfront.forecasting.outlook import outlook
    from secondfront.timeline.chain import load_timeline

    # An early window keeps the refits few (one per Sunday up to its end, from April 2021).
    window = {"from": "2021-05-03", "to": "2021-05-30"}
    url = f"/api/models/{MODEL}/timeline"
    plain = history_client.get(url, params=window).json()["data"]
    data = history_client.get(url, params={**window, "refit": "true"}).json()["data"]
    assert data["dated_refit"] is True and plain["dated_refit"] is False
    week = next(w for w in data["weeks"] if w["week"] == "2021-W20")  # to Sunday 23 May
    tm = load_timeline()
    con = connect(events_store, read_only=True)  # after the requests: the app has closed it
    try:
        ahead = outlook(tm, con, load_rules(), dt.date(2021, 5, 23), 8, refit=True)
    finally:
        con.close()
    for f in ahead.forecasts:
        variable = f.target.split("=")[0]
        assert week["dated"][variable] == pytest.approx(f.p, abs=1e-12)
    before = next(w for w in plain["weeks"] if w["week"] == "2021-W20")
    assert before["dated"] != week["dated"]
    # The Timeline page: a "refitted" box, and a sentence saying which chain is shown.
    page = history_client.get(f"/models/{MODEL}/timeline", params={**window, "refit": "true"})
    assert page.status_code == 200
    assert 'name="refit" value="true" checked' in page.text
    assert "<strong>refitted</strong> on the store up to each week" in page.text
    plain_page = history_client.get(f"/models/{MODEL}/timeline", params=window).text
    assert "in sample" in plain_page and 'name="refit" value="true" >' in plain_page


def test_timeline_without_a_range_shows_the_whole_record(history_client: TestClient) -> None:
    data = history_client.get(f"/api/models/{MODEL}/timeline").json()["data"]
    assert data["span"] == HISTORY_SPAN and not data["clipped"]
    first, last = (dt.date.fromisoformat(d).isocalendar() for d in HISTORY_SPAN)
    assert data["weeks"][0]["week"] == f"{first.year}-W{first.week:02d}"
    assert data["weeks"][-1]["week"] == f"{last.year}-W{last.week:02d}"


@pytest.mark.parametrize(
    ("route", "params", "message"),
    [
        ("timeline", {"from": "2022-06-30", "to": "2022-01-01"}, "from 2022-06-30 is after to"),
        ("timeline", {"from": "1990-01-01", "to": "2022-01-01"}, "at most 522 weeks"),
        ("timeline", {"from": "0001-01-01"}, "outside the supported dates 1900-01-01.."),
        ("timeline", {"from": "last week"}, "query.from"),
        ("timeline", {"to": "2022-02-30"}, "query.to"),
        # The dated forecast: a day past the store's end, a horizon outside 1-520 weeks.
        ("dated", {"as_of": "2030-01-01"}, "the store's events end on"),
        ("dated", {"horizon": "0"}, "query.horizon"),
        ("dated", {"horizon": "521"}, "query.horizon"),
        ("dated", {"as_of": "yesterday"}, "query.as_of"),
    ],
)
def test_bad_dates_and_horizons_are_refused_in_the_one_error_shape(
    history_client: TestClient, route: str, params: dict[str, str], message: str
) -> None:
    r = history_client.get(f"/api/models/{MODEL}/{route}", params=params)
    assert_error_shape(r, 422)
    assert message in r.json()["error"]


def test_timeline_empty_states_say_how_to_ingest(client: TestClient, settings: Settings) -> None:
    data = client.get(f"/api/models/{MODEL}/timeline").json()["data"]
    assert data["status"] == "no_store" and data["weeks"] == []
    assert "secondfront ingest data/belarus-events.csv --db events.duckdb" in data["reason"]
    assert not settings.events_db.exists()  # looking never creates a store
    page = client.get(f"/models/{MODEL}/timeline").text
    assert 'id="timeline-empty"' in page and 'id="timeline-chart"' not in page
    assert "secondfront ingest data/belarus-events.csv --db events.duckdb" in page
    # A store that exists but holds no events says so.
    from secondfront.evidence import connect

    connect(settings.events_db).close()
    data = client.get(f"/api/models/{MODEL}/timeline").json()["data"]
    assert data["status"] == "no_events" and "holds no events" in data["reason"]


def test_timeline_store_that_cannot_be_opened_is_a_503(tmp_path: Path) -> None:
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a DuckDB file" * 200)
    app = create_app(Settings(workbench_db=tmp_path / "w.sqlite3", events_db=broken))
    r = TestClient(app, base_url="http://127.0.0.1").get(f"/api/models/{MODEL}/timeline")
    assert_error_shape(r, 503)
    assert "broken.duckdb" in r.json()["error"] and str(tmp_path) not in r.json()["error"]


def test_timeline_page_shows_the_chart_data_and_a_bad_range_inline(
    history_client: TestClient,
) -> None:
    page = history_client.get(f"/models/{MODEL}/timeline", params={"from": "2022-01-01"}).text
    assert 'id="timeline-chart"' in page and 'id="week-2022-W08"' in page
    assert "SFBLR0019" in page
    bad = history_client.get(
        f"/models/{MODEL}/timeline", params={"from": "2022-06-30", "to": "2022-01-01"}
    )
    assert bad.status_code == 200 and 'id="timeline-problem"' in bad.text
    assert "is after" in bad.text


def test_json_in_pages_cannot_end_its_script_element() -> None:
    """Compared: the hostile text is escaped in the page and reads back verbatim."""
    hostile = {"summary": "</script><script>alert(1)</script> & more"}
    text = pages.script_json(hostile)
    assert "<" not in text and ">" not in text and "&" not in text
    import json

    assert json.loads(text)["summary"].startswith("</script>")
    assert json.loads(text) == hostile


def test_models_are_chosen_by_name_never_by_path(client: TestClient) -> None:
    """Compared: each path gets the very answer a plain path of as many segments gets."""
    for attempt, plain in (
        ("..%2F..%2Fetc%2Fpasswd", "a/b/c"),
        ("%2Fetc%2Fpasswd", "a/b"),
        ("models%2Fbelarus-second-front.yaml", "a/b"),
    ):
        r = client.get(f"/api/models/{attempt}")
        assert r.status_code in (404, 422), attempt
        inert = client.get(f"/api/models/{plain}")
        assert (r.status_code, r.json()) == (inert.status_code, inert.json()), attempt
        assert_error_shape(r, r.status_code)


def test_model_folder_setting_limits_what_is_served(tmp_path: Path) -> None:
    app = create_app(Settings(workbench_db=tmp_path / "x.sqlite3", models_dir=tmp_path))
    client = TestClient(app, base_url="http://127.0.0.1")
    assert client.get("/api/models").json() == []
    assert_error_shape(client.get(f"/api/models/{MODEL}"), 404)


# -- ACH ------------------------------------------------------------------------------------


def test_ach_matrix_lifecycle_scores_and_csv(client: TestClient) -> None:
    m = client.post(
        "/api/ach", json={"model": MODEL, "hypothesis": "belarus_entry", "title": "Entry?"}
    )
    assert m.status_code == 201
    m = m.json()
    assert m["hypotheses"] == ["not_entered", "entered"] and len(m["items"]) == 20
    assert m["weighted_inconsistency"] == {"not_entered": 0, "entered": 0}
    mid, item = m["id"], "ind:troops_toward_southern_border"
    m = client.put(
        f"/api/ach/{mid}/ratings", json={"item": item, "hypothesis": "not_entered", "rating": "II"}
    ).json()
    assert m["weighted_inconsistency"]["not_entered"] == pytest.approx(2 * 0.25)  # F6 weight
    m = client.patch(f"/api/ach/{mid}/items/{item}", json={"grading": "A1"}).json()
    assert m["weighted_inconsistency"]["not_entered"] == pytest.approx(2.0)
    assert m["ranking"] == ["entered", "not_entered"]
    m = client.put(
        f"/api/ach/{mid}/ratings", json={"item": item, "hypothesis": "entered", "rating": "II"}
    ).json()
    row = next(i for i in m["items"] if i["id"] == item)
    assert row["diagnosticity"] == 0.0  # rated alike under both: not diagnostic
    assert [item, "entered", "II", "CC"] in [list(d) for d in m["disagreements"]]
    m = client.post(f"/api/ach/{mid}/items", json={"kind": "claim", "ref": "pretext-plans"}).json()
    claim = next(i for i in m["items"] if i["id"] == "claim:pretext-plans")
    assert claim["model_ratings"] is None and claim["kind"] == "claim"
    assert [s["id"] for s in client.get("/api/ach", params={"model": MODEL}).json()] == [mid]
    text = client.get(f"/api/ach/{mid}/csv")
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(text.text)))
    assert rows[0][:7] == ["item", "kind", "label", "grading", "observed", "not_entered", "entered"]
    assert [item, "indicator"] == rows[1][:2] and rows[1][5:7] == ["II", "II"]
    m = client.delete(f"/api/ach/{mid}/items/{item}").json()
    assert item not in [i["id"] for i in m["items"]]
    assert client.delete(f"/api/ach/{mid}").json() == {"ok": True, "deleted": mid}
    assert_error_shape(client.get(f"/api/ach/{mid}"), 404)


def test_ach_matrices_persist_in_the_store(settings: Settings) -> None:
    one = TestClient(create_app(settings), base_url="http://127.0.0.1")
    mid = one.post("/api/ach", json={"model": MODEL, "hypothesis": "staged_provocation"}).json()[
        "id"
    ]
    one.put(
        f"/api/ach/{mid}/ratings",
        json={"item": "ind:reservist_callups", "hypothesis": "absent", "rating": "C"},
    )
    two = TestClient(create_app(settings), base_url="http://127.0.0.1")
    again = two.get(f"/api/ach/{mid}").json()
    assert next(i for i in again["items"] if i["id"] == "ind:reservist_callups")["ratings"] == {
        "absent": "C"
    }


def test_ach_rejects_unknown_ratings_items_and_hypotheses(client: TestClient) -> None:
    mid = client.post("/api/ach", json={"model": MODEL, "hypothesis": "belarus_entry"}).json()["id"]
    for body in (
        {"item": "ind:reservist_callups", "hypothesis": "entered", "rating": "XX"},
        {"item": "nope", "hypothesis": "entered", "rating": "C"},
        {"item": "ind:reservist_callups", "hypothesis": "maybe", "rating": "C"},
    ):
        assert_error_shape(client.put(f"/api/ach/{mid}/ratings", json=body), 422)


# -- safety --------------------------------------------------------------------------------


def test_binding_beyond_loopback_needs_users_and_a_token_must_be_long(tmp_path: Path) -> None:
    assert Settings.from_env(env={}, host="0.0.0.0").auth == "users"
    with pytest.raises(UsageError, match=r"has no users yet.*users add NAME --role admin"):
        create_app(Settings(host="0.0.0.0", workbench_db=tmp_path / "w.sqlite3"))
    with pytest.raises(UsageError, match=r"single shared secret.*Unset SECONDFRONT_TOKEN"):
        Settings.from_env(env={"SECONDFRONT_TOKEN": TOKEN}, host="0.0.0.0")
    with pytest.raises(UsageError, match="at least 16 characters"):
        Settings.from_env(env={"SECONDFRONT_TOKEN": "short"})
    assert Settings.from_env(env={"SECONDFRONT_TOKEN": TOKEN}).token == TOKEN
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_without_a_token_only_localhost_names_are_served(client: TestClient) -> None:
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000"):
        assert client.get("/api/health", headers={"host": host}).status_code == 200
    # DNS rebinding: a hostile name resolving to 127.0.0.1 carries its own Host header.
    assert_error_shape(client.get("/api/health", headers={"host": "evil.example:8000"}), 403)


def test_with_a_token_every_request_needs_it(tmp_path: Path) -> None:
    app = create_app(Settings(token=TOKEN, workbench_db=tmp_path / "t.sqlite3"))
    c = TestClient(app, base_url="http://workbench.example")
    for path in (
        "/api/health",
        "/models/belarus-second-front",
        "/static/workbench.css",
        "/docs",
        "/openapi.json",
    ):
        r = c.get(path)
        assert_error_shape(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert_error_shape(c.get("/api/health", headers={"authorization": "Bearer wrong"}), 401)
    assert c.get("/api/health", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    # A browser opens a page once with ?token=..., which moves into an HttpOnly cookie.
    r = c.get(f"/models/{MODEL}?token={TOKEN}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/models/{MODEL}"
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
    c.cookies.set("secondfront_token", TOKEN)
    assert c.get(f"/models/{MODEL}").status_code == 200


def test_cross_site_writes_and_oversized_bodies_are_refused(tmp_path: Path) -> None:
    """Compared: the same write from this site, and a body under the limit, get through."""
    app = create_app(Settings(workbench_db=tmp_path / "s.sqlite3", max_body_bytes=2048))
    c = TestClient(app, base_url="http://127.0.0.1")
    body = {"model": MODEL, "hypothesis": "belarus_entry"}
    assert_error_shape(
        c.post("/api/ach", json=body, headers={"origin": "http://evil.example"}), 403
    )
    assert c.post("/api/ach", json=body, headers={"origin": "http://127.0.0.1"}).status_code == 201
    big = {"evidence": {f"v{i}": "x" * 40 for i in range(60)}}
    assert_error_shape(c.post(f"/api/models/{MODEL}/forecast", json=big), 413)
    # Compared: the same request under the limit is answered (here: an unknown variable).
    small = {"evidence": {f"v{i}": "x" * 40 for i in range(6)}}
    assert_error_shape(c.post(f"/api/models/{MODEL}/forecast", json=small), 422)

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(10):
            yield b" " * 1024

    r = c.post(
        f"/api/models/{MODEL}/forecast",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert_error_shape(r, 413)
    one = c.post(
        f"/api/models/{MODEL}/forecast",
        content=iter([b" " * 1024, b"{}"]),
        headers={"content-type": "application/json"},
    )
    assert one.status_code == 200, one.text


def test_security_headers_are_set(client: TestClient) -> None:
    r = client.get(f"/models/{MODEL}")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert (
        r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    )


def test_every_setting_is_documented_and_reaches_settings() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {s.name for s in SETTINGS} == fields
    for s in SETTINGS:
        assert s.help.endswith(".") and s.env.startswith("SECONDFRONT_")
    env = {
        "SECONDFRONT_PORT": "9001",
        "SECONDFRONT_MAX_BATCH": "7",
        "SECONDFRONT_WORKBENCH_DB": "/tmp/x.sqlite3",
        "SECONDFRONT_DB": "/tmp/events.duckdb",  # the same variable as the evidence commands
    }
    got = Settings.from_env(env=env)
    assert (got.port, got.max_batch, str(got.workbench_db)) == (9001, 7, "/tmp/x.sqlite3")
    assert str(got.events_db) == "/tmp/events.duckdb"
    assert str(Settings.from_env(env={}).events_db) == "secondfront.duckdb"
    with pytest.raises(UsageError, match="SECONDFRONT_PORT='x' is not an integer"):
        Settings.from_env(env={"SECONDFRONT_PORT": "x"})


def test_static_chart_libraries_are_vendored(client: TestClient) -> None:
    for lib in ("vega", "vega-lite", "vega-embed"):
        r = client.get(f"/static/vendor/{lib}.min.js")
        assert r.status_code == 200 and len(r.content) > 50_000
    page = client.get(f"/models/{MODEL}/whatif").text
    assert "https://" not in re.sub(r'"\$schema": "https://vega[^"]*"', "", page).split("<main>")[0]


def test_the_model_folder_lists_models_not_their_companion_files(tmp_path: Path) -> None:
    folder = Path(__file__).resolve().parents[2] / "models"
    app = create_app(Settings(workbench_db=tmp_path / "x.sqlite3", models_dir=folder))
    client = TestClient(app, base_url="http://127.0.0.1")
    # The flagship and the second argument; never a mapping, timeline or society file.
    assert [m["name"] for m in client.get("/api/models").json()] == [MODEL, "isw-belarus-restraint"]


# -- the dated forecast ("Forecast now") ---------------------------------------------------


def test_dated_forecast_is_what_forecast_prints_for_the_store(
    history_client: TestClient, events_store: Path
) -> None:
    import json

    from typer.testing import CliRunner

    from secondfront.cli.app import app

    out = history_client.get(f"/api/models/{MODEL}/dated").json()
    assert out["capability"] == "dated" and out["available"] is True and out["reason"] is None
    cli = CliRunner().invoke(app, ["forecast", "--db", str(events_store), "--json"])
    assert cli.exit_code == 0, cli.output
    assert out["data"] == json.loads(cli.stdout)
    assert out["data"]["as_of"] == HISTORY_SPAN[1] and out["data"]["horizon_weeks"] == 13
    # As of a day, for a horizon, refitted: the command's number again.
    params = {"as_of": "2022-01-27", "horizon": "8", "refit": "true"}
    asked = history_client.get(f"/api/models/{MODEL}/dated", params=params).json()["data"]
    db = ["--db", str(events_store)]
    cli = CliRunner().invoke(
        app, ["forecast", *db, "--as-of", "2022-01-27", "--horizon", "8w", "--refit", "--json"]
    )
    assert asked == json.loads(cli.stdout)
    ops = next(f for f in asked["forecasts"] if f["target"].startswith("russian_operations"))
    assert ops["p"] >= 0.5 and "fitted on data up to 2022-01-27" in ops["note"]


def test_dated_forecast_without_a_store_says_how_to_make_one(client: TestClient) -> None:
    out = client.get(f"/api/models/{MODEL}/dated").json()
    assert out["available"] is False and out["data"] is None
    assert "no events store" in out["reason"] and "secondfront ingest" in out["reason"]
    page = client.get(f"/models/{MODEL}/dated").text
    assert 'id="dated-empty"' in page and "no events store" in page


def test_forecast_now_page_shows_the_table_its_parts_and_a_bad_day_inline(
    history_client: TestClient,
) -> None:
    data = history_client.get(f"/api/models/{MODEL}/dated").json()["data"]
    page = history_client.get(f"/models/{MODEL}/dated").text
    assert 'id="dated-table"' in page and 'id="dated-steps"' in page
    assert f"As of <strong>{data['as_of']}</strong>" in page
    for f in data["forecasts"]:
        assert f"<strong>{f['p']:.3f}</strong>" in page, f["target"]
    assert "in-sample" in page  # what the analyst's chain rests on, said
    assert ">Forecast now</a>" in page
    late = history_client.get(f"/models/{MODEL}/dated", params={"as_of": "2030-01-01"}).text
    assert 'id="dated-problem"' in late and "the store&#39;s events end on" in late
    assert f"As of <strong>{data['as_of']}</strong>" in late
