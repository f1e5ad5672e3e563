"""Explain a variable: its parents, its table, and the claims and sources behind it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from secondfront.inference.query import check_variable
from secondfront.model.model import ModelLike, as_model


@dataclass(frozen=True)
class SourceRef:
    """A source a claim comes from."""

    id: str
    author: str
    title: str
    date: str
    kind: str
    grading: str
    url: str = ""


@dataclass(frozen=True)
class ClaimRef:
    """A claim behind a variable, with its source."""

    id: str
    locator: str
    grading: str
    says: str
    source: SourceRef
    note: str = ""


@dataclass(frozen=True)
class Explanation:
    """Everything a reader needs to question one variable.

    Attributes:
        variable: name.
        label: description.
        states: state names.
        parents: parent names.
        form: how the table was specified (``table``, ``noisy_or``, ..., or the file format).
        rows: one (parent states, distribution) pair per parent configuration.
        claims: claims cited by the variable's parameters.
        assumptions: assumptions its parameters state.
        children: variables that have it as a parent.
        parameters: the numbers the spec states for the table's form, in file order:
            (path below the variable, e.g. ``logistic.weights.army_loyalty``, value: a
            number, or a list for a distribution or cutpoints). Empty for a bare network.
    """

    variable: str
    label: str
    states: list[str]
    parents: list[str]
    form: str
    rows: list[tuple[dict[str, str], dict[str, float]]]
    claims: list[ClaimRef] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    parameters: list[tuple[str, float | list[float]]] = field(default_factory=list)


def explain(model: ModelLike, name: str) -> Explanation:
    """Explain variable ``name`` of ``model``.

    ``form`` is how the spec gives the table (``table``, ``noisy_or``, ...,
    ``indicator``), or the file format of a bare network (``bif``, ``xmlbif``).
    """
    m = as_model(model)
    network = m.network
    check_variable(network, name)
    var = network.variables[name]
    cpt = network.cpts[name]
    parent_states = [network.variables[p].states for p in var.parents]
    rows = []
    for combo in itertools.product(*[range(len(s)) for s in parent_states]):
        given = {
            p: parent_states[i][k] for i, (p, k) in enumerate(zip(var.parents, combo, strict=True))
        }
        dist = {s: float(x) for s, x in zip(var.states, cpt[combo], strict=True)}
        rows.append((given, dist))
    spec = m.spec
    claims: list[ClaimRef] = []
    assumptions: list[str] = []
    parameters: list[tuple[str, float | list[float]]] = []
    form = m.format
    if spec is not None:
        sources = spec.sources_by_id
        for c in spec.claims_for_variable(name):
            s = sources[c.source]
            claims.append(
                ClaimRef(
                    id=c.id,
                    locator=str(c.locator),
                    grading=str(c.grading),
                    says=c.says,
                    source=SourceRef(
                        s.id, s.author, s.title, str(s.date), s.kind, str(s.grading), s.url or ""
                    ),
                    note=c.note or "",
                )
            )
        assumptions = spec.assumptions_for_variable(name)
        entry = spec.variable(name)
        form = getattr(entry, "form", "indicator")
        from secondfront.model.parameters import ParameterSpace

        space = ParameterSpace(m, priors=False)  # the values, in file order
        parameters = [
            (p.path.removeprefix(f"{name}."), p.value.tolist())
            for p in space.parameters
            if p.variable == name
        ]
    return Explanation(
        variable=name,
        label=var.label,
        states=list(var.states),
        parents=list(var.parents),
        form=form,
        rows=rows,
        claims=claims,
        assumptions=assumptions,
        children=network.children(name),
        parameters=parameters,
    )
