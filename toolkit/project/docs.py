"""``dd-toolkit docs``: keep a collector's README table equal to its ``@metric`` definitions."""

from __future__ import annotations

from ..engine import CollectorRef, describe
from ..errors import DocsError
from .docs_table import table_state
from .values_edit import write_atomically


def sync_readme(ref: CollectorRef, *, check: bool) -> tuple[str, bool]:
    """Regenerate (or with ``check`` only compare) the table; returns (one line to print, ok)."""
    described = describe(ref)
    if described.error is not None:
        error = described.error
        raise DocsError(f"cannot import its metrics ({error.type}: {error.message}); fix that first (`dd-toolkit doctor {ref.name}`)")
    specs = list(described.specs)
    state = table_state(described.collector.package_dir / "README.md", specs, ref.name)
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
