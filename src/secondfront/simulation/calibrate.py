"""Write simulated conditional tables back into a copy of a scenario spec.

For a variable of the flagship network, each combination of its parents' states is
mapped to settings of the Belarus simulation (a scenario and parameter overrides); an
ensemble is run for every combination, each run is classified into one of the
variable's states, and the shares become that row of an explicit ``table`` with its
provenance ("simulated, N runs, seed S"). The original spec is never modified: the
copy is written elsewhere and checked with ``check_spec``.

Every run of every row goes to one pool (local processes, or a Dask cluster given a
scheduler), so the rows run in parallel and a progress callback sees each run finish.
Each row's shares come with their standard error, and the shift of the variable's
marginal is compared with the interval those errors imply (``outcome_shift``).

Calibrators are a registry by variable name; the built-in ones (``mass_mobilisation``
from the society layer, ``logistics_disruption`` from the partisans and the rail
network) register the same way any other would.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from secondfront.errors import Diagnostic, SpecError, UsageError
from secondfront.model.yamlsource import yaml_data
from secondfront.simulation.ensemble import RunSpec, run_ensemble, spawn_seeds

__all__ = [
    "CALIBRATORS",
    "Calibrator",
    "calibrate_spec",
    "calibration_runs",
    "outcome_shift",
    "register_calibrator",
]


@dataclass(frozen=True)
class Calibrator:
    """How to simulate one variable given its parents.

    Attributes:
        variable: the spec variable.
        settings: parent states -> ``(scenario, overrides)`` of the simulation.
        classify: daily series of a run (weekly, see ``ensemble.run_one``) -> a state.
        describe: the mapping in words, written into the table's assumption.
    """

    variable: str
    settings: Callable[[Mapping[str, str]], tuple[str, dict[str, float]]]
    classify: Callable[[Mapping[str, list[float]]], str]
    describe: str


CALIBRATORS: dict[str, Calibrator] = {}


def register_calibrator(c: Calibrator) -> None:
    """Make ``secondfront calibrate VARIABLE`` available for ``c.variable``."""
    CALIBRATORS[c.variable] = c


# -- mass_mobilisation --------------------------------------------------------------

_ADULTS = 7_500_000
_LIMITED = 10_000  # people expressing on the peak week's average day
_MASS = 100_000  # the scale of the 2020 marches (reuters-2020-08-16)


def _mobilisation_settings(given: Mapping[str, str]) -> tuple[str, dict[str, float]]:
    scenario = "entry" if given["belarus_entry"] == "entered" else "no-entry"
    hardship = {"low": 1.0, "medium": 1.25, "high": 1.5}[given["war_hardship"]]
    # Beta(alpha, 0.9) has mean alpha / (alpha + 0.9): 0.25, 0.5 and 0.69.
    alpha = {"low": 0.3, "medium": 0.9, "high": 2.0}[given["anti_war_sentiment"]]
    intact = given["repression_capacity"] == "intact"
    overrides = {
        "society.hardship": hardship,
        "society.attitude_alpha": alpha,
    }
    if not intact:
        overrides["scenarios.severity_now"] = 1.0
    return scenario, overrides


def _mobilisation_state(series: Mapping[str, list[float]]) -> str:
    peak = max(series["expressing_share"]) * _ADULTS
    if peak >= _MASS:
        return "mass"
    return "limited" if peak >= _LIMITED else "none"


register_calibrator(
    Calibrator(
        variable="mass_mobilisation",
        settings=_mobilisation_settings,
        classify=_mobilisation_state,
        describe=(
            "entry -> scenario entry, else no-entry; war_hardship low/medium/high -> "
            "hardship x1.0/1.25/1.5; anti_war_sentiment low/medium/high -> attitude mean "
            "0.25/0.5/0.69; repression_capacity weakened -> severity 1 (intact: today's). "
            "A run is 'mass' when its peak week averages 100,000 or more expressing per "
            "7.5 M adults, 'limited' from 10,000; shares smoothed by adding 0.5 per state"
        ),
    )
)


# -- logistics_disruption -----------------------------------------------------------

# Partisan groups at large: "high" is the model's 2022 calibration (partisans.groups),
# "low" a tenth of it, a network mostly detained (as the 2022 groups were within
# months). Both are assumptions, stated in the table.
_GROUPS = {"low": 4.0, "high": 40.0}
_CUT = 0.9  # a week whose mean intact rail capacity is below this share is disrupted
_CUT_WEEKS = 2  # "for days or longer": at least two such weeks in a run


def _logistics_settings(given: Mapping[str, str]) -> tuple[str, dict[str, float]]:
    # Groups act only while military traffic runs through Belarus: after Belarus's entry
    # (scenario entry, acts twice as often), or with a heavy Russian presence and no
    # entry (scenario 2022, the invasion of February 2022 launched from Belarus).
    if given["belarus_entry"] == "entered":
        scenario = "entry"
    elif given["russian_military_presence"] == "high":
        scenario = "2022"
    else:
        scenario = "no-entry"
    return scenario, {"partisans.groups": _GROUPS[given["partisan_capacity"]]}


def _logistics_state(series: Mapping[str, list[float]]) -> str:
    weeks = sum(1 for c in series["rail_capacity"] if c < _CUT)
    return "present" if weeks >= _CUT_WEEKS else "absent"


register_calibrator(
    Calibrator(
        variable="logistics_disruption",
        settings=_logistics_settings,
        classify=_logistics_state,
        describe=(
            "belarus_entry entered -> scenario entry; not entered with "
            "russian_military_presence high -> scenario 2022 (military traffic runs), "
            "low -> no-entry (no military traffic, so no acts); partisan_capacity "
            "low/high -> 4/40 partisan groups. A run is 'present' when at least 2 of its "
            "weeks average under 90% of intact rail capacity toward the southern border; "
            "shares smoothed by adding 0.5 per state"
        ),
    )
)


def _read_spec(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The spec's YAML as plain data, read as ``load_spec`` reads it.

    The bounded reader of :mod:`secondfront.model.yamlsource` (size, nesting and
    aliases limited), with its YAML 1.2 booleans: a state named ``yes`` stays a string.

    Raises:
        SpecError: the file cannot be read or parsed, or is not a mapping; located.
    """
    data = yaml_data(os.fspath(path))
    if not isinstance(data, dict):
        raise SpecError([Diagnostic(os.fspath(path), 1, 1, "expected a mapping at the top level")])
    return data


