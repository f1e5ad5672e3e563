"""ACH scoring: inconsistency, diagnosticity, model ratings, against hand-worked tables."""

from __future__ import annotations

import math

import pytest

from secondfront.analysis import ach
from secondfront.errors import QueryError
from secondfront.inference.enumeration import enumerate_marginals
from secondfront.inference.query import infer
from secondfront.model.formats import load
from tests.conftest import FLAGSHIP

H = ("h1", "h2", "h3")
A1 = ach.EvidenceItem("e1", "strong report", "claim", "A1")  # weight 1.0
C3 = ach.EvidenceItem("e2", "fair report", "claim", "C3")  # weight 0.36
F6 = ach.EvidenceItem("e3", "unjudged report", "claim", "F6")  # weight 0.25


@pytest.mark.parametrize(
    ("ratings", "unweighted", "weighted"),
    [
        ({}, {"h1": 0, "h2": 0, "h3": 0}, {"h1": 0, "h2": 0, "h3": 0}),
        # consistent and neutral ratings never count: the method works by refutation
        (
            {("e1", "h1"): "CC", ("e1", "h2"): "C", ("e1", "h3"): "N"},
            {"h1": 0, "h2": 0, "h3": 0},
            {"h1": 0, "h2": 0, "h3": 0},
        ),
        (
            {("e1", "h1"): "I", ("e2", "h1"): "II", ("e3", "h2"): "II", ("e2", "h3"): "NA"},
            {"h1": 3, "h2": 2, "h3": 0},
            {"h1": 1.0 + 2 * 0.36, "h2": 2 * 0.25, "h3": 0},
        ),
    ],
)
def test_inconsistency_counts_i_as_one_and_ii_as_two_times_weight(
    ratings: dict[tuple[str, str], str], unweighted: dict[str, float], weighted: dict[str, float]
) -> None:
    items = [A1, C3, F6]
    assert ach.inconsistency(items, H, ratings, weighted=False) == pytest.approx(unweighted)
    assert ach.inconsistency(items, H, ratings, weighted=True) == pytest.approx(weighted)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("CC", "CC", "CC"), 0.0),  # the same everywhere: useless for choosing
        (("CC", "II", ""), 2.0),  # scores +2, -2: stdev 2
        (("C", "N", "I"), math.sqrt(2 / 3)),
        (("CC", "NA", ""), 0.0),  # fewer than two scored cells
    ],
)
def test_diagnosticity_is_population_stdev_of_scores(
    cells: tuple[str, ...], expected: float
) -> None:
    ratings = {("e1", h): r for h, r in zip(H, cells, strict=True) if r}
    assert ach.diagnosticity([A1], H, ratings)["e1"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ratio", "rating"),
    [
        (8.5, "CC"),
        (2.0, "CC"),
        (1.5, "C"),
        (1.25, "C"),
        (1.2, "N"),
        (0.81, "N"),
        (0.8, "I"),
        (0.51, "I"),
        (0.5, "II"),
        (0.1, "II"),
    ],
)
def test_rating_from_likelihood_ratio(ratio: float, rating: str) -> None:
    assert ach.rating_from_ratio(ratio) == rating


def test_model_ratings_compare_each_hypothesis_with_the_others() -> None:
    assert ach.ratings_from_likelihoods({"a": 0.85, "b": 0.10}) == {"a": "CC", "b": "II"}
    assert ach.ratings_from_likelihoods({"a": 0.30, "b": 0.25}) == {"a": "N", "b": "N"}
    assert ach.ratings_from_likelihoods({"a": 0.0, "b": 0.0}) == {"a": "N", "b": "N"}
    assert ach.ratings_from_likelihoods({"a": 0.4, "b": 0.0}) == {"a": "CC", "b": "II"}


def test_score_ranks_least_inconsistent_first_and_lists_disagreements() -> None:
    ratings = {("e1", "h1"): "II", ("e1", "h2"): "C", ("e1", "h3"): "I"}
    view = ach.ModelView({"e1": {}}, {"e1": {"h1": "CC", "h2": "C", "h3": "N"}}, {}, None)
    s = ach.score([A1], H, ratings, view)
    assert s.ranking == ["h2", "h3", "h1"]
    assert s.disagreements == [("e1", "h1", "II", "CC")]  # 4 steps apart; h3 is only 1


def test_unknown_rating_is_a_one_line_error() -> None:
    with pytest.raises(QueryError, match=r"unknown rating 'X'; valid ratings: CC, C, N, I, II, NA"):
        ach.score([A1], H, {("e1", "h1"): "X"})


def test_model_likelihoods_match_brute_force_enumeration(asia_bif) -> None:
    net = load(asia_bif)
    items = [
        ach.EvidenceItem("x", "x-ray", "indicator", "B2", "xray", "yes"),
        ach.EvidenceItem("d", "dyspnoea", "indicator", "B2", "dysp", "yes"),
    ]
    view = ach.model_view(net, "lung", items)
    for h in ("yes", "no"):
        brute = enumerate_marginals(net, {"lung": h})
        assert view.likelihoods["x"][h] == pytest.approx(brute["xray"][0], abs=1e-12)
        assert view.likelihoods["d"][h] == pytest.approx(brute["dysp"][0], abs=1e-12)
    both = enumerate_marginals(net, {"xray": "yes", "dysp": "yes"})
    assert view.posterior is not None
    assert view.posterior["yes"] == pytest.approx(both["lung"][0], abs=1e-12)


