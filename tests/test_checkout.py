"""The checkout's folders come from one helper; no module counts parents of its own file."""

from __future__ import annotations

import re
from pathlib import Path

import secondfront
from secondfront import checkout
from secondfront.evidence.coverage import SHIPPED_HISTORY
from secondfront.forecasting.backtest import HISTORY
from secondfront.model.formats import model_dirs
from secondfront.simulation.params import DEFAULT_SOCIETY

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(secondfront.__file__).resolve().parent


def test_the_helper_points_at_this_checkout() -> None:
    assert checkout.CHECKOUT_ROOT == ROOT
    assert checkout.MODELS == ROOT / "models" and checkout.MODELS.is_dir()
    assert checkout.DATA == ROOT / "data"
    assert checkout.SHIPPED_HISTORY.is_file()


def test_every_user_takes_its_path_from_the_helper() -> None:
    assert SHIPPED_HISTORY == HISTORY == checkout.SHIPPED_HISTORY
    assert DEFAULT_SOCIETY == checkout.MODELS / "belarus-society.yaml" and DEFAULT_SOCIETY.is_file()
    assert checkout.MODELS in model_dirs()


def test_only_the_helper_climbs_out_of_the_package() -> None:
    # ``Path(__file__).parents[N]``: a folder above the package, absent from a wheel.
    climbing = re.compile(r"__file__\)[^\n]*\.parents\[")
    found = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if climbing.search(p.read_text(encoding="utf-8"))
    ]
    assert found == ["checkout.py"]