def _find_variable(data: dict[str, Any], name: str) -> dict[str, Any]:
    for var in data.get("variables", []):
        if var.get("name") == name:
            return var  # type: ignore[no-any-return]
    raise UsageError(f"variable {name!r} is not in the spec's variables")


def _rows(data: dict[str, Any], variable: str) -> tuple[list[str], list[dict[str, str]]]:
    """The variable's parents and one ``{parent: state}`` per table row, in table order."""
    var = _find_variable(data, variable)
    parents: list[str] = var.get("parents", [])
    parent_states = [_find_variable(data, p)["states"] for p in parents]
    combos = [dict(zip(parents, c, strict=True)) for c in itertools.product(*parent_states)]
    return parents, combos


def calibration_runs(spec_path: str | os.PathLike[str], variable: str, runs: int) -> int:
    """How many simulation runs ``calibrate_spec`` makes: ``runs`` per parent row."""
    return runs * len(_rows(_read_spec(spec_path), variable)[1])


def calibrate_spec(
    spec_path: str | os.PathLike[str],
    variable: str,
    output: str | os.PathLike[str],
    *,
    runs: int,
    seed: int,
    agents: int,
    steps: int,
    scheduler: str | None = None,
    workers: int | None = None,
    params_path: str | None = None,
    progress: Callable[[], None] | None = None,
    memory_limit: int | None = None,
) -> dict[str, Any]:
    """Simulate a variable's table and write a checked copy of the spec.

    Args:
        spec_path: the spec to copy (never modified).
        variable: a variable with a registered calibrator.
        output: where the copy goes; must differ from ``spec_path``.
        runs: runs per parent combination.
        seed: ensemble seed; combination ``i`` uses the seeds spawned for it.
        agents: simulated citizens per run.
        steps: days per run.
        scheduler: Dask scheduler address, or ``None`` for local processes.
        workers: local processes.
        params_path: society parameters file.
        progress: called once per finished run (``runs`` times per parent row).
        memory_limit: bytes the runs may use (``run_ensemble``).

    Returns:
        ``{"variable", "output", "runs", "seed", "rows": [{"given", "p", "se",
        "counts"}], "shift": [...], "warnings": [...]}``: ``se`` is the standard error
        of each share, ``shift`` compares the variable's marginal before and after
        (``outcome_shift``) and ``warnings`` lists the shifts beyond their interval.

    Raises:
        UsageError: unknown variable, no calibrator, output equal to the input.
        SpecError: the copy does not pass ``check_spec`` (a bug; nothing is left behind).
    """
    from secondfront.model.scenario import check_spec

    if variable not in CALIBRATORS:
        raise UsageError(
            f"no calibrator for {variable!r}; available: {', '.join(sorted(CALIBRATORS))}"
        )
    src = Path(spec_path).resolve()
    dst = Path(output).resolve()
    if src == dst:
        raise UsageError(f"{output}: the copy must not overwrite the original spec")
    if runs < 1:
        raise UsageError(f"runs must be at least 1, got {runs}")
    cal = CALIBRATORS[variable]
    data = _read_spec(spec_path)
    var = _find_variable(data, variable)
    states: list[str] = var["states"]
    parents, combos = _rows(data, variable)
    specs: list[RunSpec] = []
    seeds = spawn_seeds(seed, len(combos) * runs)
    for i, given in enumerate(combos):
        scenario, overrides = cal.settings(given)
        for r in range(runs):
            specs.append(
                RunSpec(
                    "belarus",
                    agents,
                    steps,
                    seeds[i * runs + r],
                    scenario,
                    params_path,
                    tuple(sorted(overrides.items())),
                )
            )
    result = run_ensemble(
        specs,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        memory_limit=memory_limit,
    )
    rows = []
    ses: list[list[float]] = []
    for i, given in enumerate(combos):
        counts = dict.fromkeys(states, 0)
        for r in range(runs):
            one = {name: values[i * runs + r].tolist() for name, values in result.runs.items()}
            counts[cal.classify(one)] += 1
        raw = np.array([counts[s] + 0.5 for s in states])
        p = raw / raw.sum()
        # Binomial standard error of each share estimated from ``runs`` runs.
        se = np.sqrt(p * (1.0 - p) / runs)
        ses.append(se.tolist())
        p = np.round(p, 6)
        p[-1] = round(1.0 - float(p[:-1].sum()), 6)  # rows must sum to 1 after rounding
        rows.append(
            {
                "given": given,
                "p": [float(x) for x in p],
                "se": [round(float(x), 6) for x in se],
                "counts": counts,
            }
        )
    for form in ("table", "noisy_or", "noisy_max", "logistic"):
        var.pop(form, None)
    var["table"] = {
        "assumption": (
            f"simulated, {runs} runs per row, seed {seed}, {agents} agents, {steps} days "
            f"(secondfront calibrate {variable}): {cal.describe}"
        ),
        "rows": [{"given": r["given"], "p": r["p"]} for r in rows],
    }
    for source in data.get("sources", []):
        text = source.get("text")
        if text and not os.path.isabs(text):
            target = (src.parent / text).resolve()
            source["text"] = os.path.relpath(target, dst.parent)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(
        "# A copy of " + src.name + " with the table of " + variable + " simulated by the\n"
        "# Belarus agent-based model; see that table's assumption for the provenance.\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    problems = check_spec(dst)
    if problems:
        dst.unlink()
        raise SpecError(problems)
    shift = outcome_shift(src, dst, variable, parents, combos, ses)
    return {
        "variable": variable,
        "output": str(dst),
        "runs": runs,
        "seed": seed,
        "rows": rows,
        "shift": shift,
        "warnings": [s["warning"] for s in shift if s["warning"]],
    }


def outcome_shift(
    original: str | os.PathLike[str],
    calibrated: str | os.PathLike[str],
    variable: str,
    parents: list[str],
    combos: list[dict[str, str]],
    se: list[list[float]],
) -> list[dict[str, Any]]:
    """How far the calibrated table moves the variable's marginal, against its interval.

    The marginal is ``P(v = s) = sum_r w_r p_r(s)`` over the parent rows ``r``, with
    ``w_r = P(parents = r)`` (unchanged by the calibration: parents are ancestors). Rows
    are simulated independently, so the sampling standard error of the marginal is
    ``sqrt(sum_r w_r^2 se_r(s)^2)``; the interval is 1.96 of those either side (95 %).
    A shift larger than that half-width is more than the simulation's own noise and
    comes with a warning.

    Args:
        original: the spec before calibration.
        calibrated: the checked copy.
        variable: the calibrated variable.
        parents: its parents, in table order.
        combos: parent states per row, in table order.
        se: standard error per row and state, same order.

    Returns:
        one entry per state: ``{"state", "before", "after", "half_width", "warning"}``
        (``warning`` is an empty string when the shift is within the interval).
    """
    from secondfront import infer_batch, load

    before_net = load(str(original))
    after_net = load(str(calibrated))
    weights = np.ones(len(combos))
    for i, parent in enumerate(parents):
        evidence = [{q: c[q] for q in parents[:i]} for c in combos]
        post = infer_batch(after_net, evidence)[parent]
        # A batch whose sets are all empty may come back as one row.
        post = np.broadcast_to(post, (len(combos), post.shape[-1]))
        states = after_net.variables[parent].states
        idx = [states.index(c[parent]) for c in combos]
        weights *= post[np.arange(len(combos)), idx]
    before = infer_batch(before_net, [{}])[variable][0]
    after = infer_batch(after_net, [{}])[variable][0]
    errors = np.asarray(se, dtype=float).reshape(len(combos), -1)
    half = 1.96 * np.sqrt((weights[:, None] ** 2 * errors**2).sum(axis=0))
    runs_note = "more than simulation noise: review the copy and the calibrator's mapping"
    out = []
    for j, state in enumerate(after_net.variables[variable].states):
        moved = abs(after[j] - before[j]) > half[j]
        warning = (
            f"the calibrated table moves P({variable}={state}) from {before[j]:.1%} to "
            f"{after[j]:.1%}, beyond its 95% interval of +/-{half[j]:.1%}, {runs_note}"
            if moved
            else ""
        )
        out.append(
            {
                "state": state,
                "before": round(float(before[j]), 6),
                "after": round(float(after[j]), 6),
                "half_width": round(float(half[j]), 6),
                "warning": warning,
            }
        )
    return out
