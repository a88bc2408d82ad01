"""Testing helpers for collectors: golden series, checked against an offline replay.

``check_golden(collector)`` replays the collector's cassettes offline and compares its series
and errors with the reviewed ``golden.json`` beside them; it returns ``None`` or the readable
diff. The pytest plugin (``toolkit.testing.plugin``; a project's ``tests/conftest.py`` names
it in ``pytest_plugins``) adds ``--update-golden`` and the ``golden`` fixture built on it.

The top layer, beside the CLI: it imports the engine only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..engine import GOLDEN_FILE, golden_mismatch


def check_golden(collector: Any, cassettes: str | Path | None = None, *, update: bool = False) -> str | None:
    """Replay ``collector`` offline from ``cassettes`` (default: its own) and compare with its golden file."""
    directory = Path(cassettes) if cassettes is not None else collector.cassettes()
    result = collector.run(timeout=60, cassettes=directory)
    return golden_mismatch(result, directory, update=update)


__all__ = ["GOLDEN_FILE", "check_golden"]
