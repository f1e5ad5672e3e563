"""Analysis of Competing Hypotheses (Heuer), scored as pure functions.

An ACH matrix crosses *hypotheses* (here: the states of one model variable, e.g.
``not_entered`` / ``entered``) with *evidence items* (indicators of the model and
claims, each with an Admiralty grading). The analyst rates every cell:

====  =================  =====  ==================
code  meaning            score  inconsistency points
====  =================  =====  ==================
CC    very consistent     +2     0
C     consistent          +1     0
N     neutral              0     0
I     inconsistent        -1     1
II    very inconsistent   -2     2
NA    not applicable      --     -- (ignored)
====  =================  =====  ==================

A blank cell is allowed and, like NA, does not count. A new matrix starts with every
cell blank ("unrated"): nothing is scored, ranked or observed until the analyst rates.

Scores (Heuer's method works by refutation, so only inconsistency counts):

* **weighted inconsistency** of hypothesis h:
  ``WI(h) = sum_e w(e) * points(rating(e, h))``, where ``w(e)`` is the item's
  Admiralty weight (:meth:`secondfront.model.grading.Grading.weight`, an assumption of
  this package: A1 = 1.0, C3 = 0.36, F6 = 0.25). The hypothesis with the lowest WI is
  the one the evidence refutes least.
* **diagnosticity** of item e: the population standard deviation of its scores over
  the hypotheses it is rated for (NA and blanks left out; 0 when fewer than two are
  rated). An item rated the same for every hypothesis has diagnosticity 0: it cannot
  help choose between them, however credible it is.

Beside the analyst's ratings, the model gives its own: for an indicator observed in
state s, the likelihoods ``L(h) = P(indicator = s | H = h)`` come from the network,
and the *likelihood ratio* of h against the other hypotheses taken equally,
``LR(h) = L(h) / mean_{h' != h} L(h')`` (the Bayes factor of h against the rest),
maps to a rating (:func:`rating_from_ratio`).
Cells where the analyst and the model are two or more steps apart on the CC..II
scale are *disagreements*, shown so that either the rating or the model is revisited.

Several analysts may rate one matrix; each keeps their own ratings (a *panel*: per
cell, analyst -> rating), and the matrix is scored on the **consensus**
(:data:`CONSENSUS_RULE`, :func:`consensus`): per cell, over the analysts who rated it,
NA when more than half of them say NA, otherwise the median of their CC..II ratings
on the score scale, an even count's midpoint rounded toward N (so CC and C give C, C
and I give N). The median, not the mean, so that one outlying analyst cannot move a
cell by more than the middle of the panel allows. Cells nobody rated stay blank and
are not scored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from secondfront.errors import QueryError, unknown_name
from secondfront.inference.query import check_variable, infer, posterior_batch
from secondfront.model.grading import Grading, parse_grading
from secondfront.model.model import ModelLike, as_model

RATINGS: tuple[str, ...] = ("CC", "C", "N", "I", "II", "NA")
"""Every valid cell rating, most consistent first; NA means not applicable."""

RATING_WORDS: Mapping[str, str] = {
    "CC": "very consistent",
    "C": "consistent",
    "N": "neutral",
    "I": "inconsistent",
    "II": "very inconsistent",
    "NA": "not applicable",
}

RATING_SCORE: Mapping[str, int] = {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}
"""Signed score of each scored rating; NA and blanks have none."""

INCONSISTENCY_POINTS: Mapping[str, float] = {"I": 1.0, "II": 2.0}
"""Points per rating toward a hypothesis's inconsistency (Burton's C-ACH scoring)."""

# Likelihood-ratio cut points for the model's rating, as factors of the mean likelihood.
# A factor of 2 either way is a strong signal (CC / II); 1.25 either way is a weak one.
# They are this package's assumption, chosen so that an indicator with
# P(seen | h) = 0.85 against 0.10 rates CC / II, and one with 0.30 against 0.25 rates N.
STRONG_RATIO = 2.0
WEAK_RATIO = 1.25

DISAGREEMENT_STEPS = 2
"""Analyst and model ratings this many steps apart (or more) are a disagreement."""

DEFAULT_ANALYST = "analyst"
"""The name a rating carries when its analyst gives none."""

CONSENSUS_RULE = (
    "per cell, over the analysts who rated it: NA when more than half of them say NA; "
    "otherwise the median of their CC..II ratings on the score scale (CC = +2 .. II = -2), "
    "an even count's midpoint rounded toward N; a cell nobody rated stays blank"
)
"""How :func:`consensus_rating` combines the analysts' ratings of one cell."""

