"""``BaseCollector``: what a collector declares. The engine (``toolkit.engine.run``) runs it.

A collector can be five lines::

    class GithubCollector(BaseCollector):
        secrets = ("github/token",)

Its metric functions are found in the ``metrics`` module beside the class. ``run()`` is a
shorthand for ``collect(self, RunOptions(...))``. A subclass that overrides
``collect_metrics`` with the seed guide's loop still works: the engine runs that loop as the
one task of the run (same pool, same deadline, same value rules) and turns what it returned
into the same result.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from ..cassettes import default_directory
from ..model import CollectionResult, MetricSpec, current_run, defaults, metric_specs

if TYPE_CHECKING:
    pass


class BaseCollector:
    """Base class of every collector.

    Class attributes a subclass may set:
      ``name``            the collector's name (default: its package, ``collectors.<name>``)
      ``secrets``         secret names it reads with ``get_secret`` (listed, checked by ``doctor``)
      ``config``          environment variables it reads, as ``{name: description}``
      ``aws_services``    AWS services it calls through ``aws_client`` (``record`` resolves AWS credentials first)
      ``metrics_module``  a module or dotted path (default: ``metrics`` beside the class)
      ``max_workers``     concurrent metric functions (default ``defaults.MAX_WORKERS``)
      ``metric_timeout``  seconds one metric function may take (default ``defaults.METRIC_TIMEOUT``;
                          the run deadline also holds)
      ``cassette_dir``    where its cassettes are (default: ``tests/cassettes/<name>`` of its project)
      ``rate_limits``     each credential's documented limit, ``{"github/token": "5000/hour"}``
                          (``dd-toolkit cost --api``, ``doctor``; docs/budgets.md)
      ``rate_floors``     requests to leave in a credential's budget: a request that would go below
                          is not sent, and its metric records ``RateBudgetSpent`` (default 0)
    """

    name: ClassVar[str] = ""
    secrets: ClassVar[tuple[str, ...]] = ()
    config: ClassVar[dict[str, str]] = {}
    aws_services: ClassVar[tuple[str, ...]] = ()
    metrics_module: ClassVar[ModuleType | str | None] = None
    max_workers: ClassVar[int] = defaults.MAX_WORKERS
    metric_timeout: ClassVar[float | None] = defaults.METRIC_TIMEOUT
    cassette_dir: ClassVar[str | Path | None] = None
    rate_limits: ClassVar[dict[str, str]] = {}
    rate_floors: ClassVar[dict[str, int]] = {}

    # True when ``name`` was derived from the package rather than declared by the class: only
    # then may the registry give the collector its registered name instead (an entry point's key).
    name_is_derived: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("name")
        if declared:  # a string, or the seed guide's read-only ``@property``
            cls.name_is_derived = False
        elif not any("name" in base.__dict__ and not getattr(base, "name_is_derived", True) for base in cls.__mro__[1:]):
            package = cls.__module__.rsplit(".", 1)[0] if "." in cls.__module__ else cls.__module__
            cls.name = package.rsplit(".", 1)[-1]
            cls.name_is_derived = True

    def __init__(self) -> None:
        self._errors: dict[str, Exception] = {}
        self.last_result: CollectionResult | None = None

    # --- the seed's surface -------------------------------------------------------------
    @property
    def source_tag(self) -> str:
        return f"source:{self.name}-collector"

    def collect_metrics(self) -> dict[str, float]:
        """Collect every metric; return the untagged values by name (errors in ``_errors``).

        Outside a run this is a whole run of the engine. Inside one (a seed-style override
        calling ``super().collect_metrics()``, which the engine is already running as its one
        task) it is the seed's loop over the metric functions, serially, on that run.
        """
        from .outcome import seed_loop
        from .run import collect

        if current_run() is not None:
            return seed_loop(self.metric_specs(), self._errors)
        result = collect(self)
        return {o.name: o.value for o in result.outcomes if o.value is not None}

    def _record_error(self, key: str, exc: Exception) -> None:
        self._errors[key] = exc

    def _keep_errors(self, result: CollectionResult) -> None:
        """After a run: ``_errors`` (the seed's) holds every metric's error, as exceptions."""
        from .outcome import ErrorFromData

        for outcome in result.outcomes:
            if outcome.error is not None and outcome.name not in self._errors:
                self._errors[outcome.name] = ErrorFromData(outcome.error)
        self.last_result = result

    @property
    def overrides_collect_metrics(self) -> bool:
        return type(self).collect_metrics is not BaseCollector.collect_metrics

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

    @property
    def package_dir(self) -> Path:
        """The directory of the collector's class (its README.md is there)."""
        return Path(sys.modules[type(self).__module__].__file__ or ".").resolve().parent

    def cassettes(self) -> Path:
        """Where this collector's cassettes are (see ``toolkit.cassettes.default_directory``)."""
        if self.cassette_dir is not None:
            return Path(self.cassette_dir)
        return default_directory(self.name, sys.modules[type(self).__module__].__file__)

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
        """``collect(self, RunOptions(...))``: collect once; never raises for a metric's or the run's failure."""
        from .run import RunOptions, collect

        options = RunOptions(
            timeout=defaults.RUN_TIMEOUT if timeout is None else timeout,
            offline=offline or cassettes is not None,
            cassettes=Path(cassettes) if cassettes is not None else None,
            transport=transport,
            sleep=sleep,
        )
        return collect(self, options)


__all__ = ["BaseCollector"]
