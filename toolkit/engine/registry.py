"""Finding collectors: the ``collectors`` package, then the ``dd_toolkit.collectors`` entry points.

A collector that fails to import is reported as data (``describe`` returns its error with the
traceback), so ``list``, ``run --all``, ``doctor``, ``docs`` and the dashboard show it instead
of crashing.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from importlib.metadata import entry_points

from ..errors import CollectorLoadError, UnknownCollector
from ..model import MetricError, MetricSpec
from .collector import BaseCollector

ENTRY_POINT_GROUP = "dd_toolkit.collectors"
BUILTIN_PACKAGE = "collectors"


@dataclass(frozen=True)
class CollectorRef:
    """A collector found by discovery; ``load()`` imports it."""

    name: str
    target: str  # "package.module" or "package.module:Class"
    origin: str  # "builtin" or the distribution of the entry point

    def load(self) -> type[BaseCollector]:
        module_name, _, attr = self.target.partition(":")
        module = importlib.import_module(module_name)
        if attr:
            cls = getattr(module, attr)
        else:
            found = [
                v for v in vars(module).values()
                if isinstance(v, type) and issubclass(v, BaseCollector) and v is not BaseCollector and v.__module__ == module.__name__
            ]
            if len(found) != 1:
                raise CollectorLoadError(f"{module_name} defines {len(found)} BaseCollector subclasses; it must define exactly one")
            cls = found[0]
        if not (isinstance(cls, type) and issubclass(cls, BaseCollector)):
            raise CollectorLoadError(f"{self.target} is not a BaseCollector subclass")
        return cls


def discover() -> dict[str, CollectorRef]:
    """Every collector by name, built-in ones first; a third-party one never shadows a built-in."""
    refs: dict[str, CollectorRef] = {}
    try:
        package = importlib.import_module(BUILTIN_PACKAGE)
    except ImportError:
        package = None
    if package is not None:
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.ispkg and not info.name.startswith("_"):
                refs[info.name] = CollectorRef(info.name, f"{BUILTIN_PACKAGE}.{info.name}.collector", "builtin")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in refs:
            dist = ep.dist.name if ep.dist else "entry point"
            refs[ep.name] = CollectorRef(ep.name, ep.value, dist)
    return refs


def resolve(names: list[str]) -> list[CollectorRef]:
    """The refs for ``names``; an unknown name raises one line listing the known ones."""
    refs = discover()
    unknown = [n for n in names if n not in refs]
    if unknown:
        known = ", ".join(refs) or "none"
        raise UnknownCollector(f"unknown collector {', '.join(map(repr, unknown))}; known collectors: {known} (see `dd-toolkit list`)")
    return [refs[n] for n in names]


def load(ref: CollectorRef) -> tuple[BaseCollector | None, MetricError | None]:
    """Instantiate a collector, or return its load error as data."""
    try:
        return ref.load()(), None
    except (Exception, SystemExit) as exc:  # an import that calls sys.exit() is a load error too
        return None, MetricError.from_exception(None, exc)


@dataclass(frozen=True)
class Described:
    """A collector loaded with its metric declarations, or the error that stopped either."""

    ref: CollectorRef
    collector: BaseCollector | None = None
    specs: tuple[MetricSpec, ...] = ()
    error: MetricError | None = None

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self.collector.secrets) if self.collector is not None else ()


def describe(ref: CollectorRef) -> Described:
    """Load ``ref`` and read its ``@metric`` declarations; any failure comes back as ``error``."""
    collector, error = load(ref)
    if collector is None:
        return Described(ref, error=error)
    try:
        specs = collector.metric_specs()
    except Exception as exc:  # a bad metrics module fails this collector, not the caller
        return Described(ref, collector, error=MetricError.from_exception(None, exc))
    return Described(ref, collector, tuple(specs))
