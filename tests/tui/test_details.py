"""The detail views of the highlighted metric: what a push would send (checked against the
push's own builder) and the HTTP requests behind its value (a replayed run lists the
cassette's interactions)."""

from __future__ import annotations

import asyncio
import json

from fixtures.dashboard import SIZE, settle

from toolkit.datadog import PushSettings, build_series
from toolkit.tui.widgets import DetailPanel, MetricsTable


def highlight(app, key: str) -> None:
    table = app.query_one(MetricsTable)
    table.move_cursor(row=table.get_row_index(key))


def test_payload_view_is_what_the_push_builds(make_app, monkeypatch):
    monkeypatch.setenv("DD_ENV", "staging")
    monkeypatch.setenv("DD_TAGS", "team:shop,tier:1")
    app = make_app("shop")
    copied: list[str] = []
    app.copy_to_clipboard = copied.append

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await settle(pilot)
            highlight(app, "shop.orders.by_region{region:eu}")
            await pilot.press("j")
            await pilot.pause()
            panel = app.query_one(DetailPanel)
            assert panel.display
            shown = json.loads(panel.text)
            settings = PushSettings("unused-key", "http://127.0.0.1:9", "staging", ("team:shop", "tier:1"))
            expected = [body for s, body in build_series([app.states["shop"].last], settings) if s.metric == "shop.orders.by_region"]
            assert shown == {"series": expected}
            assert len(expected) == 3 and "3 series" in str(panel.border_title)
            assert all("env:staging" in b["tags"] and "collector:shop" in b["tags"] for b in shown["series"])
            await pilot.press("y")
            assert json.loads(copied[-1]) == {"series": expected}
            await pilot.press("j")
            await pilot.pause()
            assert not panel.display

    asyncio.run(scenario())


def test_http_view_lists_the_replayed_interactions_of_the_metric(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await settle(pilot)
            highlight(app, "shop.refunds.pending")
            await pilot.press("h")
            await pilot.pause()
            panel = app.query_one(DetailPanel)
            lines = panel.text.splitlines()
            assert len(lines) == 1
            assert lines[0].startswith("GET https://api.shop.example/v1/refunds?token=*** → 503")
            assert "replayed" in lines[0] and "3 retries" in lines[0]
            assert "placeholder-token" not in panel.text
            highlight(app, "shop.queue.depth")
            await pilot.pause()
            assert panel.text.startswith("no HTTP requests by shop.queue.depth")

    asyncio.run(scenario())
