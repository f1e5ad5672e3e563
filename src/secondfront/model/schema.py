"""Pydantic models of the scenario spec format ``secondfront/1``.

These models check what can be checked field by field: types, name patterns,
probabilities in [0, 1], gradings, locators, that every parameter states a basis,
that a variable has exactly one CPT form. Checks that need the whole file (unknown
names, cycles, missing table rows, row sums) live in ``scenario.py``.

Every model forbids unknown keys: a misspelt key must be an error, not a silently
dropped parameter. :class:`StrictModel` is the same rule, frozen, for the package's
other formats, so that each declares it once, here, in the lowest layer. The format
itself is documented in ``docs/spec-format.md``.

Parameter objects share the base ``Parameter`` (``claims`` + ``assumption``); a field
added there, such as an optional uncertainty description, reaches every parameter.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    model_validator,
)

from secondfront.model.grading import Grading, parse_grading
from secondfront.model.locator import Locator, parse_locator

MODEL_NAME_PATTERN = r"^[a-z0-9-]+$"
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
VARIABLE_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
CPT_FORMS = ("table", "noisy_or", "noisy_max", "logistic")


def _check_probability(x: float) -> float:
    if not 0.0 <= x <= 1.0:  # also rejects NaN
        raise ValueError(f"a probability must be in [0, 1], got {x!r}")
    return x


def _as_date_text(v: Any) -> Any:
    # An unquoted 2024 or 2024-05-01 reaches us as int or date; the meaning is clear.
    if isinstance(v, bool):
        return v
    if isinstance(v, int | datetime.date):
        return v.isoformat() if isinstance(v, datetime.date) else str(v)
    return v


def _check_date(v: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", v):
        raise ValueError(
            f"expected an ISO date or a year such as '2024-05-01' or '2024', got {v!r}"
        )
    try:
        if len(v) == 10:
            datetime.date.fromisoformat(v)
        elif len(v) == 7:
            datetime.date.fromisoformat(v + "-01")
    except ValueError:
        raise ValueError(f"not a calendar date: {v!r}") from None
    return v


def _grading(v: Any) -> Grading:
    if isinstance(v, Grading):
        return v
    return parse_grading(v)


def _locator(v: Any) -> Locator:
    if isinstance(v, Locator):
        return v
    return parse_locator(v)


Probability = Annotated[float, AfterValidator(_check_probability)]
"""A float in [0, 1]."""
Real = Annotated[float, Field(allow_inf_nan=False)]
"""A finite float."""
Text = Annotated[str, Field(min_length=1)]
ModelName = Annotated[str, Field(pattern=MODEL_NAME_PATTERN)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
VariableName = Annotated[str, Field(pattern=VARIABLE_NAME_PATTERN)]
StateName = Annotated[str, Field(min_length=1)]
DateText = Annotated[str, BeforeValidator(_as_date_text), AfterValidator(_check_date)]
GradingField = Annotated[Grading, PlainValidator(_grading), PlainSerializer(str)]
LocatorField = Annotated[Locator, PlainValidator(_locator), PlainSerializer(str)]
Fingerprint = Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]
"""12 hex digits: ``sourcetext.fingerprint`` of the sentences a locator names."""


class SpecModel(BaseModel):
    """Base of every spec model: unknown keys are errors."""

    # defer_build: pydantic builds a validator for every class when it is defined, each
    # with its nested classes' schemas again inside; built on first use instead, a
    # command that validates one spec builds only ScenarioSpec's (measured: importing
    # this module 0.17 s -> 0.12 s, the first validation 2 -> 33 ms; 18 ms saved).
    model_config = ConfigDict(extra="forbid", defer_build=True)


class StrictModel(BaseModel):
    """Base of the package's other YAML formats and records (the mapping rules, the time
    model and its ``fitted:`` block, questions, declared coverage, the society
    parameters): unknown keys are errors, as in the spec, and a loaded value is frozen
    (it may be hashed and shared, never edited in place)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# -- parameters ----------------------------------------------------------------------


