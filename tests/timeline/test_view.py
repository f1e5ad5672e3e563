"""One timeline: the command line, the API, the pages and the report agree, and a week's
probability does not depend on the window shown."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from secondfront.analysis.report_data import report_data
from secondfront.cli.app import app
from secondfront.model.formats import load
from secondfront.service import Settings, create_app
from secondfront.timeline.chain import EvidenceWeighting, load_timeline
from secondfront.timeline.view import timeline_view
from tests.conftest import FLAGSHIP

MODEL = "belarus-second-front"
WINDOW = {"from": "2021-11-01", "to": "2022-04-30"}
HEAD = ("belarus_entry", "entered")
TOLERANCE = 1e-12


@pytest.fixture(scope="module", params=[False, True], ids=["hard", "graded"])
def models_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flagship and its companion files, with graded evidence off or on."""
    folder = tmp_path_factory.mktemp("graded" if request.param else "hard")
    for suffix in (".yaml", ".mapping.yaml", ".timeline.yaml"):
        shutil.copy(FLAGSHIP.with_name(MODEL + suffix), folder / (MODEL + suffix))
    timeline = folder / f"{MODEL}.timeline.yaml"
    text = timeline.read_text(encoding="utf-8")
    assert "  graded: false" in text
    timeline.write_text(
        text.replace("  graded: false", f"  graded: {str(request.param).lower()}"),
        encoding="utf-8",
    )
    return folder


def _cli_json(models_dir: Path, store: Path, start: str, end: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        app,
        [
            "timeline",
            "--db",
            str(store),
            "--timeline",
            str(models_dir / f"{MODEL}.timeline.yaml"),
            "--rules",
            str(models_dir / f"{MODEL}.mapping.yaml"),
            "--from",
            start,
            "--to",
            end,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _cli(models_dir: Path, store: Path, start: str, end: str) -> dict[str, float]:
    weeks = _cli_json(models_dir, store, start, end)["weeks"]
    return {w["week"]: w["outcomes"][HEAD[0]][HEAD[1]] for w in weeks}


def _client(models_dir: Path, events_store: Path) -> TestClient:
    return TestClient(
        create_app(
            Settings(
                workbench_db=models_dir / "w.sqlite3",
                events_db=events_store,
                models_dir=models_dir,
            )
        ),
        base_url="http://127.0.0.1",
    )


def _api_and_page(
    client: TestClient, window: dict[str, str], key: str
) -> tuple[dict, dict[str, float], dict[str, float]]:  # type: ignore[type-arg]
    """The API's timeline data and, per week, the headline's ``key`` value ("p": the
    chain's network probability, "dated": the dated forecast) from the API and the page."""
    data = client.get(f"/api/models/{MODEL}/timeline", params=window).json()["data"]
    api = {w["week"]: w[key][HEAD[0]] for w in data["weeks"]}
    page = client.get(f"/models/{MODEL}/timeline", params=window).text
    found = re.search(r'<script type="application/json" id="timeline-data">(.*?)</script>', page)
    assert found is not None
    pages = {w["week"]: w[key][HEAD[0]] for w in json.loads(found.group(1))["weeks"]}
    return data, api, pages


def test_cli_api_pages_and_report_agree(models_dir: Path, events_store: Path) -> None:
    cli = _cli(models_dir, events_store, WINDOW["from"], WINDOW["to"])
    data, api, pages = _api_and_page(_client(models_dir, events_store), WINDOW, "p")
    model = load(models_dir / f"{MODEL}.yaml")
    line = report_data(model, events_db=events_store).timeline
    report = {w.week: w.p[HEAD[0]] for w in line.weeks}
    graded = models_dir.name.startswith("graded")
    assert data["graded"] is graded and line.graded is graded
    assert set(cli) == set(api) == set(pages) and "2022-W08" in cli
    assert set(cli) <= set(report)  # the report shows the whole record
    for week, p in cli.items():
        for name, other in (("api", api), ("pages", pages), ("report", report)):
            assert abs(other[week] - p) <= TOLERANCE, (week, name, other[week], p)


def test_graded_evidence_moves_the_invasion_week_less(events_store: Path) -> None:
    model = load(MODEL)
    hard_model = load_timeline(model.companions.timeline, model)
    graded_model = replace(
        hard_model,
        spec=hard_model.spec.model_copy(update={"evidence": EvidenceWeighting(graded=True)}),
    )
    views = [
        timeline_view(model, events_store, time_model=t, max_weeks=None)
        for t in (hard_model, graded_model)
    ]
    hard, graded = ({w.week: w.p[HEAD[0]] for w in v.weeks}["2022-W08"] for v in views)
    # Most rules grade their sources B2 or C3: the sceptical reading rises less.
    assert not views[0].graded and views[1].graded
    assert hard > 0.05 and graded < hard


def test_a_weeks_probability_does_not_depend_on_from(models_dir: Path, events_store: Path) -> None:
    early = _cli(models_dir, events_store, "2020-08-01", "2022-03-31")
    late = _cli(models_dir, events_store, "2022-02-14", "2022-03-31")
    assert "2022-W08" in late and set(late) < set(early)
    for week, p in late.items():
        assert abs(early[week] - p) <= TOLERANCE, week
    # The library function: a window selects weeks of the one filtered record.
    model = load(models_dir / f"{MODEL}.yaml")
    whole = timeline_view(model, events_store, max_weeks=None)
    shown = timeline_view(model, events_store, dt.date(2022, 2, 14), None, max_weeks=None)
    everything = {w.week: w.p[HEAD[0]] for w in whole.weeks}
    assert shown.weeks[0].week == "2022-W07"
    for w in shown.weeks:
        assert w.p[HEAD[0]] == everything[w.week]


def test_the_dated_numbers_are_the_one_forecast_everywhere(
    models_dir: Path, events_store: Path
) -> None:
    """Each week's dated number in the CLI, the API, the Timeline page and the report is
    :func:`~secondfront.forecasting.outlook.forecast_at` as of the week's last day."""
    from secondfront.evidence import store as events
    from secondfront.evidence.mapping import load_rules
    from secondfront.forecasting.outlook import forecast_at

    window = {"from": "2022-01-31", "to": "2022-02-27"}
    payload = _cli_json(models_dir, events_store, window["from"], window["to"])
    assert payload["dated_weeks"] == 8
    cli = {w["week"]: w["dated"][HEAD[0]] for w in payload["weeks"]}
    _, api, pages = _api_and_page(_client(models_dir, events_store), window, "dated")
    model = load(models_dir / f"{MODEL}.yaml")
    report = {
        w.week: w.dated[HEAD[0]]
        for w in report_data(model, events_db=events_store).timeline.weeks
        if w.week in cli
    }
    assert set(cli) == set(api) == set(pages) == set(report) and "2022-W08" in cli
    tm = load_timeline(models_dir / f"{MODEL}.timeline.yaml", model)
    rules = load_rules(models_dir / f"{MODEL}.mapping.yaml", model)
    con = events.connect(events_store, read_only=True)
    try:
        for week, p in cli.items():
            sunday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 7)
            one = forecast_at(tm, con, rules, f"{HEAD[0]}={HEAD[1]}", sunday, 8)
            for name, other in (("api", api), ("pages", pages), ("report", report)):
                assert abs(other[week] - p) <= 1e-12, (week, name)
            assert abs(one.p - p) <= 1e-12, week
    finally:
        con.close()
