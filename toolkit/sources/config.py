"""Non-secret configuration and the clock, both overridable by an offline replay."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from ..errors import ConfigError
from ..model import Window, current_run, register_setting, window_at


def get_config(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    """Read a collector setting from the environment (or the offline replay's recorded config).

    A value that holds a credential (a URL's password, a ``*_TOKEN``, a token's shape) is
    registered for redaction, as ``get_secret``'s are: no output, error or cassette shows it.
    """
    run = current_run()
    if run is not None and name in run.config:
        return run.config[name]
    value = os.environ.get(name)
    if value is None or value == "":
        if required and default is None:
            where = f"collectors.{run.collector}.env" if run is not None else "the collector's env"
            raise ConfigError(f"{name} is not set; set the environment variable (in Helm: {where})")
        return default
    register_setting(name, value)
    return value


def get_config_list(name: str, default: str | None = None, *, required: bool = False) -> list[str]:
    """A comma-separated setting as a list, blanks dropped."""
    raw = get_config(name, default, required=required) or ""
    return [item.strip() for item in raw.split(",") if item.strip()]


def now() -> datetime:
    """The current UTC time; during an offline replay, the time the cassette was recorded.

    Metric functions use this instead of ``datetime.now`` so that 7-day windows computed from a
    replayed cassette give the values they gave when it was recorded.
    """
    run = current_run()
    if run is not None and run.clock is not None:
        return run.clock()
    return datetime.now(UTC)


def window() -> Window:
    """The window this run belongs to: ``window().start`` and ``window().end``, in the engine's clock.

    The last closed slot of the collector's schedule (at 10:17 under ``*/15 * * * *``:
    [10:00, 10:15)); during a catch-up or ``dd-toolkit backfill``, the window being collected;
    offline, the slot closed at the recording's time. A metric declared ``@metric(...,
    window=True)`` counts the events with ``window().start <= t < window().end``. Outside a run,
    the slot of the default schedule closed at ``now()``.
    """
    run = current_run()
    if run is not None and run.window is not None:
        return run.window
    return window_at(None, now())
