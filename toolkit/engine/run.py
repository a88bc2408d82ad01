"""``collect``: the one code path that collects.

``collect(collector, RunOptions(...)) -> CollectionResult``: assemble the run (its deadline,
the pooled HTTP transport or an offline replay of the collector's cassettes), run every
metric function concurrently in the engine's pool, and turn what they returned into one
result. The CLI, the dashboard, the push, ``record`` and the tests all go through here.

A seed-style subclass that overrides ``collect_metrics`` is run as the pool's one task, on
the same context and deadline; its returned values and ``_errors`` pass the same value rules.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import Interrupted, MetricTimeout
from ..model import (
    MAIN_THREAD_SLICE,
    CollectionResult,
    Interrupt,
    MetricError,
    MetricSpec,
    RunContext,
    SeriesColumn,
    Window,
    defaults,
    enter_metric,
    enter_run,
    leave_run,
    window_at,
)
from ..sources import pooled_transport, set_rate_floors
from .collector import BaseCollector
from .outcome import outcome_for, seed_outcomes, timed_out
from .pool import Pool
from .registry import CollectorRef, load

SEED_TASK = "collect_metrics"


@dataclass(frozen=True)
class RunOptions:
    """How to run a collector once.

    ``offline``: serve its cassettes (``cassettes``, default its own directory) instead of the
    network, with the replay's placeholder secrets, configuration and clock. ``transport`` and
    ``sleep`` let tests and benchmarks put their own under the run. ``max_workers`` overrides
    the collector's pool size (``record`` runs with one). ``replay``: a ``ReplayTransport`` to
    serve offline instead of a fresh one of ``cassettes``, so the caller can ask it afterwards
    which interactions were never played (strict replay, ``toolkit.testing``).
    """

    timeout: float = defaults.RUN_TIMEOUT
    offline: bool = False
    cassettes: Path | None = None
    transport: Any = None
    sleep: Callable[[float], None] | None = None
    max_workers: int | None = None
    replay: Any = None
    interrupt: Interrupt | None = None  # a signal stops the run's waiting at once
    started: float | None = None  # time.monotonic() the deadline counts from (the import, when the caller loaded it)
    frozen_at: datetime | None = None  # live: what now() returns throughout (record freezes it at recorded_at)
    schedule: str | None = None  # the collector's cron schedule: the run's window is its last closed slot (model/window.py)
    window: Window | None = None  # a past window to collect (catch-up, backfill): the clock is frozen at its end
    windowed_only: bool = False  # run only the metrics declared @metric(window=True) (a past window's)


def collect(collector: BaseCollector, options: RunOptions | None = None) -> CollectionResult:
    """Collect once and return the result; never raises for a metric's or the run's failure."""
    options = options or RunOptions()
    started = time.monotonic() if options.started is None else options.started
    collector._errors = {}
    try:
        context = run_context(collector, options, deadline=started + options.timeout)
        specs = collector.metric_specs()
        if options.windowed_only:
            specs = [spec for spec in specs if spec.window]
    except Exception as exc:  # errors are data: a bad setup fails this collector, not the caller
        result = CollectionResult.could_not_run(collector.name, exc, offline=options.offline)
        collector._keep_errors(result)
        return result
    workers = options.max_workers or collector.max_workers
    try:
        if collector.overrides_collect_metrics:
            result = _run_seed_loop(collector, specs, context, options.interrupt)
        else:
            result = run_metrics(
                collector.name, specs, context, max_workers=workers, metric_timeout=collector.metric_timeout, interrupt=options.interrupt
            )
    finally:
        if options.transport is None:
            context.transport.close()
    result.window = context.window
    windowed_counts(result, specs)
    collector._keep_errors(result)
    return result


def windowed_counts(result: CollectionResult, specs: list[MetricSpec]) -> None:
    """A windowed count's points carry the window's length as their interval (an irregular schedule's vary)."""
    if result.window is None:
        return
    windowed = {spec.name for spec in specs if spec.window}
    seconds = result.window.seconds
    for i, outcome in enumerate(result.outcomes):
        if outcome.name in windowed and outcome.series:
            series = outcome.series
            retimed = series.with_interval(seconds) if type(series) is SeriesColumn else tuple(replace(s, interval=seconds) for s in series)
            result.outcomes[i] = replace(outcome, series=retimed)


def run_context(collector: BaseCollector, options: RunOptions, *, deadline: float) -> RunContext:
    """The run's shared state: deadline, pooled transport, and offline the replay and its placeholders."""
    transport = options.transport
    if transport is None and not options.offline:
        transport = pooled_transport((options.max_workers or collector.max_workers) * 2)
    context = RunContext(collector=collector.name, deadline=deadline, transport=transport)
    set_rate_floors(context, collector.rate_floors)
    if options.sleep is not None:
        context.sleep = options.sleep
    if options.frozen_at is not None:
        frozen = options.frozen_at
        context.clock = lambda: frozen
    if options.offline:
        if options.replay is not None:
            context.replay = options.replay
            replay = options.replay.replay
        else:
            from ..cassettes import load_replay  # here: a live run never loads the replay (httpx, PyYAML)

            replay = load_replay(options.cassettes or collector.cassettes(), collector.name)
            context.replay = replay.transport()
        if transport is None:
            context.transport = context.replay
        context.offline = True
        context.secrets = replay.secrets
        context.config = replay.config
        context.clock = replay.clock
        context.sleep = options.sleep or (lambda seconds: None)  # recorded Retry-After is not waited for
    if options.window is not None:
        end = options.window.end
        context.clock = lambda: end
        context.window = options.window
    else:
        context.window = window_at(options.schedule, context.clock() if context.clock is not None else datetime.now(UTC))
    return context


def run_metrics(
    collector: str,
    specs: list[MetricSpec],
    run: RunContext,
    *,
    max_workers: int = defaults.MAX_WORKERS,
    metric_timeout: float | None = None,
    interrupt: Interrupt | None = None,
) -> CollectionResult:
    """Run every metric function of ``specs`` concurrently on ``run`` and return what they produced.

    The pool starts them highest ``priority`` first (then in definition order): when a rate
    budget runs short, the metrics that matter most have already had their requests."""
    tasks = [(spec.name, spec.function) for spec in sorted(specs, key=lambda spec: -spec.priority)]
    finished, started, now, began, started_at, shares = _run_tasks(tasks, run, max_workers, metric_timeout, interrupt)
    outcomes = []
    for spec in specs:
        done = finished.get(spec.name)
        if done is None:
            outcomes.append(timed_out(spec, started.get(spec.name), now, metric_timeout, run, interrupt, share=shares.get(spec.name)))
        else:
            outcomes.append(outcome_for(spec, done.value, done.exc, done.duration))
    return CollectionResult(collector, started_at, time.perf_counter() - began, outcomes, offline=run.offline, requests=run.recorded_requests())


def _run_seed_loop(collector: BaseCollector, specs: list[MetricSpec], run: RunContext, interrupt: Interrupt | None = None) -> CollectionResult:
    """A seed-style ``collect_metrics`` override as the pool's one task, bounded by the run's deadline."""
    finished, _, _, began, started_at, _ = _run_tasks([(SEED_TASK, collector.collect_metrics)], run, 1, None, interrupt)
    done = finished.get(SEED_TASK)
    values = (done.value if done is not None else None) or {}
    outcomes = seed_outcomes(specs, values, dict(collector._errors), timed_out=done is None)
    result = CollectionResult(collector.name, started_at, time.perf_counter() - began, outcomes, offline=run.offline, requests=run.recorded_requests())
    if done is None and interrupt is not None and interrupt.is_set():
        result.fatal = MetricError.from_exception(None, Interrupted(f"{collector.name}.collect_metrics() was interrupted by {interrupt.reason}"))
    elif done is None:
        result.fatal = MetricError.from_exception(None, MetricTimeout(f"{collector.name}.collect_metrics() did not return before the run's deadline"))
    elif done.exc is not None:
        result.fatal = MetricError.from_exception(None, done.exc)
    return result


def _run_tasks(
    tasks: list[tuple[str, Callable[[], Any]]], run: RunContext, max_workers: int, metric_timeout: float | None, interrupt: Interrupt | None = None
):
    started_at = datetime.now(UTC)
    began = time.perf_counter()
    token = enter_run(run)
    try:
        # One context per task: a Context cannot be entered by two threads at once. Each knows
        # its metric's name, so the HTTP requests it makes are credited to it.
        contexts = [(key, fn, _context_for(key)) for key, fn in tasks]
    finally:
        leave_run(token)
    pool = Pool(contexts, max_workers)
    if contexts:
        pool.start()
        pool.wait([key for key, _, _ in contexts], run.deadline, metric_timeout, interrupt)
    finished, started, shares = pool.snapshot()
    return finished, started, time.monotonic(), began, started_at, shares


def _context_for(key: str) -> contextvars.Context:
    context = contextvars.copy_context()
    context.run(enter_metric, None if key == SEED_TASK else key)
    return context


def run_collector(
    ref: CollectorRef,
    *,
    timeout: float | None = None,
    offline: bool = False,
    cassettes: Path | None = None,
    capture: Path | None = None,
    interrupt: Interrupt | None = None,
    started: float | None = None,
    max_workers: int | None = None,
    schedule: str | None = None,
) -> CollectionResult:
    """Load and collect one collector by its ref; a load failure comes back as a result with ``fatal`` set.

    The deadline counts from ``started`` (default: now, before the import), so a collector
    whose modules are slow to import spends its own ``timeout`` on it.

    ``capture`` (a directory): the flight recorder. The live run's HTTP is recorded, scrubbed
    exactly as ``record`` does, into ``capture/<name>/``, the layout ``cassettes`` (and
    ``run --offline --cassettes``) reads. It runs serially, as ``record`` does: vcrpy's
    patching can lose interactions recorded from a pool of threads.
    """
    started = time.monotonic() if started is None else started
    collector, error = load(ref)
    if collector is None:
        return CollectionResult.could_not_run(ref.name, error, offline=offline)
    timeout = defaults.RUN_TIMEOUT if timeout is None else timeout
    if capture is not None and not offline:
        from ..cassettes import record
        from ..errors import ToolkitError

        options = RunOptions(timeout=timeout, max_workers=1, interrupt=interrupt, started=started, schedule=schedule)
        try:
            return record(
                collector, lambda at: collect(collector, replace(options, frozen_at=at)),
                directory=Path(capture) / collector.name, mode="all", keep_failed=True,
            ).result
        except ToolkitError as exc:  # a secret that cannot be read, a cassette that kept one: the run fails, as data
            return CollectionResult.could_not_run(collector.name, exc)
    options = RunOptions(
        timeout=timeout,
        offline=offline or cassettes is not None,
        cassettes=cassettes,
        interrupt=interrupt,
        started=started,
        max_workers=max_workers,
        schedule=schedule,
    )
    return collect(collector, options)


def collect_past_windows(
    ref: CollectorRef, windows: Sequence[Window], *, started: float, timeout: float | None = None,
    schedule: str | None = None, interrupt: Interrupt | None = None, transport: Any = None,
    offline: bool = False, cassettes: Path | None = None,
) -> list[CollectionResult]:
    """The windowed metrics of ``ref`` for each of ``windows`` in turn (oldest first, the clock frozen at
    each one's end), all within one deadline counted from ``started``: a catch-up or a backfill.

    A window the deadline (or a signal) leaves uncollected is not in the list.
    """
    collector, error = load(ref)
    if collector is None:
        return [CollectionResult.could_not_run(ref.name, error)]
    timeout = defaults.RUN_TIMEOUT if timeout is None else timeout
    out = []
    for window in windows:
        if time.monotonic() >= started + timeout or (interrupt is not None and interrupt.is_set()):
            break
        options = RunOptions(timeout=timeout, started=started, window=window, windowed_only=True,
                             schedule=schedule, interrupt=interrupt, transport=transport, offline=offline, cassettes=cassettes)
        out.append(collect(collector, options))
    return out


# After its deadline (or a signal) a collector's thread gets this long to hand in what it has;
# one still busy then (an import that hangs) is reported as not finished and left behind.
HAND_IN_SECONDS = 1.0


def run_collectors(
    refs: Sequence[CollectorRef],
    *,
    timeout: float | None = None,
    offline: bool = False,
    cassettes_root: Path | None = None,
    capture: Path | None = None,
    interrupt: Interrupt | None = None,
    max_workers: int | None = None,
    schedules: Mapping[str, str | None] | None = None,
) -> list[CollectionResult]:
    """Run several collectors at once (each with its own pool and deadline), results in order.

    Returns by every collector's deadline (import included) plus a moment, or at once after
    ``interrupt``: a collector that has not handed in a result by then is reported as timed
    out (or interrupted) by name, and its daemon thread cannot keep the process alive.

    ``cassettes_root`` holds one directory per collector (as ``tests/cassettes/`` does) to
    replay from; ``capture`` one per collector to record into. Captured runs go one after
    another: vcrpy's recording patches the process, not one run.
    """
    timeout = defaults.RUN_TIMEOUT if timeout is None else timeout

    def one_ref(ref: CollectorRef, started: float | None = None) -> CollectionResult:
        cassettes = Path(cassettes_root) / ref.name if cassettes_root is not None else None
        return run_collector(ref, timeout=timeout, offline=offline, cassettes=cassettes, capture=capture,
                             interrupt=interrupt, started=started, max_workers=max_workers, schedule=(schedules or {}).get(ref.name))

    if capture is not None and not offline:
        return [one_ref(ref) for ref in refs]
    results: list[CollectionResult | None] = [None] * len(refs)
    done = threading.Condition()
    started = time.monotonic()

    def one(i: int, ref: CollectorRef) -> None:
        try:
            result = one_ref(ref, started)
        except BaseException as exc:  # noqa: BLE001 - a collector that kills its thread still reports
            result = CollectionResult.could_not_run(ref.name, exc, offline=offline)
        with done:
            results[i] = result
            done.notify_all()

    for i, ref in enumerate(refs):
        threading.Thread(target=one, args=(i, ref), name=f"dd-toolkit-collector-{ref.name}", daemon=True).start()
    if interrupt is not None:
        interrupt.watch(done)
    try:
        _wait_for_results(results, done, started + timeout, interrupt)
    finally:
        if interrupt is not None:
            interrupt.unwatch(done)
    with done:
        for i, ref in enumerate(refs):
            if results[i] is None:
                if interrupt is not None and interrupt.is_set():
                    exc: BaseException = Interrupted(f"{ref.name} was interrupted by {interrupt.reason} while loading")
                else:
                    exc = MetricTimeout(f"{ref.name} did not load and run within its {timeout:g}s deadline (importing its modules counts)")
                results[i] = CollectionResult.could_not_run(ref.name, exc, offline=offline)
        return list(results)  # type: ignore[arg-type] - every slot is filled above


def _wait_for_results(results: list, done: threading.Condition, deadline: float, interrupt: Interrupt | None) -> None:
    hand_in_by: float | None = None
    with done:
        while any(r is None for r in results):
            now = time.monotonic()
            if hand_in_by is None and (now >= deadline or (interrupt is not None and interrupt.is_set())):
                hand_in_by = now + HAND_IN_SECONDS
            if hand_in_by is not None and now >= hand_in_by:
                return
            done.wait(timeout=min(MAIN_THREAD_SLICE, max(0.0, (hand_in_by or deadline) - now)))
