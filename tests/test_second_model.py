"""The second argument (regime security, ISW late 2022): valid, sourced, comparable.

The source pages are not shipped. To check the locators, put a copy of each page's
text in a folder as ``<source id>.txt`` and point ``SECONDFRONT_SOURCE_TEXTS`` at it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from secondfront.model.draft import leftovers
from secondfront.model.formats import load, resolve_model
from secondfront.model.sourcetext import resolve, split_source, unresolved_locators

NAME = "isw-belarus-restraint"


@pytest.fixture(scope="module")
def spec():
    return load(NAME).spec


def test_valid_and_finished() -> None:
    assert leftovers(resolve_model(NAME)) == []


def test_shares_outcomes_with_the_flagship(spec) -> None:
    flagship = load("belarus-second-front")
    second = load(NAME)
    shared = [o for o in spec.outcome_variables() if o in flagship.variables]
    assert len(shared) >= 4
    for name in shared:
        assert second.variables[name].states == flagship.variables[name].states


def test_every_source_is_cited_by_url_and_every_claim_graded(spec) -> None:
    assert all(s.url and s.url.startswith("https://") for s in spec.sources)
    assert all(spec.citing(c.id) for c in spec.claims)


def _texts() -> Path | None:
    folder = os.environ.get("SECONDFRONT_SOURCE_TEXTS")
    return Path(folder) if folder else None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.parametrize("source", ["isw-galweek-2022-12", "isw-silkway-2022"])
def test_locators_resolve_and_claims_are_paraphrased(spec, source: str) -> None:
    folder = _texts()
    if folder is None or not (folder / f"{source}.txt").exists():
        pytest.skip("source text not supplied (set SECONDFRONT_SOURCE_TEXTS)")
    text = (folder / f"{source}.txt").read_text(encoding="utf-8")
    locators = [str(c.locator) for c in spec.claims if c.source == source]
    assert locators and unresolved_locators(locators, text) == []
    left_out = [str(n.locator) for n in spec.not_modelled if n.source == source]
    assert unresolved_locators(left_out, text) == []
    items = [c for c in spec.claims if c.source == source]
    items += [n for n in spec.not_modelled if n.source == source]
    covered = {ps for item in items for ps in item.locator.sentences()}
    every = {(p, s) for p, par in enumerate(split_source(text), 1) for s in range(1, len(par) + 1)}
    assert covered == every, sorted(every - covered)
    for claim in (c for c in spec.claims if c.source == source):
        cited = " ".join(resolve(text, str(claim.locator)))
        assert not _ngrams(_words(claim.says), 6) & _ngrams(_words(cited), 6), claim.id