def test_flagship_indicator_items_rate_troop_movements_as_diagnostic_of_entry() -> None:
    net = load(FLAGSHIP)
    items = ach.indicator_items(net, "belarus_entry")
    assert len(items) == 20 and all(i.grading == "F6" and i.state == "present" for i in items)
    view = ach.model_view(net, "belarus_entry", items)
    assert view.ratings["ind:troops_toward_southern_border"] == {
        "not_entered": "II",
        "entered": "CC",
    }
    assert view.ratings["ind:minsk_rules_out_entry"] == {"not_entered": "CC", "entered": "II"}


def test_two_items_observing_one_variable_differently_is_an_error(asia_bif) -> None:
    net = load(asia_bif)
    items = [
        ach.EvidenceItem("a", "a", "indicator", "B2", "xray", "yes"),
        ach.EvidenceItem("b", "b", "indicator", "B2", "xray", "no"),
    ]
    with pytest.raises(QueryError, match="two items observe xray"):
        ach.model_view(net, "lung", items)


def test_claim_item_takes_the_claims_grading() -> None:
    net = load(FLAGSHIP)
    spec = net.spec
    claim = spec.claims[0]
    item = ach.claim_item(net, claim.id)
    assert (item.id, item.grading, item.kind) == (f"claim:{claim.id}", str(claim.grading), "claim")
    with pytest.raises(QueryError, match="unknown claim 'nope'"):
        ach.claim_item(net, "nope")


def test_new_matrix_is_unrated_and_headlines_nothing() -> None:
    net = load(FLAGSHIP)
    items = ach.indicator_items(net, "belarus_entry")
    fresh = ach.assess(net, "belarus_entry", items, {})
    # nothing rated: no ranking, and the model's posterior is its prior (no row observed)
    assert fresh.scores.rated == 0 and fresh.scores.ranking == []
    assert fresh.view.posterior == pytest.approx(fresh.view.prior, abs=1e-12)
    # one rated cell: that row alone counts as observed
    item = "ind:troops_toward_southern_border"
    one = ach.assess(net, "belarus_entry", items, {(item, "not_entered"): "II"})
    assert one.scores.rated == 1 and one.scores.ranking == ["entered", "not_entered"]
    want = infer(net, evidence={"troops_toward_southern_border": "present"})["belarus_entry"]
    assert one.view.posterior == pytest.approx(want, abs=1e-12)
    # the model's ratings still cover every indicator row, rated or not
    assert set(one.view.ratings) == {i.id for i in items}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((), None),
        (("", ""), None),  # blanks are not ratings
        (("II",), "II"),
        (("CC", "C", "II"), "C"),  # the median, not the mean (which would be N)
        (("CC", "C"), "C"),  # midpoint +1.5 rounded toward N
        (("II", "I"), "I"),  # midpoint -1.5 rounded toward N
        (("C", "I"), "N"),
        (("CC", "II", "II", "C"), "N"),  # midpoint of -2 and +1 is -0.5 -> N
        (("NA", "NA", "I"), "NA"),  # most say NA
        (("NA", "I"), "I"),  # half is not most: the scored rating stands
        (("NA", "CC", "CC", "NA", "NA"), "NA"),
    ],
)
def test_consensus_rating_is_the_median_unless_most_say_na(
    given: tuple[str, ...], expected: str | None
) -> None:
    assert ach.consensus_rating(given) == expected


def test_consensus_keeps_every_analyst_and_scores_rated_cells_only() -> None:
    panel = {
        ("e1", "h1"): {"ana": "II", "bo": "I", "cy": "CC"},  # consensus I
        ("e1", "h2"): {"ana": "C"},
        ("e2", "h1"): {"bo": "NA", "cy": "NA"},  # NA: not scored
        ("e3", "h3"): {"ana": ""},  # a cleared cell is blank
    }
    agreed = ach.consensus(panel)
    assert agreed == {("e1", "h1"): "I", ("e1", "h2"): "C", ("e2", "h1"): "NA"}
    assert ach.analysts(panel) == ["ana", "bo", "cy"]
    assert ach.analyst_ratings(panel, "ana") == {("e1", "h1"): "II", ("e1", "h2"): "C"}
    scores = ach.score([A1, C3, F6], H, agreed)
    # Only the consensus counts: I on e1 (weight 1.0) under h1; the NA cell adds nothing.
    assert scores.weighted == pytest.approx({"h1": 1.0, "h2": 0.0, "h3": 0.0})
    assert scores.rated == 3 and scores.ranking == ["h2", "h3", "h1"]
    with pytest.raises(QueryError, match="rating"):
        ach.consensus({("e1", "h1"): {"ana": "maybe"}})
