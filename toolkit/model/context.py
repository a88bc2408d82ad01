"""The state of the run a metric function is executing in.

Metric functions are plain module-level functions (the seed's model), so what they share with
the run (the pooled HTTP transport, the deadline, offline placeholders, the clock) travels in
a context variable that the engine copies into every worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from .result import HttpExchange
    from .window import Window


@dataclass
class RunContext:
    collector: str
    deadline: float  # time.monotonic() value
    transport: httpx.BaseTransport
    sleep: Callable[[float], None] = time.sleep
    secrets: Mapping[str, str] | None = None  # offline: placeholders instead of real lookups
    config: Mapping[str, str] = field(default_factory=dict)  # overlays os.environ
    clock: Callable[[], datetime] | None = None  # offline: the time the cassette was recorded
    offline: bool = False
    window: Window | None = None  # the slot of the schedule this run belongs to (model/window.py)
    replay: Any = None  # offline: the ReplayTransport, which also answers boto3 (toolkit.sources.aws)
    cache: dict[Any, Any] = field(default_factory=dict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)
    # every HTTP request of the run, in the order they were sent (toolkit.sources.http records them)
    requests: list[HttpExchange] = field(default_factory=list)
    requests_lock: threading.Lock = field(default_factory=threading.Lock)

    def record_request(self, exchange: HttpExchange) -> None:
        with self.requests_lock:
            self.requests.append(exchange)

    def recorded_requests(self) -> list[HttpExchange]:
        with self.requests_lock:
            return list(self.requests)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_current: ContextVar[RunContext | None] = ContextVar("dd_toolkit_run", default=None)
# The metric function a worker thread is running, so what it does (HTTP requests) is credited to it.
_metric: ContextVar[str | None] = ContextVar("dd_toolkit_metric", default=None)


def current_run() -> RunContext | None:
    return _current.get()


def enter_run(ctx: RunContext):
    return _current.set(ctx)


def leave_run(token) -> None:
    _current.reset(token)


def current_metric() -> str | None:
    return _metric.get()


def enter_metric(name: str | None):
    return _metric.set(name)


def leave_metric(token) -> None:
    _metric.reset(token)
