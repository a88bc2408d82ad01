"""Dashboard test fixtures (helpers live in tests/fixtures/dashboard.py, shared with the
screenshot script)."""

from __future__ import annotations

import time

import pytest
from fixtures.dashboard import VALUES, FakeClock, frozen_runner, refs
from fixtures.sample import metrics as sample_metrics
from fixtures.shop import metrics as shop_metrics


@pytest.fixture(autouse=True)
def _fixture_collectors_reset():
    """The sample's hanging metric returns at once unless a test holds it; the shop's moving
    value starts its known sequence."""
    sample_metrics.release.set()
    shop_metrics.reset()
    yield
    sample_metrics.release.set()


@pytest.fixture(autouse=True)
def _local_time_is_utc(monkeypatch):
    """The dashboard shows the next run in local time: the snapshots must not depend on the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make_app():
    from toolkit.tui import create_app

    def make(*names: str, **kwargs):
        kwargs.setdefault("values", VALUES)
        kwargs.setdefault("clock", FakeClock())
        kwargs.setdefault("runner", frozen_runner)
        kwargs.setdefault("run_on_start", False)
        kwargs.setdefault("offline", True)
        kwargs.setdefault("reload", False)  # the live-reload tests turn it on for their own collector
        return create_app(refs(*names), **kwargs)

    return make