class Uncertainty(SpecModel):
    """How sure the modeller is of a number (second-order uncertainty).

    Exactly one description:

    * ``ess``: an equivalent sample size n. A probability p becomes Beta(p n, (1 - p) n),
      a distribution (p_1..p_k) becomes Dirichlet(p_1 n, ..., p_k n): "as sure as if it
      had been estimated from n cases". Not for real-valued parameters.
    * ``low``/``high`` (+ ``confidence``, default 0.9): the central interval the modeller
      believes holds the true value with that confidence. A probability becomes the Beta
      distribution with mean p whose central interval best matches it; a real value (a
      logistic weight) becomes a normal distribution with that central interval.
    * ``sd``: for real values only, a normal distribution with that standard deviation.

    Attributes:
        ess: equivalent sample size, > 0.
        low: lower end of the interval.
        high: upper end of the interval.
        confidence: probability mass of the interval, in (0, 1).
        sd: standard deviation of a real value, > 0.
    """

    ess: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    low: Real | None = None
    high: Real | None = None
    confidence: float = Field(default=0.9, gt=0, lt=1)
    sd: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_description(self) -> Uncertainty:
        ranged = self.low is not None or self.high is not None
        given = [
            name
            for name, on in (
                ("ess", self.ess is not None),
                ("low/high", ranged),
                ("sd", self.sd is not None),
            )
            if on
        ]
        if len(given) != 1:
            raise ValueError(
                "uncertainty needs exactly one of 'ess' (equivalent sample size), "
                f"'low' and 'high' (an interval), or 'sd'; got {', '.join(given) or 'none'}"
            )
        if ranged:
            if self.low is None or self.high is None:
                raise ValueError("an uncertainty interval needs both 'low' and 'high'")
            if self.low > self.high:
                raise ValueError(
                    f"uncertainty interval has low {self.low} > high {self.high}; swap them"
                )
        return self

    @property
    def interval(self) -> tuple[float, float] | None:
        """``(low, high)`` when given as an interval."""
        if self.low is None or self.high is None:
            return None
        return self.low, self.high


def _without_shorthand(v: Any) -> Any:
    # ``without: 0.05`` and ``without: [0.9, 0.1]`` are points; the long form is a mapping.
    if isinstance(v, int | float | list) and not isinstance(v, bool):
        return {"value": v}
    return v


Number = float | list[float]
"""A real number, or a distribution over states."""


class Without(SpecModel):
    """What a number would be without the claims it cites: an elicited fallback.

    Used by ``sources influence`` and the argument map ("the model without this
    source"). Exactly one description:

    * ``value``: one fallback (a probability, a real value, or a distribution as a list);
    * ``low``/``high``: a range. For a probability or a real value the interval between
      them; for a distribution every mixture of the two distributions.

    Attributes:
        value: a single fallback.
        low: one end of the range.
        high: the other end.
        assumption: why the number would be that without the claims.
    """

    value: Number | None = None
    low: Number | None = None
    high: Number | None = None
    assumption: Text | None = None

    @model_validator(mode="after")
    def _point_or_range(self) -> Without:
        ranged = self.low is not None or self.high is not None
        if (self.value is not None) == ranged:
            raise ValueError("'without' needs exactly one of 'value' or 'low' and 'high'")
        if ranged and (self.low is None or self.high is None):
            raise ValueError("a 'without' range needs both 'low' and 'high'")
        ends = self.ends
        shapes = {len(e) if isinstance(e, list) else None for e in ends}
        if len(shapes) != 1:
            raise ValueError("'without' ends must both be numbers or both be lists")
        if not all(np.all(np.isfinite(np.asarray(e, dtype=float))) for e in ends):
            raise ValueError("'without' values must be finite")
        lo, hi = ends
        if not isinstance(lo, list) and not isinstance(hi, list) and lo > hi:
            raise ValueError(f"'without' range has low {lo} > high {hi}; swap them")
        return self

    @property
    def ends(self) -> tuple[Number, Number]:
        """(low, high); a point gives the same value twice."""
        if self.value is not None:
            return self.value, self.value
        assert self.low is not None and self.high is not None
        return self.low, self.high


WithoutField = Annotated[Without, BeforeValidator(_without_shorthand)]


def _check_without(w: Without | None, kind: str, size: int | None = None) -> None:
    """A fallback must have the parameter's kind: probability, real, or distribution.

    Raises:
        ValueError: naming what is wrong and how to write it.
    """
    if w is None:
        return
    for end in w.ends:
        if kind == "distribution":
            if not isinstance(end, list):
                raise ValueError(
                    "'without' of a distribution is a list with one probability per state"
                )
            if size is not None and len(end) != size:
                raise ValueError(f"'without' has {len(end)} probabilities, the table {size} states")
            if any(not 0.0 <= x <= 1.0 for x in end) or abs(sum(end) - 1.0) > 1e-6:
                raise ValueError(
                    f"'without' {end} is not a distribution (entries in [0, 1], sum 1)"
                )
        elif isinstance(end, list):
            raise ValueError("'without' of a single number is a number or 'low'/'high', not a list")
        elif kind == "probability" and not 0.0 <= end <= 1.0:
            raise ValueError(f"'without' {end} of a probability leaves [0, 1]")


