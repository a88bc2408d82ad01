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
    replay: Any = None  # offline: the ReplayTransport, which also answers boto3 (toolkit.sources.aws)
    cache: dict[Any, Any] = field(default_factory=dict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_current: ContextVar[RunContext | None] = ContextVar("dd_toolkit_run", default=None)


def current_run() -> RunContext | None:
    return _current.get()


def enter_run(ctx: RunContext):
    return _current.set(ctx)


def leave_run(token) -> None:
    _current.reset(token)
