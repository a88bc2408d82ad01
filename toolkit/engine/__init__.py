"""The engine: finding collectors and running them, one code path for every face.

``BaseCollector`` (what a collector declares), ``collect`` and ``RunOptions`` (the one way to
run one), ``run_collector`` / ``run_collectors`` (by name, as the CLI and the dashboard do),
``discover`` / ``resolve`` / ``describe`` (the registry) and ``record_collector`` (a live run
into cassettes).

Imports the model, the sources and the cassettes; never datadog/, project/ or a face.
"""

from .collector import BaseCollector
from .outcome import ErrorFromData, outcome_for, series_identity, shown, to_series
from .pool import Pool
from .record import record_collector
from .registry import BUILTIN_PACKAGE, ENTRY_POINT_GROUP, CollectorRef, Described, describe, discover, load, resolve
from .run import RunOptions, collect, run_collector, run_collectors, run_context, run_metrics

__all__ = [
    "BUILTIN_PACKAGE",
    "ENTRY_POINT_GROUP",
    "BaseCollector",
    "CollectorRef",
    "Described",
    "ErrorFromData",
    "Pool",
    "RunOptions",
    "collect",
    "describe",
    "discover",
    "load",
    "outcome_for",
    "record_collector",
    "resolve",
    "run_collector",
    "run_collectors",
    "run_context",
    "run_metrics",
    "series_identity",
    "shown",
    "to_series",
]
