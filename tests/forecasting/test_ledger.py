"""The ledger: revisions kept in the store, and each change split into its causes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from secondfront.evidence import store
from secondfront.evidence.coverage import NOTHING_COVERED
from secondfront.evidence.ingest import ingest
from secondfront.evidence.mapping import MappingRules, load_rules
from secondfront.forecasting.forecast import forecast_all
from secondfront.forecasting.ledger import history, record
from secondfront.forecasting.questions import QuestionSet, load_questions
from secondfront.model.formats import load
from secondfront.timeline.chain import TimelineModel, load_timeline
from tests.forecasting.conftest import ROOT

NOW = dt.datetime(2026, 1, 1, 12)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = store.connect(tmp_path / "ledger.duckdb")
    ingest(c, [ROOT / "data" / "belarus-events.csv"], fmt="acled", rules=load_rules())
    return c


def _one(qs: QuestionSet) -> QuestionSet:
    import dataclasses

    spec = qs.spec.model_copy(update={"questions": qs.spec.questions[:1]})
    return dataclasses.replace(qs, spec=spec)


def _record(
    con: duckdb.DuckDBPyConnection,
    tm: TimelineModel,
    qs: QuestionSet,
    rules: MappingRules,
    as_of: dt.date | None = None,
    minutes: int = 0,
) -> list:  # type: ignore[type-arg]
    fc = forecast_all(tm, qs, con, rules, NOTHING_COVERED, as_of)
    return record(con, fc, "small.questions.yaml", NOW + dt.timedelta(minutes=minutes))


def test_revisions_and_their_causes(
    tmp_path: Path,
    con: duckdb.DuckDBPyConnection,
    small_file: Path,
    rules: MappingRules,
    timeline: TimelineModel,
) -> None:
    qs = _one(load_questions(small_file))
    (first,) = _record(con, timeline, qs, rules)
    assert (first.revision, first.status) == (1, "new")
    (again,) = _record(con, timeline, qs, rules, minutes=1)
    assert (again.revision, again.status) == (1, "unchanged")

    # New evidence: the same model a few weeks later.
    (second,) = _record(con, timeline, qs, rules, dt.date(2022, 2, 20), minutes=2)
    assert second.revision == 2

    # A parameter edit: the same structure, another transition matrix.
    tl = tmp_path / "belarus-second-front.timeline.yaml"
    text = (ROOT / "models" / "belarus-second-front.timeline.yaml").read_text()
    tl.write_text(text.replace("[0.990, 0.009, 0.001]", "[0.950, 0.045, 0.005]"))
    edited = load_timeline(tl, timeline.network)
    (third,) = _record(con, edited, qs, rules, dt.date(2022, 2, 20), minutes=3)
    assert third.revision == 3

    # A structure change: one more indicator in the network.
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    net_text = (ROOT / "models" / "belarus-second-front.yaml").read_text()
    extra = (
        "  - name: test_extra_indicator\n"
        '    label: "an extra report"\n'
        "    parent: offensive_preparation\n"
        "    likelihood:\n"
        '      absent: {p: 0.1, assumption: "test"}\n'
        '      present: {p: 0.9, assumption: "test"}\n\n'
    )
    net_text = net_text.replace("indicators:\n", "indicators:\n" + extra, 1)
    net_text = net_text.replace("text: ../../shared/", "text: ../../../shared/")
    (model_dir / "belarus-second-front.yaml").write_text(net_text)
    (model_dir / "belarus-second-front.timeline.yaml").write_text(tl.read_text())
    net = load(model_dir / "belarus-second-front.yaml")
    restructured = load_timeline(model_dir / "belarus-second-front.timeline.yaml", net)
    (fourth,) = _record(con, restructured, qs, rules, dt.date(2022, 3, 1), minutes=4)
    assert fourth.revision == 4

    revs = history(con, "ops-a")
    assert [r.revision for r in revs] == [1, 2, 3, 4]
    r1, r2, r3, r4 = revs
    assert r1.change is None
    # Evidence only: the whole change is new evidence.
    assert r2.change == pytest.approx(r2.p - r1.p)
    assert r2.new_evidence == pytest.approx(r2.change)
    assert r2.parameter_edits == pytest.approx(0.0, abs=1e-12)
    assert r2.evidence_sha256 != r1.evidence_sha256 and r2.model_sha256 == r1.model_sha256
    # Parameters only: the whole change is a parameter edit.
    assert r3.model_sha256 != r2.model_sha256 and r3.structure_sha256 == r2.structure_sha256
    assert r3.new_evidence == pytest.approx(0.0, abs=1e-12)
    assert r3.parameter_edits == pytest.approx(r3.p - r2.p)
    assert abs(r3.parameter_edits or 0) > 1e-4
    # Structure and evidence together: the parts add up to the change.
    assert r4.structure_sha256 != r3.structure_sha256
    assert r4.parameter_edits is None
    assert (r4.new_evidence or 0) + (r4.structure_changes or 0) == pytest.approx(r4.change)
    assert r4.evidence_count >= r3.evidence_count


def test_history_of_an_unknown_question_is_empty(con: duckdb.DuckDBPyConnection) -> None:
    assert history(con, "nothing") == []


def test_a_refitted_revision_rebuilt_from_the_ledger_gives_its_recorded_p(
    con: duckdb.DuckDBPyConnection, small_file: Path, rules: MappingRules, timeline: TimelineModel
) -> None:
    """The ledger keeps the refit's emissions with its chain, so "the old model on the new
    evidence" is the model that was used (without them a change was split wrongly)."""
    import json

    from secondfront.forecasting.ledger import _dated, _rebuild

    qs = _one(load_questions(small_file))
    (f,) = forecast_all(timeline, qs, con, rules, None, refit=True)
    assert f.parameters.model.spec.fitted is not None
    record(con, [f], "small.questions.yaml", NOW)
    row = con.execute("SELECT model_sha256, parameters FROM forecast_ledger").fetchone()
    assert row is not None
    rebuilt = _rebuild(con, row[0], json.loads(row[1]))
    assert rebuilt.spec.fitted == f.parameters.model.spec.fitted
    p = _dated(con, rebuilt, f.target, f.as_of, f.closes)
    assert p == pytest.approx(f.p, abs=1e-12)