_SCORE_RATING: Mapping[int, str] = {v: k for k, v in RATING_SCORE.items()}


@dataclass(frozen=True)
class EvidenceItem:
    """One row of an ACH matrix.

    Attributes:
        id: unique within the matrix (``ind:reservist_callups``, ``claim:pretext-plans``).
        label: what the row says, for people.
        kind: ``"indicator"`` (an observable of the model) or ``"claim"``.
        grading: Admiralty grading of the item, e.g. ``"C3"``.
        variable: the model variable it observes (indicators only).
        state: the observed state of ``variable`` (indicators only).
    """

    id: str
    label: str
    kind: str
    grading: str
    variable: str | None = None
    state: str | None = None

    @property
    def weight(self) -> float:
        """The Admiralty weight of the grading (see the module docstring)."""
        return parse_grading(self.grading).weight()


@dataclass(frozen=True)
class ModelView:
    """What the network says about the matrix.

    Attributes:
        likelihoods: item id -> hypothesis -> P(observation | hypothesis); indicators only.
        ratings: item id -> hypothesis -> the rating the likelihood ratio implies.
        prior: hypothesis -> P(h) with no evidence.
        posterior: hypothesis -> P(h | every indicator item observed as stated), or
            ``None`` when the items together are impossible under the model.
    """

    likelihoods: dict[str, dict[str, float]]
    ratings: dict[str, dict[str, str]]
    prior: dict[str, float]
    posterior: dict[str, float] | None


@dataclass(frozen=True)
class Scores:
    """The scores of a matrix.

    Attributes:
        inconsistency: hypothesis -> unweighted inconsistency (I = 1, II = 2).
        weighted: hypothesis -> weighted inconsistency.
        diagnosticity: item id -> population stdev of its scores across hypotheses.
        ranking: hypotheses, least weighted inconsistency first.
        ranking: hypotheses, least weighted inconsistency first; empty while no cell
            is rated (nothing to rank them by).
        disagreements: (item id, hypothesis, analyst rating, model rating) for cells
            where the two are at least ``DISAGREEMENT_STEPS`` apart.
        rated: how many cells carry a rating (NA included); blanks are unrated.
    """

    inconsistency: dict[str, float]
    weighted: dict[str, float]
    diagnosticity: dict[str, float]
    ranking: list[str]
    disagreements: list[tuple[str, str, str, str]] = field(default_factory=list)
    rated: int = 0


Ratings = Mapping[tuple[str, str], str]
"""(item id, hypothesis) -> rating; missing cells are blank."""


def rated_items(
    items: Sequence[EvidenceItem], hypotheses: Sequence[str], ratings: Ratings
) -> list[EvidenceItem]:
    """The items with at least one rated cell: the rows the analyst has taken up.

    Only these count as observed when the model's posterior is computed: a row the
    matrix was created with, that nobody rated, is a suggestion, not a report in hand.
    """
    return [i for i in items if any(ratings.get((i.id, h)) for h in hypotheses)]


def check_rating(rating: str) -> str:
    """Return ``rating`` if it is one of :data:`RATINGS`, else raise a one-line QueryError."""
    if rating not in RATINGS:
        raise unknown_name("rating", rating, RATINGS)
    return rating


Panel = Mapping[tuple[str, str], Mapping[str, str]]
"""(item id, hypothesis) -> analyst -> rating: every analyst's own ratings of a matrix."""


