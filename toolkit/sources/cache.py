"""``per_run``: share one fetch between the metric functions of a run.

Two metrics often read one listing (merged PRs give both a count and a median time to
merge). Decorating the fetch with ``@per_run`` makes the first caller fetch and the others,
running concurrently, wait for that same result instead of asking the API again. The cache
lives in the run, so the next run fetches afresh; outside a run the function just runs.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ..model import current_run

F = TypeVar("F", bound=Callable[..., Any])


class _Slot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None
        self.exc: BaseException | None = None


def per_run(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        run = current_run()
        if run is None:
            return func(*args, **kwargs)
        key = (func.__module__, func.__qualname__, args, tuple(sorted(kwargs.items())))
        with run.cache_lock:
            slot = run.cache.setdefault(key, _Slot())
        with slot.lock:  # concurrent callers wait for the first one's result
            if not slot.done:
                try:
                    slot.value = func(*args, **kwargs)
                except BaseException as exc:  # every caller sees the same failure
                    slot.exc = exc
                slot.done = True
        if slot.exc is not None:
            raise slot.exc
        return slot.value

    return wrapper  # type: ignore[return-value]
