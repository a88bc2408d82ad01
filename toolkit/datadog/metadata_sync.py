"""``run --push --sync-metadata``: metric metadata brought to the code's after a push, only for the
metrics whose declared metadata changed since the last sync.

What was synced is remembered in a state file (``Settings.state_dir``/``metadata-synced.json``):
per Datadog endpoint, each metric's fingerprint of its declared metadata. A metric whose
fingerprint is unchanged is not asked about; one that changed (or is new) is read and, when it
differs, updated. A metric Datadog does not know yet (its first points are not indexed) is not
remembered, so the next run asks again. The file is written whole and renamed into place; two
runs writing at once lose at most an entry, which costs one more GET later.

The sync is bounded: it runs beside the caller, which waits at most ``timeout`` seconds (what is
left of the push budget), and what did not finish is asked about again next run. Its failures
are one line: the series were pushed either way.

In Kubernetes a pod starts with no state, so every run would ask; the chart's metadata hook runs
``dd-toolkit metadata --apply`` once per deploy instead (docs/deploying.md).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DatadogApiError
from ..model import MetricSpec, Settings, files
from .metadata import DRIFT, MISSING, MetadataState, apply_states, read_states, wanted

STATE_FILE = "metadata-synced.json"


def fingerprint(spec: MetricSpec) -> str:
    return hashlib.sha256(json.dumps(wanted(spec), sort_keys=True).encode()).hexdigest()[:20]


@dataclass
class SyncReport:
    states: list[MetadataState] = field(default_factory=list)  # the metrics asked about this run
    remembered: int = 0  # metrics not asked about: unchanged since the last sync
    error: str | None = None
    unfinished: bool = False
    note: str | None = None  # the state file could not be read or written

    def summary(self, timeout: float) -> str:
        if self.unfinished:
            return f"metadata sync did not finish within {timeout:.1f}s (what is left of --push-timeout); it is retried next run"
        if self.error:
            return f"metadata sync failed: {self.error}; the series were pushed (`dd-toolkit metadata --apply` retries it)"
        updated = [s.metric for s in self.states if s.applied]
        waiting = sum(1 for s in self.states if s.status == MISSING)
        parts = [f"metadata: {len(updated)} updated" + (f" ({', '.join(updated)})" if updated else ""),
                 f"{len(self.states) - len(updated) - waiting} in step", f"{self.remembered} unchanged since the last sync"]
        if waiting:
            parts.append(f"{waiting} not in Datadog yet (asked again next run)")
        return "; ".join(parts) + (f"; {self.note}" if self.note else "")


def sync_metadata(specs: Iterable[MetricSpec], settings: Settings, *, timeout: float) -> SyncReport:
    """Sync the metadata of ``specs`` whose declaration changed since the last sync, within ``timeout``."""
    report = SyncReport()
    path = Path(settings.state_dir) / STATE_FILE
    state, report.note = _read(path)
    synced = state.setdefault(settings.endpoint, {})
    specs = list(specs)
    due = [s for s in specs if synced.get(s.name) != fingerprint(s)]
    report.remembered = len(specs) - len(due)
    if not due:
        return report

    done = threading.Event()

    def work() -> None:
        try:
            states = read_states(due, settings)
            if any(s.status == DRIFT for s in states):
                states = apply_states(states, settings)
            report.states = states
        except DatadogApiError as exc:
            report.error = str(exc)
        finally:
            done.set()

    # a daemon thread: datadog-api-client's calls have no overall deadline, and the run must end
    threading.Thread(target=work, name="dd-toolkit-metadata", daemon=True).start()
    if not done.wait(max(timeout, 0.0)):
        report.unfinished = True
        return report
    if report.error is None:
        by_name = {s.name: s for s in due}
        for metadata in report.states:
            if metadata.status != MISSING:  # in step, or updated just now
                synced[metadata.metric] = fingerprint(by_name[metadata.metric])
        report.note = _write(path, state) or report.note
    return report


def _read(path: Path) -> tuple[dict, str | None]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as exc:
        return {}, f"{path} could not be read ({type(exc).__name__}), so every metric was asked about"
    return (data, None) if isinstance(data, dict) else ({}, f"{path} is not a JSON object, so every metric was asked about")


def _write(path: Path, state: dict) -> str | None:
    try:
        files.write_atomic(path, json.dumps(state, indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        return f"{path} could not be written ({exc.strerror or type(exc).__name__}; set DD_TOOLKIT_STATE_DIR), so the next run asks again"
    return None
