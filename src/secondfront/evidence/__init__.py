"""Evidence from the world: event data in an embedded store, mapped to indicators.

Modules, one noun each: ``store`` (DuckDB file, migrations), ``registry`` (source
adapters), ``acled``, ``gdelt``, ``text`` (the built-in adapters), ``ingest`` (files
into the store), ``mapping`` (events to weekly indicator statuses), ``hmm`` (the
forward filter and smoother, pure functions with a naive twin), ``timeline`` (the
weekly escalation model linked to the flagship network, alerts), ``timeline_view``
(the one timeline every renderer shows), ``backtest``.
"""

from secondfront.evidence.backtest import backtest
from secondfront.evidence.ingest import IngestReport, ingest, rejects
from secondfront.evidence.registry import Adapter, adapters, detect_format, register_adapter
from secondfront.evidence.store import connect, default_db_path
from secondfront.evidence.timeline import TimelineResult, load_timeline, run_timeline
from secondfront.evidence.timeline_view import TimelineView, timeline_view

__all__ = [
    "Adapter",
    "IngestReport",
    "TimelineResult",
    "TimelineView",
    "adapters",
    "backtest",
    "connect",
    "default_db_path",
    "detect_format",
    "ingest",
    "load_timeline",
    "register_adapter",
    "rejects",
    "run_timeline",
    "timeline_view",
]