class Basis(SpecModel):
    """Where a number comes from: claim ids, a stated assumption, or both.

    Attributes:
        claims: ids of claims that justify the number.
        assumption: one-line reason when the number is the modeller's assumption.
        uncertainty: how sure the number is; absent means "treated as exact" unless the
            model sets ``default_uncertainty``.
        without: what the number would be without its claims (an elicited fallback);
            absent means the package's stated no-source interval (``NO_SOURCE`` in
            ``analysis.assumptions``).
    """

    claims: list[Identifier] = Field(default_factory=list)
    assumption: Text | None = None
    uncertainty: Uncertainty | None = None
    without: WithoutField | None = None

    @property
    def has_basis(self) -> bool:
        """True when at least one claim or an assumption is given."""
        return bool(self.claims) or self.assumption is not None


class Parameter(Basis):
    """A parameter object: a number plus its basis, which is required."""

    @model_validator(mode="after")
    def _needs_basis(self) -> Parameter:
        if not self.has_basis:
            raise ValueError(
                "a parameter needs a basis: give 'claims' (claim ids) or 'assumption' "
                "(a one-line reason), or both"
            )
        return self


class ProbabilityParam(Parameter):
    """``{p: 0.3, claims: [...]}``: one probability."""

    p: Probability

    @model_validator(mode="after")
    def _inside_interval(self) -> ProbabilityParam:
        _check_inside(self.p, self.uncertainty, probability=True)
        _check_without(self.without, "probability")
        return self


def _check_inside(x: float, u: Uncertainty | None, probability: bool) -> None:
    """The stated value must lie in its own uncertainty interval; ranges of a
    probability must lie in [0, 1]; ``ess`` is for probabilities, ``sd`` for real values."""
    if u is None:
        return
    if probability and u.sd is not None:
        raise ValueError("'sd' is for real values; give a probability 'ess' or 'low'/'high'")
    if not probability and u.ess is not None:
        raise ValueError("'ess' is for probabilities; give a real value 'sd' or 'low'/'high'")
    if u.interval is None:
        return
    low, high = u.interval
    if probability and not (0.0 <= low and high <= 1.0):
        raise ValueError(f"uncertainty interval [{low}, {high}] of a probability leaves [0, 1]")
    if not low <= x <= high:
        raise ValueError(f"value {x} lies outside its own uncertainty interval [{low}, {high}]")


class DistributionParam(Parameter):
    """``{p: [0.85, 0.12, 0.03], assumption: ...}``: one probability per state, sum 1."""

    p: list[Probability]

    @model_validator(mode="after")
    def _ess_only(self) -> DistributionParam:
        _check_vector_uncertainty(self.uncertainty)
        _check_without(self.without, "distribution", len(self.p))
        return self


def _check_vector_uncertainty(u: Uncertainty | None) -> None:
    if u is not None and u.ess is None:
        raise ValueError(
            "a distribution's uncertainty is given as 'ess' (a Dirichlet equivalent sample "
            "size); an interval does not describe several probabilities at once"
        )


class ValueParam(Parameter):
    """``{value: -2.0, assumption: ...}``: one real number (log-odds units)."""

    value: Real

    @model_validator(mode="after")
    def _inside_interval(self) -> ValueParam:
        _check_inside(self.value, self.uncertainty, probability=False)
        _check_without(self.without, "real")
        return self


class VectorParam(Parameter):
    """``{value: [0.0, 1.5], assumption: ...}``: a list of real numbers."""

    value: list[Real]

    @model_validator(mode="after")
    def _no_uncertainty(self) -> VectorParam:
        if self.uncertainty is not None or self.without is not None:
            raise ValueError(
                "cutpoints are treated as exact and take no 'uncertainty' or 'without'; "
                "express doubt through the intercept and weights instead"
            )
        return self


# -- CPT forms -----------------------------------------------------------------------


class TableRow(Basis):
    """One row of an explicit CPT: parent states -> distribution of the variable.

    The basis is optional on a row; the table-level basis applies when it is absent.
    """

    given: dict[VariableName, StateName]
    p: list[Probability]

    @model_validator(mode="after")
    def _ess_only(self) -> TableRow:
        _check_vector_uncertainty(self.uncertainty)
        _check_without(self.without, "distribution", len(self.p))
        return self


