"""The Belarus model: Epstein's civil violence extended with what the column describes.

Each new rule cites the column's locator it renders (``models/belarus-society.yaml``
holds every number with its basis):

* **preference falsification** (P6.S2, P6.S3): each citizen holds a private anti-war
  attitude ``a ~ Beta``; its grievance is ``min(1, a * u * h) * (1 - L)`` (its own
  exposure to hardship ``u ~ U(0, 1)`` as in Epstein's model, the hardship level ``h``,
  legitimacy ``L``). It expresses that attitude in public when
  ``G + w * S - R * s * P > T``: ``S`` is the share of citizens in view who express,
  so the threshold for expressing falls as more others express, and the perceived cost
  ``R * s * P`` rises with repression (arrest probability ``P`` from the police in
  view, severity ``s``);
* **entry shock** (P6.S4, P6.S3): on the entry day legitimacy falls, hardship rises and
  the perceived cost of arrest changes; grievances are recomputed;
* **police and repression capacity** (P5.S1): police agents (the street-deployed share
  of interior-ministry staff) detain one expressing citizen in view per day, for an
  administrative term or, for a share of them, a criminal term; detentions are counted;
* **soldiers** (P4.S2): each soldier has a loyalty and an attitude; once ordered to
  fight, a soldier whose ``attitude * (1 - loyalty) + S_national`` passes a threshold
  refuses with a daily probability and is dismissed;
* **partisans** (P4.S1): small groups disrupt rail sections at a daily rate while
  military traffic runs; each disruption takes a section drawn uniformly at random out
  of service for a lognormal repair time, and some groups are detained after each act.
  The output is the share of rail capacity from the Russian border to the southern
  border left, and the capacity lost in days (``rail``).

Scenarios: ``2020`` (the disputed election: low legitimacy, no war), ``no-entry``
(today's repression, no entry), ``entry`` (as ``no-entry`` until the entry day, then the
shock, orders to the army and partisan activity) and ``2022`` (the invasion from
Belarusian territory: partisan activity from day 0, used to calibrate the rail part).
One step is one day.

Where the time of a day goes (7.5 M citizens on 10.7 M cells, tiles of 64 cells, CPU
seconds per day on this project's 2-core AMD EPYC machine, 2026-12-02; the tables are
in ``benchmarks/README.md``):

* the kernel's step, 1.15-1.3 CPU-s, which the tiles spread over every core. Of it,
  about 0.26 is visiting the agents in random order (the permutation of the occupied
  cells, the acted and jail checks; 35 % of the citizens cannot express whatever they
  see, since ``G + w <= T``, and skip the rest), about 0.37 is weighing the
  neighbourhood (15 reads of the strip sums, the arrest probability from a table, the
  decision), and about half, 0.5-0.65, is the move: drawing an empty cell in vision
  and the 16 strip updates that moving an agent costs. Per citizen that is about
  160 ns. It is not memory-bound: a step moves about 50 bytes per cell (codes, agent
  indices, strips, the agent arrays), 0.5 GB, at under 1 GB/s where one core copies at
  6 GB/s; the time is the agent's dependent loads and branches. The 2,704 tiles are
  many and alike, so the cores are evenly loaded; on a shared machine each colour's
  barrier waits for a descheduled thread, which costs 4-13 % more CPU at 2 threads;
* the day's counts, 0.005: a pass over the cell codes by blocks on every core, inside
  the kernel's call;
* the army's refusals (vectorised over the simulated soldiers), the partisans' acts and
  the rail capacity (a maximum flow, cached per set of cut sections): 0.004;
* the set-up, once per run: about 2.0 s (placing the agents, the Beta attitudes, the
  grievances, the tiles); 0.29 s a day over 7 days, 0.024 over 84.

What is no longer spent: the strip sums were rebuilt from the codes every day (0.23
CPU-s; they stay valid from one day to the next), an ``exp`` per activation (0.08), a
second count of the cells (0.03) and reference counting inside the tile loop. Memory:
the set-up keeps only what the run needs (one byte per cell for the layout, the
product of attitude and exposure rather than both draws), so the peak is the state
itself plus one temporary per agent when grievances are computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from secondfront.errors import UsageError
from secondfront.simulation.epstein import side_for_agents
from secondfront.simulation.kernel import Rules
from secondfront.simulation.lattice import Lattice, populate
from secondfront.simulation.params import SocietyParams
from secondfront.simulation.rail import RailNetwork

__all__ = ["SCENARIOS", "SERIES", "BelarusRun", "run_belarus"]

SCENARIOS: tuple[str, ...] = ("2020", "no-entry", "entry", "2022")

# Series of a run, with how each is aggregated to weeks (see ``stats.weekly``).
SERIES: dict[str, str] = {
    "expressing_share": "mean",
    "detentions": "sum",
    "detentions_total": "last",
    "jailed_share": "mean",
    "refusals_total": "last",
    "rail_capacity": "mean",
}


@dataclass(frozen=True)
class BelarusRun:
    """Daily series of one run, the initial state first (shape ``(steps + 1,)`` each).

    Attributes:
        expressing_share: citizens expressing in public / citizens.
        detentions: detentions that day, per ``adults`` (scaled to the country).
        detentions_total: cumulative detentions, scaled to the country.
        jailed_share: citizens in detention / citizens.
        refusals_total: cumulative soldiers dismissed for refusing, scaled to the army.
        rail_capacity: share of intact rail capacity toward the southern border.
        n_citizens: simulated citizens.
        scale: adults per simulated citizen.
    """

    expressing_share: NDArray[np.float64]
    detentions: NDArray[np.float64]
    detentions_total: NDArray[np.float64]
    jailed_share: NDArray[np.float64]
    refusals_total: NDArray[np.float64]
    rail_capacity: NDArray[np.float64]
    n_citizens: int
    scale: float

    def series(self) -> dict[str, NDArray[np.float64]]:
        """The named series (keys of ``SERIES``)."""
        return {name: getattr(self, name) for name in SERIES}


@dataclass(frozen=True)
class _Regime:
    legitimacy: float
    hardship: float
    severity: float


def _grievance(felt: NDArray[np.float64], regime: _Regime) -> NDArray[np.float32]:
    """``min(1, a * u * h) * (1 - L)`` per citizen, from ``felt = a * u``.

    ``a`` is the private attitude and ``u`` the citizen's own exposure to hardship; only
    their product is kept for the run (8 bytes per agent, not 16).
    """
    g = felt * regime.hardship  # one temporary, updated in place (same order of operations)
    np.minimum(g, 1.0, out=g)
    g *= 1.0 - regime.legitimacy
    return g.astype(np.float32)


def _regimes(p: SocietyParams, scenario: str) -> tuple[_Regime, _Regime | None]:
    v = p.value
    if scenario == "2020":
        base = _Regime(
            v("scenarios", "legitimacy_2020"),
            v("society", "hardship"),
            v("scenarios", "severity_2020"),
        )
        return base, None
    base = _Regime(
        v("scenarios", "legitimacy_now"), v("society", "hardship"), v("scenarios", "severity_now")
    )
    if scenario != "entry":
        return base, None
    shocked = _Regime(
        max(0.0, base.legitimacy - v("scenarios", "entry_legitimacy_drop")),
        base.hardship * (1.0 + v("scenarios", "entry_hardship_rise")),
        base.severity * v("scenarios", "entry_severity_factor"),
    )
    return base, shocked


def _populate_society(
    params: SocietyParams, agents: int, rng: np.random.Generator, tile: int | None
) -> tuple[Lattice, NDArray[np.float64], int, float]:
    """The lattice of citizens and street police, and each cell's felt hardship.

    Returns:
        the lattice; ``felt``, per cell, a citizen's private attitude (a Beta draw,
        P6.S2) times its uniform draw, 0 on police cells; the number of citizens; and
        ``scale``, adults per simulated citizen.
    """
    v = params.value
    adults = v("society", "adults")
    density = v("society", "citizen_density")
    police_per_adult = v("police", "staff") * v("police", "street_share") / adults
    cop_density = density * police_per_adult
    side = side_for_agents(agents, density, cop_density)
    vision = int(v("society", "vision"))
    if tile is not None and side < 4 * (2 * vision + 1):
        tile = None  # too small to cut into tiles; one tile is exact anyway
    lattice, attitude_u, risk_u = populate(
        side, side, density, cop_density, rng, vision=vision, tile=tile
    )
    citizen = ~lattice.is_cop
    n_cit = int(np.count_nonzero(citizen))
    scale = adults / n_cit
    # Private attitudes (P6.S2): Beta quantiles of the uniform draws keep one stream.
    attitude = np.zeros_like(attitude_u)
    attitude[citizen] = rng.beta(
        v("society", "attitude_alpha"), v("society", "attitude_beta"), size=n_cit
    )
    del citizen, risk_u
    felt = attitude
    felt *= attitude_u  # a * u; the draws are no longer needed
    del attitude, attitude_u
    return lattice, felt, n_cit, scale


def run_belarus(
    params: SocietyParams,
    scenario: str,
    agents: int,
    steps: int,
    seed: int | np.random.Generator,
    *,
    tile: int | None = None,
) -> BelarusRun:
    """Run the Belarus model.

    Args:
        params: the society parameters.
        scenario: one of ``SCENARIOS``.
        agents: simulated citizens (about; the lattice is filled at random). Counts
            are scaled to ``society.adults``.
        steps: days.
        seed: an int seed or a ``numpy.random.Generator``.
        tile: target tile side of the parallel kernel (``None``: one tile, one core,
            the right choice for runs fanned out over processes).

    Returns:
        the run's daily series.
    """
    if scenario not in SCENARIOS:
        raise UsageError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lattice, felt, n_cit, scale = _populate_society(params, agents, rng, tile)
    v = params.value
    base, shocked = _regimes(params, scenario)
    regime = base
    lattice.grievance[:] = _grievance(felt, regime)
    lattice.grievance[lattice.is_cop] = 0.0

    soldiers = max(100, round(v("army", "soldiers") / scale))
    s_att = rng.beta(v("society", "attitude_alpha"), v("society", "attitude_beta"), soldiers)
    s_loy = rng.beta(v("army", "loyalty_alpha"), v("army", "loyalty_beta"), soldiers)
    in_service = np.ones(soldiers, dtype=bool)

    rail = RailNetwork.from_params(params.rail_section())
    repaired_on = np.zeros(rail.n_edges, dtype=np.int64)  # day a section is back
    groups = int(v("partisans", "groups"))
    entry_day = int(v("scenarios", "entry_day"))

    out = np.zeros((6, steps + 1))
    out[4, 0] = 0.0
    out[5, 0] = 1.0
    counts = lattice.counts()
    out[0, 0] = counts["active"] / n_cit
    out[3, 0] = counts["jailed"] / n_cit
    total = 0.0
    rules = _rules(params, regime)
    for day in range(1, steps + 1):
        at_war = scenario == "2022" or (scenario == "entry" and day > entry_day)
        if shocked is not None and day == entry_day + 1:
            regime = shocked  # P6.S4: the entry shock
            rules = _rules(params, regime)
            lattice.grievance[:] = _grievance(felt, regime)
            lattice.grievance[lattice.is_cop] = 0.0
        # The kernel counts the cells at the end of the step; a second pass over them
        # (``lattice.counts``) would cost as much as the army, partisans and rail.
        arrests, active, _, jailed = (int(v) for v in lattice.run(rules, 1)[:, 0])
        share = active / n_cit
        total += arrests * scale
        out[0, day] = share
        out[1, day] = arrests * scale
        out[2, day] = total
        out[3, day] = jailed / n_cit
        if scenario == "entry" and day > entry_day:
            _army_day(rng, params, s_att, s_loy, in_service, share)
        out[4, day] = (soldiers - np.count_nonzero(in_service)) / soldiers * v("army", "soldiers")
        if at_war and groups > 0:
            factor = v("partisans", "entry_act_factor") if scenario == "entry" else 1.0
            groups = _partisan_day(rng, params, groups, factor, day, repaired_on)
        cut = np.flatnonzero(repaired_on > day)
        out[5, day] = rail.capacity_share(cut.tolist())
    return BelarusRun(out[0], out[1], out[2], out[3], out[4], out[5], n_cit, scale)


def _rules(p: SocietyParams, regime: _Regime) -> Rules:
    """The step rules under a regime (P5.S1, P6.S2, P6.S3)."""
    v = p.value
    return Rules(
        k=v("society", "arrest_prob_constant"),
        threshold=v("society", "active_threshold"),
        max_jail=int(v("police", "max_admin_term")),
        social_weight=v("society", "social_weight"),
        severity=regime.severity,
        long_jail_p=v("police", "criminal_case_share"),
        long_jail=int(v("police", "criminal_term")),
        perceived_police=v("police", "perceived_police") * regime.severity,
        arrest_p=v("police", "arrest_daily_p"),
        # Risk fades smoothly with crowd size (no rounding): risk-averse citizens stay
        # home even in a crowd, which is what keeps protest a minority (P6.S3).
        round_ratio=False,
    ).typed()


def _army_day(
    rng: np.random.Generator,
    p: SocietyParams,
    attitude: NDArray[np.float64],
    loyalty: NDArray[np.float64],
    in_service: NDArray[np.bool_],
    expressing: float,
) -> None:
    """P4.S2: soldiers past their threshold refuse with a daily probability, dismissed."""
    pressure = attitude * (1.0 - loyalty) + expressing
    past = in_service & (pressure > p.value("army", "refusal_threshold"))
    refuse = past & (rng.random(in_service.shape[0]) < p.value("army", "refusal_daily_p"))
    in_service[refuse] = False


def _partisan_day(
    rng: np.random.Generator,
    p: SocietyParams,
    groups: int,
    factor: float,
    day: int,
    repaired_on: NDArray[np.int64],
) -> int:
    """P4.S1: disruptions at an aggregate daily rate; returns the groups still free.

    Each disruption takes one section, drawn uniformly at random, out of service for a
    lognormal repair time (a section already out stays out until the later date).
    """
    v = p.value
    acts = int(rng.binomial(groups, min(1.0, v("partisans", "daily_act_p") * factor)))
    if acts:
        sections = rng.integers(0, repaired_on.shape[0], size=acts)
        median = v("partisans", "repair_median_days")
        days = np.ceil(rng.lognormal(np.log(median), v("partisans", "repair_sigma"), size=acts))
        for s, d in zip(sections, days, strict=True):
            repaired_on[s] = max(repaired_on[s], day + int(d))
    return groups - int(rng.binomial(acts, v("partisans", "capture_p")))
