"""The dated forecast: no peeking, complete weeks only, the window remembered, the fit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy.optimize import minimize

from secondfront.errors import UsageError
from secondfront.evidence import store
from secondfront.evidence.mapping import MappingRules
from secondfront.forecasting.forecast import dated_probability
from secondfront.forecasting.outlook import (
    FEATURES,
    ChainWeeks,
    fit_as_of,
    fit_map,
    forecast_at,
    forecast_from,
    history_as_of,
    outlook,
)
from secondfront.timeline.chain import TimelineModel
from secondfront.timeline.fit import dated_tables
from tests.evidence.test_source_registry import toy  # noqa: F401 (the fixture, registered)
from tests.forecasting.test_forecast import _store_until

CUT = dt.date(2022, 2, 10)


def test_a_store_cut_at_the_day_gives_the_same_forecasts(
    tmp_path: Path,
    history: duckdb.DuckDBPyConnection,
    timeline: TimelineModel,
    rules: MappingRules,
) -> None:
    cut = _store_until(tmp_path, CUT)
    full = outlook(timeline, history, rules, CUT, 8)
    short = outlook(timeline, cut, rules, CUT, 8)
    assert [f.target for f in full.forecasts] == [f.target for f in short.forecasts]
    for a, b in zip(full.forecasts, short.forecasts, strict=True):
        assert a.p == pytest.approx(b.p, abs=1e-12), a.target
        assert (a.low, a.high) == pytest.approx((b.low, b.high), abs=1e-12)
        assert a.rows == b.rows and a.last_event == b.last_event
    # The history after the day is not empty: without the cut the answer would differ.
    later = outlook(timeline, history, rules, dt.date(2022, 4, 10), 8)
    ops = "russian_operations_from_belarus=present"
    by = {f.target: f for f in later.forecasts}
    assert by[ops].last_event is not None and by[ops].last_event > CUT


@pytest.mark.usefixtures("toy")
def test_a_registered_source_is_cut_at_the_day(
    tmp_path: Path, history: duckdb.DuckDBPyConnection
) -> None:
    con = store.connect(":memory:")
    con.execute(
        "CREATE TABLE toy_events (toy_id VARCHAR PRIMARY KEY, day DATE, headline VARCHAR, "
        "file_sha256 VARCHAR)"
    )
    con.execute("INSERT INTO toy_events VALUES ('a', DATE '2022-01-01', 'x', 'f')")
    con.execute("INSERT INTO toy_events VALUES ('b', DATE '2022-03-01', 'y', 'f')")
    assert dated_tables(con)["toy_events"] == "day"
    from secondfront.timeline.fit import store_as_of

    with store_as_of(con, dt.date(2022, 2, 1)):
        (n,) = con.execute("SELECT count(*) FROM toy_events").fetchone()  # type: ignore[misc]
    assert n == 1
    (n,) = con.execute("SELECT count(*) FROM toy_events").fetchone()  # type: ignore[misc]
    assert n == 2


@pytest.mark.parametrize(
    ("through", "last_sunday"),
    [
        (dt.date(2022, 2, 6), dt.date(2022, 2, 6)),
        (dt.date(2022, 2, 7), dt.date(2022, 2, 6)),
        (dt.date(2022, 2, 12), dt.date(2022, 2, 6)),
        (dt.date(2022, 2, 13), dt.date(2022, 2, 13)),
    ],
)
def test_only_complete_weeks_reach_the_chain(
    history: duckdb.DuckDBPyConnection,
    timeline: TimelineModel,
    rules: MappingRules,
    through: dt.date,
    last_sunday: dt.date,
) -> None:
    h = history_as_of(timeline, history, rules, through)
    assert dt.date.fromordinal(int(h.chain.ends[-1])) == last_sunday


def test_a_partial_week_without_events_does_not_move_the_chain(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    sunday = history_as_of(timeline, history, rules, dt.date(2022, 2, 6))
    monday = history_as_of(timeline, history, rules, dt.date(2022, 2, 7))
    np.testing.assert_array_equal(sunday.chain.beliefs, monday.chain.beliefs)
    for k, v in sunday.chain.outcomes.items():
        np.testing.assert_array_equal(v, monday.chain.outcomes[k])


def test_a_week_under_way_is_read_for_what_it_has_reported(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    # Russian troops were reported arriving on 17-19 January 2022: known on Thursday the
    # 20th, whose week closes on Sunday the 23rd.
    thursday, sunday = dt.date(2022, 1, 20), dt.date(2022, 1, 16)
    h = history_as_of(timeline, history, rules, thursday)
    part = h.chain.partial
    assert part is not None and part.day == thursday.toordinal() and part.reports
    assert dt.date.fromordinal(int(h.chain.ends[-1])) == sunday
    # The belief is the filter's next step with the week's present reports only (the
    # absent ones say nothing yet), against the filter run directly on that evidence.
    from secondfront.timeline.chain import engine_evidence, state_terms
    from secondfront.timeline.hmm import forward_filter
    from secondfront.timeline.view import weekly_evidence

    record = weekly_evidence(history, rules, end=thursday)
    n = len(h.chain.ends)
    week = {k: v for k, v in record.evidence[n].items() if v == "present"}
    assert set(week) == set(part.reports)
    weights = [*record.weights[:n], {k: record.weights[n][k] for k in week}]
    L, _ = state_terms(timeline, engine_evidence(timeline, [*record.evidence[:n], week], weights))
    direct = forward_filter(np.asarray(timeline.prior), timeline.transition, L).beliefs[-1]
    np.testing.assert_allclose(part.belief, direct, atol=1e-12)
    np.testing.assert_allclose(h.chain.beliefs_at(np.array([thursday.toordinal()]))[0], direct)
    # The days before it keep the complete weeks' numbers.
    np.testing.assert_array_equal(
        h.chain.beliefs_at(np.array([thursday.toordinal() - 1]))[0], h.chain.beliefs[-1]
    )
    ops = "russian_operations_from_belarus=present"
    now = forecast_from(h, timeline, ops, thursday, 8).p
    then = history_as_of(timeline, history, rules, sunday)
    assert now > 5 * forecast_from(then, timeline, ops, sunday, 8).p


def test_a_week_under_way_is_projected_from_the_present_week(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    # The partial reading's belief is this week's: P(no event in h weeks) applies this
    # week's hazard first and steps the chain h - 1 times, checked here by enumerating
    # every path of the chain over the weeks.
    import itertools

    thursday = dt.date(2022, 1, 20)
    read = history_as_of(timeline, history, rules, thursday).chain
    chain = dataclasses.replace(read, within_state=True)  # the shipped model spreads
    assert chain.partial is not None
    key, h = "russian_operations_from_belarus=present", 3
    got, _ = chain.within(key, np.array([thursday.toordinal()]), h)
    q = chain._hazard(chain.partial.per_state[key])
    A, b = chain.transition, chain.partial.belief
    none = 0.0
    for path in itertools.product(range(len(b)), repeat=h):
        w = b[path[0]] * (1 - q[path[0]])
        for a, c in itertools.pairwise(path):
            w *= A[a, c] * (1 - q[c])
        none += w
    assert got[0] == pytest.approx(1 - none, abs=1e-12)


def test_an_event_already_in_the_window_is_remembered(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    ops = "russian_operations_from_belarus=present"
    h = history_as_of(timeline, history, rules, dt.date(2022, 3, 1))
    asked, closes = dt.date(2022, 2, 1), dt.date(2022, 3, 29)
    assert dated_probability(h, timeline, ops, asked, dt.date(2022, 3, 1), closes) == 1.0
    # Asked on the day itself, the window starts then: the attack of 24 Feb is before it.
    p = dated_probability(h, timeline, ops, dt.date(2022, 3, 1), dt.date(2022, 3, 1), closes)
    assert p == forecast_from(h, timeline, ops, dt.date(2022, 3, 1), 4).p < 1.0


def test_forecast_at_equals_the_outlook_and_states_its_basis(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    day = dt.date(2023, 6, 1)
    many = outlook(timeline, history, rules, day, 13)
    for f in many.forecasts[:3]:
        one = forecast_at(timeline, history, rules, f.target, day, 13)
        assert one.p == pytest.approx(f.p, abs=1e-12)
        assert one.low < one.p < one.high
        assert one.closes == day + dt.timedelta(weeks=13)
        assert one.steps[-1].p == pytest.approx(one.p, abs=1e-12)
        assert not one.in_sample and one.rows > 0
        assert one.as_json()["horizon_weeks"] == 13


def test_a_wave_under_way_raises_the_forecast(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    """Integration steps were reported in the four weeks before 1 Oct 2022 (the joint
    grouping talks) and not before 1 Aug 2022: the recent term lifts the first."""
    target = "integration_steps=present"
    quiet = forecast_at(timeline, history, rules, target, dt.date(2022, 8, 1), 8)
    busy = forecast_at(timeline, history, rules, target, dt.date(2022, 12, 20), 8)
    assert busy.recent and not quiet.recent
    assert busy.p > quiet.p


def test_unknown_targets_and_horizons_are_refused(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    with pytest.raises(UsageError, match="no reported series"):
        forecast_at(timeline, history, rules, "nothing=here", dt.date(2022, 1, 1), 8)
    with pytest.raises(UsageError, match="horizon 0 weeks"):
        forecast_at(timeline, history, rules, "belarus_entry=entered", dt.date(2022, 1, 1), 0)


def test_the_map_fit_matches_a_general_optimiser() -> None:
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(400), rng.normal(size=(400, 5))])
    y = (rng.random(400) < 1 / (1 + np.exp(-(x @ [-1, 0.5, 1, 0, -0.5, 2])))).astype(float)
    w = np.full(400, 0.25)
    mean = np.array([0.0, 0.5, 0.5, 2.0, 0.5, 1.0])
    sd = np.array([1.0, 0.5, 0.5, 1.0, 1.0, 1.0])
    coef, cov = fit_map(x, y, w, mean, sd)

    def neg(c: np.ndarray) -> float:
        eta = x @ c
        ll = np.sum(w * (y * eta - np.logaddexp(0, eta)))
        return float(-ll + 0.5 * np.sum((c - mean) ** 2 / sd**2))

    ref = minimize(neg, mean, method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(coef, ref.x, atol=1e-5)
    assert np.all(np.linalg.eigvalsh(cov) > 0)


def test_without_closed_windows_the_coefficients_are_the_priors(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    h = history_as_of(timeline, history, rules, dt.date(2020, 9, 1))
    fit = fit_as_of(h, timeline, dt.date(2020, 9, 1), 8)
    priors = timeline.spec.outlook.priors
    assert fit.rows == 0
    assert list(fit.coef) == [priors[f].mean for f in FEATURES]


def test_the_outside_view_equals_a_loop_over_windows() -> None:
    from secondfront.forecasting.outlook import OutcomeSeries, outside_view

    rng = np.random.default_rng(5)
    start = dt.date(2020, 8, 9).toordinal()
    events = np.unique(start + rng.integers(0, 1500, size=40))
    series = OutcomeSeries("v", "s", "v", events)
    days = start + rng.integers(0, 1800, size=60)
    for span in (7, 28, 91, 182):
        got = outside_view(series, days, start, span)
        for d, g in zip(days, got, strict=True):
            windows = [d - span - 7 * i for i in range(10_000) if d - span - 7 * i >= start - 1]
            k = sum(bool(((events > s) & (events <= s + span)).any()) for s in windows)
            assert g == (k + 0.5) / (len(windows) + 1), (span, d)


def test_the_refitted_early_warning_uses_each_sundays_own_chain(
    tmp_path: Path, timeline: TimelineModel, rules: MappingRules
) -> None:
    """With ``refit``, each Sunday's forecast is the outlook under the chain refitted on
    the store up to that Sunday, checked on the first and last Sunday of a store cut at
    the end of September 2021 (a short store: one fit per Sunday)."""
    from secondfront.forecasting.parameters import parameters_as_of
    from secondfront.forecasting.warning import early_warning

    con = _store_until(tmp_path, dt.date(2021, 9, 30))
    card = early_warning(timeline, con, rules, 8, refit=True)
    plain = early_warning(timeline, con, rules, 8)
    assert card.refit and not plain.refit and card.as_json()["refit"] is True
    assert card.days == plain.days and len(card.days) > 5
    for i in (0, len(card.days) - 1):
        day = card.days[i]
        fitted = parameters_as_of(timeline, con, rules, day, True).model
        ahead = outlook(fitted, con, rules, day, 8)
        for f in ahead.forecasts:
            assert card.p[f.target][i] == pytest.approx(f.p, abs=1e-12)
    assert card.p != plain.p


def test_early_warning_thresholds_use_only_closed_windows(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    from secondfront.forecasting.warning import DEFAULT_THRESHOLD, THRESHOLDS, early_warning

    card = early_warning(timeline, history, rules, 8)
    assert card.days[0].weekday() == 6 and all(t in THRESHOLDS for t in card.threshold)
    # No window holds an event before the first one closes: the default threshold.
    assert card.threshold[0] == DEFAULT_THRESHOLD
    ops = next(o for o in card.outcomes if o.target == "russian_operations_from_belarus=present")
    assert dt.date(2022, 2, 24) in ops.onsets
    assert len(ops.lead_weeks) == len(ops.onsets) and ops.per_year >= 0
    # The weekly p is the one dated forecast.
    i = card.days.index(dt.date(2022, 2, 27))
    one = forecast_at(
        timeline, history, rules, "russian_operations_from_belarus=present", card.days[i], 8
    )
    assert card.p["russian_operations_from_belarus=present"][i] == pytest.approx(one.p, abs=1e-12)
    assert card.alert_on(ops.target, card.days[i]) == (one.p >= card.threshold[i])


def test_many_days_at_once_equal_one_day_at_a_time(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    from secondfront.forecasting.outlook import forecasts_on

    h = history_as_of(timeline, history, rules, dt.date(2026, 6, 30))
    days = [dt.date(2021, 5, 3), dt.date(2022, 1, 27), dt.date(2022, 2, 20), dt.date(2024, 6, 1)]
    days += [d + dt.timedelta(days=7) for d in days]  # two days of each weekday
    targets = ["russian_operations_from_belarus=present", "integration_steps=present"]
    many = forecasts_on(h, timeline, targets, days, 8)
    for t in targets:
        for i, day in enumerate(days):
            assert many[t][i] == pytest.approx(forecast_from(h, timeline, t, day, 8).p, abs=1e-12)


def test_the_outside_view_counts_only_covered_windows() -> None:
    from secondfront.forecasting.outlook import OutcomeSeries, outside_view

    rng = np.random.default_rng(8)
    start = dt.date(2020, 8, 9).toordinal()
    lo, hi = start + 30, start + 900
    events = np.unique(start + rng.integers(0, 1500, size=40))
    series = OutcomeSeries("v", "s", "v", events, (lo, hi))
    days = start + rng.integers(0, 1800, size=40)
    for span in (28, 91):
        got = outside_view(series, days, start, span)
        for d, g in zip(days, got, strict=True):
            windows = [
                d - span - 7 * i
                for i in range(10_000)
                if d - span - 7 * i + 1 >= lo and d - 7 * i <= hi
            ]
            k = sum(bool(((events > s) & (events <= s + span)).any()) for s in windows)
            assert g == (k + 0.5) / (len(windows) + 1), (span, d)


def test_windows_outside_the_declared_coverage_are_not_training_rows(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    day = dt.date(2024, 6, 2)
    h = history_as_of(timeline, history, rules, day)
    ops = h.series["russian_operations_from_belarus=present"]
    assert dt.date.fromordinal(ops.covered[1]) == dt.date(2022, 12, 31)
    entry = h.series["belarus_entry=entered"]
    assert entry.covered[1] == day.toordinal()  # no end declared: the day read through
    fit = fit_as_of(h, timeline, day, 8)
    first = h.start.toordinal() + 7 * timeline.spec.outlook.burn_in_weeks
    days = np.arange(first + ((day.toordinal() - first) % 7), day.toordinal() - 55, 7)
    expected = sum(int(s.inside(days, days + 56).sum()) for s in h.series.values())
    assert fit.rows == expected < len(days) * len(h.series)


def test_within_state_realises_a_state_while_it_lasts() -> None:
    """Closed form: a state that lasts D weeks on average (stay s = 1 - 1/D, then an
    absorbing state with no event) and carries probability p for the network's horizon.

    Each week the chain moves, then the event happens with the state's weekly hazard
    l = 1 - (1 - p) ** (1 / D): P(event within h) = s l (1 - (s (1 - l)) ** h) / (1 - s (1 - l)).
    Spread evenly over 52 weeks instead, the same p gives 1 - (1 - p) ** (h / 52).
    """
    from secondfront.forecasting.outlook import ChainWeeks

    D, p, h, H = 12.5, 0.63, 8, 52
    s = 1 - 1 / D
    A = np.array([[s, 1 - s], [0.0, 1.0]])
    key = "x=yes"
    chain = ChainWeeks(
        np.array([7], dtype=np.int64),
        beliefs=np.array([[1.0, 0.0]]),
        per_state={key: np.array([[p, 0.0]])},
        prior_belief=np.array([1.0, 0.0]),
        prior_per_state={key: np.array([p, 0.0])},
        transition=A,
        within_state=True,
        state_weeks=np.array([D, H]),
        horizon_weeks=H,
    )
    lam = 1 - (1 - p) ** (1 / D)
    r = s * (1 - lam)
    closed = s * lam * (1 - r**h) / (1 - r)
    now, start = chain.within(key, np.array([10]), h)
    assert now[0] == pytest.approx(closed, abs=1e-12) and start == pytest.approx(closed, abs=1e-12)
    spread = dataclasses.replace(chain, within_state=False)
    now, _ = spread.within(key, np.array([10]), h)
    assert now[0] == pytest.approx(1 - (1 - p) ** (h / H), abs=1e-12)
    # Realised within the state's stay, the build-up's outcome comes sooner.
    assert closed > 2 * now[0]


def test_the_holding_weeks_come_from_the_transition(timeline: TimelineModel) -> None:
    from secondfront.timeline.chain import state_holding_weeks

    weeks = state_holding_weeks(timeline)
    stay = np.diag(timeline.transition)
    assert weeks == pytest.approx(np.minimum(1 / (1 - stay), 52.0))
    assert weeks[0] == 52.0 and weeks[1] == pytest.approx(12.5)


def _toy_chain(rng: np.random.Generator, start: int, weeks: int) -> ChainWeeks:
    """A three-state chain over ``weeks`` Sundays with random beliefs and one outcome."""
    beliefs = rng.dirichlet(np.ones(3), size=weeks)
    per_state = {"v=s": rng.uniform(0.01, 0.9, size=(weeks, 3))}
    A = np.array([[0.97, 0.02, 0.01], [0.1, 0.85, 0.05], [0.1, 0.2, 0.7]])
    return ChainWeeks(
        ends=start + 6 + 7 * np.arange(weeks),
        beliefs=beliefs,
        per_state=per_state,
        prior_belief=np.array([0.9, 0.08, 0.02]),
        prior_per_state={"v=s": np.array([0.05, 0.3, 0.6])},
        transition=A,
        state_weeks=np.array([52.0, 6.7, 3.3]),
    )


def test_the_regime_view_equals_a_loop_over_windows() -> None:
    """Each state's rate is its belief-weighted share of past windows with an event,
    smoothed toward the network's number with m windows; mixed by today's belief, and by
    the share of past windows spent in each state (the chain's initial belief as m
    windows)."""
    from secondfront.forecasting.outlook import OutcomeSeries, regime_view

    rng = np.random.default_rng(11)
    start = dt.date(2020, 8, 9).toordinal()
    chain = _toy_chain(rng, start, 250)
    events = np.unique(start + rng.integers(0, 1500, size=30))
    series = OutcomeSeries("v", "s", "v", events)
    days = start + rng.integers(0, 1800, size=25)
    m = 2.0
    for h in (4, 13):
        got = regime_view(series, chain, days, start, h, m)
        assert got is not None
        pi = chain.regime_prior("v=s", h)
        assert pi is not None
        for j, d in enumerate(days):
            opens = [d - 7 * h - 7 * i for i in range(10_000) if d - 7 * h - 7 * i >= start - 1]
            b = chain.beliefs_at(np.array(opens, dtype=np.int64)) / h
            y = np.array([((events > s) & (events <= s + 7 * h)).any() for s in opens])
            rate = ((b * y[:, None]).sum(0) + m * pi) / (b.sum(0) + m)
            share = b.sum(0) + m * chain.prior_belief
            now = chain.beliefs_at(np.array([d]))[0]
            assert got.now[j] == pytest.approx(now @ rate, rel=1e-12), (h, d)
            assert got.usual[j] == pytest.approx(share / share.sum() @ rate, rel=1e-12), (h, d)
            share_of_prior = now @ (m / (b.sum(0) + m))
            assert got.prior_share[j] == pytest.approx(share_of_prior, rel=1e-12), (h, d)


def test_the_regime_prior_is_the_network_projected_from_each_state() -> None:
    """pi_k is P(event within h weeks) starting in state k, each state's network
    probability realised as a weekly hazard over the weeks a state lasts (a closed form
    for one week: the hazard after one transition)."""
    rng = np.random.default_rng(3)
    chain = _toy_chain(rng, dt.date(2020, 8, 9).toordinal(), 10)
    pi = chain.regime_prior("v=s", 1)
    assert pi is not None
    hazard = 1.0 - (1.0 - chain.prior_per_state["v=s"]) ** (1.0 / chain.state_weeks)
    np.testing.assert_allclose(pi, chain.transition @ hazard, rtol=1e-12)
    assert chain.regime_prior("indicator=present", 4) is None


def test_the_regime_adds_nothing_while_the_chain_sits_where_it_usually_was() -> None:
    """A chain that never leaves its initial belief: present and usual rates coincide,
    so the regime term is zero; a chain that moved into a state the history never held
    takes that state's network number."""
    from secondfront.forecasting.outlook import OutcomeSeries, regime_view

    start = dt.date(2020, 8, 9).toordinal()
    rng = np.random.default_rng(4)
    chain = _toy_chain(rng, start, 200)
    still = dataclasses.replace(chain, beliefs=np.tile(chain.prior_belief, (200, 1)))
    series = OutcomeSeries("v", "s", "v", np.unique(start + rng.integers(0, 1400, size=20)))
    days = start + 7 * np.arange(30, 190, 10)
    got = regime_view(series, still, days, start, 8, 1.0)
    assert got is not None
    np.testing.assert_allclose(got.now, got.usual, rtol=1e-12)
    # Status quo throughout, then certain of the third state in the last week.
    beliefs = np.tile([1.0, 0.0, 0.0], (200, 1))
    beliefs[-1] = [0.0, 0.0, 1.0]
    moved = dataclasses.replace(chain, beliefs=beliefs, prior_belief=np.array([1.0, 0.0, 0.0]))
    last = np.array([int(moved.ends[-1])])
    rates = regime_view(series, moved, last, start, 8, 1.0)
    pi = moved.regime_prior("v=s", 8)
    assert pi is not None and rates is not None
    now, usual = rates.now, rates.usual
    # No window of the history was opened in the present state: its rate is the prior's.
    assert rates.prior_share[0] == pytest.approx(1.0, abs=1e-12)
    # The third state held no past window (the last week's belief is not yet a window's).
    assert now[0] == pytest.approx(pi[2], rel=1e-12)
    # Every past window was the status quo's: the usual rate is its smoothed share.
    d = int(last[0])
    opens = [d - 56 - 7 * i for i in range(10_000) if d - 56 - 7 * i >= start - 1]
    y = sum(bool(((series.days > s) & (series.days <= s + 56)).any()) for s in opens)
    assert usual[0] == pytest.approx((y / 8 + pi[0]) / (len(opens) / 8 + 1.0), rel=1e-12)


