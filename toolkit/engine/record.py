"""``record_collector``: a live, serial run of a collector recorded into its cassettes."""

from __future__ import annotations

from pathlib import Path

from ..cassettes import RecordReport, record
from ..model import defaults
from .collector import BaseCollector
from .run import RunOptions, collect


def record_collector(collector: BaseCollector, *, mode: str = "new", directory: Path | None = None, timeout: float | None = None) -> RecordReport:
    """Record ``collector``'s HTTP into ``directory`` (default: its cassettes); serially, as vcrpy needs."""
    options = RunOptions(timeout=defaults.RUN_TIMEOUT if timeout is None else timeout, max_workers=1)
    return record(collector, lambda: collect(collector, options), directory=Path(directory or collector.cassettes()), mode=mode)
