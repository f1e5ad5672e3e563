"""Capabilities the workbench shows when they are installed, and says so when not.

Some analyses live in parts of the package that may not be present (they are built
separately): uncertainty intervals, sensitivity, the watchlist, the evidence
timeline and simulation summaries. Each is a :class:`Capability` in a registry. A
capability is *available* when its module can be found (``importlib.util.find_spec``)
and an *adapter* is registered for it: a function ``adapter(network, params) ->
JSON-able dict`` that calls the module and shapes its result for pages and reports.

Until then, :func:`run` returns an explicit empty state, ``available: false`` with
the reason ("not available yet: ..."), and pages show that sentence. Nothing here
computes a stand-in result.

The built-in capabilities register through :func:`register` like a third party would.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from secondfront.errors import unknown_name
from secondfront.model.network import Network

Adapter = Callable[[Network, Mapping[str, Any]], dict[str, Any]]
"""``adapter(network, {"evidence": ..., "do": ...}) -> JSON-able dict``."""


@dataclass(frozen=True)
class Capability:
    """An optional analysis.

    Attributes:
        name: short name used in URLs (``timeline``).
        title: what it is called on pages.
        module: the module that implements it.
        provides: one line on what it adds once available.
        adapter: the function that runs it for the workbench, as a callable or as
            ``"module:function"`` (imported when first run), or ``None``.
    """

    name: str
    title: str
    module: str
    provides: str
    adapter: Adapter | str | None = None

    def resolve(self) -> Adapter:
        """The adapter as a callable (imports a ``"module:function"`` reference)."""
        assert self.adapter is not None  # callers check status() first
        if isinstance(self.adapter, str):
            module, _, func = self.adapter.partition(":")
            fn: Adapter = getattr(importlib.import_module(module), func)
            return fn
        return self.adapter


@dataclass(frozen=True)
class CapabilityStatus:
    """Whether a capability can run, and why not.

    Attributes:
        name: the capability.
        title: its title.
        module: its module.
        available: True when the module is found and an adapter is registered.
        reason: the empty-state sentence when not available, else ``None``.
    """

    name: str
    title: str
    module: str
    available: bool
    reason: str | None


_REGISTRY: dict[str, Capability] = {}


def register(capability: Capability) -> None:
    """Add or replace a capability (a later registration of a name wins)."""
    _REGISTRY[capability.name] = capability


def register_adapter(name: str, adapter: Adapter) -> None:
    """Attach the adapter of a registered capability once its module exists."""
    cap = get(name)
    _REGISTRY[name] = Capability(cap.name, cap.title, cap.module, cap.provides, adapter)


def get(name: str) -> Capability:
    """The capability ``name``; a QueryError listing the known ones."""
    if name not in _REGISTRY:
        raise unknown_name("capability", name, _REGISTRY)
    return _REGISTRY[name]


def capabilities() -> list[Capability]:
    """Registered capabilities in registration order."""
    return list(_REGISTRY.values())


def _module_found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a missing parent package
        return False


def status(name: str) -> CapabilityStatus:
    """Availability of capability ``name`` with the empty-state sentence."""
    cap = get(name)
    if not _module_found(cap.module):
        reason = (
            f"not available yet: {cap.title.lower()} needs {cap.module}, which is not installed"
        )
    elif cap.adapter is None:
        reason = (
            f"not available yet: {cap.module} is installed but the workbench has no adapter "
            f"for it; register one with secondfront.report.capabilities.register_adapter"
        )
    else:
        reason = None
    return CapabilityStatus(cap.name, cap.title, cap.module, reason is None, reason)


def run(name: str, network: Network, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run capability ``name`` on ``network``; the empty state when it is not available.

    Returns:
        ``{"capability", "title", "available", "reason", "data"}`` where ``data`` is the
        adapter's result, or ``None`` with ``reason`` set.
    """
    st = status(name)
    data = None
    if st.available:
        data = get(name).resolve()(network, params or {})
    return {
        "capability": st.name,
        "title": st.title,
        "available": st.available,
        "reason": st.reason,
        "module": st.module,
        "data": data,
    }


for _cap in (
    Capability(
        "uncertainty",
        "Uncertainty intervals",
        "secondfront.analysis.uncertainty",
        "90% intervals on every outcome probability",
        "secondfront.report.adapters:uncertainty",
    ),
    Capability(
        "sensitivity",
        "Sensitivity (top drivers)",
        "secondfront.analysis.sensitivity",
        "which assumptions drive each outcome most",
        "secondfront.report.adapters:sensitivity",
    ),
    Capability(
        "watchlist",
        "Watchlist",
        "secondfront.analysis.watchlist",
        "which indicator would change the forecast most if observed",
        "secondfront.report.adapters:watchlist",
    ),
    Capability(
        "timeline",
        "Timeline",
        "secondfront.evidence",
        "weekly probabilities from ingested events, with alerts",
        "secondfront.report.adapters:timeline",
    ),
    Capability(
        "simulation",
        "Simulation summaries",
        "secondfront.simulation",
        "agent-based runs of public, police, army and partisans",
    ),
):
    register(_cap)


__all__ = [
    "Adapter",
    "Capability",
    "CapabilityStatus",
    "capabilities",
    "get",
    "register",
    "register_adapter",
    "run",
    "status",
]
