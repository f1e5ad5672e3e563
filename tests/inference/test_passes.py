"""The numpy passes against the compiled ones, and the size rule that chooses between them.

Small work is propagated with numpy so that a command does not wait for numba to load
(:mod:`secondfront.inference.passes`); the two must give the same posteriors and the
same log P(e) to 1e-12 on the flagship model and the standard networks, with hard, soft
and impossible evidence, batched parameter sets and batches longer than a tile.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import secondfront
from secondfront import testing as T
from secondfront.inference import passes
from secondfront.inference.junction_tree import TILE
from secondfront.inference.query import BatchPosterior, posterior_batch
from secondfront.model.bif import read_bif
from secondfront.model.formats import load
from secondfront.model.network import Network
from tests.conftest import FLAGSHIP

TOLERANCE = 1e-12
# The flagship and the standard networks the reference tests use that the numpy passes
# answer in well under a second for a batch of this size.
NETWORKS = ["flagship", "asia", "cancer", "child", "alarm", "insurance", "hepar2", "win95pts"]


def network(name: str) -> Network:
    if name == "flagship":
        return load(FLAGSHIP).network
    return read_bif(T.example_network_path(name))


def evidence_rows(net: Network, seed: int) -> list[dict[str, object]]:
    """The prior, hard evidence on leaves and soft evidence: more rows than one tile.

    (Impossible evidence, where P(e) = 0, is checked on both passes in
    ``test_junction_tree.py``, on networks with zeros in their tables.)"""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = [{}]
    rows += T.random_leaf_evidence(net, TILE + 7, min(4, len(net) - 1), seed=seed)
    soft = net.names[len(net) // 2]
    for row in rows[1 : TILE // 2]:
        if soft not in row:
            row[soft] = list(rng.uniform(0.05, 1.0, net.variables[soft].card))
    return rows


def run(
    monkeypatch: pytest.MonkeyPatch, numpy: bool, *args: object, **kwargs: object
) -> BatchPosterior:
    with monkeypatch.context() as m:
        m.setattr(passes, "use_numpy", lambda entries, batch: numpy)
        return posterior_batch(*args, on_impossible="nan", **kwargs)  # type: ignore[arg-type]


def assert_agree(a: BatchPosterior, b: BatchPosterior) -> None:
    assert set(a.marginals) == set(b.marginals)
    for name, x in a.marginals.items():
        np.testing.assert_allclose(x, b.marginals[name], rtol=0, atol=TOLERANCE, err_msg=name)
    np.testing.assert_allclose(a.log_evidence, b.log_evidence, rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize("name", NETWORKS)
def test_numpy_passes_match_the_compiled_ones(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    net = network(name)
    rows = evidence_rows(net, seed=len(name))
    numpy = run(monkeypatch, True, net, rows)
    compiled = run(monkeypatch, False, net, rows)
    assert_agree(numpy, compiled)
    assert np.isfinite(numpy.log_evidence).all() and (numpy.log_evidence[1:] < 0).all()
    # Not trivially equal: the evidence moved the posteriors.
    assert max(np.ptp(x, axis=0).max() for x in numpy.marginals.values()) > 0.01


@pytest.mark.parametrize("name", ["flagship", "alarm", "hepar2"])
def test_parameter_batches_match(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Potentials with a batch axis (one parameter set per row), with do()."""
    net = network(name)
    rng = np.random.default_rng(7)
    target = max(net.names, key=lambda v: net.cpts[v].size)
    shape = net.cpts[target].shape
    batch = TILE + 3
    tables = rng.dirichlet(np.ones(shape[-1]), size=(batch, *shape[:-1]))
    rows = [dict(r) for r in T.random_leaf_evidence(net, batch, 2, seed=3)]
    do = {net.names[0]: net.variables[net.names[0]].states[-1]}
    numpy = run(monkeypatch, True, net, rows, cpts={target: tables}, do=do)
    compiled = run(monkeypatch, False, net, rows, cpts={target: tables}, do=do)
    assert_agree(numpy, compiled)


def test_the_size_rule() -> None:
    entries = 2_500
    limit = passes.NUMPY_MAX_WORK // entries
    if passes.COMPILED in sys.modules:  # loaded by an earlier test: every call uses it
        assert not passes.use_numpy(entries, 1)
        return
    assert passes.use_numpy(entries, limit)
    assert not passes.use_numpy(entries, limit + 1)


def _fresh(code: str) -> str:
    src = str(Path(secondfront.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_small_work_does_not_load_numba_and_large_work_does() -> None:
    """In a fresh process: the flagship's forecast leaves numba unloaded; a call above the
    rule loads the compiled passes, which give the same answer."""
    out = _fresh(
        "import sys, numpy as np, secondfront as sf\n"
        "from secondfront.inference import passes\n"
        f"m = sf.load({str(FLAGSHIP)!r})\n"
        "seen = {m.indicators()[0]: 'present'}\n"
        "small = sf.infer_batch(m, [seen] * 3)\n"
        "print('numba' in sys.modules, passes.COMPILED in sys.modules)\n"
        "from secondfront.inference.query import compile_query\n"
        "entries = compile_query(m).plan.total_entries\n"
        "rows = passes.NUMPY_MAX_WORK // entries + 1\n"
        "large = sf.infer_batch(m, [seen] * rows)\n"
        "print('numba' in sys.modules, passes.COMPILED in sys.modules)\n"
        "print(max(float(np.abs(large[k][0] - small[k][0]).max()) for k in small))\n"
    )
    before, after, diff = out.split("\n")[:3]
    assert before == "False False"
    assert after == "True True"
    assert float(diff) < TOLERANCE


def test_forecast_command_does_not_load_numba() -> None:
    out = _fresh(
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from secondfront.cli.app import app\n"
        "r = CliRunner().invoke(app, ['forecast', '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('numba' in sys.modules)\n"
    )
    assert out.strip() == "False"


def test_a_batch_that_observes_nothing_has_one_row_per_row() -> None:
    import secondfront as sf
    from secondfront.inference.query import compile_query, posterior_batch

    q = compile_query(sf.load("belarus-second-front"))
    post = posterior_batch(q, [{}, {}, {}])
    one = posterior_batch(q, [{}])
    assert post.log_evidence.shape == (3,)
    for name, m in post.marginals.items():
        assert m.shape == (3, one.marginals[name].shape[1])
        assert np.array_equal(m, np.repeat(one.marginals[name], 3, axis=0))