class TableForm(Basis):
    """An explicit CPT: ``p`` for a root variable, ``rows`` for one with parents."""

    p: list[Probability] | None = None
    rows: list[TableRow] | None = None

    @model_validator(mode="after")
    def _p_or_rows(self) -> TableForm:
        if (self.p is None) == (self.rows is None):
            raise ValueError(
                "a table needs exactly one of 'p' (root variable: one distribution) or "
                "'rows' (one row per combination of parent states)"
            )
        _check_vector_uncertainty(self.uncertainty)
        # A table-level fallback applies to ``p`` or to every row without its own.
        sizes = [len(self.p)] if self.p is not None else [len(r.p) for r in self.rows or []]
        for size in sizes:
            _check_without(self.without, "distribution", size)
        return self


class NoisyOrForm(SpecModel):
    """Noisy-OR: ``leak`` and, per parent and non-first parent state, a link probability."""

    leak: ProbabilityParam
    links: dict[VariableName, dict[StateName, ProbabilityParam]] = Field(default_factory=dict)


class NoisyMaxForm(SpecModel):
    """Noisy-MAX: ``leak`` and link distributions over the variable's ranked states."""

    leak: DistributionParam
    links: dict[VariableName, dict[StateName, DistributionParam]] = Field(default_factory=dict)


class LogisticForm(SpecModel):
    """Ordered logit: intercept, one weight per parent, optional scores and cutpoints."""

    intercept: ValueParam
    weights: dict[VariableName, ValueParam] = Field(default_factory=dict)
    scores: dict[VariableName, dict[StateName, Real]] = Field(default_factory=dict)
    cutpoints: VectorParam | None = None


# -- top-level entries ---------------------------------------------------------------


class DefaultUncertainty(SpecModel):
    """Uncertainty given to every parameter that states none of its own.

    Attributes:
        ess: equivalent sample size for probabilities and distributions.
        sd: standard deviation for real values (logistic intercepts and weights).
    """

    ess: float = Field(gt=0, allow_inf_nan=False)
    sd: float = Field(gt=0, allow_inf_nan=False)


class ModelInfo(SpecModel):
    """The ``model`` block: name (for ``--model NAME``), title, horizon, description."""

    name: ModelName
    title: Text
    horizon: Text
    description: str = ""
    default_uncertainty: DefaultUncertainty | None = None


class Source(SpecModel):
    """A document claims are taken from."""

    id: Identifier
    author: Text
    title: Text
    date: DateText
    kind: Text
    grading: GradingField
    text: str | None = None
    url: Text | None = None


class Direction(SpecModel):
    """Which way a claim pushes the model: it raises or lowers P(variable = state).

    Stated by the modeller from what the claim says; the argument map and
    ``sources influence`` check it against the model's own effect and report any
    disagreement.
    """

    variable: VariableName
    state: StateName
    effect: Literal["raises", "lowers"]


class Claim(SpecModel):
    """What a source asserts, paraphrased, with its locator, grading and stated direction.

    ``fingerprint`` binds the locator to the text: ``sources verify`` fails when the
    sentence it names has changed or moved.
    """

    id: Identifier
    source: Identifier
    locator: LocatorField
    says: Text
    grading: GradingField
    note: Text | None = None
    direction: Direction | None = None
    fingerprint: Fingerprint | None = None


class NotModelled(SpecModel):
    """A passage of a source deliberately left out of the model, with the reason.

    ``source`` names the source when a model cites several; without it the passage
    belongs to every source (the rule for single-source models).
    """

    locator: LocatorField
    reason: Text
    source: Identifier | None = None
    fingerprint: Fingerprint | None = None


