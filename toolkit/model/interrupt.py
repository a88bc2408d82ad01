"""``Interrupt``: a run's "stop now" (SIGTERM, SIGINT), which every waiting loop wakes up for.

Kubernetes ends a pod with SIGTERM (its deadline, an eviction, a drain, a rollout). The run
treats that as a normal end: the engine stops waiting for metrics, the push sends what was
collected within a short grace. Waiters register their ``threading.Condition`` so that
``set()`` wakes them at once instead of at their next timeout; a signal handler calls
``set_soon()``, which notifies from a fresh thread so the handler never takes a lock the
interrupted code may hold.
"""

from __future__ import annotations

import threading
import time

# The kernel may deliver a signal to any thread; Python runs its handler in the main thread only,
# when that thread next runs bytecode. A main thread blocked in a long lock wait would not notice
# for the whole wait, so the waits on the main thread are cut into slices this long.
MAIN_THREAD_SLICE = 0.25


class Interrupt:
    """Set once, by the first signal; remembers why and when."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._conditions: list[threading.Condition] = []
        self.reason: str | None = None  # e.g. "SIGTERM"
        self.at: float | None = None  # time.monotonic() of the signal

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self, reason: str) -> None:
        if self._event.is_set():
            return
        self.reason, self.at = reason, time.monotonic()
        self._event.set()
        with self._lock:
            conditions = list(self._conditions)
        for condition in conditions:
            with condition:
                condition.notify_all()

    def set_soon(self, reason: str) -> None:
        """For a signal handler: record now, wake the waiters from another thread."""
        if self.reason is None:
            self.reason, self.at = reason, time.monotonic()
        threading.Thread(target=self.set, args=(reason,), name="dd-toolkit-interrupt", daemon=True).start()

    def watch(self, condition: threading.Condition) -> None:
        with self._lock:
            self._conditions.append(condition)

    def unwatch(self, condition: threading.Condition) -> None:
        with self._lock:
            if condition in self._conditions:
                self._conditions.remove(condition)

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


__all__ = ["MAIN_THREAD_SLICE", "Interrupt"]
