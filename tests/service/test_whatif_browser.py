"""The What-if page in a real browser when replies come back out of order.

The page script's ``fetch`` is wrapped so that the replies to the first two requests
arrive late, after the reply to the last one (as a slow first request on a busy server
would): the page must end showing the numbers for the inputs as they are last set,
the same numbers the command line prints.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app

MODEL = "belarus-second-front"

# Delay the replies to the first two What-if requests (1.6 s, then 0.8 s), and strip
# their abort signal so that they do arrive, late, as a server that had already
# answered would deliver them. ``__late`` counts the late replies delivered.
LATE_REPLIES = """
(() => {
  const original = window.fetch.bind(window);
  const delays = [1600, 800];
  let n = 0;
  window.__late = 0;
  window.fetch = (url, opts) => {
    if (String(url).includes("/whatif/outcomes") && n < delays.length) {
      const wait = delays[n++];
      const {signal, ...rest} = opts || {};
      return original(url, rest).then(res => res.text().then(text => new Promise(done =>
        setTimeout(() => { window.__late += 1; done(new Response(text, {status: res.status,
          headers: res.headers})); }, wait))));
    }
    return original(url, opts);
  };
})();
"""

FINAL = {
    "troops_toward_southern_border": "present",
    "reservist_callups": "present",
    "political_arrests_sustained": "absent",
}


def cli_outcomes(evidence: dict[str, str]) -> dict[str, dict[str, float]]:
    args = ["forecast", "--json", "--model", MODEL]
    for var, state in evidence.items():
        args += ["-e", f"{var}={state}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["outcomes"]


def test_whatif_shows_only_the_latest_reply(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page.add_init_script(LATE_REPLIES)
    page.goto(f"{live_server}/models/{MODEL}/whatif")
    for var, state in FINAL.items():  # three changes, one right after the other
        page.select_option(f'select[data-var="{var}"]', state)
    # Wait until both late replies have been delivered, then a little longer for the
    # page to have acted on them.
    page.wait_for_function("() => window.__late === 2", timeout=15_000)
    page.wait_for_timeout(300)
    want = cli_outcomes(FINAL)
    rows = page.locator("#outcome-table tbody tr")
    assert rows.count() == len(want)
    for i in range(rows.count()):
        row = rows.nth(i)
        var = row.get_attribute("data-var")
        p = float(row.locator("td.prob").get_attribute("data-p") or "nan")
        state = row.locator("td").first.inner_text().rsplit("(", 1)[1].rstrip(")")
        assert p == pytest.approx(want[var][state], abs=1e-6), var
    # The page says which inputs its table answers.
    shown = json.loads(page.get_attribute("#outcomes", "data-scenario") or "{}")
    assert shown == {"evidence": FINAL, "do": {}}
    # The stale numbers (first change only) differ, so the check above could fail.
    first_only = cli_outcomes(dict(list(FINAL.items())[:1]))
    assert first_only["belarus_entry"] != pytest.approx(want["belarus_entry"], abs=1e-4)
    assert page.locator("#outcomes .error").count() == 0
