"""Every collector in the repository has a README metrics table in sync with its metrics."""

from __future__ import annotations

from toolkit.engine import discover
from toolkit.errors import DocsError
from toolkit.project import sync_readme


def test_every_collector_readme_table_is_in_sync():
    builtin = [ref for ref in discover().values() if ref.origin == "builtin"]
    drift = []
    for ref in builtin:
        try:
            message, ok = sync_readme(ref, check=True)
        except DocsError as exc:
            message, ok = f"{ref.name}: {exc}", False
        if not ok:
            drift.append(message)
    assert not drift, "\n".join(drift)