def consensus_rating(ratings: Iterable[str]) -> str | None:
    """The consensus of one cell's ratings (:data:`CONSENSUS_RULE`); None when none is given.

    Blanks are left out. ``["CC", "C", "II"]`` -> ``"C"``; ``["CC", "C"]`` -> ``"C"``
    (midpoint 1.5 rounded toward N); ``["NA", "NA", "I"]`` -> ``"NA"``; ``["NA", "I"]``
    -> ``"I"`` (NA is not more than half).

    Raises:
        QueryError: an unknown rating.
    """
    given = [check_rating(r) for r in ratings if r]
    if not given:
        return None
    if 2 * given.count("NA") > len(given):
        return "NA"
    scores = sorted(RATING_SCORE[r] for r in given if r != "NA")
    mid = len(scores) // 2
    median = scores[mid] if len(scores) % 2 else (scores[mid - 1] + scores[mid]) / 2
    return _SCORE_RATING[math.trunc(median)]


def consensus(panel: Panel) -> dict[tuple[str, str], str]:
    """The consensus rating of every cell some analyst rated (:func:`consensus_rating`)."""
    out: dict[tuple[str, str], str] = {}
    for cell, by_analyst in panel.items():
        rating = consensus_rating(by_analyst.values())
        if rating is not None:
            out[cell] = rating
    return out


def analyst_ratings(panel: Panel, analyst: str) -> dict[tuple[str, str], str]:
    """One analyst's own ratings: the cells they rated."""
    return {cell: r for cell, by in panel.items() if (r := by.get(analyst))}


def analysts(panel: Panel) -> list[str]:
    """Every analyst with a rating in the panel, sorted by name."""
    return sorted({a for by in panel.values() for a, r in by.items() if r})


def inconsistency(
    items: Sequence[EvidenceItem], hypotheses: Sequence[str], ratings: Ratings, weighted: bool
) -> dict[str, float]:
    """Inconsistency of each hypothesis: ``sum_e w(e) * points(rating(e, h))``.

    Args:
        items: the matrix rows.
        hypotheses: the matrix columns.
        ratings: the rated cells.
        weighted: use each item's Admiralty weight ``w(e)``; otherwise ``w(e) = 1``.
    """
    out = {h: 0.0 for h in hypotheses}
    for item in items:
        w = item.weight if weighted else 1.0
        for h in hypotheses:
            out[h] += w * INCONSISTENCY_POINTS.get(ratings.get((item.id, h), ""), 0.0)
    return out


def diagnosticity(
    items: Sequence[EvidenceItem], hypotheses: Sequence[str], ratings: Ratings
) -> dict[str, float]:
    """Diagnosticity of each item: population stdev of its scores across hypotheses.

    ``D(e) = sqrt(mean_h (s(e, h) - mean_h s(e, h))**2)`` over the hypotheses whose
    cell has a scored rating (CC..II); 0 when fewer than two are scored.
    """
    out: dict[str, float] = {}
    for item in items:
        scores = [
            RATING_SCORE[r]
            for h in hypotheses
            if (r := ratings.get((item.id, h), "")) in RATING_SCORE
        ]
        if len(scores) < 2:
            out[item.id] = 0.0
            continue
        mean = sum(scores) / len(scores)
        out[item.id] = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    return out


def rating_from_ratio(ratio: float) -> str:
    """The rating a likelihood ratio implies (cut points ``STRONG_RATIO``, ``WEAK_RATIO``).

    ``ratio >= 2`` -> CC, ``>= 1.25`` -> C, ``> 1/1.25`` -> N, ``> 1/2`` -> I, else II.
    """
    if ratio >= STRONG_RATIO:
        return "CC"
    if ratio >= WEAK_RATIO:
        return "C"
    if ratio > 1.0 / WEAK_RATIO:
        return "N"
    if ratio > 1.0 / STRONG_RATIO:
        return "I"
    return "II"


def ratings_from_likelihoods(likelihoods: Mapping[str, float]) -> dict[str, str]:
    """Model ratings for one item from its likelihood under each hypothesis.

    ``LR(h) = L(h) / mean_{h' != h} L(h')``. A hypothesis whose rivals all have
    likelihood 0 is CC if its own is positive, N if it is 0 too; a lone hypothesis is N.
    """
    out: dict[str, str] = {}
    for h, lik in likelihoods.items():
        rivals = [x for g, x in likelihoods.items() if g != h]
        rest = sum(rivals) / len(rivals) if rivals else lik
        if rest <= 0.0:
            out[h] = "CC" if lik > 0.0 else "N"
        else:
            out[h] = rating_from_ratio(lik / rest)
    return out


