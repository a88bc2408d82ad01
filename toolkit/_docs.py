"""``dd-toolkit docs``: keep a collector's README table equal to its ``@metric`` definitions."""

from __future__ import annotations

from ._docs_table import DocsError, readme_of, table_state
from ._registry import CollectorRef
from ._values_edit import write_atomically

__all__ = ["DocsError", "sync_readme"]


def sync_readme(ref: CollectorRef, *, check: bool) -> tuple[str, bool]:
    """Regenerate (or with ``check`` only compare) the table; returns (one line to print, ok)."""
    try:
        collector = ref.load()()
        specs = collector.metric_specs()
    except Exception as exc:
        raise DocsError(f"cannot import its metrics ({type(exc).__name__}: {exc}); fix that first (`dd-toolkit doctor {ref.name}`)") from exc
    state = table_state(readme_of(collector), specs, ref.name)
    if state.in_sync:
        return f"{ref.name}: README metrics table is up to date ({len(specs)} metrics)", True
    if check:
        return (
            f"{ref.name}: README metrics table is out of date with metrics.py ({state.path}); "
            f"run `dd-toolkit docs {ref.name}` and commit the result",
            False,
        )
    write_atomically(state.path, state.updated_text())
    return f"{ref.name}: README metrics table regenerated ({len(specs)} metrics) in {state.path}", True
