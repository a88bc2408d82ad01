"""Run collectors by name: the entry point the CLI, the dashboard and the push share."""

from __future__ import annotations

import threading
from pathlib import Path

from ._registry import CollectorRef, load
from ._result import CollectionResult


def run_collector(ref: CollectorRef, *, timeout: float | None = None, offline: bool = False, cassettes: Path | None = None) -> CollectionResult:
    """Load and run one collector; a load failure comes back as a result with ``fatal`` set."""
    collector, error = load(ref)
    if collector is None:
        return CollectionResult.could_not_run(ref.name, error, offline=offline)
    return collector.run(timeout, offline=offline, cassettes=cassettes)


def run_collectors(refs: list[CollectorRef], *, timeout: float | None = None, offline: bool = False) -> list[CollectionResult]:
    """Run several collectors at once (each with its own pool and deadline), results in order."""
    results: list[CollectionResult | None] = [None] * len(refs)

    def one(i: int, ref: CollectorRef) -> None:
        try:
            results[i] = run_collector(ref, timeout=timeout, offline=offline)
        except BaseException as exc:  # noqa: BLE001 - a collector that kills its thread still reports
            results[i] = CollectionResult.could_not_run(ref.name, exc, offline=offline)

    threads = [threading.Thread(target=one, args=(i, ref), daemon=True) for i, ref in enumerate(refs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every slot is filled: one() records even a SystemExit as the collector's fatal error
    return [r for r in results if r is not None]
