"""An analyst's own numbers on a model (overlays), and several analysts pooled.

An overlay is a YAML file that changes some parameters of a scenario model, each
with the analyst's reason; the model file itself is not touched::

    overlay: secondfront-overlay/1        # optional
    model: belarus-second-front           # optional; checked against the model
    analyst: "A. Analyst"
    weight: 1                             # optional, for pooling (default 1)
    parameters:
      belarus_entry.logistic.intercept: {value: -4.0, reason: "..."}
      kremlin_pressure.noisy_or.leak:   {p: 0.1, reason: "..."}
      anti_war_sentiment.table:         {p: [0.1, 0.3, 0.6], reason: "..."}

Parameter paths are those of ``secondfront.model.parameters`` (``secondfront
assumptions --json`` lists them). A probability or a distribution is given as ``p``, a
logistic intercept or weight as ``value``. Every problem is reported at its line as
``path:line:col: error: message``.

Pooling (``pool``): each overlay gives a distribution over each outcome's states;
the pooled distribution is

* linear (opinion pool): sum_i w_i P_i(x), with weights w_i summing to 1;
* logarithmic: prod_i P_i(x)^w_i, renormalised over the states.

Linear pooling keeps every analyst's possibilities open (it is never more extreme than
the most extreme analyst); logarithmic pooling is externally Bayesian (pooling then
updating on shared evidence equals updating then pooling) and lets confident analysts
dominate. Both are shown, with the spread of the analysts' numbers per outcome.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from secondfront.errors import Diagnostic, SpecError, UsageError
from secondfront.inference.query import Evidence, posterior_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.model import Model, ModelLike, as_model
from secondfront.model.network import ROW_SUM_TOLERANCE
from secondfront.model.parameters import Parameter, ParameterSpace
from secondfront.model.yamlsource import YamlDocument, load_yaml, parse_yaml

__all__ = [
    "OVERLAY_FORMAT",
    "OverlaidModel",
    "Overlay",
    "OverlayValue",
    "PoolResult",
    "PooledOutcome",
    "apply_overlay",
    "load_overlay",
    "parse_overlay",
    "pool",
    "render_overlay",
]

OVERLAY_FORMAT = "secondfront-overlay/1"
_TOP_KEYS = ("overlay", "model", "analyst", "weight", "description", "parameters")


@dataclass(frozen=True)
class OverlayValue:
    """One parameter as an analyst sets it.

    Attributes:
        path: parameter path, e.g. ``belarus_entry.logistic.intercept``.
        value: the number (or distribution) the analyst gives.
        reason: the analyst's reason.
        line: where it is in the overlay file (1-based).
    """

    path: str
    value: tuple[float, ...] | float
    reason: str
    line: int


@dataclass(frozen=True)
class Overlay:
    """An analyst's numbers for one model.

    Attributes:
        path: the file.
        analyst: who (the file name when not given).
        model: the model it was written for, if stated.
        weight: weight in a pool (> 0).
        values: the parameters it sets.
    """

    path: str
    analyst: str
    model: str | None
    weight: float
    values: tuple[OverlayValue, ...]


@dataclass(frozen=True, eq=False)
class OverlaidModel(Model):
    """A model with one or more analysts' overlays written in.

    Its network's tables and its spec carry the analysts' numbers, so every analysis of
    it (forecast, uncertainty, sensitivity) starts from them. ``path`` stays the model
    file's (its companion files still apply); ``digest`` hashes the file's digest with
    each overlay's values, so a result is never taken for one of the model as written.

    Attributes:
        overlays: the overlay files applied, in the order applied.
    """

    overlays: tuple[str, ...] = ()


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


_Error = Callable[..., None]


def _validate(doc: YamlDocument, model: Model) -> tuple[list[Diagnostic], Overlay | None]:
    """Every problem of an overlay document, and the overlay when it can be read."""
    diags: list[Diagnostic] = []

    def error(path: tuple[str | int, ...], message: str, key: bool = False) -> None:
        diags.append(doc.diagnostic(path, message, key=key))

    data = doc.data
    if not isinstance(data, dict):
        error((), "an overlay is a mapping with 'parameters: {path: {p or value, reason}}'")
        return diags, None
    written_for, weight = _header(data, model, error)
    analyst = data.get("analyst") or os.path.basename(doc.path)
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        error(
            ("parameters",),
            "give 'parameters': a mapping of parameter path -> {p or value, reason}",
        )
        return diags, None
    space = ParameterSpace(model)
    values: list[OverlayValue] = []
    for path, entry in params.items():
        found = _entry(space, model, path, entry, error)
        if found is not None:
            value, reason = found
            where = ("parameters", path)
            values.append(OverlayValue(str(path), value, reason, doc.position(where)[0]))
    overlay = Overlay(
        doc.path,
        str(analyst),
        written_for if isinstance(written_for, str) else None,
        float(weight),
        tuple(values),
    )
    return diags, overlay


def _header(data: dict[str, Any], model: Model, error: _Error) -> tuple[Any, Any]:
    """The top-level fields checked; (the model written for, the weight: 1 if bad)."""
    for key in data:
        if key not in _TOP_KEYS:
            error((key,), f"unknown field {key!r}; allowed fields: {', '.join(_TOP_KEYS)}", True)
    if "overlay" in data and data["overlay"] != OVERLAY_FORMAT:
        error(("overlay",), f"unknown overlay format {data['overlay']!r}; use {OVERLAY_FORMAT}")
    written_for = data.get("model")
    if written_for is not None and written_for != model.name:
        error(
            ("model",),
            f"this overlay is for model {written_for!r}, not {model.name!r}; "
            "apply it to its own model or change 'model'",
        )
    weight = data.get("weight", 1)
    if not _number(weight) or weight <= 0:
        error(("weight",), f"weight must be a positive number, got {weight!r}")
        weight = 1
    return written_for, weight


def _entry(
    space: ParameterSpace, model: Model, path: Any, entry: Any, error: _Error
) -> tuple[tuple[float, ...] | float, str] | None:
    """One ``parameters`` entry checked: (its value, its reason), or None after errors."""
    where = ("parameters", path)
    param = space.by_path.get(path)
    if param is None:
        close = difflib.get_close_matches(str(path), list(space.by_path), n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else "; `secondfront assumptions --json` lists them"
        )
        error(where, f"unknown parameter {path!r} of model {model.name!r}{hint}", True)
        return None
    if not isinstance(entry, dict):
        error(where, f"{path}: expected a mapping {{p or value, reason}}")
        return None
    field = "value" if param.kind == "real" else "p"
    for key in entry:
        if key not in (field, "reason"):
            error(
                (*where, key), f"{path}: unknown field {key!r}; give {field!r} and 'reason'", True
            )
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        error(where, f"{path}: give the analyst's 'reason' for this number")
    raw = entry.get(field)
    if raw is None:
        error(where, f"{path}: missing {field!r} (a {param.kind} parameter)")
        return None
    value = _entry_value(param, path, raw, (*where, field), error)
    if value is None or not isinstance(reason, str) or not reason.strip():
        return None
    return value, reason.strip()


def _entry_value(
    param: Parameter, path: Any, raw: Any, vpath: tuple[Any, ...], error: _Error
) -> tuple[float, ...] | float | None:
    """An entry's number (or distribution) checked against its parameter's kind."""
    if param.kind == "distribution":
        k = param.value.shape[-1]
        if not isinstance(raw, list) or not all(_number(x) for x in raw):
            error(vpath, f"{path}: expected a list of {k} probabilities")
            return None
        if len(raw) != k:
            error(vpath, f"{path}: expected {k} probabilities (one per state), got {len(raw)}")
            return None
        if any(not 0 <= x <= 1 for x in raw) or abs(sum(raw) - 1) > ROW_SUM_TOLERANCE:
            error(vpath, f"{path}: probabilities must lie in [0, 1] and sum to 1, got {raw}")
            return None
        return tuple(float(x) for x in raw)
    if not _number(raw):
        error(vpath, f"{path}: expected a number, got {raw!r}")
        return None
    if param.kind == "probability" and not 0 <= raw <= 1:
        error(vpath, f"{path}: a probability must be in [0, 1], got {raw}")
        return None
    return float(raw)


def _checked(doc: YamlDocument, yaml_diags: list[Diagnostic], model: ModelLike) -> Overlay:
    m = as_model(model)
    m.require_spec("an overlay")  # overlays change a spec's parameters; other formats have none
    diags = list(yaml_diags)
    if not diags:
        more, overlay = _validate(doc, m)
        diags += more
        if not diags and overlay is not None:
            return overlay
    raise SpecError(diags or [Diagnostic(doc.path, 0, 0, "empty overlay")])


def load_overlay(path: str | os.PathLike[str], model: ModelLike) -> Overlay:
    """Read and check an overlay file against a model.

    Raises:
        SpecError: every problem, each at its line.
        UsageError: the model is not a scenario spec.
    """
    return _checked(*load_yaml(os.fspath(path)), model)


def parse_overlay(text: str, model: ModelLike, path: str = "<string>") -> Overlay:
    """``load_overlay`` for YAML given as a string."""
    return _checked(*parse_yaml(text, path), model)


def render_overlay(
    model: str,
    analyst: str,
    values: Mapping[str, tuple[float | Sequence[float], str]],
    weight: float = 1.0,
) -> str:
    """An overlay file (YAML) from parameter edits, e.g. those of a what-if session.

    Args:
        model: the model's name.
        analyst: who made the edits.
        values: parameter path -> (value, reason); a distribution as a sequence.
        weight: pooling weight.

    Returns:
        text that ``parse_overlay`` reads back to the same values (it checks the paths
        and numbers against the model, so save what it accepts).
    """
    lines = [
        f"overlay: {OVERLAY_FORMAT}",
        f"model: {model}",
        f"analyst: {json.dumps(analyst, ensure_ascii=False)}",
        f"weight: {weight!r}",
        "parameters:",
    ]
    for path, (value, reason) in values.items():
        number = (
            "[" + ", ".join(repr(float(x)) for x in value) + "]"
            if isinstance(value, Sequence)
            else repr(float(value))
        )
        key = "p" if isinstance(value, Sequence) or ".logistic." not in path else "value"
        lines.append(
            f"  {path}: {{{key}: {number}, reason: {json.dumps(reason, ensure_ascii=False)}}}"
        )
    return "\n".join(lines) + "\n"


def _values(model: Model, overlays: Sequence[Overlay]) -> dict[str, np.ndarray]:
    """Parameter values of each overlay stacked as a batch, shape ``(len(overlays), ...)``."""
    space = ParameterSpace(model)
    batch = len(overlays)
    out: dict[str, np.ndarray] = {}
    for b, ov in enumerate(overlays):
        for v in ov.values:
            if v.path not in out:
                p = space.by_path[v.path]
                out[v.path] = np.broadcast_to(p.value, (batch, *p.value.shape)).copy()
            out[v.path][b] = np.asarray(v.value)
    return out


def apply_overlay(model: ModelLike, overlay: Overlay) -> OverlaidModel:
    """A new model with the overlay's numbers written in (tables and the spec's values).

    The new model's spec carries the new values, so every analysis of it (uncertainty,
    sensitivity) starts from the analyst's numbers; ``model`` itself is not changed.
    Applied to an :class:`OverlaidModel`, the overlay goes on top of those before it.

    Raises:
        UsageError: the model is not a scenario spec.
    """
    m = as_model(model)
    spec = m.require_spec("an overlay")
    new_spec = spec.model_copy(deep=True)
    for v in overlay.values:
        _set_value(new_spec, v.path, v.value)
    network = m.network
    if overlay.values:
        tables = ParameterSpace(m).tables(_values(m, [overlay]), 1)
        network = network.with_cpts({k: t[0] for k, t in tables.items()})
    before = m.overlays if isinstance(m, OverlaidModel) else ()
    return OverlaidModel(
        network,
        new_spec,
        m.path,
        m.format,
        _overlaid_digest(m.digest, overlay),
        overlays=(*before, overlay.path),
    )


def _overlaid_digest(digest: str, overlay: Overlay) -> str:
    """``sha256:`` of a model's digest and an overlay's values: the overlaid model's identity."""
    payload = json.dumps(
        {"model": digest, "overlay": [[v.path, v.value] for v in overlay.values]},
        sort_keys=True,
    )
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _set_value(spec: Any, path: str, value: tuple[float, ...] | float) -> None:
    """Write ``value`` at a parameter path into a (copied) spec."""
    name, *parts = path.split(".")
    obj: Any = spec.variable(name)
    for part in parts:
        if isinstance(obj, list):
            obj = obj[int(part)]
        elif isinstance(obj, dict):
            obj = obj[part]
        else:
            obj = getattr(obj, part)
    if hasattr(obj, "value"):
        obj.value = float(value) if not isinstance(value, tuple) else list(value)
    else:
        obj.p = list(value) if isinstance(value, tuple) else float(value)