def disagreements(
    items: Sequence[EvidenceItem],
    hypotheses: Sequence[str],
    ratings: Ratings,
    model_ratings: Mapping[str, Mapping[str, str]],
) -> list[tuple[str, str, str, str]]:
    """Cells where analyst and model ratings are ``DISAGREEMENT_STEPS`` or more apart."""
    found = []
    for item in items:
        implied = model_ratings.get(item.id)
        if not implied:
            continue
        for h in hypotheses:
            mine = ratings.get((item.id, h), "")
            theirs = implied.get(h, "")
            if mine in RATING_SCORE and theirs in RATING_SCORE:
                if abs(RATING_SCORE[mine] - RATING_SCORE[theirs]) >= DISAGREEMENT_STEPS:
                    found.append((item.id, h, mine, theirs))
    return found


def score(
    items: Sequence[EvidenceItem],
    hypotheses: Sequence[str],
    ratings: Ratings,
    model: ModelView | None = None,
) -> Scores:
    """Every score of a matrix: inconsistency, weighted inconsistency, diagnosticity.

    Args:
        items: the matrix rows.
        hypotheses: the matrix columns.
        ratings: the rated cells; unknown ratings raise a QueryError.
        model: the model's view, to list disagreements with it.
    """
    for rating in ratings.values():
        check_rating(rating)
    weighted = inconsistency(items, hypotheses, ratings, weighted=True)
    ids = {i.id for i in items}
    rated = sum(1 for (item, h), r in ratings.items() if r and item in ids and h in hypotheses)
    # Python's sort is stable, so ties keep the hypotheses' own order. With no cell
    # rated every hypothesis scores 0 and an order would be a headline from nothing.
    ranking = sorted(hypotheses, key=lambda h: weighted[h]) if rated else []
    return Scores(
        inconsistency=inconsistency(items, hypotheses, ratings, weighted=False),
        weighted=weighted,
        diagnosticity=diagnosticity(items, hypotheses, ratings),
        ranking=ranking,
        disagreements=disagreements(items, hypotheses, ratings, model.ratings)
        if model is not None
        else [],
        rated=rated,
    )


def model_view(
    network: ModelLike,
    hypothesis: str,
    items: Sequence[EvidenceItem],
    observed_items: Sequence[EvidenceItem] | None = None,
) -> ModelView:
    """What ``network`` implies for each indicator item and for the hypotheses.

    The likelihoods ``P(item.variable = item.state | hypothesis = h)`` for every item
    and every h come from one batched inference call with one row per hypothesis state.

    Args:
        network: the model.
        hypothesis: the variable whose states are the hypotheses.
        items: the matrix rows; those without ``variable`` (claims) are skipped.
        observed_items: the rows whose observations enter the posterior (default:
            every row; :func:`assess` passes the rated rows, :func:`rated_items`).

    Raises:
        QueryError: an unknown variable or state, or two items observing one variable
            in different states.
    """
    model = as_model(network)
    network = model.network
    check_variable(network, hypothesis)
    states = network.variables[hypothesis].states
    observed: dict[str, str] = {}
    for item in items:
        if item.variable is None or item.state is None:
            continue
        check_variable(network, item.variable)
        if item.state not in network.variables[item.variable].states:
            raise unknown_name(
                f"state of {item.variable}", item.state, network.variables[item.variable].states
            )
        if observed.setdefault(item.variable, item.state) != item.state:
            raise QueryError(
                f"two items observe {item.variable} in different states "
                f"({observed[item.variable]!r} and {item.state!r}); keep one"
            )
    post = posterior_batch(model, [{hypothesis: h} for h in states], on_impossible="nan")
    likelihoods: dict[str, dict[str, float]] = {}
    ratings: dict[str, dict[str, str]] = {}
    for item in items:
        if item.variable is None or item.state is None:
            continue
        k = network.variables[item.variable].index(item.state)
        column = post.marginals[item.variable][:, k]
        lik = {
            h: float(column[i]) if math.isfinite(column[i]) else 0.0 for i, h in enumerate(states)
        }
        likelihoods[item.id] = lik
        ratings[item.id] = ratings_from_likelihoods(lik)
    prior = infer(model)[hypothesis]
    if observed_items is not None:
        keep = {i.variable for i in observed_items if i.variable is not None}
        observed = {v: s for v, s in observed.items() if v in keep}
    posterior: dict[str, float] | None = None
    if observed and hypothesis not in observed:
        joint = posterior_batch(model, [observed], on_impossible="nan")
        row = joint.marginals[hypothesis][0]
        if all(math.isfinite(x) for x in row):
            posterior = {h: float(row[i]) for i, h in enumerate(states)}
    elif not observed:
        posterior = dict(prior)
    return ModelView(likelihoods=likelihoods, ratings=ratings, prior=prior, posterior=posterior)


