"""EM for network tables: the E-step against enumeration, EM's ascent, pyAgrum's EM, the CLI."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from secondfront.analysis import learning as L
from secondfront.cli.app import app
from secondfront.errors import InputFormatError, SpecError, UsageError
from secondfront.model.formats import load
from secondfront.model.network import Network
from secondfront.testing import example_network, forward_sample


def _cases(net: Network, n: int, seed: int, missing: float, drop: tuple[str, ...] = ()) -> L.Cases:
    rng = np.random.default_rng(seed)
    s = forward_sample(net, n, rng)
    names = tuple(v for v in net.names if v not in drop)
    values = np.stack([s[v] for v in names], axis=1)
    values[rng.random(values.shape) < missing] = L.MISSING
    return L.Cases(names, values)


def _start(net: Network) -> Network:
    """Halfway between the true tables and uniform: EM has something to do."""
    return net.with_cpts({v.name: 0.5 * net.cpts[v.name] + 0.5 / v.card for v in net})


@pytest.mark.parametrize(("name", "drop"), [("asia", ()), ("asia", ("lung",)), ("cancer", ())])
def test_e_step_matches_enumeration(name: str, drop: tuple[str, ...]) -> None:
    net = _start(example_network(name))
    cases = _cases(example_network(name), 60, seed=3, missing=0.3, drop=drop)
    fast = L.expected_counts(net, cases)
    slow = L.naive_expected_counts(net, cases)
    assert fast.log_likelihood == pytest.approx(slow.log_likelihood, abs=1e-9)
    for v in net.names:
        np.testing.assert_allclose(fast.counts[v], slow.counts[v], atol=1e-10, err_msg=v)
    assert sum(c.sum() for c in fast.counts.values()) == pytest.approx(60 * len(net))


def test_log_posterior_never_decreases_and_prior_keeps_rows_off_zero() -> None:
    truth = example_network("asia")
    cases = _cases(truth, 300, seed=5, missing=0.25)
    net = _start(truth)
    fit = L.em_fit(net, cases, L.ess_counts(net, 5.0), max_iter=40, tol=0.0)
    assert np.all(np.diff(fit.trace) >= -1e-8)
    # "either" is a logical OR: its zeros are structural and stay 0 under EM; every other
    # entry of the start is positive and the pseudo-counts keep it so.
    for v in fit.network:
        start = net.cpts[v.name]
        assert np.all(fit.network.cpts[v.name][start > 0] > 0), v.name
        np.testing.assert_allclose(fit.network.cpts[v.name].sum(axis=-1), 1.0)


def test_large_sample_without_prior_recovers_the_tables() -> None:
    truth = example_network("cancer")
    cases = _cases(truth, 20_000, seed=11, missing=0.1)
    fit = L.em_fit(_start(truth), cases, L.smoothing_counts(truth, 0.0), max_iter=200)
    assert fit.converged
    from secondfront.inference.query import posterior_batch

    for v in truth:
        # Rows reached by few cases (rare parent configurations) are noisy, so each row's
        # error is weighed by how often its parent configuration occurs, P(u).
        err = np.abs(fit.network.cpts[v.name] - truth.cpts[v.name]).max(axis=-1)
        if v.parents:
            rows = [
                dict(zip(v.parents, u, strict=True))
                for u in itertools.product(*(truth.variables[q].states for q in v.parents))
            ]
            p_u = np.exp(posterior_batch(truth, rows).log_evidence).reshape(err.shape)
        else:
            p_u = np.ones(())
        assert float((p_u * err).max()) < 0.01, v.name


pyagrum = pytest.importorskip("pyagrum")


@pytest.mark.parametrize(("prior", "weight"), [("none", 0.0), ("smoothing", 1.0), ("joint", 20.0)])
def test_matches_pyagrums_em(tmp_path: Path, prior: str, weight: float) -> None:
    from secondfront.testing import pyagrum_cpt, to_pyagrum

    truth = example_network("asia")
    cases = _cases(truth, 200, seed=1, missing=0.2)
    start = _start(truth)
    # The same number of EM steps on both sides, from the same start: the iterates of
    # the two implementations must agree to rounding, step for step.
    steps = 5
    # The Dirichlet prior's network differs from the start and from the truth.
    centre = truth.with_cpts({v.name: 0.7 * truth.cpts[v.name] + 0.3 / v.card for v in truth})
    counts = (
        L.joint_counts(centre, weight) if prior == "joint" else L.smoothing_counts(truth, weight)
    )
    ours = L.em_fit(start, cases, counts, max_iter=steps, tol=0.0)
    path = L.write_cases(cases, truth, tmp_path / "asia.csv", missing="?")
    bn0 = to_pyagrum(start)
    learner = pyagrum.BNLearner(str(path), bn0, ["?"])
    if prior == "joint":
        learner.useDirichletPrior(to_pyagrum(centre), weight)
    elif prior == "smoothing":
        learner.useSmoothingPrior(weight)
    else:
        learner.useNoPrior()
    # No random perturbation of the start (noise 0); a tolerance that never stops it.
    learner.useEMWithDiffCriterion(1e-15, 0.0)
    learner.EMsetMaxIter(steps)
    theirs = learner.learnParameters(bn0)
    assert learner.EMnbrIterations() == ours.iterations == steps
    for v in truth:
        np.testing.assert_allclose(
            ours.network.cpts[v.name], pyagrum_cpt(theirs, truth, v.name), rtol=0, atol=1e-12
        )


def test_read_cases_names_every_problem_at_once(tmp_path: Path) -> None:
    net = example_network("asia")
    bad = tmp_path / "c.csv"
    bad.write_text("smoke,height,smoke\nyes,1,no\nmaybe,2\nyes,3,perhaps\n")
    with pytest.raises(SpecError) as info:
        L.read_cases(bad, net)
    lines = [str(d) for d in info.value.diagnostics]
    assert lines == [
        f"{bad}:1:2: error: column 'height': not a variable of {net.name}",
        f"{bad}:1:3: error: column 'smoke' repeated",
        f"{bad}:3:1: error: 2 fields; the header has 3",
        f"{bad}:4:3: error: column 'smoke': unknown state 'perhaps'; states: yes, no "
        "(leave the cell empty for a missing value)",
    ]
    bad.write_text("lung,smoke\n,yes\nno,\n")
    cases = L.read_cases(bad, net)
    assert cases.variables == ("lung", "smoke")
    assert cases.values.tolist() == [[-1, 0], [1, -1]]
    # 6 of 8 variables have no column: they count as missing in every case.
    assert cases.missing_share == pytest.approx((2 + 2 * 6) / (2 * 8))
    # Asked for every column, the missing ones are named, unless declared latent.
    with pytest.raises(SpecError, match="no column for asia, tub, bronc, either, xray, dysp"):
        L.read_cases(bad, net, latent=[])
    others = ["asia", "tub", "bronc", "either", "xray", "dysp"]
    assert L.read_cases(bad, net, latent=others).latent == tuple(
        v for v in net.names if v in others
    )


def test_table_basis_counts_the_cases_behind_each_row(tmp_path: Path) -> None:
    net = example_network("asia")
    path = tmp_path / "c.csv"
    # smoke observed in every case, lung only when smoke = yes.
    path.write_text("smoke,lung\n" + "yes,yes\n" * 3 + "yes,no\n" * 5 + "no,\n" * 2)
    cases = L.read_cases(path, net)
    prior = L.ess_counts(net, 4.0)
    fit = L.em_fit(net, cases, prior)
    basis = {b.variable: b for b in L.table_basis(fit, cases, prior)}
    (smoke,) = basis["smoke"].rows
    assert smoke.cases == pytest.approx(10) and smoke.prior == pytest.approx(4) and smoke.pinned
    lung = {r.given["smoke"]: r for r in basis["lung"].rows}
    # 8 cases observed the row smoke = yes; the row smoke = no was never observed with
    # lung, but its 2 cases still count as expected counts: below the prior's 4.
    assert lung["yes"].cases == pytest.approx(8) and lung["yes"].pinned
    assert lung["no"].cases == pytest.approx(2) and not lung["no"].pinned
    assert basis["lung"].unpinned == (lung["no"],)
    assert not basis["xray"].observed


def test_fit_cases_command(tmp_path: Path) -> None:
    truth = example_network("asia")
    model = tmp_path / "asia.bif"
    from secondfront.model.bif import write_bif

    model.write_text(write_bif(truth))
    before = model.read_bytes()
    cases = L.write_cases(_cases(truth, 150, seed=2, missing=0.3), truth, tmp_path / "cases.csv")
    out = tmp_path / "fitted.bif"
    runner = CliRunner()
    r = runner.invoke(app, ["fit-cases", str(model), str(cases), "-o", str(out), "--json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["cases"] == 150 and data["out"] == str(out)
    assert 0.25 < data["missing_share"] < 0.35
    assert model.read_bytes() == before
    fitted = load(out)
    assert fitted.names == truth.names
    text = out.read_text()
    assert "property fitted_prior" in text and "ess 10 cases per row" in text
    import hashlib

    sha = hashlib.sha256(before).hexdigest()
    assert f'property fitted_model_sha256 = "{sha}"' in text
    assert hashlib.sha256(cases.read_bytes()).hexdigest() in text
    assert 'property fitted_by = "secondfront ' in text and "property fitted_on" in text
    assert data["log_posterior_trace"] == sorted(data["log_posterior_trace"])  # EM never lowers
    r = runner.invoke(app, ["fit-cases", str(model), str(cases), "-o", str(model)])
    assert r.exit_code == 2 and "is the model being fitted" in r.stderr
    assert set(data["tables"]["lung"][0]) == {"given", "cases", "prior", "pinned"}
    cases.write_text("smoke,lung\nperhaps,yes\nyes,never\n")
    r = runner.invoke(app, ["fit-cases", str(model), str(cases), "-o", str(out)])
    # Every problem in one run, each at its line and column; a missing column is one.
    assert r.exit_code == 2
    assert "cases.csv:1:1: error: no column for asia, tub, bronc, either, xray, dysp" in r.stderr
    assert "cases.csv:2:1: error: column 'smoke': unknown state 'perhaps'" in r.stderr
    assert "cases.csv:3:2: error: column 'lung': unknown state 'never'" in r.stderr
    latent = [
        a for v in ("asia", "tub", "bronc", "either", "xray", "dysp") for a in ("--latent", v)
    ]
    cases.write_text("smoke,lung\nyes,yes\nno,\n")
    r = runner.invoke(
        app, ["fit-cases", str(model), str(cases), "-o", str(out), *latent, "--trace"]
    )
    assert r.exit_code == 0, r.stderr
    assert "iteration 0: log posterior" in r.stdout
    assert "rows not pinned down" in r.stdout and "6 variables never observed" in r.stdout


def test_impossible_case_names_its_line(tmp_path: Path) -> None:
    net = example_network("asia")
    path = tmp_path / "c.csv"
    # "either" is lung OR tub: lung without "either" cannot happen.
    path.write_text("either,lung\nyes,yes\nno,yes\n")
    with pytest.raises(InputFormatError, match=r"c.csv:3: the model gives this case probability"):
        L.em_fit(net, L.read_cases(path, net), L.ess_counts(net, 1.0))


def test_a_loaded_model_fits_like_its_network() -> None:
    from secondfront.model.model import Model

    truth = example_network("cancer")
    cases = _cases(truth, 80, seed=11, missing=0.2)
    net = _start(truth)
    model = Model(net, format="bif")
    by_net = L.em_fit(net, cases, L.ess_counts(net, 3.0), max_iter=10, tol=0.0)
    by_model = L.em_fit(model, cases, L.ess_counts(model, 3.0), max_iter=10, tol=0.0)
    assert by_model.trace == pytest.approx(by_net.trace, abs=1e-12)
    for v in net.names:
        np.testing.assert_allclose(by_model.network.cpts[v], by_net.network.cpts[v], atol=1e-12)
    assert L.log_prior(model, L.joint_counts(model, 2.0)) == pytest.approx(
        L.log_prior(net, L.joint_counts(net, 2.0)), abs=1e-12
    )


def test_learned_tables_go_back_into_a_copy_of_the_yaml_with_their_provenance(
    tmp_path: Path,
) -> None:
    from tests.analysis.argument_models import tiny_files

    spec, cases = tiny_files(tmp_path)
    runner = CliRunner()
    bif, copy = tmp_path / "fitted.bif", tmp_path / "fitted.yaml"
    for out in (bif, copy):
        r = runner.invoke(app, ["fit-cases", str(spec), str(cases), "-o", str(out)])
        assert r.exit_code == 0, r.stderr
    fitted = load(copy)
    assert fitted.spec is not None and fitted.spec.model.name == "tiny-fitted"
    # The copy compiles to the fitted tables, exactly those of the BIF.
    reference = load(bif)
    for v in fitted.network:
        np.testing.assert_allclose(fitted.network.cpts[v.name], reference.cpts[v.name], atol=1e-12)
    entry = fitted.spec.variable("entry")
    assert entry.form == "table" and entry.table is not None and entry.table.rows
    high = next(r for r in entry.table.rows if r.given == {"pressure": "high"})
    # The claim the noisy-OR link cited stays beside the learned row, with its provenance.
    assert high.claims == ["ca1"]
    assert high.assumption is not None
    assert "learned by EM from 20 cases" in high.assumption
    assert "replaces the stated noisy-or" in high.assumption
    assert high.uncertainty is not None and high.uncertainty.ess == pytest.approx(6 + 10)
    troops = fitted.spec.variable("troops")
    assert troops.likelihood["yes"].claims == ["cb1"]  # type: ignore[union-attr]
    assert "replaces the stated 0.9" in (troops.likelihood["yes"].assumption or "")  # type: ignore[union-attr]
    # Sources and claims travel unchanged.
    assert fitted.spec.claims == load(spec).spec.claims  # type: ignore[union-attr]


def _tiny_fit(tmp_path: Path) -> tuple[Path, Path, L.CaseFit]:
    from tests.analysis.argument_models import tiny_files

    spec, cases = tiny_files(tmp_path)
    model = load(spec)
    fit = L.em_fit(model, L.read_cases(cases, model), L.ess_counts(model, 10.0), prior_label="p")
    return spec, cases, fit


def test_the_bif_copy_carries_the_provenance_and_loads_back_to_the_fitted_tables(
    tmp_path: Path,
) -> None:
    import hashlib
    import re

    from secondfront import __version__
    from secondfront.model.fittedcopy import fitted_bif_text, read_provenance

    spec, cases, fit = _tiny_fit(tmp_path)
    for name in ("fitted.bif", "fitted.bif.gz"):
        out = L.write_fitted(fit, str(spec), tmp_path / "deep" / name, str(cases))
        prov = read_provenance(out)
        assert list(prov) == list(L.provenance(fit, str(spec), str(cases)))
        assert prov["fitted_from"] == str(spec) and prov["fitted_prior"] == "p"
        assert prov["fitted_model_sha256"] == hashlib.sha256(spec.read_bytes()).hexdigest()
        assert prov["fitted_cases"] == f"20 cases from {cases}"
        assert prov["fitted_cases_sha256"] == hashlib.sha256(cases.read_bytes()).hexdigest()
        assert prov["fitted_method"].startswith("EM (MAP)")  # type: ignore[union-attr]
        assert prov["fitted_iterations"] == f"{fit.iterations} (converged)"
        assert prov["fitted_by"] == f"secondfront {__version__}"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(prov["fitted_on"]))
        back = load(out)
        for v in fit.network:
            np.testing.assert_array_equal(back.cpts[v.name], fit.network.cpts[v.name])
    copy = L.copy_provenance(fit, str(spec), str(cases))
    plain = tmp_path / "deep" / "fitted.bif"
    text = plain.read_text(encoding="utf-8")
    same_time = {**copy.fields, "fitted_on": read_provenance(plain)["fitted_on"]}
    assert text == fitted_bif_text(fit.network, replace(copy, fields=same_time))
    with pytest.raises(UsageError, match="is the model being fitted"):
        L.write_fitted(fit, str(spec), spec, str(cases))
    with pytest.raises(UsageError, match=r"write the fitted model as \.bif"):
        L.write_fitted(fit, str(spec), tmp_path / "fitted.txt", str(cases))


def test_the_fit_cases_result_renders_both_ways(tmp_path: Path) -> None:
    """One typed result: the command's JSON is its ``as_json`` and its table its rows."""
    truth = example_network("asia")
    from secondfront.model.bif import write_bif

    model = tmp_path / "asia.bif"
    model.write_text(write_bif(truth))
    data = _cases(truth, 60, seed=4, missing=0.2, drop=("lung",))
    cases = L.write_cases(data, truth, tmp_path / "cases.csv")
    loaded = load(model)
    summary = L.fit_case_file(loaded, cases, ess=4.0, max_iter=30, latent=["lung"])
    fit = summary.fit
    assert summary.latent == ("lung",) and summary.ess == 4.0 and fit.cases == 60
    # The largest change of each table, against the tables themselves.
    for v in truth:
        moved = np.abs(fit.network.cpts[v.name] - loaded.cpts[v.name]).max()
        assert summary.changes[v.name] == pytest.approx(moved, abs=1e-15)
    # The table: largest change first, each row's cases and pinning from the basis.
    moved_rows = summary.by_change()
    assert [t.change for t in moved_rows] == sorted(summary.changes.values(), reverse=True)
    by_name = {b.variable: b for b in summary.basis}
    for t in moved_rows:
        cases_of = [r.cases for r in by_name[t.variable].rows]
        assert (t.fewest_cases, t.most_cases) == (min(cases_of), max(cases_of))
        assert t.unpinned == sum(not r.pinned for r in by_name[t.variable].rows)
    lung = next(t for t in moved_rows if t.variable == "lung")
    assert lung.unpinned == lung.rows  # never observed: no row is pinned down
    rows = summary.table()
    share = (np.sum(data.values == L.MISSING) + 60) / (60 * len(truth))  # lung: all missing
    assert rows.caption == f"60 cases, {share:.1%} of values missing (1 variables never observed)"
    assert rows.rows[0][:2] == (moved_rows[0].variable, moved_rows[0].change)
    assert summary.to_frame()["variable"].tolist() == [t.variable for t in moved_rows]
    # The command renders the same result: its JSON, then its table.
    out = tmp_path / "fitted.bif"
    args = ["fit-cases", str(model), str(cases), "-o", str(out), "--ess", "4"]
    args += ["--max-iter", "30", "--latent", "lung"]
    r = CliRunner().invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.stderr
    expected = {"out": str(out), **summary.as_json()}
    assert json.loads(r.stdout) == json.loads(json.dumps(expected))
    assert list(json.loads(r.stdout)) == ["out", *summary.as_json()]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.stderr
    assert f"fit-cases: {summary.caption}" in r.stdout
    lines = [line for line in r.stdout.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in lines] == [t.variable for t in moved_rows]
    first = [c.strip() for c in lines[0].split("│")[2:5]]
    t = moved_rows[0]
    assert first == [
        f"{t.change:.4f}",
        f"{t.fewest_cases:.1f}-{t.most_cases:.1f}",
        f"{t.unpinned} of {t.rows}",
    ]
