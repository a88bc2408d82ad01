"""Testing helpers for collectors: golden series and strict replay, checked offline.

``check_golden(collector)`` replays the collector's cassettes offline and compares its series
and errors with the reviewed ``golden.json`` beside them; it returns ``None`` or the readable
diff, followed by every recorded interaction the run never asked for (strict replay: a stale
interaction is how a cassette rots; one a run may skip is listed under ``optional`` in
``replay.json``). ``check_replay(collector, cassettes)`` is the strict part alone, for error
scenarios without a golden file; ``replay(collector, cassettes)`` returns the result and the
transport, for tests that look at both. The pytest plugin (``toolkit.testing.plugin``; a
project's ``tests/conftest.py`` names it in ``pytest_plugins``) adds ``--update-golden`` and the
``golden`` fixture built on ``check_golden``.

The top layer, beside the CLI: it imports the engine (and the cassettes for the replay) only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..cassettes import ReplayTransport, load_replay
from ..engine import GOLDEN_FILE, RunOptions, collect, golden_mismatch
from ..errors import ToolkitError
from ..model import CollectionResult


def replay(collector: Any, cassettes: str | Path | None = None, *, timeout: float = 60, sleep: Any = None) -> tuple[CollectionResult, ReplayTransport]:
    """Run ``collector`` offline from ``cassettes`` (default: its own); the result and the replay it was served."""
    directory = Path(cassettes) if cassettes is not None else collector.cassettes()
    transport = load_replay(directory, collector.name).transport()
    result = collect(collector, RunOptions(timeout=timeout, offline=True, cassettes=directory, replay=transport, sleep=sleep))
    return result, transport


def check_replay(collector: Any, cassettes: str | Path | None = None, *, timeout: float = 60) -> str | None:
    """``None`` when the offline run played every required interaction of ``cassettes``, else what it left."""
    try:
        _, transport = replay(collector, cassettes, timeout=timeout)
    except ToolkitError as exc:  # a cassette or replay.json that cannot be read: the message names the file
        return str(exc)
    return transport.unplayed_problem()


def check_golden(collector: Any, cassettes: str | Path | None = None, *, update: bool = False) -> str | None:
    """Replay ``collector`` offline from ``cassettes`` (default: its own); compare with its golden
    file, and require every recorded interaction to have been played."""
    directory = Path(cassettes) if cassettes is not None else collector.cassettes()
    try:
        result, transport = replay(collector, directory)
    except ToolkitError as exc:
        return str(exc)
    problems = [golden_mismatch(result, directory, update=update), transport.unplayed_problem()]
    return "\n".join(p for p in problems if p) or None


__all__ = ["GOLDEN_FILE", "check_golden", "check_replay", "replay"]
