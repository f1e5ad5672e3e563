"""``secondfront questions``: JSON shapes, the plot files, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondfront.cli.app import app
from secondfront.forecasting.parameters import IN_SAMPLE_LABEL
from tests.forecasting.conftest import ROOT

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_forecast_json(small_file: Path) -> None:
    code, out, _ = run("questions", "forecast", str(small_file), "--json")
    assert code == 0
    data = json.loads(out)
    assert [q["id"] for q in data["questions"]] == ["ops-a", "air-b", "entry-c"]
    # Refitted by default: the time model's parameters are fitted on data up to each day.
    assert data["parameters"]["in_sample"] is False
    assert all(
        lab.startswith("parameters fitted on data up to") for lab in data["parameters"]["labels"]
    )
    assert [q["fitted_through"] for q in data["questions"]] == [
        "2022-02-01",
        "2024-06-01",
        "2022-10-15",
    ]
    assert {"id", "p", "target", "kind", "as_of", "closes", "weeks"} <= set(data["questions"][0])
    code, out, _ = run("questions", "forecast", str(small_file), "--no-refit", "--json")
    spec = json.loads(out)["parameters"]
    assert code == 0 and spec == {"in_sample": True, "labels": [IN_SAMPLE_LABEL]}
    code, out, _ = run("questions", "forecast", str(small_file), "--as-of", "2022-02-20", "--json")
    assert code == 0 and json.loads(out)["questions"][0]["as_of"] == "2022-02-20"


def test_score_json_has_the_stated_shape_and_plot(small_file: Path, tmp_path: Path) -> None:
    plot = tmp_path / "rel.png"
    code, out, _ = run(
        "questions", "score", str(small_file), "--no-refit", "--json", "--plot", str(plot)
    )
    assert code == 0
    data = json.loads(out)
    keys = {"id", "p", "outcome", "brier", "log", "in_sample", "fitted_through"}
    assert [set(q) for q in data["questions"]] == [keys] * 3
    assert set(data["mean"]) == {"brier", "log"}
    assert set(data["baselines"]) == {
        "coin",
        "always_no",
        "base_rate",
        "climatology",
        "persistence",
        "crowd",
    }
    assert all(set(v) == {"brier", "log"} for v in data["baselines"].values())
    assert {"reliability", "resolution", "uncertainty"} <= set(data["decomposition"])
    # air-b has no outcome in the file: the store resolves it (no air launch reported).
    assert data["unresolved"] == [] and data["questions"][1]["outcome"] is False
    assert data["independent"] == 3 and data["in_sample"] is True
    assert data["in_sample_questions"] == 3 and data["parameters"] == IN_SAMPLE_LABEL
    q = data["questions"][0]
    assert q["brier"] == pytest.approx((q["p"] - 1) ** 2, abs=2e-6)  # p is shown to 6 digits
    assert plot.with_suffix(".png").stat().st_size > 1000
    assert "<svg" in plot.with_suffix(".svg").read_text()


def test_score_with_refit_says_out_of_sample(small_file: Path) -> None:
    code, out, _ = run("questions", "score", str(small_file), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["in_sample"] is False and data["in_sample_questions"] == 0
    assert data["parameters"].startswith("parameters fitted on data up to each question's asked")
    assert [q["fitted_through"] for q in data["questions"]] == [
        "2022-02-01",
        "2024-06-01",
        "2022-10-15",
    ]
    code, out, _ = run("questions", "score", str(small_file))
    assert code == 0 and "out of sample" in out
    v = data["versus_best"]
    words = " ".join(out.split())
    assert f"model - best baseline ({v['baseline']}) in Brier: {v['diff']:+.4f}" in words
    assert f"[{v['interval90'][0]:+.4f}, {v['interval90'][1]:+.4f}]" in words


def test_record_and_history(small_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert run("ingest", str(ROOT / "data" / "belarus-events.csv"), "--db", str(db))[0] == 0
    code, out, _ = run("questions", "record", str(small_file), "--db", str(db), "--json")
    assert code == 0 and {r["status"] for r in json.loads(out)["recorded"]} == {"new"}
    code, out, _ = run(
        "questions", "record", str(small_file), "--db", str(db), "--as-of", "2022-02-20"
    )
    assert code == 0 and "revision 2" in out
    code, out, _ = run("questions", "history", "ops-a", "--db", str(db), "--json")
    revs = json.loads(out)["revisions"]
    assert code == 0 and [r["revision"] for r in revs] == [1, 2]
    assert revs[1]["new_evidence"] is not None
    code, _, err = run("questions", "history", "nope", "--db", str(db))
    assert code == 2 and "no recorded forecast of question 'nope'" in err


def test_a_bad_file_exits_2_with_its_line(tmp_path: Path, small_file: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_file.read_text().replace("entry-c", "entry c"))
    code, _, err = run("questions", "forecast", str(bad))
    assert code == 2 and f"{bad}:17:" in err and "questions.2.id" in err
    assert "Traceback" not in err
    code, _, err = run("questions", "forecast", str(small_file), "--as-of", "2022-13-01")
    assert code == 2 and "--as-of '2022-13-01' is not a date" in err
    code, _, err = run("questions", "forecast", str(small_file), "--db", str(tmp_path / "x.db"))
    assert code == 2 and "no such store" in err


def test_forecast_with_no_option_is_dated_and_matches_the_library(
    history: object, timeline: object, rules: object
) -> None:
    """``secondfront forecast`` answers as of the store's last day for 13 weeks, with the
    same numbers as :func:`~secondfront.forecasting.outlook.forecast_at`."""
    import datetime as dt

    from secondfront.forecasting.outlook import forecast_at

    code, out, _ = run("forecast", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["horizon_weeks"] == 13 and data["as_of"] == "2026-06-30"
    first = data["forecasts"][0]
    assert {"p", "interval90", "outside_view", "argument_alone", "decomposition"} <= set(first)
    one = forecast_at(
        timeline,  # type: ignore[arg-type]
        history,  # type: ignore[arg-type]
        rules,  # type: ignore[arg-type]
        first["target"],
        dt.date(2026, 6, 30),
        13,
    )
    assert first["p"] == pytest.approx(one.p, abs=1e-12)
    code, out, _ = run("forecast", "--as-of", "2022-02-01", "--horizon", "8w")
    assert code == 0 and "as of 2022-02-01" in out and "next 8 weeks" in out
    code, _, err = run("forecast", "--as-of", "2030-01-01")
    assert code == 2 and "events end on 2026-06-30" in err
    code, _, err = run("forecast", "--as-of", "2022-02-01", "--horizon", "eight")
    assert code == 2 and "--horizon 'eight'" in err
    code, _, err = run("forecast", "--as-of", "2022-02-01", "-e", "reservist_callups=present")
    assert code == 2 and "--argument-only" in err


def test_backtest_generated_scores_the_dated_forecast_against_every_baseline(
    tmp_path: Path,
) -> None:
    code, out, err = run("backtest", "--generated", "--json", "--plot", str(tmp_path / "rel"))
    assert code == 0
    # The reliability diagram, one panel per horizon, as PNG and SVG.
    png, svg = tmp_path / "rel.png", tmp_path / "rel.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and str(png) in err
    assert svg.read_text(encoding="utf-8").count("26 weeks: ") == 1
    data = json.loads(out)
    assert [h["horizon"] for h in data["horizons"]] == [4, 8, 13, 26]
    for h in data["horizons"]:
        assert set(h["brier"]) == {"model", "coin", "base_rate", "climatology", "persistence"}
        assert h["brier"]["coin"] == pytest.approx(0.25)
        assert h["low"] <= h["diff"] <= h["high"]
        assert h["best"] == min(
            ("coin", "base_rate", "climatology", "persistence"), key=lambda b: h["brier"][b]
        )
        assert 0 < h["independent"] <= h["n"]
    assert data["refit"] is False
    code, _, err = run("backtest", "--refit")
    assert code == 2 and "--refit goes with --generated" in err


def test_forecast_says_when_the_chains_state_rests_on_the_networks_numbers() -> None:
    """In the build-up of February 2022, a state the history had hardly held, the table is
    followed by the outcomes the state moves and how much of its rate is the network's
    number; on the store's last day (a state the history has held since 2023) it is not."""
    code, out, _ = run("forecast", "--as-of", "2022-02-06", "--horizon", "8w", "--json")
    assert code == 0
    shares = {f["target"]: f["state_prior_share"] for f in json.loads(out)["forecasts"]}
    ops = "russian_operations_from_belarus=present"
    assert shares[ops] > 0.5
    code, out, _ = run("forecast", "--as-of", "2022-02-06", "--horizon", "8w")
    assert code == 0
    words = " ".join(out.split())  # the line may wrap at the terminal's width
    assert "The chain's present state is one the history has hardly held" in words
    assert f"{ops} +" in words and f"({shares[ops]:.0%})" in words
    code, out, _ = run("forecast")
    assert code == 0 and "hardly held" not in " ".join(out.split())


