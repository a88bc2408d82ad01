"""The engine's pool: bounded daemon workers that can give up on a task without joining it.

Workers are daemon threads rather than a ``ThreadPoolExecutor``: a metric function that hangs
past its timeout is abandoned (recorded as an error, a replacement worker keeps the pool at
size), and a daemon thread cannot keep the process alive after the run has returned.

Queued tasks get their share of the deadline: while work is still queued, a task running longer
than its share (the time left at the start over the number of "waves" the queue needs) is given
up so a replacement worker starts the next one. Without it, as many hanging metrics as workers
held the pool until the deadline and every quick metric queued behind them never started.
"""

from __future__ import annotations

import contextvars
import math
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
        self.shares: dict[str, float] = {}  # tasks given up after their share of the deadline: the share
        # What the waiter looks at on each wake, so a wake costs O(1) per change, not a scan of
        # every task: the running tasks oldest first (the first to overrun a limit all share),
        # and the tasks that finished since it last looked.
        self._running: dict[str, float] = {}
        self._settled: deque[str] = deque()
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
                self.started[key] = self._running[key] = time.monotonic()
            began = time.perf_counter()
            try:
                done = Finished(value=ctx.run(fn))
            except BaseException as exc:  # noqa: BLE001 - errors are data, reported per metric
                done = Finished(exc=exc)
            done.duration = time.perf_counter() - began
            with self._cond:
                if key in self.abandoned:
                    return  # its replacement already took this worker's place
                del self._running[key]
                self.finished[key] = done
                self._settled.append(key)
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
        waves = math.ceil(len(keys) / self._max_workers)
        share = (deadline - time.monotonic()) / waves if waves > 1 else None
        with self._cond:
            pending = set(keys) - self.finished.keys() - self.abandoned
            while True:
                while self._settled:
                    pending.discard(self._settled.popleft())
                now = time.monotonic()
                if not pending or now >= deadline or (interrupt is not None and interrupt.is_set()):
                    if interrupt is not None and interrupt.is_set():
                        self._queue.clear()  # stop collecting: nothing queued starts after the signal
                    return
                limit = metric_timeout
                if share is not None and self._queue and (limit is None or share < limit):
                    limit = share
                wake = deadline
                if limit is not None:
                    overrun = []
                    for key, began in self._running.items():  # oldest first: stop at the first within its limit
                        if now - began < limit:
                            wake = min(wake, began + limit)
                            break
                        overrun.append(key)
                    for key in overrun:
                        del self._running[key]
                        pending.discard(key)
                        self.abandoned.add(key)
                        if limit != metric_timeout:
                            self.shares[key] = limit
                        if self._queue:
                            self._spawn()  # keep the pool at size for what is still queued
                self._cond.wait(timeout=max(0.0, wake - now))

    def snapshot(self) -> tuple[dict[str, Finished], dict[str, float], dict[str, float]]:
        with self._cond:
            return dict(self.finished), dict(self.started), dict(self.shares)
