"""Calibrating a variable's table from the Belarus simulation into a copy of a spec.

For a variable of the flagship network, each combination of its parents' states is
mapped to settings of the Belarus simulation (a scenario and parameter overrides); an
ensemble is run for every combination (:func:`secondfront.simulation.ensemble.run_ensemble`),
each run is classified into one of the variable's states, and the shares become that
row of an explicit ``table`` with its provenance ("simulated, N runs, seed S"). The
original spec is never modified: the copy is written elsewhere and checked with
``check_spec``.

Every run of every row goes to one pool (local processes, or a Dask cluster given a
scheduler), so the rows run in parallel and a progress callback sees each run finish.
Each row's shares come with their standard error, and the shift of the variable's
marginal is compared with the interval those errors imply (:func:`outcome_shift`).

Numbers of the simulated society come from the society parameters file the runs use
(``--params``, default ``models/belarus-society.yaml``): the number of adults that scales
a share of simulated citizens to the country is that file's ``society.adults``, named in
the result and in the table's assumption.

Calibrators are a registry by variable name; the built-in ones (``mass_mobilisation``
from the society layer, ``logistics_disruption`` from the partisans and the rail
network) register the same way any other would. The simulation itself (``simulation/``)
knows nothing of networks or specs.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from secondfront.errors import Diagnostic, SpecError, UsageError
from secondfront.inference.query import infer_batch
from secondfront.jsontypes import JSONObject
from secondfront.model.fittedcopy import Provenance, refuse_source, write_fitted_copy
from secondfront.model.formats import load
from secondfront.model.model import Model
from secondfront.model.schema import CPT_FORMS
from secondfront.model.yamlsource import yaml_data
from secondfront.simulation.ensemble import RunSpec, run_ensemble, spawn_seeds, with_overrides
from secondfront.simulation.params import DEFAULT_SOCIETY, SocietyParams, load_society

_WHAT = "the spec being calibrated"  # the source in words, for the refusal to overwrite it

Series = Mapping[str, list[float]]
"""A run's weekly series by name (``secondfront.simulation.ensemble.run_one``)."""


@dataclass(frozen=True)
class Calibrator:
    """How to simulate one variable given its parents.

    Attributes:
        variable: the spec variable.
        settings: parent states -> ``(scenario, overrides)`` of the simulation.
        classify: (weekly series of a run, the society parameters that run used) -> a
            state of the variable.
        describe: the society parameters -> the mapping in words, written into the
            table's assumption.
    """

    variable: str
    settings: Callable[[Mapping[str, str]], tuple[str, dict[str, float]]]
    classify: Callable[[Series, SocietyParams], str]
    describe: Callable[[SocietyParams], str]


CALIBRATORS: dict[str, Calibrator] = {}


def register_calibrator(c: Calibrator) -> None:
    """Make ``secondfront calibrate VARIABLE`` available for ``c.variable``."""
    CALIBRATORS[c.variable] = c


@dataclass(frozen=True)
class Adults:
    """The adults a simulated citizen stands for, and where the number comes from.

    Attributes:
        value: adults in the country (people).
        source: the parameters file and key it was read from, with that entry's sources.
    """

    value: float
    source: str


def adults_of(params: SocietyParams, path: str | os.PathLike[str] | None) -> Adults:
    """``society.adults`` of the parameters file at ``path`` (None: the shipped one)."""
    entry = params.society["adults"]
    where = Path(path) if path is not None else DEFAULT_SOCIETY
    cited = f" (sources: {', '.join(entry.sources)})" if entry.sources else ""
    return Adults(entry.value, f"society.adults of {where.name}{cited}")


# -- mass_mobilisation --------------------------------------------------------------

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


def _mobilisation_state(series: Series, params: SocietyParams) -> str:
    # The share of simulated citizens expressing, scaled to the country's adults as the
    # run itself scales its counts (``secondfront.simulation.belarus``).
    peak = max(series["expressing_share"]) * params.value("society", "adults")
    if peak >= _MASS:
        return "mass"
    return "limited" if peak >= _LIMITED else "none"


def _mobilisation_words(params: SocietyParams) -> str:
    adults = params.value("society", "adults")
    return (
        "entry -> scenario entry, else no-entry; war_hardship low/medium/high -> "
        "hardship x1.0/1.25/1.5; anti_war_sentiment low/medium/high -> attitude mean "
        "0.25/0.5/0.69; repression_capacity weakened -> severity 1 (intact: today's). "
        "A run is 'mass' when its peak week averages 100,000 or more expressing per "
        f"{adults / 1e6:g} M adults (society.adults of the parameters), 'limited' from "
        "10,000; shares smoothed by adding 0.5 per state"
    )


