"""ACH with several analysts: own ratings kept, the consensus scored, the store migrated."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from secondfront.analysis import ach
from secondfront.model.formats import load
from secondfront.service.store import MIGRATIONS, AchStore
from tests.conftest import FLAGSHIP

MODEL = "belarus-second-front"
ITEM = "ind:troops_toward_southern_border"


def _rate(
    client: TestClient, mid: int, hyp: str, rating: str | None, who: str | None
) -> dict[str, Any]:
    body: dict[str, object] = {"item": ITEM, "hypothesis": hyp, "rating": rating}
    if who is not None:
        body["analyst"] = who
    response = client.put(f"/api/ach/{mid}/ratings", json=body)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


def test_each_analyst_keeps_their_ratings_and_the_consensus_is_scored(
    client: TestClient,
) -> None:
    mid = client.post("/api/ach", json={"model": MODEL, "hypothesis": "belarus_entry"}).json()["id"]
    _rate(client, mid, "not_entered", "II", None)  # the default analyst
    _rate(client, mid, "not_entered", "I", "Ana B.")
    m = _rate(client, mid, "not_entered", "CC", "bo")
    _rate(client, mid, "entered", "NA", "bo")
    m = _rate(client, mid, "entered", "C", "Ana B.")
    row = next(i for i in m["items"] if i["id"] == ITEM)
    cell = row["cells"]["not_entered"]
    assert cell["ratings"] == {"analyst": "II", "Ana B.": "I", "bo": "CC"}
    assert cell["consensus"] == "I" == ach.consensus_rating(["II", "I", "CC"])
    # entered: NA and C, NA is not most -> C
    assert row["cells"]["entered"] == {"ratings": {"Ana B.": "C", "bo": "NA"}, "consensus": "C"}
    assert row["ratings"] == {"not_entered": "I", "entered": "C"}  # the consensus
    assert m["analyst"] == "Ana B." and row["mine"] == {"not_entered": "I", "entered": "C"}
    assert m["analysts"] == ["Ana B.", "analyst", "bo"]
    assert "median" in m["consensus_rule"]
    # Scored on the consensus: the library's scores of the consensus cells.
    expected = ach.assess(
        load(FLAGSHIP),
        "belarus_entry",
        ach.indicator_items(load(FLAGSHIP), "belarus_entry"),
        {(ITEM, "not_entered"): "I", (ITEM, "entered"): "C"},
    ).scores
    assert m["weighted_inconsistency"] == expected.weighted and m["rated_cells"] == 2
    # Another analyst's view of the same matrix: same consensus, their own ratings.
    other = client.get(f"/api/ach/{mid}", params={"analyst": "bo"}).json()
    assert next(i for i in other["items"] if i["id"] == ITEM)["mine"] == {
        "not_entered": "CC",
        "entered": "NA",
    }
    assert other["weighted_inconsistency"] == m["weighted_inconsistency"]
    # Clearing is per analyst: bo's NA goes, Ana's C stays.
    m = _rate(client, mid, "entered", None, "bo")
    row = next(i for i in m["items"] if i["id"] == ITEM)
    assert row["cells"]["entered"]["ratings"] == {"Ana B.": "C"}
    # The CSV has the consensus and every analyst's own columns.
    rows = list(csv.reader(io.StringIO(client.get(f"/api/ach/{mid}/csv").text)))
    head = rows[0]
    line = next(r for r in rows if r and r[0] == ITEM)
    assert line[head.index("not_entered")] == "I"
    assert line[head.index("rated by bo: not_entered")] == "CC"
    assert line[head.index("rated by Ana B.: entered")] == "C"
    # A bad name is refused in the error shape, not stored.
    bad = client.put(
        f"/api/ach/{mid}/ratings",
        json={"item": ITEM, "hypothesis": "entered", "rating": "C", "analyst": " x"},
    )
    assert bad.status_code == 422
    assert client.get(f"/api/ach/{mid}", params={"analyst": ""}).status_code == 422


def test_a_version_1_store_migrates_with_its_ratings_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for sql in MIGRATIONS[0]:
        db.execute(sql)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO ach_matrix (model, hypothesis, title, created, updated) "
        "VALUES ('belarus-second-front', 'belarus_entry', 'old', 't', 't')"
    )
    db.execute(
        "INSERT INTO ach_item VALUES (1, ?, 0, 'indicator', 'troops', 'C3', "
        "'troops_toward_southern_border', 'present')",
        (ITEM,),
    )
    db.execute("INSERT INTO ach_rating VALUES (1, ?, 'entered', 'CC')", (ITEM,))
    db.commit()
    db.close()
    store = AchStore(path)
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 3
    m = store.get(1)
    assert m.panel == {(ITEM, "entered"): {"analyst": "CC"}}
    assert m.ratings == {(ITEM, "entered"): "CC"}
    store.rate(1, ITEM, "entered", "II", "bo", who="local")
    assert store.get(1).panel[(ITEM, "entered")] == {"analyst": "CC", "bo": "II"}
    AchStore(path)  # opening again applies nothing more
    assert store.get(1).panel[(ITEM, "entered")] == {"analyst": "CC", "bo": "II"}


def test_the_page_shows_the_analysts_own_rating_beside_the_consensus(
    client: TestClient,
) -> None:
    mid = client.post("/api/ach", json={"model": MODEL, "hypothesis": "belarus_entry"}).json()["id"]
    _rate(client, mid, "entered", "CC", None)
    _rate(client, mid, "entered", "II", "bo")
    _rate(client, mid, "entered", "I", "cy")
    html = client.get(f"/ach/{mid}", params={"analyst": "bo"}).text
    assert 'data-analyst="bo"' in html and 'name="analyst" value="bo"' in html
    assert "3 so far: analyst, bo, cy" in html and "median" in html
    cell = html.split(f'data-item="{ITEM}" data-hypothesis="entered" aria-label')[1]
    cell = cell.split("</td>")[0]
    assert re.search(r'<option value="II"[^>]*selected>', cell)  # bo's own
    consensus = re.search(r'class="consensus r r-(\w+)"[^>]*>(\w+)<sub>(\d)</sub>', cell)
    assert consensus is not None and consensus.groups() == ("I", "I", "3")  # median of +2 -2 -1
    # The fragment the page reloads after each change is the same analyst's.
    fragment = client.get(f"/ach/{mid}/matrix", params={"analyst": "cy"}).text
    cell = fragment.split(f'data-item="{ITEM}" data-hypothesis="entered" aria-label')[1]
    cell = cell.split("</td>")[0]
    assert re.search(r'<option value="I"[^>]*selected>', cell)
    assert client.get(f"/ach/{mid}", params={"analyst": " bo"}).status_code == 422