def test_forecast_refit_gives_the_questions_number_and_says_so() -> None:
    """``forecast --refit`` answers with the chain refitted up to the day, as ``questions
    score`` does by default: the same p for a question's day and window, and a note that
    says whose chain numbers it rests on."""
    qs = str(ROOT / "models" / "belarus-second-front.questions.yaml")
    code, out, _ = run("questions", "score", qs, "--json")
    assert code == 0
    (q,) = [q for q in json.loads(out)["questions"] if q["id"] == "ops-2022-02-01-8w"]
    code, out, _ = run("forecast", "--as-of", "2022-02-01", "--horizon", "8w", "--refit", "--json")
    assert code == 0
    (f,) = [
        f
        for f in json.loads(out)["forecasts"]
        if f["target"] == "russian_operations_from_belarus=present"
    ]
    assert f["p"] == pytest.approx(q["p"], abs=1e-6)  # the score card rounds to 6 digits
    assert "fitted on data up to 2022-02-01" in f["note"]
    code, out, _ = run("forecast", "--as-of", "2022-02-01", "--horizon", "8w", "--json")
    assert "in-sample" in json.loads(out)["forecasts"][0]["note"]
    code, _, err = run("forecast", "--refit", "--argument-only")
    assert code == 2 and "--refit" in err
