"""``dd-toolkit docs``: keep a collector's README equal to its code: the metrics table (from the
``@metric`` definitions) and the authentication section (from ``AUTH_HEADERS``)."""

from __future__ import annotations

from ..engine import CollectorRef, describe
from ..errors import DocsError
from . import docs_auth
from .docs_table import table_state
from .values_edit import write_atomically


def sync_readme(ref: CollectorRef, *, check: bool) -> tuple[str, bool]:
    """Regenerate (or with ``check`` only compare) the generated parts; returns (one line to print, ok)."""
    described = describe(ref)
    if described.error is not None:
        error = described.error
        raise DocsError(f"cannot import its metrics ({error.type}: {error.message}); fix that first (`dd-toolkit doctor {ref.name}`)")
    specs = list(described.specs)
    state = table_state(described.collector.package_dir / "README.md", specs, ref.name)
    stale = [] if state.in_sync else ["metrics table"]
    text = state.text if state.in_sync else state.updated_text()
    expected = docs_auth.stale_auth(text, state.path, described.collector.metrics(), ref.name)
    if expected is not None:
        stale.append(f"authentication section ({docs_auth.DECLARATION})")
        text = docs_auth.replace_auth(text, expected)
    if not stale:
        return f"{ref.name}: README metrics table is up to date ({len(specs)} metrics)", True
    parts = " and ".join(stale)
    if check:
        return (
            f"{ref.name}: README {parts} {'is' if len(stale) == 1 else 'are'} out of date with metrics.py ({state.path}); "
            f"run `dd-toolkit docs {ref.name}` and commit the result",
            False,
        )
    write_atomically(state.path, text)
    return f"{ref.name}: README {parts} regenerated ({len(specs)} metrics) in {state.path}", True
