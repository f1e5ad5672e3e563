"""Fitting the time model to the stored series: no peeking, the copy, the CLI."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.errors import UsageError
from secondfront.evidence import store
from secondfront.evidence.ingest import ingest
from secondfront.evidence.mapping import load_rules
from secondfront.forecasting.backtest import HISTORY, history_store
from secondfront.timeline import baumwelch as bw
from secondfront.timeline import fit
from secondfront.timeline.chain import load_timeline
from secondfront.timeline.fitted import FitEss, emission_likelihood

CUT = dt.date(2022, 2, 1)


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_timeline()


@pytest.fixture(scope="module")
def full_fit(model):  # type: ignore[no-untyped-def]
    return fit.fit_as_of(model, history_store(), CUT)


def test_fit_as_of_reads_nothing_after_the_date(model, full_fit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A store that never held the later events must give the same fit.
    cut = tmp_path / "cut.csv"
    with HISTORY.open(newline="") as src, cut.open("w", newline="") as dst:
        rows = csv.reader(src)
        w = csv.writer(dst)
        head = next(rows)
        w.writerow(head)
        day = head.index("event_date")
        kept = [r for r in rows if dt.date.fromisoformat(r[day]) <= CUT]
        w.writerows(kept)
    # The same declared coverage as the history's, so that only the events differ.
    shutil.copy(HISTORY.with_name("belarus-events.coverage.yaml"), tmp_path / "cut.coverage.yaml")
    con = store.connect(":memory:")
    ingest(con, [cut], fmt="acled", rules=load_rules())
    early = fit.fit_as_of(model, con, CUT)
    assert early.weeks == full_fit.weeks and early.weeks[-1] == "2022-W05"
    for a, b in zip(early.params, full_fit.params, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)
    full = history_store()
    n = full.execute("SELECT count(*) FROM acled_events").fetchone()
    later = fit.fit_as_of(model, full, dt.date(2023, 1, 1))
    assert full.execute("SELECT count(*) FROM acled_events").fetchone() == n  # views gone
    assert len(later.weeks) > len(full_fit.weeks)
    assert not np.allclose(later.params.transition, full_fit.params.transition)


def test_a_week_under_way_enters_the_fit_with_its_reports_only(model) -> None:  # type: ignore[no-untyped-def]
    from secondfront.evidence.weeks import evidence_rows, weekly_statuses

    con, rules = history_store(), load_rules()
    thursday = dt.date(2022, 1, 20)  # troops reported arriving 17-19 January
    got = fit.fit_as_of(model, con, thursday, rules, max_iter=3)
    with fit.store_as_of(con, thursday):
        weeks, evidence = evidence_rows(weekly_statuses(con, rules, end=thursday))
    assert weeks[-1] == "2022-W03" == got.weeks[-1]
    week = evidence[-1]
    assert "present" in week.values() and "absent" in week.values()
    so_far = [*evidence[:-1], {k: v for k, v in week.items() if v == "present"}]
    same = fit.fit_timeline(model, weeks, so_far, rules.indicators, until=thursday, max_iter=3)
    absent = fit.fit_timeline(model, weeks, evidence, rules.indicators, until=thursday, max_iter=3)
    assert got.result.log_posterior == same.result.log_posterior
    assert got.result.log_posterior != absent.result.log_posterior


def test_fit_stays_near_the_prior_and_climbs(model, full_fit) -> None:  # type: ignore[no-untyped-def]
    r = full_fit.result
    assert np.all(np.diff(r.trace) >= -1e-9)
    A = full_fit.params.transition
    assert np.all(A > 0) and np.all(A < 1)
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    # Weight 0 on the prior moves further from the analyst's numbers than the default.
    loose = fit.fit_as_of(
        model, history_store(), CUT, ess=FitEss(initial=1, transition=1, emission=1)
    )
    assert (
        np.abs(loose.params.transition - model.transition).sum()
        > np.abs(A - model.transition).sum()
    )


def test_network_emission_is_the_engine_posterior(model) -> None:  # type: ignore[no-untyped-def]
    from secondfront.inference.query import infer

    B = fit.network_emission(model, ["troops_toward_southern_border"])
    for k, s in enumerate(model.spec.states):
        p = infer(model.network, dict(s.network))["troops_toward_southern_border"]["present"]
        assert B[k, 0] == pytest.approx(p, abs=1e-12)
    with pytest.raises(UsageError, match="no_such"):
        fit.network_emission(model, ["no_such"])


def test_copy_loads_and_the_original_is_untouched(model, full_fit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = Path(model.path).read_bytes()
    out = fit.write_fitted(full_fit, tmp_path / "fitted.timeline.yaml")
    assert Path(model.path).read_bytes() == before
    copy = load_timeline(out)
    assert copy.spec.fitted is not None
    prov = copy.spec.fitted
    assert prov.data.first_week == full_fit.weeks[0] and prov.data.until == "2022-02-01"
    assert prov.iterations == full_fit.result.iterations and prov.ess == fit.DEFAULT_ESS
    assert prov.log_likelihood == pytest.approx(full_fit.result.log_likelihood, abs=1e-5)
    np.testing.assert_allclose(copy.transition, full_fit.params.transition, atol=1e-8)
    np.testing.assert_allclose(copy.prior, full_fit.params.initial, atol=1e-8)
    # The in-memory fitted model is the same as the file's.
    np.testing.assert_allclose(full_fit.fitted_model().transition, copy.transition)
    with pytest.raises(UsageError, match="is the file being fitted"):
        fit.write_fitted(full_fit, Path(model.path))


def test_fitted_emission_likelihood_is_the_fits(model, full_fit) -> None:  # type: ignore[no-untyped-def]
    prov = full_fit.provenance()
    evidence = [
        {"troops_toward_southern_border": "present", "reservist_callups": "absent"},
        {},
        {"rail_sabotage_reports": "present", "not_an_indicator": "present"},
    ]
    L = emission_likelihood(prov, model.state_names, evidence)
    X = fit.series(evidence, full_fit.indicators)
    ref = np.exp(bw.emission_log_likelihood(full_fit.params.emission, X))
    ref /= ref.max(axis=1, keepdims=True)
    np.testing.assert_allclose(L, ref, rtol=1e-6)


def test_fit_command(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(HISTORY), "--db", str(db), "--json"]).exit_code == 0
    out = tmp_path / "fit.yaml"
    r = runner.invoke(
        app, ["fit", "--db", str(db), "--until", "2022-06-30", "-o", str(out), "--json"]
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["data"]["until"] == "2022-06-30" and data["out"] == str(out)
    assert set(data["transition"]) == {"status_quo", "preparation", "imminent_entry"}
    assert load_timeline(out).spec.fitted is not None
    r = runner.invoke(app, ["fit", "--db", str(db), "--until", "June", "-o", str(out)])
    assert r.exit_code == 2 and r.stderr.strip() == "error: --until 'June' is not a date YYYY-MM-DD"
    r = runner.invoke(app, ["fit", "--db", str(db), "--until", "1990-01-01", "-o", str(out)])
    assert r.exit_code == 2 and "no weeks of data to fit up to 1990-01-01" in r.stderr


def test_store_as_of_hides_later_rows_of_every_event_table(tmp_path: Path) -> None:
    con = store.connect(":memory:")
    ingest(con, [HISTORY], fmt="acled", rules=load_rules())
    gdelt = tmp_path / "g.CSV"
    from tests.evidence.conftest import gdelt_generator

    gdelt_generator().write(gdelt, 200, start=dt.date(2021, 1, 1), days=730)
    ingest(con, [gdelt], fmt="gdelt", rules=load_rules())
    tables = {"acled_events": "event_date", "gdelt_events": "sqldate"}

    def counts(day: dt.date | None = None) -> dict[str, int]:
        out = {}
        for t, col in tables.items():
            where = "" if day is None else f" WHERE {col} <= DATE '{day}'"
            row = con.execute(f"SELECT count(*) FROM {t}{where}").fetchone()
            assert row is not None
            out[t] = int(row[0])
        return out

    full = counts()
    day = dt.date(2022, 1, 1)
    with fit.store_as_of(con, day):
        inside = counts()
    assert inside == counts(day) and all(0 < inside[t] < full[t] for t in tables)
    with pytest.raises(RuntimeError), fit.store_as_of(con, day):
        raise RuntimeError("inside the block")
    assert counts() == full  # the views are gone even after an error


def test_a_fitted_timeline_filters_with_its_fitted_emissions(
    model, full_fit, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from secondfront.evidence.mapping import load_rules
    from secondfront.timeline.view import timeline_view, weekly_evidence

    copy = load_timeline(fit.write_fitted(full_fit, tmp_path / "fitted.timeline.yaml"))
    fitted = copy.spec.fitted
    assert fitted is not None
    rules = load_rules(None, copy.model)
    con = history_store()

    def view(tm, smooth=False):  # type: ignore[no-untyped-def]
        return timeline_view(
            tm.model, con, rules=rules, time_model=tm, smooth=smooth, max_weeks=None
        )

    # The independent reference: Baum-Welch's own forward-backward with the file's
    # numbers (initial, transition and fitted emissions) over the whole stored series.
    record = weekly_evidence(con, rules)
    inds = list(fitted.emission[copy.state_names[0]])
    B = np.array([[fitted.emission[s][i] for i in inds] for s in copy.state_names])
    ref = bw.expected_counts(
        bw.HmmParameters(copy.prior, copy.transition, B), fit.series(record.evidence, inds)
    )
    smoothed = view(copy, smooth=True)
    assert [w.week for w in smoothed.weeks] == record.weeks
    first = np.array([smoothed.weeks[0].states[s] for s in copy.state_names])
    np.testing.assert_allclose(first, ref.initial, atol=1e-9)
    # log P(series): the filter's scaled likelihoods plus each week's scale.
    scale = bw.emission_log_likelihood(B, fit.series(record.evidence, inds)).max(axis=1).sum()
    assert view(copy).log_evidence + scale == pytest.approx(ref.log_likelihood, abs=1e-8)
    # The same numbers without the fitted block filter with the network's likelihoods.
    plain = dataclasses.replace(copy, spec=copy.spec.model_copy(update={"fitted": None}))
    assert view(copy).fitted and not view(plain).fitted
    head = [w.p["belarus_entry"] for w in view(copy).weeks]
    other = [w.p["belarus_entry"] for w in view(plain).weeks]
    assert max(abs(a - b) for a, b in zip(head, other, strict=True)) > 1e-3


def test_a_fit_records_what_it_rests_on(model, full_fit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Fingerprints of the store, the series, the rules, the network and the time model,
    the program's version and the time, written into the fitted copy."""
    import secondfront

    basis = full_fit.basis
    assert set(basis) == {"store", "series", "rules", "network", "timeline", "program", "fitted_at"}
    assert basis["network"] == model.model.digest and basis["program"] == secondfront.__version__
    assert basis["timeline"].startswith("sha256:") and basis["fitted_at"].endswith("Z")
    copy = load_timeline(fit.write_fitted(full_fit, tmp_path / "fitted.timeline.yaml"))
    assert copy.spec.fitted is not None and copy.spec.fitted.basis == basis
    # The same store and day give the same store and series fingerprints; a later day,
    # with more events read, gives others.
    again = fit.fit_as_of(model, history_store(), CUT).basis
    later = fit.fit_as_of(model, history_store(), dt.date(2022, 6, 1)).basis
    assert (again["store"], again["series"]) == (basis["store"], basis["series"])
    assert later["store"] != basis["store"] and later["series"] != basis["series"]


