"""``dd-toolkit dashboard``: a Textual workbench that runs collectors and shows their metrics.

This package is the only place textual is imported (import-linter checks it), and the
``dashboard`` extra installs it. Importing the package itself stays light: ``command`` (the
CLI's entry for ``dd-toolkit dashboard``) must load without textual to say which extra is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported inside the functions: the CLI builds every command's parser at start
    from ..engine import CollectorRef
    from ..model import CollectionResult
    from ..project import Values
    from .app import DashboardApp


def create_app(
    refs: Sequence[CollectorRef] | None = None,
    *,
    names: Sequence[str] = (),
    offline: bool | None = None,
    timeout: float | None = None,
    every: float | None = None,
    values: Path | None = None,
    clock: Callable[[], datetime] | None = None,
    runner: Callable[..., CollectionResult] | None = None,
    run_on_start: bool = True,
    reload: bool = True,
) -> DashboardApp:
    """The dashboard app, used by the CLI and the tests alike.

    ``refs``: the collectors (default: discovery, as ``dd-toolkit list``); ``names`` keeps only
    those (unknown names raise ``UnknownCollector``). ``offline=None`` applies the credentials
    rule of ``toolkit.tui.mode``. ``every``: dev mode, auto-refresh every N seconds instead of
    the Helm schedules of the enabled collectors in ``values`` (default: the project's values
    file; an explicit path must exist). ``clock`` and ``runner`` exist for tests (a frozen
    clock; a runner that freezes durations). ``reload``: watch the collectors' ``.py`` files and
    re-import and re-run a collector when one is saved (``toolkit.tui.reload``).
    """
    from ..engine import discover, run_collector
    from ..errors import UnknownCollector
    from ..model import settings
    from .app import DashboardApp
    from .mode import default_offline
    from .model import CollectorState

    # Known to the redactor from the start, so no error text can show the keys.
    settings()
    available = list(refs) if refs is not None else list(discover(_project_root()).values())
    if names:
        by_name = {r.name: r for r in available}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            known = ", ".join(by_name) or "none"
            raise UnknownCollector(f"unknown collector {', '.join(map(repr, unknown))}; known collectors: {known} (see `dd-toolkit list`)")
        available = [by_name[n] for n in dict.fromkeys(names)]
    deployed = _values(values)
    schedules = deployed.schedules()
    states = [CollectorState.load(ref, schedules.get(ref.name)) for ref in available]
    for state in states:
        entry = deployed.collectors.get(state.name)
        state.budget = entry.budget if entry is not None else None
    if offline is None:
        offline = default_offline(secret for state in states for secret in state.secrets)
    return DashboardApp(
        states,
        offline=offline,
        runner=runner or run_collector,
        timeout=timeout,
        every=every,
        clock=clock,
        run_on_start=run_on_start,
        reload=reload,
    )


def _project_root() -> Path | None:
    from ..project import Project

    project = Project.current()
    return project.root if project is not None else None


def _values(path: Path | None) -> Values:
    """The schedules' source: ``path`` (must exist), else the project's values file if there is one."""
    from ..errors import ProjectError
    from ..project import Project, Values

    if path is not None:
        return Values.load(path)
    try:
        return Project.find().values_or_empty()
    except ProjectError:
        return Values({})


__all__ = ["create_app"]
