"""The engine: finding collectors and running them, one code path for every face.

``BaseCollector`` (what a collector declares), ``collect`` and ``RunOptions`` (the one way to
run one), ``run_collector`` / ``run_collectors`` (by name, as the CLI and the dashboard do),
``discover`` / ``resolve`` / ``describe`` (the registry) and ``record_collector`` (a live run
into cassettes).

Imports the model, the sources and the cassettes; never datadog/, project/ or a face.
``record_collector`` and its kin resolve on first use: a run, live or offline, never loads the
recorder; the golden files' names resolve on first use too.
"""

from typing import TYPE_CHECKING

from .collector import BaseCollector
from .outcome import ErrorFromData, apply_budget, outcome_for, series_identity, shown, to_series
from .pool import Pool
from .registry import (
    BUILTIN,
    ENTRY_POINT_GROUP,
    OVERRIDE,
    PROJECT,
    CollectorRef,
    Described,
    describe,
    discover,
    load,
    owned_by,
    resolve,
)
from .run import (
    RunOptions,
    collect,
    collect_past_windows,
    run_collector,
    run_collectors,
    run_context,
    run_metrics,
)
from .zero_fill import RETIRE_AFTER, zero_fill

_RECORD = ("DriftReport", "adopt_capture", "check_collector", "record_collector")
_GOLDEN = ("GOLDEN_FILE", "golden_diff", "golden_mismatch", "golden_series")  # and model.files, ctypes, tempfile


def __getattr__(name: str):
    if name in _RECORD:
        from . import record

        return getattr(record, name)
    if name in _GOLDEN:
        from . import golden

        return getattr(golden, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from .golden import GOLDEN_FILE, golden_diff, golden_mismatch, golden_series
    from .record import DriftReport, adopt_capture, check_collector, record_collector

__all__ = [
    "RETIRE_AFTER",
    "collect_past_windows",
    "zero_fill",
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "GOLDEN_FILE",
    "OVERRIDE",
    "PROJECT",
    "BaseCollector",
    "CollectorRef",
    "Described",
    "DriftReport",
    "ErrorFromData",
    "Pool",
    "RunOptions",
    "adopt_capture",
    "apply_budget",
    "check_collector",
    "collect",
    "describe",
    "discover",
    "golden_diff",
    "golden_mismatch",
    "golden_series",
    "load",
    "outcome_for",
    "owned_by",
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
