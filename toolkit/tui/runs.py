"""Running a blocking call so that quitting the dashboard never waits for it.

A collector may hang until its deadline (two minutes by default). Textual's thread workers
run on asyncio's default executor, which the event loop joins on exit; so the worker runs the
call in a daemon thread and only waits for it, giving up as soon as it is cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from ..errors import ToolkitError

T = TypeVar("T")

POLL_SECONDS = 0.1


class Cancelled(ToolkitError):
    """The worker was cancelled (the app is closing) before the call returned."""


def call_abandonable(fn: Callable[[], T], cancelled: Callable[[], bool]) -> T:
    """``fn()``'s result or exception; ``Cancelled`` if ``cancelled()`` turns true first."""
    done = threading.Event()
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the waiting thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="dd-toolkit-dashboard-run", daemon=True).start()
    while not done.wait(POLL_SECONDS):
        if cancelled():
            raise Cancelled()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