def test_false_alarms_raised_while_quiet_are_those_with_no_event_before_either(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    """A false alarm counts as raised while quiet when the outcome had not been reported in
    the horizon's weeks before the alert came on; the others followed an event."""
    from secondfront.forecasting.warning import warning_from

    h = history_as_of(timeline, history, rules, dt.date(2023, 6, 30))
    card = warning_from(h, timeline, 8)
    seen_followers = 0
    for o in card.outcomes:
        s = h.series[o.target]
        false, quiet = 0, 0
        for day in o.alert_onsets:
            d = np.array([day.toordinal()])
            if s.count(d, d + 56)[0] or not s.inside(d, d + 56)[0]:
                continue
            false += 1
            quiet += not s.count(d - 56, d)[0]
        assert (o.false_alarms, o.quiet_false_alarms) == (false, quiet), o.target
        seen_followers += false - quiet
        assert o.quiet_per_year == pytest.approx(o.per_year * quiet / max(false, 1))
    # Russian operations: the alerts after the isolated reports of June and October 2022.
    assert seen_followers > 0


def test_the_decomposition_shows_the_chains_present_state_apart(
    history: duckdb.DuckDBPyConnection, timeline: TimelineModel, rules: MappingRules
) -> None:
    """Five parts whose log-odds add up to the forecast; the state's rate is the regime
    view's. In the build-up of February 2022, which the history had never held, Russian
    operations from Belarus take the network's number for a build-up, far above the
    outside view (no such event before)."""
    from secondfront.forecasting.outlook import regime_view

    day = dt.date(2022, 2, 6)
    target = "russian_operations_from_belarus=present"
    f = forecast_at(timeline, history, rules, target, day, 8)
    assert [s.part for s in f.steps] == [
        "outside view",
        "+ reports of the last weeks",
        "+ the states' rates over the history",
        "+ the chain's present state",
        "+ the argument's network",
    ]
    total = sum(s.log_odds for s in f.steps)
    assert total == pytest.approx(np.log(f.p / (1 - f.p)), abs=1e-9)
    h = history_as_of(timeline, history, rules, day)
    m = timeline.spec.outlook.regime_prior_windows
    rates = regime_view(
        h.series[target], h.chain, np.array([day.toordinal()]), h.start.toordinal(), 8, m
    )
    assert rates is not None and f.state_rate == pytest.approx(rates.now[0], abs=1e-12)
    assert f.state_rate is not None and f.state_rate > 10 * f.outside
    # The history had hardly held a build-up: its rate is mostly the network's number.
    assert f.state_prior_share is not None and f.state_prior_share > 0.5
    assert f.steps[3].log_odds > 1.0 and f.as_json()["state_rate"] == f.state_rate
    # The states' rates over the history against the outside view: the level term.
    usual = rates.usual[0]
    assert f.steps[2].log_odds == pytest.approx(
        f.coef["level"] * (np.log(usual / (1 - usual)) - np.log(f.outside / (1 - f.outside))),
        abs=1e-9,
    )