# -- pooling -------------------------------------------------------------------------


@dataclass(frozen=True)
class PooledOutcome:
    """One outcome across analysts.

    Attributes:
        outcome: variable.
        state: headlined state.
        model: P(state) in the model as written.
        analysts: P(state) for each overlay, in the order given.
        linear: linearly pooled P(state).
        logarithmic: logarithmically pooled P(state).
        spread: max - min of the analysts' P(state).
        sd: weighted standard deviation of the analysts' P(state).
    """

    outcome: str
    state: str
    model: float
    analysts: tuple[float, ...]
    linear: float
    logarithmic: float
    spread: float
    sd: float


@dataclass(frozen=True)
class PoolResult:
    """Several analysts' overlays on one model, pooled per outcome.

    Attributes:
        model: model name.
        analysts: overlay analysts, in order.
        weights: normalised pooling weights.
        outcomes: per outcome.
        disputed: parameter path -> each analyst's value (None where an analyst left
            the model's), with the model's value; paths set by at least one analyst.
    """

    model: str
    analysts: tuple[str, ...]
    weights: tuple[float, ...]
    outcomes: tuple[PooledOutcome, ...]
    disputed: dict[str, dict[str, Any]]

    def as_json(self) -> JSONObject:
        """Plain data for ``--json`` and the API."""
        return {
            "model": self.model,
            "analysts": list(self.analysts),
            "weights": list(self.weights),
            "pooling": {
                "linear": "sum_i w_i P_i(x)",
                "logarithmic": "prod_i P_i(x)^w_i, renormalised over the states",
            },
            "outcomes": [dataclasses.asdict(o) for o in self.outcomes],
            "disputed": self.disputed,
        }


