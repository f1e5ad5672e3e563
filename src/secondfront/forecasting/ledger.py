"""The forecast ledger: every issued forecast kept in the store, and why it changed.

Two tables, created here with ``CREATE TABLE IF NOT EXISTS`` (they are independent of
the store's numbered migrations and touch no other table):

* ``forecast_ledger``: one row per (question, revision): the day, p, the content hash
  of the model (network file and time-model file together), a hash of its structure
  alone, the evidence snapshot (hash, observation count, and the weekly evidence
  itself) and the parameters used (initial distribution and transition);
* ``forecast_models``: the model texts by content hash, so that an old revision can be
  recomputed exactly.

:func:`history` lists a question's revisions and splits each change of p into

* **new evidence** (and time passed): p recomputed with the old model and parameters
  on the new evidence, minus the old p;
* **parameter edits**: p with the new model and parameters on the new evidence, minus
  the previous step; only when the structure (variables, states, parents, hidden
  states) is unchanged;
* **structure changes**: otherwise the whole model change, which cannot be split from
  parameter edits when the structure differs.

All SQL is parameterised; no value is ever formatted into a statement.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from secondfront.evidence.mapping import load_rules
from secondfront.forecasting.forecast import QuestionForecast, dated_probability
from secondfront.forecasting.outlook import history_as_of
from secondfront.model.formats import load
from secondfront.timeline.asof import EvidenceAsOf
from secondfront.timeline.chain import TimelineModel, load_timeline
from secondfront.timeline.fitted import FittedParameters

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS forecast_ledger (
        question_id VARCHAR NOT NULL,
        revision INTEGER NOT NULL,
        recorded_at TIMESTAMP NOT NULL,
        questions_file VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        as_of DATE NOT NULL,
        closes DATE NOT NULL,
        p DOUBLE NOT NULL,
        model_name VARCHAR NOT NULL,
        model_sha256 VARCHAR NOT NULL,
        structure_sha256 VARCHAR NOT NULL,
        evidence_sha256 VARCHAR NOT NULL,
        evidence_count INTEGER NOT NULL,
        evidence_weeks INTEGER NOT NULL,
        evidence VARCHAR NOT NULL,
        parameters VARCHAR NOT NULL,
        PRIMARY KEY (question_id, revision)
    )""",
    """CREATE TABLE IF NOT EXISTS forecast_models (
        model_sha256 VARCHAR PRIMARY KEY,
        model_file VARCHAR NOT NULL,
        model_yaml VARCHAR NOT NULL,
        timeline_file VARCHAR NOT NULL,
        timeline_yaml VARCHAR NOT NULL
    )""",
)


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ledger's tables when missing."""
    for stmt in _SCHEMA:
        con.execute(stmt)


def model_texts(model: TimelineModel) -> tuple[str, str, str, str]:
    """(network file name, its text, time-model file name, its text)."""
    net_path = model.model.path or Path()
    if not net_path.is_file():
        from secondfront.model.formats import resolve_model

        net_path = resolve_model(model.spec.model)
    return (
        net_path.name,
        net_path.read_text(encoding="utf-8"),
        model.path.name,
        model.path.read_text(encoding="utf-8"),
    )


def content_hash(model_yaml: str, timeline_yaml: str) -> str:
    """sha256 over both files' texts."""
    h = hashlib.sha256()
    for text in (model_yaml, timeline_yaml):
        b = text.encode("utf-8")
        h.update(len(b).to_bytes(8, "big") + b)
    return h.hexdigest()