def indicator_items(network: ModelLike, hypothesis: str, grading: str = "F6") -> list[EvidenceItem]:
    """Default rows for a new matrix: every indicator of the model, observed as seen.

    An indicator is one of :meth:`Model.indicators` (a bare network's leaves); its
    observed state is its headline (last) state, ``present`` by the spec convention.
    The grading starts at
    ``F6`` (neither the source nor the information judged yet) until the analyst
    grades the report in hand.
    """
    model = as_model(network)
    check_variable(model, hypothesis)
    parse_grading(grading)
    items = []
    for name in model.indicators():
        var = model.variables[name]
        items.append(
            EvidenceItem(
                id=f"ind:{name}",
                label=var.label or name,
                kind="indicator",
                grading=grading,
                variable=name,
                state=model.headline(name),
            )
        )
    return items


def claim_item(network: ModelLike, claim_id: str) -> EvidenceItem:
    """A matrix row for claim ``claim_id`` of the model's spec, with the claim's grading."""
    spec = as_model(network).spec
    claims = spec.claims_by_id if spec is not None else {}
    if claim_id not in claims:
        raise unknown_name("claim", claim_id, claims)
    c = claims[claim_id]
    return EvidenceItem(
        id=f"claim:{c.id}",
        label=f"{c.says} ({c.source} {c.locator})",
        kind="claim",
        grading=str(c.grading),
    )


@dataclass(frozen=True)
class Assessment:
    """A matrix assessed against a model: the analyst's scores beside the model's view.

    Attributes:
        hypotheses: the states of the hypothesis variable, in model order.
        view: what the model implies for each indicator row and for the hypotheses.
        scores: inconsistency, diagnosticity, ranking and disagreements with the model.
    """

    hypotheses: list[str]
    view: ModelView
    scores: Scores


def assess(
    model: ModelLike, hypothesis: str, items: Sequence[EvidenceItem], ratings: Ratings
) -> Assessment:
    """Score a matrix and set the model's view beside it (one batched engine call).

    The model's posterior takes as observed only the indicator rows with a rated cell
    (:func:`rated_items`); an unrated new matrix shows the prior.

    Raises:
        QueryError: an unknown hypothesis variable, state or rating.
    """
    m = as_model(model)
    check_variable(m, hypothesis)
    hypotheses = list(m.variables[hypothesis].states)
    view = model_view(m, hypothesis, items, rated_items(items, hypotheses, ratings))
    return Assessment(hypotheses, view, score(items, hypotheses, ratings, view))


def grading_words(grading: str) -> str:
    """``'F3'`` -> ``'F3: reliability cannot be judged source; possibly true'``."""
    g: Grading = parse_grading(grading)
    return f"{g}: {g.describe()}"


__all__ = [
    "CONSENSUS_RULE",
    "DEFAULT_ANALYST",
    "DISAGREEMENT_STEPS",
    "INCONSISTENCY_POINTS",
    "RATINGS",
    "RATING_SCORE",
    "RATING_WORDS",
    "Assessment",
    "EvidenceItem",
    "ModelView",
    "Panel",
    "Ratings",
    "Scores",
    "analyst_ratings",
    "analysts",
    "assess",
    "check_rating",
    "claim_item",
    "consensus",
    "consensus_rating",
    "diagnosticity",
    "disagreements",
    "grading_words",
    "inconsistency",
    "indicator_items",
    "model_view",
    "rated_items",
    "rating_from_ratio",
    "ratings_from_likelihoods",
    "score",
]
