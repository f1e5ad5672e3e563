"""The source checkout's own folders: ``models/`` and ``data/`` beside ``src/``.

These folders are **not package data**: a wheel does not carry them. They exist when the
package runs from a source checkout (an editable install, or ``PYTHONPATH=src``), where
``src/secondfront/checkout.py`` sits two folders below the checkout's root. Installed as
a wheel, the paths below point into ``site-packages``' parent and do not exist; every
caller treats them as a fallback: models given by name are also searched in
``SECONDFRONT_MODELS`` and the working directory's ``models/``
(:func:`secondfront.model.formats.model_dirs`), and a history or a parameters file can be
named explicitly on the command line.

This is the one place that computes the checkout's root; nothing else counts parent
folders of ``__file__``. Package data proper (the workbench's templates, static files and
the report's templates) is read with :mod:`importlib.resources`.
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding ``src/`` in a source checkout (``src/secondfront/checkout.py`` -> up two)."""

MODELS = CHECKOUT_ROOT / "models"
"""The checkout's ``models/``: the flagship model, its companions, the society parameters."""

DATA = CHECKOUT_ROOT / "data"
"""The checkout's ``data/``: the shipped hand-coded history and its coverage."""

SHIPPED_HISTORY = DATA / "belarus-events.csv"
"""The shipped hand-coded history (exists in a checkout only; check ``is_file()``)."""

__all__ = ["CHECKOUT_ROOT", "DATA", "MODELS", "SHIPPED_HISTORY"]
