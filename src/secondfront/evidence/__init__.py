"""Evidence from the world: event data in an embedded store, mapped to indicators.

Modules, one noun each: ``store`` (DuckDB file, migrations), ``registry`` (source
adapters and what mapping needs from each, the plausible event dates), ``acled``,
``acleddeletions``, ``gdelt``, ``text`` (the built-in adapters), ``csvrecords`` (CSV
records read whole and bounded), ``gdeltfile`` (a GDELT file's bytes: layouts, bounded
unpacking, line scan), ``ingest`` (files into the store), ``mapping`` (rules, events
to observations), ``textmatch`` (stems in a sentence, negation cues), ``weeks``
(weekly indicator statuses and the week detail), ``hmm`` (the
forward filter and smoother, pure functions with a naive twin), ``timeline`` (the
weekly escalation model linked to the flagship network, alerts), ``timeline_view``
(the one timeline every renderer shows), ``backtest``.
"""

from secondfront.evidence.backtest import backtest
from secondfront.evidence.ingest import IngestReport, ingest, rejects
from secondfront.evidence.registry import (
    Adapter,
    EventSource,
    adapters,
    detect_format,
    register_adapter,
    source_names,
)
from secondfront.evidence.store import connect, default_db_path
from secondfront.evidence.timeline import TimelineResult, load_timeline, run_timeline
from secondfront.evidence.timeline_view import TimelineView, timeline_view

__all__ = [
    "Adapter",
    "EventSource",
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
    "source_names",
    "timeline_view",
]