class VariableSpec(SpecModel):
    """A network variable with exactly one CPT form."""

    name: VariableName
    label: Text
    states: list[StateName]
    parents: list[VariableName] = Field(default_factory=list)
    table: TableForm | None = None
    noisy_or: NoisyOrForm | None = None
    noisy_max: NoisyMaxForm | None = None
    logistic: LogisticForm | None = None

    @model_validator(mode="after")
    def _one_form(self) -> VariableSpec:
        given = [f for f in CPT_FORMS if getattr(self, f) is not None]
        if len(given) != 1:
            got = ", ".join(given) if given else "none"
            raise ValueError(f"a variable needs exactly one of {', '.join(CPT_FORMS)}; got {got}")
        return self

    @property
    def form(self) -> str:
        """The CPT form used: ``table``, ``noisy_or``, ``noisy_max`` or ``logistic``."""
        return next(f for f in CPT_FORMS if getattr(self, f) is not None)

    def parameters(self) -> Iterator[tuple[tuple[str | int, ...], Basis]]:
        """Every basis-carrying object with its path relative to the variable entry."""
        if self.table is not None:
            yield ("table",), self.table
            for j, row in enumerate(self.table.rows or []):
                yield ("table", "rows", j), row
        for key, form in (("noisy_or", self.noisy_or), ("noisy_max", self.noisy_max)):
            if form is None:
                continue
            yield (key, "leak"), form.leak
            for parent, per_state in form.links.items():
                for state, param in per_state.items():
                    yield (key, "links", parent, state), param
        if self.logistic is not None:
            lg = self.logistic
            yield ("logistic", "intercept"), lg.intercept
            for parent, weight in lg.weights.items():
                yield ("logistic", "weights", parent), weight
            if lg.cutpoints is not None:
                yield ("logistic", "cutpoints"), lg.cutpoints


DEFAULT_INDICATOR_STATES = ("absent", "present")


class Indicator(SpecModel):
    """An observable two-state variable with one parent and P(present | parent state)."""

    name: VariableName
    label: Text
    parent: VariableName
    states: list[StateName] = Field(default_factory=lambda: list(DEFAULT_INDICATOR_STATES))
    likelihood: dict[StateName, ProbabilityParam]

    def parameters(self) -> Iterator[tuple[tuple[str | int, ...], Basis]]:
        """Every likelihood parameter with its path relative to the indicator entry."""
        for state, param in self.likelihood.items():
            yield ("likelihood", state), param


class Outcome(SpecModel):
    """A variable the forecast reports, optionally with the headlined state."""

    variable: VariableName
    label: Text
    state: StateName | None = None


class ScenarioSpec(SpecModel):
    """A whole scenario file (``format: secondfront/1``)."""

    format: Literal["secondfront/1"] = "secondfront/1"
    model: ModelInfo
    sources: list[Source] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    not_modelled: list[NotModelled] = Field(default_factory=list)
    variables: list[VariableSpec] = Field(min_length=1)
    indicators: list[Indicator] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)

    # -- lookups -------------------------------------------------------------------

    @property
    def sources_by_id(self) -> dict[str, Source]:
        """Source id -> Source (first definition wins if ids repeat)."""
        out: dict[str, Source] = {}
        for s in self.sources:
            out.setdefault(s.id, s)
        return out

    @property
    def claims_by_id(self) -> dict[str, Claim]:
        """Claim id -> Claim (first definition wins if ids repeat)."""
        out: dict[str, Claim] = {}
        for c in self.claims:
            out.setdefault(c.id, c)
        return out

    def variable(self, name: str) -> VariableSpec | Indicator:
        """The variable or indicator called ``name``; ``KeyError`` when there is none."""
        for v in self.variables:
            if v.name == name:
                return v
        for i in self.indicators:
            if i.name == name:
                return i
        raise KeyError(name)

    def parameters_of(self, name: str) -> list[Basis]:
        """Every basis-carrying parameter object of a variable or indicator, in file order."""
        return [param for _, param in self.variable(name).parameters()]

    def claims_for_variable(self, name: str) -> list[Claim]:
        """Claims cited by any parameter of variable or indicator ``name``, each once.

        Raises:
            KeyError: when no variable or indicator is called ``name``.
        """
        by_id = self.claims_by_id
        seen: dict[str, Claim] = {}
        for param in self.parameters_of(name):
            for cid in param.claims:
                if cid in by_id:
                    seen.setdefault(cid, by_id[cid])
        return list(seen.values())

    def assumptions_for_variable(self, name: str) -> list[str]:
        """Assumptions stated by any parameter of ``name``, each distinct text once."""
        out: dict[str, None] = {}
        for param in self.parameters_of(name):
            if param.assumption is not None:
                out.setdefault(param.assumption, None)
        return list(out)

    def outcome_variables(self) -> list[str]:
        """Names of the outcome variables, in file order."""
        return [o.variable for o in self.outcomes]

    def citing(self, claim_id: str) -> list[str]:
        """Names of the variables and indicators with a parameter citing ``claim_id``."""
        names = [v.name for v in self.variables] + [i.name for i in self.indicators]
        return [n for n in names if any(claim_id in p.claims for p in self.parameters_of(n))]