def pool(
    model: ModelLike, overlays: Sequence[Overlay], evidence: Evidence | None = None
) -> PoolResult:
    """Forecast under each overlay (one batched call) and pool the outcome distributions.

    Raises:
        UsageError: no overlay given, or the model is not a scenario spec.
    """
    m = as_model(model)
    m.require_spec("pooling overlays")
    if not overlays:
        raise UsageError("give at least one overlay to pool")
    batch = len(overlays) + 1  # row 0: the model as written
    values = _values(m, [Overlay("", "model", None, 1.0, ()), *overlays])
    tables = ParameterSpace(m).tables(values, batch) if values else {}
    rows = [dict(evidence or {})] * batch
    post = posterior_batch(m, rows, cpts=tables or None)
    w = np.array([o.weight for o in overlays], dtype=np.float64)
    w = w / w.sum()
    pooled = []
    for o in m.outcomes():
        var, state = o.variable, o.state
        k = m.variables[var].index(state)
        dist = post.marginals[var]  # (batch, states)
        each = dist[1:]
        linear = w @ each
        with np.errstate(divide="ignore"):
            logs = w @ np.log(np.clip(each, 1e-300, None))
        log_pool = np.exp(logs - logs.max())
        log_pool /= log_pool.sum()
        p = each[:, k]
        mean = float(w @ p)
        pooled.append(
            PooledOutcome(
                var,
                state,
                float(dist[0, k]),
                tuple(float(x) for x in p),
                float(linear[k]),
                float(log_pool[k]),
                float(p.max() - p.min()),
                float(np.sqrt(w @ (p - mean) ** 2)),
            )
        )
    space = ParameterSpace(m)
    disputed: dict[str, dict[str, Any]] = {}
    for path in sorted({v.path for o in overlays for v in o.values}):
        per = {
            o.analyst: next((v.value for v in o.values if v.path == path), None) for o in overlays
        }
        model_value = space.by_path[path].value
        disputed[path] = {
            "model": model_value.tolist() if model_value.ndim else float(model_value),
            "analysts": per,
            "reasons": {
                o.analyst: next((v.reason for v in o.values if v.path == path), None)
                for o in overlays
            },
        }
    return PoolResult(
        m.name,
        tuple(o.analyst for o in overlays),
        tuple(float(x) for x in w),
        tuple(pooled),
        disputed,
    )
