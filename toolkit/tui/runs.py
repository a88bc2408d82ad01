"""Running a blocking call so that quitting the dashboard never waits for it, and runs that take
turns.

A collector may hang until its deadline (two minutes by default). Textual's thread workers
run on asyncio's default executor, which the event loop joins on exit; so the worker runs the
call in a daemon thread and only waits for it, giving up as soon as it is cancelled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


class Turns:
    """Runs one at a time, each waiting at most ``patience`` seconds for the one before it.

    The dashboard's offline replays take turns: a replay is Python work under the GIL, so five at
    once end no sooner than one after another, and each thread more that wants the GIL delays the
    UI thread's turn at it (issue 24: a key pressed during "run all" waited 10-15 ms longer). A
    replay that sleeps (a recorded Retry-After) or hangs holds up the next one ``patience``
    seconds at most; after that the next one runs beside it.
    """

    def __init__(self, patience: float) -> None:
        self.patience = patience
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, cancelled: Callable[[], bool]) -> Iterator[None]:
        """Wait for the turn (or the patience to run out); ``Cancelled`` if cancelled first."""
        deadline = time.monotonic() + self.patience
        held = False
        while not held and not cancelled() and (left := deadline - time.monotonic()) > 0:
            held = self._lock.acquire(timeout=min(POLL_SECONDS, left))
        try:
            if cancelled():
                raise Cancelled()
            yield
        finally:
            if held:
                self._lock.release()
