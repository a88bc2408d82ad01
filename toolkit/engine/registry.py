"""Finding collectors: built-in, the project's own, and the ``dd_toolkit.collectors`` entry points.

Built-in collectors come with the toolkit (``toolkit.collectors`` in a wheel; this checkout's
``collectors/`` when it runs from one). A project's ``collectors/<name>/`` packages are
imported as ``collectors.<name>`` with the project's root first on ``sys.path``; one with a
built-in's name overrides it. An entry point adds a collector by its key, and the key is its
name everywhere (cassettes, meta-metrics, monitors, values), whatever its package is called.

A collector that fails to import is reported as data (``describe`` returns its error with the
traceback), so ``list``, ``run --all``, ``doctor``, ``docs`` and the dashboard show it instead
of crashing.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import CollectorLoadError, UnknownCollector
from ..model import BUILTIN_PACKAGE, MetricError, MetricSpec, checkout_root
from .collector import BaseCollector

WHEEL_PACKAGE = BUILTIN_PACKAGE  # BUILTIN_PACKAGE may be pointed at another package (the tests' fixtures)
ENTRY_POINT_GROUP = "dd_toolkit.collectors"
PROJECT_PACKAGE = "collectors"
BUILTIN, PROJECT, OVERRIDE = "built-in", "project", "project (overrides built-in)"


@dataclass(frozen=True)
class CollectorRef:
    """A collector found by discovery; ``load()`` imports it."""

    name: str
    target: str  # "package.module" or "package.module:Class"
    origin: str  # BUILTIN, PROJECT, OVERRIDE, or the distribution of the entry point

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


def discover(project_root: Path | None = None) -> dict[str, CollectorRef]:
    """Every collector by name: the built-ins, then the project's (overriding a built-in of the
    same name), then entry points (which never shadow either)."""
    refs = _own_refs(project_root)
    from importlib.metadata import entry_points  # 15 ms (email's parser): only when they may count

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in refs:
            dist = ep.dist.name if ep.dist else "entry point"
            refs[ep.name] = CollectorRef(ep.name, ep.value, dist)
    return refs


def _own_refs(project_root: Path | None) -> dict[str, CollectorRef]:
    """The built-ins, then the project's (overriding a built-in of the same name)."""
    refs = builtin_refs(project_root)
    if project_root is not None:
        for name, ref in project_refs(Path(project_root)).items():
            refs[name] = CollectorRef(name, ref.target, OVERRIDE if name in refs else PROJECT)
    return refs


def owned_by(refs: dict[str, CollectorRef], project_root: Path | None) -> list[CollectorRef]:
    """The collectors whose files belong to the project (for `docs --all`): its own, and in this
    checkout (the reference project) the built-ins, which are its own."""
    own = {PROJECT, OVERRIDE}
    if project_root is not None and checkout_root() == Path(project_root).resolve():
        own.add(BUILTIN)
    return [ref for ref in refs.values() if ref.origin in own]


def builtin_refs(project_root: Path | None = None) -> dict[str, CollectorRef]:
    """The toolkit's own collectors, as ``toolkit.collectors.<name>``.

    A wheel ships them as that package. A checkout has them in its ``collectors/``: working in the
    checkout itself (the reference project) they are imported as its ``collectors`` package, as
    its tests do; from any other project that name is the project's own, so the checkout's
    directory is mounted as ``toolkit.collectors`` instead.
    """
    if BUILTIN_PACKAGE != WHEEL_PACKAGE:
        return _package_refs(BUILTIN_PACKAGE, BUILTIN)
    root = checkout_root()
    if root is not None and project_root is not None and Path(project_root).resolve() == root:
        _put_first_on_path(root)
        return _package_refs(PROJECT_PACKAGE, BUILTIN)
    try:
        return _package_refs(BUILTIN_PACKAGE, BUILTIN)
    except ImportError:
        if root is None:
            return {}
    _mount(BUILTIN_PACKAGE, root / PROJECT_PACKAGE)
    return _package_refs(BUILTIN_PACKAGE, BUILTIN)


def _mount(name: str, directory: Path) -> None:
    """Import the package in ``directory`` under ``name`` (its modules use relative imports)."""
    import importlib.util

    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, directory / "__init__.py", submodule_search_locations=[str(directory)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def project_refs(root: Path) -> dict[str, CollectorRef]:
    """A project's ``collectors/<name>/`` packages; none for this checkout (its are the built-ins)."""
    root = root.resolve()
    if not (root / PROJECT_PACKAGE / "__init__.py").is_file() or root == checkout_root():
        return {}
    _put_first_on_path(root)
    loaded = sys.modules.get(PROJECT_PACKAGE)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve().parent != root / PROJECT_PACKAGE:
        del sys.modules[PROJECT_PACKAGE]  # another checkout's collectors were imported first (the built-ins)
    return _package_refs(PROJECT_PACKAGE, PROJECT, directory=root / PROJECT_PACKAGE)


def _package_refs(package_name: str, origin: str, directory: Path | None = None) -> dict[str, CollectorRef]:
    if directory is None:
        directory = Path(importlib.import_module(package_name).__path__[0])
    return {
        info.name: CollectorRef(info.name, f"{package_name}.{info.name}.collector", origin)
        for info in sorted(pkgutil.iter_modules([str(directory)]), key=lambda i: i.name)
        if info.ispkg and not info.name.startswith("_")
    }


def _put_first_on_path(root: Path) -> None:
    entry = str(root)
    if entry in sys.path:
        sys.path.remove(entry)
    sys.path.insert(0, entry)


def resolve(names: list[str], project_root: Path | None = None) -> list[CollectorRef]:
    """The refs for ``names``; an unknown name raises one line listing the known ones."""
    refs = _own_refs(project_root)  # an entry point never shadows these: look further only when one is missing
    if any(n not in refs for n in names):
        refs = discover(project_root)
    unknown = [n for n in names if n not in refs]
    if unknown:
        known = ", ".join(refs) or "none"
        raise UnknownCollector(f"unknown collector {', '.join(map(repr, unknown))}; known collectors: {known} (see `dd-toolkit list`)")
    return [refs[n] for n in names]


def load(ref: CollectorRef) -> tuple[BaseCollector | None, MetricError | None]:
    """Instantiate a collector, or return its load error as data."""
    try:
        collector = ref.load()()
        if collector.name != ref.name:
            if not type(collector).name_is_derived:
                # A declared name (a class attribute or the seed guide's read-only property) is
                # never overwritten: a mismatch would split cassettes, values and meta-metrics.
                raise CollectorLoadError(
                    f"{ref.target} declares name {collector.name!r} but is registered as {ref.name!r}; "
                    f"make the two the same (rename the package or entry point, or the class's `name`)"
                )
            # An entry point's key is the collector's name, whatever its package is called.
            collector.name = ref.name
        return collector, None
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
