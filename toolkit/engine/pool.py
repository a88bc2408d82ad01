"""The engine's pool: bounded daemon workers that can give up on a task without joining it.

Workers are daemon threads rather than a ``ThreadPoolExecutor``: a metric function that hangs
past its timeout is abandoned (recorded as an error, a replacement worker keeps the pool at
size), and a daemon thread cannot keep the process alive after the run has returned.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Interrupt


@dataclass
class Finished:
    value: Any = None
    exc: BaseException | None = None
    duration: float = 0.0


class Pool:
    """A bounded pool of daemon workers that can give up on a task without joining it."""

    def __init__(self, tasks: list[tuple[str, Callable[[], Any], contextvars.Context]], max_workers: int) -> None:
        self._queue = deque(tasks)
        self._cond = threading.Condition()
        self.started: dict[str, float] = {}
        self.finished: dict[str, Finished] = {}
        self.abandoned: set[str] = set()
        self._max_workers = max(1, min(max_workers, len(tasks)))

    def start(self) -> None:
        for _ in range(self._max_workers):
            self._spawn()

    def _spawn(self) -> None:
        threading.Thread(target=self._work, name="dd-toolkit-metric", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._queue:
                    return
                key, fn, ctx = self._queue.popleft()
                self.started[key] = time.monotonic()
            began = time.perf_counter()
            try:
                done = Finished(value=ctx.run(fn))
            except BaseException as exc:  # noqa: BLE001 - errors are data, reported per metric
                done = Finished(exc=exc)
            done.duration = time.perf_counter() - began
            with self._cond:
                if key in self.abandoned:
                    return  # its replacement already took this worker's place
                self.finished[key] = done
                self._cond.notify_all()

    def wait(self, keys: list[str], deadline: float, metric_timeout: float | None, interrupt: Interrupt | None = None) -> None:
        """Wait until every task finished, timed out, the deadline passed or ``interrupt`` was set."""
        if interrupt is not None:
            interrupt.watch(self._cond)
        try:
            self._wait(keys, deadline, metric_timeout, interrupt)
        finally:
            if interrupt is not None:
                interrupt.unwatch(self._cond)

    def _wait(self, keys: list[str], deadline: float, metric_timeout: float | None, interrupt: Interrupt | None) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                pending = [k for k in keys if k not in self.finished and k not in self.abandoned]
                if not pending or now >= deadline or (interrupt is not None and interrupt.is_set()):
                    if interrupt is not None and interrupt.is_set():
                        self._queue.clear()  # stop collecting: nothing queued starts after the signal
                    return
                wake = deadline
                if metric_timeout is not None:
                    for key in pending:
                        began = self.started.get(key)
                        if began is None:
                            continue
                        if now - began >= metric_timeout:
                            self.abandoned.add(key)
                            if self._queue:
                                self._spawn()  # keep the pool at size for what is still queued
                        else:
                            wake = min(wake, began + metric_timeout)
                self._cond.wait(timeout=max(0.0, wake - now))

    def snapshot(self) -> tuple[dict[str, Finished], dict[str, float]]:
        with self._cond:
            return dict(self.finished), dict(self.started)
