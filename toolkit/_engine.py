"""The engine: run a collector's metric functions concurrently, under a deadline.

This is the one code path that collects. The CLI, the dashboard, the push and the tests all
call ``run_metrics`` (through ``BaseCollector.run``) and read the ``CollectionResult`` it
returns.

Workers are daemon threads rather than a ``ThreadPoolExecutor``: a metric function that hangs
past its timeout is abandoned (recorded as an error, a replacement worker keeps the pool at
size), and a daemon thread cannot keep the process alive after the run has returned.
"""

from __future__ import annotations

import contextvars
import math
import numbers
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ._context import RunContext, enter_run, leave_run
from ._metric import MetricSpec
from ._result import ERROR, NO_DATA, OK, CollectionResult, MetricError, MetricOutcome, Series


class MetricTimeout(TimeoutError):
    """A metric function did not return within its timeout or the run's deadline."""


class InvalidMetricValue(TypeError):
    """A metric function returned something that cannot be pushed as a number."""


@dataclass
class _Finished:
    value: Any = None
    exc: BaseException | None = None
    duration: float = 0.0


class _Pool:
    """A bounded pool of daemon workers that can give up on a task without joining it."""

    def __init__(self, tasks: list[tuple[str, Callable[[], Any], contextvars.Context]], max_workers: int) -> None:
        self._queue = deque(tasks)
        self._cond = threading.Condition()
        self.started: dict[str, float] = {}
        self.finished: dict[str, _Finished] = {}
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
                done = _Finished(value=ctx.run(fn))
            except BaseException as exc:  # noqa: BLE001 - errors are data, reported per metric
                done = _Finished(exc=exc)
            done.duration = time.perf_counter() - began
            with self._cond:
                if key in self.abandoned:
                    return  # its replacement already took this worker's place
                self.finished[key] = done
                self._cond.notify_all()

    def wait(self, keys: list[str], deadline: float, metric_timeout: float | None) -> None:
        """Wait until every task finished, timed out, or the deadline passed."""
        with self._cond:
            while True:
                now = time.monotonic()
                pending = [k for k in keys if k not in self.finished and k not in self.abandoned]
                if not pending or now >= deadline:
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

    def snapshot(self) -> tuple[dict[str, _Finished], dict[str, float]]:
        with self._cond:
            return dict(self.finished), dict(self.started)


def run_metrics(
    collector: str,
    specs: list[MetricSpec],
    run: RunContext,
    *,
    max_workers: int = 16,
    metric_timeout: float | None = None,
) -> CollectionResult:
    """Run every metric function of ``specs`` concurrently and return what they produced."""
    started_at = datetime.now(UTC)
    began = time.perf_counter()
    token = enter_run(run)
    try:
        # One context per task: a Context cannot be entered by two threads at once.
        tasks = [(spec.name, spec.function, contextvars.copy_context()) for spec in specs]
    finally:
        leave_run(token)
    pool = _Pool(tasks, max_workers)
    if tasks:
        pool.start()
        pool.wait([t[0] for t in tasks], run.deadline, metric_timeout)
    finished, started = pool.snapshot()
    now = time.monotonic()
    outcomes = []
    for spec in specs:
        done = finished.get(spec.name)
        if done is None:
            outcomes.append(_timed_out(spec, started.get(spec.name), now, metric_timeout, run))
        else:
            outcomes.append(outcome_for(spec, done.value, done.exc, done.duration))
    return CollectionResult(
        collector=collector,
        started_at=started_at,
        duration_seconds=time.perf_counter() - began,
        outcomes=outcomes,
        offline=run.offline,
    )


def _timed_out(spec: MetricSpec, began: float | None, now: float, metric_timeout: float | None, run: RunContext):
    if began is None:
        exc = MetricTimeout(f"{spec.name} did not start before the run's deadline; raise --timeout or lower the pool's load")
        duration = 0.0
    else:
        duration = now - began
        if metric_timeout is not None and duration >= metric_timeout:
            exc = MetricTimeout(f"{spec.name} did not return within its {metric_timeout:g}s timeout")
        else:
            exc = MetricTimeout(f"{spec.name} did not return before the run's deadline ({duration:.1f}s in)")
    return outcome_for(spec, None, exc, duration)


def outcome_for(spec: MetricSpec, value: Any, exc: BaseException | None, duration: float) -> MetricOutcome:
    """Turn what one metric function returned (or raised) into its outcome."""
    base = dict(name=spec.name, unit=spec.unit, type=spec.type, description=spec.description, duration_seconds=duration)
    if exc is None:
        try:
            series = to_series(spec, value)
        except InvalidMetricValue as bad:
            exc = bad
    if exc is not None:
        return MetricOutcome(**base, status=ERROR, error=MetricError.from_exception(spec.name, exc))
    if not series:
        return MetricOutcome(**base, status=NO_DATA)
    single = series[0].value if len(series) == 1 and not series[0].tags else None
    return MetricOutcome(**base, status=OK, value=single, series=tuple(series))


def to_series(spec: MetricSpec, value: Any) -> list[Series]:
    """Validate a returned value: a number, ``None`` (no data) or a mapping of tags to numbers."""
    if isinstance(value, Mapping):
        series = []
        for tags, item in value.items():
            number = _number(spec.name, item, f" for tags {tags!r}")
            if number is not None:
                series.append(Series(spec.name, number, _tags(spec.name, tags), spec.unit, spec.type))
        return series
    number = _number(spec.name, value, "")
    return [] if number is None else [Series(spec.name, number, (), spec.unit, spec.type)]


def _number(name: str, value: Any, where: str) -> float | None:
    if value is None:
        return None
    # bool is an int subclass: True would be pushed as 1 and hide a bug in the metric.
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise InvalidMetricValue(f"{name} returned {type(value).__name__} {value!r}{where}; return a number or None")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidMetricValue(f"{name} returned {number!r}{where}; NaN and infinities are never pushed, return None for no data")
    return number


def _tags(name: str, tags: Any) -> tuple[str, ...]:
    items = (tags,) if isinstance(tags, str) else tags
    if not isinstance(items, tuple | list) or not items or not all(isinstance(t, str) and t for t in items):
        raise InvalidMetricValue(f"{name} returned tag key {tags!r}; use a tag string 'key:value' or a tuple of them")
    return tuple(items)
