"""``BaseCollector``: the seed's collector class, backed by the engine.

A collector can be five lines::

    class GithubCollector(BaseCollector):
        secrets = ("github/token",)

Its metric functions are found in the ``metrics`` module beside the class; ``run()`` runs
them through the engine and returns a ``CollectionResult``. A subclass that overrides
``collect_metrics`` with the seed guide's loop still works: ``run()`` then calls it once,
inside a run context (pooled client, deadline, offline replay) and wraps what it returned.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from ._context import RunContext, current_run, enter_run, leave_run
from ._discovery import metric_specs
from ._engine import MetricTimeout, outcome_for, run_metrics
from ._http import pooled_transport
from ._metric import MetricSpec
from ._result import CollectionResult, MetricError

DEFAULT_TIMEOUT = 120.0  # seconds; the chart's default schedule is every 15 minutes


class BaseCollector:
    """Base class of every collector.

    Class attributes a subclass may set:
      ``name``            the collector's name (default: its package, ``collectors.<name>``)
      ``secrets``         secret names it reads with ``get_secret`` (listed, checked by ``doctor``)
      ``config``          environment variables it reads, as ``{name: description}``
      ``metrics_module``  a module or dotted path (default: ``metrics`` beside the class)
      ``max_workers``     concurrent metric functions (default 16)
      ``metric_timeout``  seconds one metric function may take (default 60; the run deadline also holds)
    """

    name: ClassVar[str] = ""
    secrets: ClassVar[tuple[str, ...]] = ()
    config: ClassVar[dict[str, str]] = {}
    metrics_module: ClassVar[ModuleType | str | None] = None
    max_workers: ClassVar[int] = 16
    metric_timeout: ClassVar[float | None] = 60.0  # one slow metric never holds the pool for the whole run
    cassette_dir: ClassVar[str | Path | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__ or not cls.__dict__["name"]:
            package = cls.__module__.rsplit(".", 1)[0] if "." in cls.__module__ else cls.__module__
            cls.name = package.rsplit(".", 1)[-1]

    def __init__(self) -> None:
        self._errors: dict[str, Exception] = {}
        self.last_result: CollectionResult | None = None

    # --- the seed's surface -------------------------------------------------------------
    @property
    def source_tag(self) -> str:
        return f"source:{self.name}-collector"

    def collect_metrics(self) -> dict[str, float]:
        """Collect every metric; return the untagged values by name (errors in ``_errors``)."""
        context = current_run()
        if context is not None:
            # Already inside a run: a seed-style override calling super().collect_metrics().
            # Starting another run here would call the override again, without end.
            result = run_metrics(self.name, self.metric_specs(), context, max_workers=self.max_workers, metric_timeout=self.metric_timeout)
            for outcome in result.outcomes:
                if outcome.error is not None:
                    self._errors.setdefault(outcome.name, _ErrorFromData(outcome.error))
        else:
            result = self.run()
        return {o.name: o.value for o in result.outcomes if o.value is not None}

    def _record_error(self, key: str, exc: Exception) -> None:
        self._errors[key] = exc

    # --- discovery ------------------------------------------------------------------------
    def metrics(self) -> ModuleType:
        module = self.metrics_module
        if isinstance(module, ModuleType):
            return module
        if module is None:
            module = self.__class__.__module__.rsplit(".", 1)[0] + ".metrics"
        return importlib.import_module(module)

    def metric_specs(self) -> list[MetricSpec]:
        return metric_specs(self.metrics())

    def cassettes(self) -> Path:
        """Where this collector's cassettes live: ``tests/cassettes/<name>/`` of its project."""
        if self.cassette_dir is not None:
            return Path(self.cassette_dir)
        root = os.environ.get("DD_TOOLKIT_CASSETTES")
        if root:
            return Path(root) / self.name
        here = Path(sys.modules[self.__class__.__module__].__file__ or ".").resolve()
        for parent in here.parents:
            if (parent / "tests" / "cassettes").is_dir():
                return parent / "tests" / "cassettes" / self.name
        return Path.cwd() / "tests" / "cassettes" / self.name

    # --- running ----------------------------------------------------------------------------
    def run(
        self,
        timeout: float | None = None,
        *,
        offline: bool = False,
        cassettes: str | Path | None = None,
        transport: Any = None,
        sleep: Any = None,
    ) -> CollectionResult:
        """Collect once and return the result; never raises for a metric's or the run's failure.

        ``offline`` (or ``cassettes``, a replay directory) serves recorded HTTP instead of the
        network, with the replay's placeholder secrets, configuration and clock.
        ``transport`` and ``sleep`` let tests and benchmarks put their own under the run.
        """
        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        started = time.monotonic()
        self._errors = {}
        try:
            context = self._context(timeout, started, offline or cassettes is not None, cassettes, transport, sleep)
            specs = self.metric_specs()
        except Exception as exc:  # errors are data: a bad setup fails this collector, not the caller
            result = CollectionResult.could_not_run(self.name, exc, offline=offline)
            self.last_result = result
            return result
        try:
            if type(self).collect_metrics is not BaseCollector.collect_metrics:
                result = self._run_legacy(specs, context)
            else:
                result = run_metrics(self.name, specs, context, max_workers=self.max_workers, metric_timeout=self.metric_timeout)
        finally:
            if transport is None:
                context.transport.close()
        for outcome in result.outcomes:
            if outcome.error is not None and outcome.name not in self._errors:
                self._errors[outcome.name] = _ErrorFromData(outcome.error)
        self.last_result = result
        return result

    def _context(self, timeout, started, offline, cassettes, transport, sleep) -> RunContext:
        if transport is None and not offline:
            transport = pooled_transport(self.max_workers * 2)
        context = RunContext(collector=self.name, deadline=started + timeout, transport=transport)
        if sleep is not None:
            context.sleep = sleep
        if offline:
            from ._replay import load_replay

            replay = load_replay(Path(cassettes) if cassettes else self.cassettes(), self.name)
            context.replay = replay.transport()
            if transport is None:
                context.transport = context.replay
            context.offline = True
            context.secrets = replay.secrets
            context.config = replay.config
            context.clock = replay.clock
            context.sleep = sleep or (lambda seconds: None)  # recorded Retry-After is not waited for
        return context

    def _run_legacy(self, specs: list[MetricSpec], context: RunContext) -> CollectionResult:
        """Run a seed-style ``collect_metrics`` override once, under the run's context."""
        started_at = datetime.now(UTC)
        began = time.perf_counter()
        box: dict[str, Any] = {}

        def call() -> None:
            token = enter_run(context)
            try:
                box["value"] = self.collect_metrics()
            except BaseException as exc:  # noqa: BLE001 - reported as the collector's error
                box["exc"] = exc
            finally:
                leave_run(token)

        worker = threading.Thread(target=call, name=f"dd-toolkit-{self.name}", daemon=True)
        worker.start()
        worker.join(max(0.0, context.remaining()))
        duration = time.perf_counter() - began
        timed_out = worker.is_alive()
        if timed_out:
            box["exc"] = MetricTimeout(f"{self.name}.collect_metrics() did not return before the run's deadline")
        values = box.get("value") or {}
        errors = dict(self._errors)
        by_name = {spec.name: spec for spec in specs}
        outcomes = []
        for name in list(by_name) + [n for n in values if n not in by_name] + [n for n in errors if n not in by_name and n not in values]:
            spec = by_name.get(name) or MetricSpec(name=name, unit="count", type="gauge", description="", function=lambda: None)
            exc = errors.get(name)
            if exc is None and timed_out and name not in values:
                exc = MetricTimeout(f"{name}: the collector's loop had not reached it by the run's deadline")
            outcomes.append(outcome_for(spec, values.get(name), exc, 0.0))
        result = CollectionResult(self.name, started_at, duration, outcomes, offline=context.offline)
        if "exc" in box:
            result.fatal = MetricError.from_exception(None, box["exc"])
        return result


class _ErrorFromData(Exception):
    """Keeps ``_errors`` holding exceptions (as in the seed) for errors the engine reported as data."""

    def __init__(self, error: MetricError) -> None:
        super().__init__(f"{error.type}: {error.message}")
        self.error = error

