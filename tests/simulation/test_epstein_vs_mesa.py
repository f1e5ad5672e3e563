"""Validation of the vectorised Epstein model against Mesa's own example.

Two parameter sets, each over 30 seeds per implementation, compared with two-sample
Mann-Whitney tests on the peak and the mean number of active citizens and on the
sizes of outbursts:

* Mesa's example defaults (40 x 40, legitimacy 0.8, cop density 0.074, jail 1000): a
  nearly quiescent regime;
* the "rebellion" set (legitimacy 0.82, cop density 0.04, jail 30, NetLogo's values
  with Mesa's rules), whose outbursts are large; at this size the same statistic
  rejects the synchronous-activation twin (``test_kernel``), so agreement here is
  evidence, not a test without power.

By default the runs are short (the default suite must stay fast); with
``SECONDFRONT_FULL=1`` they run Mesa's full 1000 steps.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from secondfront.simulation.epstein import EpsteinParams, run_epstein
from secondfront.simulation.stats import outburst_sizes

pytest.importorskip("mesa")

FULL = os.environ.get("SECONDFRONT_FULL") == "1"
SEEDS = 30
ALPHA = 0.01

CASES = {
    # name: (params, steps by default, outburst threshold)
    "mesa-defaults": (EpsteinParams(), 10, 3),
    "rebellion": (EpsteinParams(legitimacy=0.82, cop_density=0.04, max_jail_term=30), 30, 50),
}


def _mesa(args: tuple[EpsteinParams, int, int]) -> list[int]:
    import warnings

    warnings.simplefilter("ignore")  # Mesa's own deprecation notices, in the worker
    from secondfront.simulation.reference import run_mesa

    params, steps, seed = args
    return run_mesa(params, steps, seed).tolist()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("case", list(CASES))
def test_distributions_agree_with_mesa(case: str) -> None:
    params, steps, threshold = CASES[case]
    if FULL:
        steps = 1000
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        mesa = np.array(list(pool.map(_mesa, [(params, steps, 5000 + s) for s in range(SEEDS)])))
    ours = np.array([run_epstein(params, steps, s).active for s in range(SEEDS)])
    report = {}
    for name, stat in (("peak", np.max), ("mean", np.mean)):
        a = [stat(r[1:]) for r in mesa]
        b = [stat(r[1:]) for r in ours]
        report[name] = (np.median(a), np.median(b), mannwhitneyu(a, b).pvalue)
    sizes_mesa = [x for r in mesa for x in outburst_sizes(r, threshold)]
    sizes_ours = [x for r in ours for x in outburst_sizes(r, threshold)]
    if len(sizes_mesa) >= 5 and len(sizes_ours) >= 5:
        report["outburst"] = (
            np.median(sizes_mesa),
            np.median(sizes_ours),
            mannwhitneyu(sizes_mesa, sizes_ours).pvalue,
        )
    for name, (m, o, p) in report.items():
        assert p > ALPHA, f"{case}: {name} differs: Mesa median {m}, ours {o}, p = {p:.4f}"
    if case == "rebellion":
        assert "outburst" in report, "the rebellion set should produce outbursts"