register_calibrator(
    Calibrator(
        variable="mass_mobilisation",
        settings=_mobilisation_settings,
        classify=_mobilisation_state,
        describe=_mobilisation_words,
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


def _logistics_state(series: Series, params: SocietyParams) -> str:
    weeks = sum(1 for c in series["rail_capacity"] if c < _CUT)
    return "present" if weeks >= _CUT_WEEKS else "absent"


register_calibrator(
    Calibrator(
        variable="logistics_disruption",
        settings=_logistics_settings,
        classify=_logistics_state,
        describe=lambda params: (
            "belarus_entry entered -> scenario entry; not entered with "
            "russian_military_presence high -> scenario 2022 (military traffic runs), "
            "low -> no-entry (no military traffic, so no acts); partisan_capacity "
            "low/high -> 4/40 partisan groups. A run is 'present' when at least 2 of its "
            "weeks average under 90% of intact rail capacity toward the southern border; "
            "shares smoothed by adding 0.5 per state"
        ),
    )
)


# -- the typed result ---------------------------------------------------------------


@dataclass(frozen=True)
class CalibratedRow:
    """One simulated row of the table.

    Attributes:
        given: parent -> state.
        p: the variable's state shares (add-half smoothed, rounded to 1e-6, summing to 1).
        se: binomial standard error of each share, from ``runs`` runs.
        counts: state -> runs classified into it.
    """

    given: dict[str, str]
    p: tuple[float, ...]
    se: tuple[float, ...]
    counts: dict[str, int]

    def as_json(self) -> JSONObject:
        """``{"given", "p", "se", "counts"}``."""
        return {
            "given": dict(self.given),
            "p": list(self.p),
            "se": list(self.se),
            "counts": dict(self.counts),
        }


@dataclass(frozen=True)
class MarginalShift:
    """How far the calibrated table moves one state's marginal (see :func:`outcome_shift`).

    Attributes:
        state: the variable's state.
        before, after: P(variable = state) with no evidence, before and after.
        half_width: the 95% half-width the simulation's noise implies.
        warning: a sentence when the shift is beyond the half-width, else "".
    """

    state: str
    before: float
    after: float
    half_width: float
    warning: str

    def as_json(self) -> JSONObject:
        """``{"state", "before", "after", "half_width", "warning"}``."""
        return {
            "state": self.state,
            "before": self.before,
            "after": self.after,
            "half_width": self.half_width,
            "warning": self.warning,
        }


@dataclass(frozen=True)
class Calibration:
    """A calibrated copy of a spec and what it rests on.

    Attributes:
        variable: the calibrated variable.
        output: the checked copy written.
        runs: runs per parent row; seed: the ensemble's seed.
        rows: the table's rows, in table order.
        shift: the marginal's shift per state.
        adults: the adults a simulated citizen stands for, with its source.
    """

    variable: str
    output: Path
    runs: int
    seed: int
    rows: tuple[CalibratedRow, ...]
    shift: tuple[MarginalShift, ...]
    adults: Adults

    @property
    def warnings(self) -> list[str]:
        """The shifts beyond their interval, in words."""
        return [s.warning for s in self.shift if s.warning]

    def as_json(self) -> JSONObject:
        """``{"variable", "output", "runs", "seed", "rows", "shift", "warnings"}``."""
        return {
            "variable": self.variable,
            "output": str(self.output),
            "runs": self.runs,
            "seed": self.seed,
            "rows": [r.as_json() for r in self.rows],
            "shift": [s.as_json() for s in self.shift],
            "warnings": list(self.warnings),
        }


# -- the spec as data ---------------------------------------------------------------


def _read_spec(path: str | os.PathLike[str]) -> dict[str, object]:
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


def _find_variable(data: Mapping[str, object], name: str) -> dict[str, object]:
    variables = data.get("variables", [])
    for var in variables if isinstance(variables, list) else []:
        if isinstance(var, dict) and var.get("name") == name:
            return var
    raise UsageError(f"variable {name!r} is not in the spec's variables")


def _states(var: Mapping[str, object]) -> list[str]:
    states = var.get("states", [])
    return [str(s) for s in states] if isinstance(states, list) else []


def _rows(data: Mapping[str, object], variable: str) -> tuple[list[str], list[dict[str, str]]]:
    """The variable's parents and one ``{parent: state}`` per table row, in table order."""
    var = _find_variable(data, variable)
    raw = var.get("parents", [])
    parents = [str(p) for p in raw] if isinstance(raw, list) else []
    parent_states = [_states(_find_variable(data, p)) for p in parents]
    combos = [dict(zip(parents, c, strict=True)) for c in itertools.product(*parent_states)]
    return parents, combos


def calibration_runs(spec_path: str | os.PathLike[str], variable: str, runs: int) -> int:
    """How many simulation runs :func:`calibrate_spec` makes: ``runs`` per parent row."""
    return runs * len(_rows(_read_spec(spec_path), variable)[1])


def _write_copy(
    data: dict[str, object], src: Path, dst: Path, variable: str, table: JSONObject
) -> None:
    """Write the spec with ``variable``'s table replaced, by the one writer of fitted
    copies (:func:`secondfront.model.fittedcopy.write_fitted_copy`); a copy that fails
    the checks is refused and nothing is left behind. The spec's schema has no
    provenance block: the header names what was simulated, the table's assumption how."""
    from secondfront.model.scenario import check_spec

    var = _find_variable(data, variable)
    for form in CPT_FORMS:
        var.pop(form, None)
    var["table"] = table
    sources = data.get("sources", [])
    for source in sources if isinstance(sources, list) else []:
        text = source.get("text") if isinstance(source, dict) else None
        if isinstance(text, str) and text and not os.path.isabs(text):
            # Relative source texts stay pointing at the same files from the copy.
            source["text"] = os.path.relpath((src.parent / text).resolve(), dst.parent)
    header = (
        f"A copy of {src.name} with the table of {variable} simulated by the",
        "Belarus agent-based model; see that table's assumption for the provenance.",
    )
    copy = Provenance(source=src, what=_WHAT, header=header)
    write_fitted_copy(dst, data, copy, check=check_spec)


# -- calibrating --------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationSettings:
    """How each row's runs are made: the simulation's size and where it runs.

    Attributes:
        runs: runs per parent combination; seed: the ensemble seed (combination ``i``
            uses the seeds spawned for it).
        agents: simulated citizens per run; steps: days per run.
        scheduler: Dask scheduler address, or ``None`` for local processes.
        workers: local processes.
        params_path: society parameters file (None: the shipped one).
        progress: called once per finished run.
        memory_limit: bytes the runs may use (``run_ensemble``).
    """

    runs: int
    seed: int
    agents: int
    steps: int
    scheduler: str | None = None
    workers: int | None = None
    params_path: str | None = None
    progress: Callable[[], None] | None = None
    memory_limit: int | None = None


def _simulate_rows(
    cal: Calibrator,
    combos: Sequence[Mapping[str, str]],
    states: Sequence[str],
    society: SocietyParams,
    how: SimulationSettings,
) -> list[CalibratedRow]:
    """Run every row's ensemble in one pool and turn each row's runs into shares."""
    runs = how.runs
    specs: list[RunSpec] = []
    used: list[SocietyParams] = []
    seeds = spawn_seeds(how.seed, len(combos) * runs)
    for i, given in enumerate(combos):
        scenario, overrides = cal.settings(given)
        used.append(with_overrides(society, overrides) if overrides else society)
        for r in range(runs):
            specs.append(
                RunSpec(
                    "belarus",
                    how.agents,
                    how.steps,
                    seeds[i * runs + r],
                    scenario,
                    how.params_path,
                    tuple(sorted(overrides.items())),
                )
            )
    result = run_ensemble(
        specs,
        scheduler=how.scheduler,
        workers=how.workers,
        progress=how.progress,
        memory_limit=how.memory_limit,
    )
    rows = []
    for i, given in enumerate(combos):
        counts = dict.fromkeys(states, 0)
        for r in range(runs):
            one = {name: values[i * runs + r].tolist() for name, values in result.runs.items()}
            counts[cal.classify(one, used[i])] += 1
        raw = np.array([counts[s] + 0.5 for s in states])
        p = raw / raw.sum()
        # Binomial standard error of each share estimated from ``runs`` runs.
        se = np.sqrt(p * (1.0 - p) / runs)
        p = np.round(p, 6)
        p[-1] = round(1.0 - float(p[:-1].sum()), 6)  # rows must sum to 1 after rounding
        rows.append(
            CalibratedRow(
                dict(given),
                tuple(float(x) for x in p),
                tuple(round(float(x), 6) for x in se),
                counts,
            )
        )
    return rows


def calibrate(
    spec_path: str | os.PathLike[str],
    variable: str,
    output: str | os.PathLike[str],
    how: SimulationSettings,
) -> Calibration:
    """Simulate a variable's table and write a checked copy of the spec.

    Args:
        spec_path: the spec to copy (never modified).
        variable: a variable with a registered calibrator.
        output: where the copy goes; must differ from ``spec_path``.
        how: the runs' size, seed and pool.

    Raises:
        UsageError: unknown variable, no calibrator, output equal to the input.
        SpecError: the copy does not pass ``check_spec`` (a bug; nothing is left behind),
            or the spec or the parameters file cannot be read (located).
    """
    if variable not in CALIBRATORS:
        raise UsageError(
            f"no calibrator for {variable!r}; available: {', '.join(sorted(CALIBRATORS))}"
        )
    refuse_source(Path(output), Path(spec_path), _WHAT)  # before any run
    src = Path(spec_path).resolve()
    dst = Path(output).resolve()
    if how.runs < 1:
        raise UsageError(f"runs must be at least 1, got {how.runs}")
    cal = CALIBRATORS[variable]
    data = _read_spec(spec_path)
    states = _states(_find_variable(data, variable))
    parents, combos = _rows(data, variable)
    society = load_society(how.params_path)
    rows = _simulate_rows(cal, combos, states, society, how)
    table: JSONObject = {
        "assumption": (
            f"simulated, {how.runs} runs per row, seed {how.seed}, {how.agents} agents, "
            f"{how.steps} days (secondfront calibrate {variable}): {cal.describe(society)}"
        ),
        "rows": [{"given": dict(r.given), "p": list(r.p)} for r in rows],
    }
    _write_copy(data, src, dst, variable, table)
    shift = outcome_shift(src, dst, variable, parents, combos, [list(r.se) for r in rows])
    return Calibration(
        variable,
        dst,
        how.runs,
        how.seed,
        tuple(rows),
        tuple(shift),
        adults_of(society, how.params_path),
    )


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
) -> Calibration:
    """:func:`calibrate` with the settings as keywords (see :class:`SimulationSettings`)."""
    how = SimulationSettings(
        runs, seed, agents, steps, scheduler, workers, params_path, progress, memory_limit
    )
    return calibrate(spec_path, variable, output, how)


def _parent_weights(
    net: Model, parents: Sequence[str], combos: Sequence[Mapping[str, str]]
) -> np.ndarray:
    """``P(parents = r)`` per row ``r`` [R], by the chain rule over the parents in order."""
    weights = np.ones(len(combos))
    for i, parent in enumerate(parents):
        evidence = [{q: c[q] for q in parents[:i]} for c in combos]
        post = infer_batch(net, evidence)[parent]
        # A batch whose sets are all empty may come back as one row.
        post = np.broadcast_to(post, (len(combos), post.shape[-1]))
        states = net.variables[parent].states
        idx = [states.index(c[parent]) for c in combos]
        weights *= post[np.arange(len(combos)), idx]
    return weights


def outcome_shift(
    original: str | os.PathLike[str],
    calibrated: str | os.PathLike[str],
    variable: str,
    parents: Sequence[str],
    combos: Sequence[Mapping[str, str]],
    se: Sequence[Sequence[float]],
) -> list[MarginalShift]:
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
        one :class:`MarginalShift` per state (``warning`` empty when the shift is within
        the interval).
    """
    before_net = load(str(original))
    after_net = load(str(calibrated))
    weights = _parent_weights(after_net, parents, combos)
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
            MarginalShift(
                state,
                round(float(before[j]), 6),
                round(float(after[j]), 6),
                round(float(half[j]), 6),
                warning,
            )
        )
    return out


__all__ = [
    "CALIBRATORS",
    "Adults",
    "CalibratedRow",
    "Calibration",
    "Calibrator",
    "MarginalShift",
    "SimulationSettings",
    "adults_of",
    "calibrate",
    "calibrate_spec",
    "calibration_runs",
    "outcome_shift",
    "register_calibrator",
]
