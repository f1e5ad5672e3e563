"""Evidence from the world: event data in an embedded store, mapped to indicators.

Modules, one noun each: ``store`` (DuckDB file, migrations), ``registry`` (source
adapters and what mapping needs from each, the plausible event dates), ``acled``,
``acleddeletions``, ``gdelt``, ``text`` (the built-in adapters), ``csvrecords`` (CSV
records read whole and bounded), ``gdeltfile`` (a GDELT file's bytes: layouts, bounded
unpacking, line scan), ``ingest`` (files into the store), ``mapping`` (rules, events
to observations), ``textmatch`` (stems in a sentence, negation cues), ``weeks``
(weekly indicator statuses and the week detail).

The weekly escalation chain built on these statuses is its own package,
:mod:`secondfront.timeline`; questions, scoring and the backtest are in
:mod:`secondfront.forecasting`. Nothing here imports either.
"""

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

__all__ = [
    "Adapter",
    "EventSource",
    "IngestReport",
    "adapters",
    "connect",
    "default_db_path",
    "detect_format",
    "ingest",
    "register_adapter",
    "rejects",
    "source_names",
]
