"""Live reload: which files belong to which collector, forgetting an import, and the watcher.

No Textual here: the app runs ``Watcher.run`` in a thread worker and turns each batch of
changed collectors into a message. watchfiles (the ``dashboard`` extra) waits on the
operating system's file events (inotify, FSEvents) rather than a polling loop of ours.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..engine import CollectorRef

# Grouping of the events one save produces (editors write, rename, chmod): the batch is handed
# over STEP_MS after the last event, and at the latest after DEBOUNCE_MS. Well inside the
# issue's 2 s from save to new values.
DEBOUNCE_MS = 400
STEP_MS = 50
# watchfiles wakes its Rust loop every rust_timeout ms anyway (5 s by default); a shorter one
# and an empty yield on it tell us when the OS watches are in place (``Watcher.ready``).
READY_TIMEOUT_MS = 500


@dataclass(frozen=True)
class Package:
    """The importable package a collector lives in and its directory on disk."""

    collector: str
    name: str  # "collectors.github"
    directory: Path


def package_of(ref: CollectorRef) -> Package | None:
    """The package of ``ref``'s module (``collectors.github`` for ``collectors.github.collector``).

    None for a top-level module, or one that cannot be found on disk (nothing to watch).
    """
    module = ref.target.partition(":")[0]
    if "." not in module:
        return None
    package = module.rsplit(".", 1)[0]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        return None
    return Package(ref.name, package, Path(locations[0]).resolve())


def forget(package: str) -> list[str]:
    """Drop ``package`` and its submodules from ``sys.modules`` so the next import reads the files.

    Also deletes their bytecode caches: a .pyc records the source's mtime in whole seconds and
    its size, so an edit saved within the same second that keeps the size (``return 41`` ->
    ``return 42``) would otherwise be served from the stale cache. Returns the dropped names.
    """
    dropped = [name for name in list(sys.modules) if name == package or name.startswith(package + ".")]
    for name in dropped:
        module = sys.modules.pop(name, None)
        source = getattr(module, "__file__", None)
        if source and source.endswith(".py"):
            try:
                os.remove(importlib.util.cache_from_source(source))
            except (OSError, NotImplementedError, ValueError):
                pass  # no cache written (read-only tree, PYTHONDONTWRITEBYTECODE)
    parent, _, child = package.rpartition(".")
    if parent and parent in sys.modules and getattr(sys.modules[parent], child, None) is not None:
        delattr(sys.modules[parent], child)  # `import collectors; collectors.github` must not find the old one
    importlib.invalidate_caches()
    return dropped


def is_python_source(path: str) -> bool:
    return path.endswith(".py")


class Watcher:
    """Calls ``changed(names)`` with the collectors whose ``.py`` files were saved, until stopped."""

    def __init__(self, packages: Iterable[Package], changed: Callable[[tuple[str, ...]], None]) -> None:
        self.packages = list(packages)
        self.changed = changed
        self.stop_event = threading.Event()
        self.ready = threading.Event()  # set once the watches are in place: a save from then on is seen

    def owners(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The collectors owning ``paths`` (the deepest package wins: nested packages are their own)."""
        names: list[str] = []
        for raw in paths:
            path = Path(raw).resolve()
            best: Package | None = None
            for package in self.packages:
                if path.is_relative_to(package.directory) and (best is None or len(package.directory.parts) > len(best.directory.parts)):
                    best = package
            if best is not None and best.collector not in names:
                names.append(best.collector)
        return tuple(names)

    def run(self) -> None:
        """Block, watching, until ``stop()``; meant for a worker thread."""
        import watchfiles

        directories = sorted({str(p.directory) for p in self.packages if p.directory.is_dir()})
        if not directories:
            return
        for changes in watchfiles.watch(
            *directories,
            watch_filter=watchfiles.PythonFilter(),
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=self.stop_event,
            rust_timeout=READY_TIMEOUT_MS,
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            self.ready.set()  # the first yield (changes or a timeout) comes after the watches were added
            names = self.owners(path for _, path in changes if is_python_source(path))
            if names:
                self.changed(names)

    def stop(self) -> None:
        self.stop_event.set()
