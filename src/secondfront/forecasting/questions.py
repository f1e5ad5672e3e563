"""Questions a forecaster can be held to: the ``secondfront-questions/1`` file.

A questions file (``models/NAME.questions.yaml``) lists binary questions about one
model, each asked on a date and closing on a later one::

    format: secondfront-questions/1
    model: belarus-second-front
    choice_rule: >-          # how the questions were chosen (free text; required)
      ...
    questions:
      - id: ops-from-belarus-2022-02-01
        text: "Will Russian forces attack Ukraine from Belarusian territory by 29 March 2022?"
        asked: 2022-02-01
        closes: 2022-03-29
        target: russian_operations_from_belarus=present
        outcome: true                      # when resolved: a public fact
        resolves: {indicator: russian_air_activity_from_belarus}   # or a rule on the store
        crowd: {p: 0.60, source: "Metaculus community, 13 Feb 2022"}

A **target** is ``VAR=STATE`` where VAR is either

* a network variable: "VAR takes STATE at some time by ``closes``", forecast from the
  weekly hazard of the event in each hidden state of the time model; or
* an indicator: "the indicator is observed (STATE, normally ``present``) in some week
  from ``asked`` to ``closes``", forecast from P(indicator in STATE in a week | state).

A question is resolved by its ``outcome`` (a public fact written in the file) or, when
that is missing, by its ``resolves`` rule evaluated on the store: ``indicator: NAME``
(observed in some week between ``asked`` and ``closes``) or ``events:`` (an ACLED-column
match, as in the timeline's backtest, with an event dated in the window).

Errors are reported all at once as ``path:line:col: error: message``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from secondfront.errors import Diagnostic
from secondfront.evidence.mapping import AcledMatch
from secondfront.evidence.rulesfile import (
    items_at,
    network_for,
    raise_all,
    repeated,
    validate_model_file,
    value_at,
)
from secondfront.model.model import Model
from secondfront.model.schema import StrictModel as _Strict
from secondfront.model.yamlsource import YamlDocument


class Crowd(_Strict):
    """A public forecast of the same question, for comparison (not a target)."""

    p: float = Field(ge=0, le=1)
    source: str = Field(min_length=1)


class ResolutionRule(_Strict):
    """How the store resolves a question: an indicator observed, or a matching event,
    in some week between ``asked`` and ``closes``."""

    indicator: str | None = None
    events: AcledMatch | None = None

    @model_validator(mode="after")
    def _one(self) -> ResolutionRule:
        if (self.indicator is None) == (self.events is None):
            raise ValueError("give exactly one of 'indicator' or 'events'")
        return self


class Question(_Strict):
    """One binary question."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    text: str = Field(min_length=1)
    asked: dt.date
    closes: dt.date
    target: str = Field(pattern=r"^[A-Za-z0-9_]+=[A-Za-z0-9_]+$")
    outcome: bool | None = None
    resolves: ResolutionRule | None = None
    crowd: Crowd | None = None
    note: str = ""

    @model_validator(mode="after")
    def _window(self) -> Question:
        if self.closes <= self.asked:
            raise ValueError(
                f"closes {self.closes} must come after asked {self.asked}; swap them or fix one"
            )
        return self

    @property
    def variable(self) -> str:
        """The target's variable (or indicator) name."""
        return self.target.split("=", 1)[0]

    @property
    def state(self) -> str:
        """The target's state."""
        return self.target.split("=", 1)[1]


class QuestionsFile(_Strict):
    """``models/NAME.questions.yaml`` (format ``secondfront-questions/1``)."""

    format: Literal["secondfront-questions/1"]
    model: str
    description: str = ""
    choice_rule: str = ""
    questions: list[Question] = Field(min_length=1)


TargetKind = Literal["variable", "indicator"]


@dataclass(frozen=True)
class QuestionSet:
    """A validated questions file bound to its model.

    Attributes:
        spec: the file's content.
        path: where it was read from.
        digest: sha256 of the file's bytes.
        model: the model the questions are about.
        kinds: question id -> ``"variable"`` or ``"indicator"``.
    """

    spec: QuestionsFile
    path: Path
    digest: str
    model: Model
    kinds: dict[str, TargetKind]

    @property
    def questions(self) -> list[Question]:
        """The questions, in file order."""
        return self.spec.questions

    def get(self, qid: str) -> Question | None:
        """The question with this id, or None."""
        return next((q for q in self.spec.questions if q.id == qid), None)


def indicator_names(model: Model) -> set[str]:
    """The model's indicators (leaves declared under ``indicators:``); empty without a spec."""
    return set(model.indicators())


def load_questions(path: str | Path, model: Model | None = None) -> QuestionSet:
    """Load and check a questions file against its model.

    Checked besides the schema: unique ids; each target names a variable and one of its
    states; a ``resolves.indicator`` is an indicator of the model.

    Raises:
        RulesError: every problem as ``file:line:col: error: message``.
    """
    p = Path(path)
    spec, doc, digest, diags = validate_model_file(p, QuestionsFile)
    name: str | None = value_at(doc.data, ("model",), str)
    net = model if model is not None else network_for(doc, name, diags)
    kinds = _references(doc, net, diags)
    raise_all(diags)
    if spec is None or net is None:
        raise AssertionError("a failed check without a diagnostic")
    return QuestionSet(spec, p, digest, net, kinds)


def _references(
    doc: YamlDocument, net: Model | None, diags: list[Diagnostic]
) -> dict[str, TargetKind]:
    kinds: dict[str, TargetKind] = {}
    first: dict[str, int] = {}
    inds = indicator_names(net) if net is not None else set()
    for i, _ in items_at(doc.data, ("questions",)):
        qid: str | None = value_at(doc.data, ("questions", i, "id"), str)
        if qid is not None and (
            d := repeated(doc, first, "questions", i, "id", qid, "question id")
        ):
            diags.append(d)
        target: str | None = value_at(doc.data, ("questions", i, "target"), str)
        if net is None or target is None or "=" not in target:
            continue
        var, state = target.split("=", 1)
        at = ("questions", i, "target")
        if var not in net.variables:
            diags.append(
                doc.diagnostic(at, f"questions.{i}.target: unknown variable {var!r} of {net.name}")
            )
            continue
        states = net.variables[var].states
        if state not in states:
            diags.append(
                doc.diagnostic(
                    at,
                    f"questions.{i}.target: unknown state {state!r} of {var}; "
                    f"states: {', '.join(states)}",
                )
            )
            continue
        if qid is not None:
            kinds[qid] = "indicator" if var in inds else "variable"
        rule_ind: Any = value_at(doc.data, ("questions", i, "resolves", "indicator"), str)
        if rule_ind is not None and rule_ind not in inds:
            diags.append(
                doc.diagnostic(
                    ("questions", i, "resolves", "indicator"),
                    f"questions.{i}.resolves.indicator: {rule_ind!r} is not an indicator of "
                    f"{net.name}",
                )
            )
    return kinds


__all__ = [
    "Crowd",
    "Question",
    "QuestionSet",
    "QuestionsFile",
    "ResolutionRule",
    "indicator_names",
    "load_questions",
]
