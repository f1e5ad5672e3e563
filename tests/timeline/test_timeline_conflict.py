"""Each week of the one timeline carries its evidence conflict, and every renderer shows it.

The constructed week (2022-W09, three ACLED events and nothing else in the store):
Russian aviation operating from Belarus, railway sabotage and mass arrests are reported
while neither troops moving to the southern border nor Russian troop trains are:
air operations from Belarus without any build-up fit the model badly with the rest,
so the week's conflict is positive and that report is the one most responsible.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from secondfront.analysis.report_data import report_data
from secondfront.cli.app import app
from secondfront.evidence import store
from secondfront.evidence.ingest import ingest
from secondfront.evidence.mapping import load_rules
from secondfront.inference.query import posterior_batch
from secondfront.model.formats import load
from secondfront.report import render_html
from secondfront.report.render import breakable
from secondfront.service import Settings, create_app
from secondfront.timeline.chain import load_timeline
from secondfront.timeline.view import timeline_view
from tests.conftest import FLAGSHIP

HISTORY = Path(__file__).resolve().parents[2] / "data" / "belarus-events.csv"
MODEL = "belarus-second-front"
WEEK = "2022-W09"
ROWS = ("SFBLR0029", "SFBLR0168", "SFBLR0169")  # rail sabotage, air ops from Belarus, arrests
CULPRIT = "russian_air_activity_from_belarus"


@pytest.fixture(scope="module")
def conflict_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only the constructed week's three events."""
    folder = tmp_path_factory.mktemp("conflict")
    with HISTORY.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = [r for r in reader if r["event_id_cnty"] in ROWS]
    assert len(rows) == len(ROWS)
    csv_path = folder / "week.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    path = folder / "conflict.duckdb"
    con = store.connect(path)
    try:
        ingest(con, [csv_path], fmt="acled", rules=load_rules())
    finally:
        con.close()
    return path


def _closed_form(evidence: dict[str, str]) -> tuple[float, dict[str, float]]:
    """conf(e) and conf(e without each finding) under the prior mixture of the states
    (the first stored week's prediction is the initial distribution), by direct sums."""
    tm = load_timeline()
    conds = [s.network for s in tm.spec.states]
    w = tm.prior

    def log_p(findings: dict[str, str]) -> float:
        rows = [{**findings, **c} for c in conds] + [dict(c) for c in conds]
        le = posterior_batch(tm.model, rows).log_evidence
        k = len(conds)
        return float(np.log(np.sum(w * np.exp(le[:k] - le[k:]))))

    def conf(findings: dict[str, str]) -> float:
        return sum(log_p({n: s}) for n, s in findings.items()) - log_p(findings)

    drops = {j: conf({n: s for n, s in evidence.items() if n != j}) for j in evidence}
    return conf(evidence), drops


def test_a_conflicting_week_has_positive_conflict_and_its_culprit(conflict_store: Path) -> None:
    tm = load_timeline()
    view = timeline_view(
        tm.model, conflict_store, rules=load_rules(None, tm.model), time_model=tm, max_weeks=None
    )
    assert view.status == "ok" and [w.week for w in view.weeks] == [WEEK]
    (week,) = view.weeks
    assert week.evidence[CULPRIT] == "present"
    assert week.evidence["troops_toward_southern_border"] == "absent"
    expected, drops = _closed_form(week.evidence)
    assert week.conflict.value > 0.3
    assert week.conflict.value == pytest.approx(expected, abs=1e-9)
    assert week.conflict.culprit == CULPRIT == min(drops, key=lambda j: drops[j])
    assert week.conflict.without_culprit == pytest.approx(drops[CULPRIT], abs=1e-9)
    assert week.conflict.without_culprit < week.conflict.value - 0.3


def test_cli_api_page_and_report_show_the_conflict(conflict_store: Path, tmp_path: Path) -> None:
    timeline_file = str(FLAGSHIP.with_name(f"{MODEL}.timeline.yaml"))
    runner = CliRunner()
    got = runner.invoke(
        app, ["timeline", "--db", str(conflict_store), "--timeline", timeline_file, "--json"]
    )
    assert got.exit_code == 0, got.output
    (cli,) = json.loads(got.stdout)["weeks"]
    assert cli["conflict"]["culprit"] == CULPRIT and cli["conflict"]["value"] > 0.3
    table = runner.invoke(
        app, ["timeline", "--db", str(conflict_store), "--timeline", timeline_file]
    )
    assert table.exit_code == 0, table.output
    assert f"{cli['conflict']['value']:+.2f}" in table.stdout and "conflict" in table.stdout

    client = TestClient(
        create_app(
            Settings(
                workbench_db=tmp_path / "w.sqlite3",
                events_db=conflict_store,
                models_dir=FLAGSHIP.parent,
            )
        ),
        base_url="http://127.0.0.1",
    )
    (api,) = client.get(f"/api/models/{MODEL}/timeline").json()["data"]["weeks"]
    assert api["conflict"] == pytest.approx(cli["conflict"], abs=1e-12)
    page = client.get(f"/models/{MODEL}/timeline").text
    row = re.search(rf'<tr id="week-{WEEK}".*?</tr>', page, re.S)
    assert row is not None and f"{cli['conflict']['value']:+.2f}" in row.group(0)

    data = report_data(load(FLAGSHIP), events_db=conflict_store)
    (move,) = data.timeline_moves
    assert move.conflict.value == pytest.approx(cli["conflict"]["value"], abs=1e-12)
    html = render_html(data, appendix=True)  # the weeks' table is in the appendix
    table_html = re.search(r'<table id="timeline-weeks"[^>]*>.*?</table>', html, re.S)
    assert table_html is not None
    assert f"{cli['conflict']['value']:+.2f}" in table_html.group(0)
    assert f"<code>{breakable(CULPRIT)}</code>" in table_html.group(0)