def structure_hash(model: TimelineModel) -> str:
    """sha256 of the structure only: variables, states, parents, hidden states."""
    net = model.network
    parts = {
        "variables": [[v.name, list(v.states), list(v.parents)] for v in net],
        "hidden": [[s.name, sorted(s.network.items())] for s in model.spec.states],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def evidence_json(ev: EvidenceAsOf) -> dict[str, object]:
    """The evidence snapshot as plain data."""
    return {
        "through": ev.through.isoformat(),
        "weeks": ev.weeks,
        "rows": ev.rows,
        "weights": ev.weights,
        "observations": ev.observations,
    }


def evidence_from_json(data: dict[str, object]) -> EvidenceAsOf:
    """Inverse of :func:`evidence_json`."""
    return EvidenceAsOf.of(
        dt.date.fromisoformat(str(data["through"])),
        list(data["weeks"]),  # type: ignore[call-overload]
        list(data["rows"]),  # type: ignore[call-overload]
        list(data["weights"]),  # type: ignore[call-overload]
        int(data["observations"]),  # type: ignore[call-overload]
    )


def _sha(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Recorded:
    """What :func:`record` did with one forecast."""

    id: str
    revision: int
    p: float
    status: str  # "new" or "unchanged"


def record(
    con: duckdb.DuckDBPyConnection,
    forecasts: list[QuestionForecast],
    questions_file: str,
    now: dt.datetime | None = None,
) -> list[Recorded]:
    """Append each forecast as a new revision, unless it repeats the latest one exactly
    (same day, p, model content and evidence)."""
    ensure_ledger(con)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    out: list[Recorded] = []
    for f in forecasts:
        model = f.parameters.model
        mname, mtext, tname, ttext = model_texts(model)
        mhash = content_hash(mtext, ttext)
        ev = evidence_json(f.evidence)
        ehash = _sha({k: ev[k] for k in ("weeks", "rows", "weights")})
        con.execute(
            "INSERT INTO forecast_models VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [mhash, mname, mtext, tname, ttext],
        )
        last = con.execute(
            "SELECT revision, p, model_sha256, evidence_sha256, as_of, parameters "
            "FROM forecast_ledger WHERE question_id = ? ORDER BY revision DESC LIMIT 1",
            [f.id],
        ).fetchone()
        params = json.dumps(f.parameters.as_json(), sort_keys=True)
        if last is not None and (
            abs(last[1] - f.p) < 1e-12
            and last[2] == mhash
            and last[3] == ehash
            and last[4] == f.as_of
            and last[5] == params
        ):
            out.append(Recorded(f.id, int(last[0]), f.p, "unchanged"))
            continue
        rev = 1 if last is None else int(last[0]) + 1
        con.execute(
            "INSERT INTO forecast_ledger VALUES (" + ", ".join(["?"] * 17) + ")",
            [
                f.id,
                rev,
                now,
                questions_file,
                f.target,
                f.kind,
                f.as_of,
                f.closes,
                f.p,
                model.spec.model,
                mhash,
                structure_hash(model),
                ehash,
                f.evidence.observations,
                len(f.evidence.weeks),
                json.dumps(ev, sort_keys=True),
                params,
            ],
        )
        out.append(Recorded(f.id, rev, f.p, "new"))
    return out


def _rebuild(
    con: duckdb.DuckDBPyConnection, mhash: str, params: dict[str, object]
) -> TimelineModel:
    """The time model of a stored revision: its texts, then its stored parameters."""
    row = con.execute(
        "SELECT model_file, model_yaml, timeline_file, timeline_yaml FROM forecast_models "
        "WHERE model_sha256 = ?",
        [mhash],
    ).fetchone()
    if row is None:
        raise AssertionError(f"ledger row names model {mhash} that is not stored")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / row[0]).write_text(row[1], encoding="utf-8")
        (d / row[2]).write_text(row[3], encoding="utf-8")
        net = load(d / row[0])
        tm = load_timeline(d / row[2], net)
    prior = np.asarray(params["initial"], dtype=np.float64)
    A = np.asarray(params["transition"], dtype=np.float64)
    fitted = params.get("fitted")
    if fitted is not None:
        # The refit's emissions, not only its chain: the stored file text predates the fit.
        block = FittedParameters.model_validate(fitted)
        tm = dataclasses.replace(tm, spec=tm.spec.model_copy(update={"fitted": block}))
    return dataclasses.replace(tm, prior=prior, transition=A)


@dataclass(frozen=True)
class Revision:
    """One revision of a question's forecast and what moved it from the previous one.

    Attributes:
        revision: 1, 2, ...
        recorded_at: when it was recorded (UTC).
        as_of: the forecast day.
        p: the forecast.
        model_sha256, structure_sha256, evidence_sha256: hashes of its parts.
        evidence_count: stored observations up to ``as_of``.
        parameters: their label.
        change: p minus the previous revision's p (None for the first).
        new_evidence, parameter_edits, structure_changes: the split of ``change``
            (None where not applicable; see the module docstring).
    """

    revision: int
    recorded_at: dt.datetime
    as_of: dt.date
    p: float
    model_sha256: str
    structure_sha256: str
    evidence_sha256: str
    evidence_count: int
    parameters: str
    change: float | None = None
    new_evidence: float | None = None
    parameter_edits: float | None = None
    structure_changes: float | None = None

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        d = dataclasses.asdict(self)
        d["recorded_at"] = self.recorded_at.isoformat()
        d["as_of"] = self.as_of.isoformat()
        return d


def _dated(
    con: duckdb.DuckDBPyConnection, model: TimelineModel, target: str, day: dt.date, closes: dt.date
) -> float:
    """The dated forecast of ``target`` as of ``day`` under ``model``, on the store as it was
    that day: the same function that made the recorded probabilities, so the parts of a
    change add up to it."""
    rules = load_rules(None, model.model)
    return dated_probability(history_as_of(model, con, rules, day), model, target, day, day, closes)


def history(con: duckdb.DuckDBPyConnection, question_id: str) -> list[Revision]:
    """Every revision of one question, oldest first, each change split into its parts."""
    ensure_ledger(con)
    rows = con.execute(
        "SELECT revision, recorded_at, as_of, closes, p, kind, target, model_sha256, "
        "structure_sha256, evidence_sha256, evidence_count, evidence, parameters "
        "FROM forecast_ledger WHERE question_id = ? ORDER BY revision",
        [question_id],
    ).fetchall()
    out: list[Revision] = []
    prev = None
    for r in rows:
        params = json.loads(r[12])
        rev = Revision(
            int(r[0]), r[1], r[2], float(r[4]), r[7], r[8], r[9], int(r[10]), params["label"]
        )
        if prev is not None:
            var = str(r[6]).split("=", 1)[0]
            old_model = _rebuild(con, prev[7], json.loads(prev[12]))
            change = rev.p - float(prev[4])
            if var not in old_model.network.variables:
                # The old model cannot even be asked: all of the change is structural.
                out.append(dataclasses.replace(rev, change=change, structure_changes=change))
                prev = r
                continue
            # P(yes) with the old model on the new evidence. When only one of the two
            # changed it is a recorded probability; otherwise the dated forecast is asked
            # again on the store as it was on the new day.
            if prev[7] == r[7]:
                p_ev = rev.p
            elif prev[9] == r[9]:
                p_ev = float(prev[4])
            else:
                p_ev = _dated(con, old_model, str(r[6]), r[2], r[3])
            rest = rev.p - p_ev
            same_structure = prev[8] == r[8]
            rev = dataclasses.replace(
                rev,
                change=change,
                new_evidence=p_ev - float(prev[4]),
                parameter_edits=rest if same_structure else None,
                structure_changes=0.0 if same_structure else rest,
            )
        out.append(rev)
        prev = r
    return out


__all__ = [
    "Recorded",
    "Revision",
    "content_hash",
    "ensure_ledger",
    "evidence_from_json",
    "evidence_json",
    "history",
    "record",
    "structure_hash",
]
