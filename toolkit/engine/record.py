"""``record_collector``: a live, serial run of a collector recorded into its cassettes.

``check_collector`` is the drift check (``dd-toolkit record NAME --check``): the same recorded
live run, into a temporary directory that is deleted afterwards, compared in shape with the
collector's main committed cassettes (its directory's own ``*.yaml``, the ones offline replay
uses by default; scenario subdirectories are not compared). The committed files are only read.

``adopt_capture`` (``dd-toolkit record NAME --adopt DIR``) turns a kept ``run --capture DIR``
into the collector's main cassettes, scrub-checked again first.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..cassettes import (
    AdoptReport,
    Drift,
    RecordReport,
    adopt,
    captured_secret_names,
    drift_between,
    read_interactions,
    record,
    resolve_secrets,
)
from ..errors import RecordError, ToolkitError
from ..model import defaults
from .collector import BaseCollector
from .run import RunOptions, collect


def record_collector(collector: BaseCollector, *, mode: str = "new", directory: Path | None = None, timeout: float | None = None) -> RecordReport:
    """Record ``collector``'s HTTP into ``directory`` (default: its cassettes); serially, as vcrpy needs."""
    options = RunOptions(timeout=defaults.RUN_TIMEOUT if timeout is None else timeout, max_workers=1)
    return record(collector, lambda: collect(collector, options), directory=Path(directory or collector.cassettes()), mode=mode)


@dataclass
class DriftReport:
    collector: str
    cassettes: Path  # the committed directory compared against
    record: RecordReport  # the live run (its result, what was scrubbed)
    drifts: list[Drift] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.drifts) or self.record.result.failed or bool(self.record.result.errors)


def check_collector(collector: BaseCollector, *, directory: Path | None = None, timeout: float | None = None) -> DriftReport:
    """Record a live run into a temporary directory and compare its shapes with the committed cassettes."""
    committed = Path(directory or collector.cassettes())
    before = read_interactions(committed, collector.name)  # first: a malformed cassette fails before any live call
    if not before:
        raise RecordError(f"no committed cassettes in {committed} to check against; record them with `dd-toolkit record {collector.name}`")
    with tempfile.TemporaryDirectory(prefix=f"dd-toolkit-check-{collector.name}-") as scratch:
        report = record_collector(collector, mode="all", directory=Path(scratch), timeout=timeout)
        now = read_interactions(Path(scratch), collector.name)
    return DriftReport(collector.name, committed, report, drift_between(before, now))


def adopt_capture(collector: BaseCollector, source: Path, *, directory: Path | None = None) -> tuple[AdoptReport, str | None]:
    """Adopt ``source``'s capture of ``collector`` as its main cassettes (default: its own directory).

    The scrub check looks for the collector's secret values (those it lists, those the capture's
    ``replay.json`` names, the credentials in its settings) when they can be read here (a laptop
    may have none); the second item says why they could not, else ``None``. Credential shapes,
    headers and exchanges are checked either way.
    """
    try:
        # the secrets it lists, and the ones the capture's run read without listing them
        secrets, _ = resolve_secrets(collector, also=captured_secret_names(Path(source), collector.name))
        unchecked = None
    except ToolkitError as exc:
        secrets, unchecked = {}, f"secret values not checked ({type(exc).__name__}: {exc})"
    report = adopt(collector.name, Path(source), Path(directory or collector.cassettes()), secrets)
    return report, unchecked
