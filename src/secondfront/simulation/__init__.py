"""Agent-based simulation of public, police, army and partisans.

``epstein`` is Epstein's civil violence model with the semantics of Mesa's example,
vectorised over arrays with a compiled kernel (``kernel``); ``belarus`` extends it with
what the opinion column describes, each rule citing its locator, with parameters from
``models/belarus-society.yaml`` (``params``) and a rail graph (``rail``). ``ensemble``
fans runs out over processes or a Dask cluster. Writing simulated tables into a copy of
a scenario spec is an analysis feature (:mod:`secondfront.analysis.calibration`): the
simulation knows nothing of networks or specs. Mesa itself (``reference``) is a test and benchmark
dependency only.
"""

from secondfront.simulation.belarus import SCENARIOS, SERIES, BelarusRun, run_belarus
from secondfront.simulation.ensemble import (
    MODELS,
    EnsembleResult,
    RunSpec,
    run_ensemble,
    run_one,
    spawn_seeds,
)
from secondfront.simulation.epstein import EpsteinParams, EpsteinRun, init_epstein, run_epstein
from secondfront.simulation.lattice import Lattice, populate
from secondfront.simulation.params import SocietyParams, load_society
from secondfront.simulation.rail import RailNetwork, loss_days
from secondfront.simulation.stats import bands, outburst_sizes, weekly

__all__ = [
    "MODELS",
    "SCENARIOS",
    "SERIES",
    "BelarusRun",
    "EnsembleResult",
    "EpsteinParams",
    "EpsteinRun",
    "Lattice",
    "RailNetwork",
    "RunSpec",
    "SocietyParams",
    "bands",
    "init_epstein",
    "load_society",
    "loss_days",
    "outburst_sizes",
    "populate",
    "run_belarus",
    "run_ensemble",
    "run_epstein",
    "run_one",
    "spawn_seeds",
    "weekly",
]
