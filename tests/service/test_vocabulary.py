"""One vocabulary on the pages: observed / not observed / unknown; ACH cells rated or not."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

MODEL = "belarus-second-front"


def test_whatif_page_calls_an_unset_indicator_unknown(client: TestClient) -> None:
    html = client.get(f"/models/{MODEL}/whatif").text
    blanks = re.findall(r'<option value="">([^<]*)</option>', html)
    evidence = html.count('data-kind="evidence"')
    assert evidence > 0 and blanks.count("unknown") == evidence
    # "not observed" means covered and nothing found: never the word for an unset input
    assert "not observed</option>" not in html


def test_new_ach_matrix_is_unrated_and_headlines_nothing(client: TestClient) -> None:
    m = client.post("/api/ach", json={"model": MODEL, "hypothesis": "belarus_entry"}).json()
    assert m["rated_cells"] == 0 and m["ranking"] == []
    assert all(not i["ratings"] for i in m["items"])
    assert m["model_posterior"] == m["model_prior"]  # no row counts as observed yet
    page = client.get(f"/ach/{m['id']}").text
    assert 'id="ach-unrated"' in page and "most probable" not in page
    item = "ind:troops_toward_southern_border"
    m = client.put(
        f"/api/ach/{m['id']}/ratings",
        json={"item": item, "hypothesis": "not_entered", "rating": "I"},
    ).json()
    assert m["rated_cells"] == 1 and m["ranking"] == ["entered", "not_entered"]
    assert m["model_posterior"]["entered"] > m["model_prior"]["entered"]
    page = client.get(f"/ach/{m['id']}").text
    assert "1 rated cell" in page and "most probable" in page


def test_whatif_intervals_state_their_sample_count(client: TestClient) -> None:
    from secondfront.analysis.uncertainty import INTERACTIVE_SAMPLES

    r = client.post(
        f"/models/{MODEL}/whatif/outcomes",
        json={"evidence": {"reservist_callups": "present"}, "do": {}, "uncertainty": True},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 200, r.text
    assert f"({INTERACTIVE_SAMPLES:,} sets)" in r.text
