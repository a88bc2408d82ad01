"""``record_collector``: a live, serial run of a collector recorded into its cassettes.

``check_collector`` is the drift check (``dd-toolkit record NAME --check``): the same recorded
live run, into a temporary directory that is deleted afterwards, compared in shape with the
collector's main committed cassettes (its directory's own ``*.yaml``, the ones offline replay
uses by default; scenario subdirectories are not compared). The committed files are only read.

``adopt_capture`` (``dd-toolkit record NAME --adopt DIR``) turns a kept ``run --capture DIR``
into the collector's main cassettes, scrub-checked again first.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
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
from ..model import CollectionResult, defaults
from ..sources import env_var_for
from .collector import BaseCollector
from .run import RunOptions, collect


def record_collector(
    collector: BaseCollector, *, mode: str = "new", directory: Path | None = None, timeout: float | None = None, verify: bool = True
) -> RecordReport:
    """Record ``collector``'s HTTP into ``directory`` (default: its cassettes); serially, as vcrpy needs.

    The live run's ``now()`` is the ``recorded_at`` written; with ``verify`` the recording is
    replayed offline before it replaces anything, and one that would not give the live run's
    values and errors is refused (``RecordError`` naming what differs; nothing written).
    """
    options = RunOptions(timeout=defaults.RUN_TIMEOUT if timeout is None else timeout, max_workers=1)

    def replays(staged: Path, live: CollectionResult) -> str | None:
        return replay_difference(live, collect(collector, replace(options, offline=True, cassettes=staged)))

    return record(
        collector, lambda at: collect(collector, replace(options, frozen_at=at)),
        directory=Path(directory or collector.cassettes()), mode=mode, verify=replays if verify else None,
    )


def replay_difference(live: CollectionResult, replayed: CollectionResult) -> str | None:
    """What an offline replay got that the live run did not (values, errors), or ``None``.

    An error only the replay met comes first: a ``ReplayError`` names the request that found no
    recorded response and the recorded one closest to it.
    """
    def errors(result: CollectionResult) -> list[tuple]:
        return sorted((e.metric or "", e.tags, e.type) for e in result.errors)

    def series(result: CollectionResult) -> dict[tuple, tuple]:
        return {(s.metric, s.tags): (s.value, s.values) for o in result.outcomes for s in o.series}

    live_errors = errors(live)
    for error in replayed.errors:
        if (error.metric or "", error.tags, error.type) not in live_errors:
            return f"the replay of {error.where or live.collector} failed with {error.type}: {error.message}"
    replayed_errors = errors(replayed)
    for error in live.errors:
        if (error.metric or "", error.tags, error.type) not in replayed_errors:
            return f"the live run's {error.type} in {error.where or live.collector} did not happen in the replay"
    want, got = series(live), series(replayed)
    for key in sorted(want.keys() | got.keys(), key=repr):
        if want.get(key) != got.get(key):
            metric, tags = key
            name = metric + ("{" + ",".join(tags) + "}" if tags else "")
            return f"{name} was {_shown(want.get(key))} live but {_shown(got.get(key))} replayed"
    return None


def _shown(value: tuple | None) -> str:
    return "absent" if value is None else repr(value[0])


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
        report = record_collector(collector, mode="all", directory=Path(scratch) / collector.name, timeout=timeout, verify=False)
        now = read_interactions(Path(scratch) / collector.name, collector.name)
    return DriftReport(collector.name, committed, report, drift_between(before, now))


def adopt_capture(collector: BaseCollector, source: Path, *, directory: Path | None = None) -> tuple[AdoptReport, str | None]:
    """Adopt ``source``'s capture of ``collector`` as its main cassettes (default: its own directory).

    The scrub check looks for the collector's secret values (those it lists, those the capture's
    ``replay.json`` names, the credentials in its settings) when they can be read here (a laptop
    may have none); the second item says why they could not, else ``None``. Credential shapes,
    headers and exchanges are checked either way.
    """
    # the secrets it lists, and the ones the capture's run read without listing them; from the
    # environment only: adopting is offline, so it never asks AWS (nor resolves AWS credentials)
    names = tuple(dict.fromkeys((*collector.secrets, *captured_secret_names(Path(source), collector.name))))
    try:
        secrets, _ = resolve_secrets(collector, also=names, local_only=True)
        missing = [name for name in names if not os.environ.get(env_var_for(name))]
        unchecked = (f"the values of {', '.join(missing)} not checked (not in the environment; adopting never asks AWS "
                     f"Secrets Manager): set {', '.join(env_var_for(n) for n in missing)} to check them too") if missing else None
    except ToolkitError as exc:
        secrets, unchecked = {}, f"secret values not checked ({type(exc).__name__}: {exc})"
    report = adopt(collector.name, Path(source), Path(directory or collector.cassettes()), secrets)
    return report, unchecked
