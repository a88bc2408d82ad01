"""``dd-toolkit dashboard``: a Textual workbench that runs collectors and shows their metrics.

This package is the only place textual is imported; ``toolkit.cli`` imports it inside the
dashboard command's ``handle()`` only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from .._redact import register_secret
from .._registry import CollectorRef, UnknownCollector, discover
from .._result import CollectionResult
from .app import DashboardApp
from .mode import default_offline
from .model import CollectorState
from .schedule import find_values_file, read_schedules


def create_app(
    refs: Sequence[CollectorRef] | None = None,
    *,
    names: Sequence[str] = (),
    offline: bool | None = None,
    timeout: float | None = None,
    every: float | None = None,
    values: Path | None = None,
    clock: Callable[[], datetime] | None = None,
    runner: Callable[..., CollectionResult] | None = None,
    run_on_start: bool = True,
) -> DashboardApp:
    """The dashboard app, used by the CLI and the tests alike.

    ``refs``: the collectors (default: discovery, as ``dd-toolkit list``); ``names`` keeps only
    those (unknown names raise ``UnknownCollector``). ``offline=None`` applies the credentials
    rule of ``toolkit.tui.mode``. ``every``: dev mode, auto-refresh every N seconds instead of
    the Helm schedules read from ``values`` (default: found from the working directory).
    ``clock`` and ``runner`` exist for tests (a frozen clock; a runner that freezes durations).
    """
    from .._runner import run_collector

    # Known to the redactor from the start, so no error text can show the key (push would
    # register it too, but only when it happens).
    register_secret(os.environ.get("DD_API_KEY", "").strip())
    available = list(refs) if refs is not None else list(discover().values())
    if names:
        by_name = {r.name: r for r in available}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            known = ", ".join(by_name) or "none"
            raise UnknownCollector(f"unknown collector {', '.join(map(repr, unknown))}; known collectors: {known} (see `dd-toolkit list`)")
        available = [by_name[n] for n in dict.fromkeys(names)]
    schedules = read_schedules(values if values is not None else find_values_file())
    states = [CollectorState.load(ref, schedules.get(ref.name)) for ref in available]
    if offline is None:
        offline = default_offline(secret for state in states for secret in state.secrets)
    return DashboardApp(
        states,
        offline=offline,
        runner=runner or run_collector,
        timeout=timeout,
        every=every,
        clock=clock,
        run_on_start=run_on_start,
    )


__all__ = ["DashboardApp", "create_app"]