def test_the_copy_is_the_one_writers_with_the_whole_provenance_block(
    model, full_fit, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from secondfront.model.fittedcopy import fitted_yaml_text, read_provenance

    out = fit.write_fitted(full_fit, tmp_path / "new" / "fitted.timeline.yaml")
    text = out.read_text(encoding="utf-8")
    assert text.startswith(
        "# Written by `secondfront fit` from belarus-second-front.timeline.yaml; the fitted "
        "numbers and\n# their provenance are in `initial`, `transition` and `fitted`.\n"
    )
    copy = fit.copy_provenance(full_fit)
    assert text == fitted_yaml_text(fit.fitted_document(full_fit), copy, width=88)
    # What was fitted, from which data, as of which day, by which method, on what basis.
    block = read_provenance(out)
    assert block == full_fit.provenance().model_dump() == dict(copy.fields)
    assert block["method"] == fit.METHODS[full_fit.emissions] and block["source"] == str(model.path)
    assert block["data"] == {
        "first_week": full_fit.weeks[0],
        "last_week": "2022-W05",
        "weeks": len(full_fit.weeks),
        "until": "2022-02-01",
    }
    # Loaded back: the same block and the same numbers as the fit's model in memory.
    back = load_timeline(out)
    mem = full_fit.fitted_model()
    assert back.spec.fitted == mem.spec.fitted == full_fit.provenance()
    np.testing.assert_array_equal(back.prior, mem.prior)
    np.testing.assert_array_equal(back.transition, mem.transition)
