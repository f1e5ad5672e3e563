"""The loaded model: a network, its scenario spec (or none), its companion files, its identity.

``secondfront.load`` returns a :class:`Model`. Everything above the engine takes one:
the network is pure data (:class:`~secondfront.model.network.Network`), and what a
loader knows beyond it (the scenario spec with its claims and roles, the file it came
from and the hash of that file, the files that travel with it) is typed here instead
of in a free-form dictionary.

Roles, defined once (every layer asks the model, none re-derives them):

* **outcomes** (:meth:`Model.outcomes`): the spec's declared outcomes, each with its
  headline state; a bare network (BIF, XMLBIF) declares none, so *every variable* is
  an outcome.
* **indicators** (:meth:`Model.indicators`): the spec's declared indicators; for a bare
  network, its *leaves* (variables without children): what one would observe.
* **headline state** (:meth:`Model.headline`): the state a single probability of a
  variable refers to: a declared outcome's ``state`` when given, else the variable's
  *last* state (by the spec convention ranked states run lowest first, and two-state
  indicators read ``absent, present``).

A model is data: it holds no compiled query and imports no engine. The inference
layer compiles a model into a :class:`~secondfront.inference.query.Query` that the
caller owns (``compile_query(model, observed)``); whoever answers many requests keeps
that query beside the model (the workbench's catalog keeps one per file version).
Nothing on a model changes after loading, so threads share models without a lock.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from secondfront.errors import UsageError
from secondfront.model.network import Network, Variable
from secondfront.model.schema import ScenarioSpec
from secondfront.tabular import Rows, Tabular

SOCIETY_FORMAT = "format: secondfront-society/1"


@dataclass(frozen=True)
class OutcomeRef:
    """An outcome of a model: a variable and the state its headline probability refers to.

    Attributes:
        variable: the variable's name.
        label: the outcome in words (the spec's label, else the variable's, else its name).
        state: the headline state.
    """

    variable: str
    label: str
    state: str


@dataclass(frozen=True)
class Companions:
    """The files that travel with a model file, or ``None`` where there is none.

    Attributes:
        mapping: ``NAME.mapping.yaml``: rules from stored events to indicators.
        timeline: ``NAME.timeline.yaml``: the weekly time model and its alerts.
        society: ``NAME.society.yaml``, else the one society parameters file
            (``format: secondfront-society/1``) in the model's folder.
        questions: ``NAME.questions.yaml``: resolved questions the model's dated
            forecast is scored on (the report's track record).
    """

    mapping: Path | None = None
    timeline: Path | None = None
    society: Path | None = None
    questions: Path | None = None

    @classmethod
    def beside(cls, path: Path | None) -> Companions:
        """The companion files found next to the model file ``path``."""
        if path is None:
            return cls()
        stem = path.name.split(".")[0]

        def found(suffix: str) -> Path | None:
            f = path.with_name(f"{stem}.{suffix}.yaml")
            return f if f.is_file() else None

        society = found("society")
        if society is None and path.parent.is_dir():
            candidates = [f for f in sorted(path.parent.glob("*.yaml")) if _is_society(f)]
            society = candidates[0] if len(candidates) == 1 else None
        return cls(found("mapping"), found("timeline"), society, found("questions"))


def _is_society(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return any(
                line.strip() == SOCIETY_FORMAT for line, _ in zip(fh, range(40), strict=False)
            )
    except OSError:
        return False


def content_hash(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes: identifies the exact model a result came from."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True, eq=False)
class Model(Tabular):
    """A loaded model.

    Attributes:
        network: the Bayesian network (pure data).
        spec: the scenario spec it was compiled from; ``None`` for a bare network.
        path: the file it was read from, or ``None`` (built in memory).
        format: the loader's format name (``spec``, ``bif``, ``xmlbif``) or ``network``.
        digest: :func:`content_hash` of the file, ``""`` when there is no file.

    A model reads like its network for structure (``variables``, ``cpts``, ``names``,
    ``len``, iteration), so code that only walks the graph takes either.
    """

    network: Network
    spec: ScenarioSpec | None = None
    path: Path | None = None
    format: str = "network"
    digest: str = ""

    # -- identity ------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The model's name (the spec's ``model.name``, else the network's)."""
        return self.spec.model.name if self.spec is not None else self.network.name

    @property
    def title(self) -> str:
        """The spec's title, else the name."""
        return self.spec.model.title if self.spec is not None else self.network.name

    @property
    def horizon(self) -> str:
        """The forecast horizon in words (``""`` for a bare network)."""
        return self.spec.model.horizon if self.spec is not None else ""

    @property
    def description(self) -> str:
        """The spec's description of what the model is and is not (``""`` when bare)."""
        return self.spec.model.description if self.spec is not None else ""

    def require_spec(self, what: str) -> ScenarioSpec:
        """The scenario spec; a UsageError naming ``what`` needs it when the model is bare.

        The one place the "needs a scenario spec" check is written: only a spec states
        priors (uncertainty, sensitivity) and cites sources.
        """
        if self.spec is None:
            raise UsageError(
                f"{what} needs a scenario spec (YAML): {self.name} is a bare "
                f"{self.format} network, which states no priors and cites no sources"
            )
        return self.spec

    # -- roles (see the module docstring) -------------------------------------------

    def outcomes(self) -> list[OutcomeRef]:
        """The outcomes with their headline states, in declaration (or model) order."""
        if self.spec is not None and self.spec.outcomes:
            return [
                OutcomeRef(
                    o.variable,
                    o.label,
                    o.state or self.network.variables[o.variable].states[-1],
                )
                for o in self.spec.outcomes
            ]
        return [OutcomeRef(v.name, v.label or v.name, v.states[-1]) for v in self.network]

    def declared_outcomes(self) -> list[str]:
        """The outcome variables the spec declares (none for a bare network)."""
        return self.spec.outcome_variables() if self.spec is not None else []

    def indicators(self) -> list[str]:
        """Indicator names in model order: the spec's, or a bare network's leaves."""
        if self.spec is not None:
            return [i.name for i in self.spec.indicators]
        return [v.name for v in self.network if not self.network.children(v.name)]

    def headline(self, variable: str) -> str:
        """The headline state of ``variable`` (an outcome's declared state, else the last)."""
        for o in self.outcomes():
            if o.variable == variable:
                return o.state
        return self.network.variables[variable].states[-1]

    def roles(self) -> dict[str, tuple[str, ...]]:
        """Variable -> its roles, in model order: ``outcome``, ``indicator``, else ``latent``.

        Built from :meth:`outcomes` and :meth:`indicators` alone (a bare network's
        variables are all outcomes, its leaves also indicators); a variable that is
        neither is ``latent``: modelled, but neither forecast nor observed.
        """
        outcomes = {o.variable for o in self.outcomes()}
        indicators = set(self.indicators())
        roles: dict[str, tuple[str, ...]] = {}
        for v in self.network:
            held = (("outcome", v.name in outcomes), ("indicator", v.name in indicators))
            mine = tuple(role for role, on in held if on)
            roles[v.name] = mine or ("latent",)
        return roles

    def table(self) -> Rows:
        """One row per variable: states, roles (:meth:`roles`) and label."""
        roles = self.roles()
        return Rows(
            f"{self.name}: {len(self)} variables",
            ("variable", "states", "roles", "label"),
            [(v.name, list(v.states), list(roles[v.name]), v.label) for v in self.network],
        )

    def headlines(self) -> dict[str, str]:
        """Variable -> headline state, for every variable."""
        heads = {v.name: v.states[-1] for v in self.network}
        heads.update({o.variable: o.state for o in self.outcomes()})
        return heads

    # -- companions -------------------------------------------------------------------

    @functools.cached_property
    def companions(self) -> Companions:
        """The companion files beside the model's file (looked up on first use)."""
        return Companions.beside(self.path)

    def with_network(self, network: Network) -> Model:
        """The same model over another network (e.g. changed tables)."""
        return replace(self, network=network)

    def with_cpts(self, cpts: Mapping[str, np.ndarray]) -> Model:
        """The same model with some tables replaced (see :meth:`Network.with_cpts`)."""
        return self.with_network(self.network.with_cpts(cpts))

    # -- structure, read through to the network --------------------------------------

    @property
    def variables(self) -> dict[str, Variable]:
        """The network's variables (name -> Variable, topological order)."""
        return self.network.variables

    @property
    def cpts(self) -> dict[str, np.ndarray]:
        """The network's tables (see :class:`Network`)."""
        return self.network.cpts

    @property
    def names(self) -> list[str]:
        """Variable names in topological order."""
        return self.network.names

    def children(self, name: str) -> list[str]:
        """Names of the variables that have ``name`` as a parent."""
        return self.network.children(name)

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.network)

    def __len__(self) -> int:
        return len(self.network)

    def __contains__(self, name: object) -> bool:
        return name in self.network


ModelLike = Model | Network
"""What the analysis functions take: a loaded model, or a bare network."""


def as_model(model: ModelLike) -> Model:
    """``model`` itself, or a bare network wrapped as a model without spec or file."""
    return model if isinstance(model, Model) else Model(model)


def network_of(model: ModelLike) -> Network:
    """The network of a model (or the network itself)."""
    return model.network if isinstance(model, Model) else model


__all__ = [
    "Companions",
    "Model",
    "ModelLike",
    "OutcomeRef",
    "as_model",
    "content_hash",
    "network_of",
]
