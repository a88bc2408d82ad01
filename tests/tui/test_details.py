"""The detail views of the highlighted metric: what a push would send (checked against the
push's own builder) and the HTTP requests behind its value (a replayed run lists the
cassette's interactions)."""

from __future__ import annotations

import asyncio
import json

from fixtures.dashboard import SIZE, highlight, press_and_run, wait_for

from toolkit.datadog import PushSettings, build_series
from toolkit.tui.widgets import DetailPanel


def test_payload_view_is_what_the_push_builds(make_app, monkeypatch):
    monkeypatch.setenv("DD_ENV", "staging")
    monkeypatch.setenv("DD_TAGS", "team:shop,tier:1")
    app = make_app("shop")
    copied: list[str] = []
    app.copy_to_clipboard = copied.append

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            await highlight(pilot, "shop.orders.by_region{region:eu}")
            await pilot.press("j")
            panel = app.query_one(DetailPanel)
            await wait_for(pilot, lambda: panel.display, what="j to show the payload")
            shown = json.loads(panel.text)
            settings = PushSettings("unused-key", "http://127.0.0.1:9", "staging", ("team:shop", "tier:1"))
            expected = [body for s, body in build_series([app.states["shop"].last], settings) if s.metric == "shop.orders.by_region"]
            assert shown == {"series": expected}
            assert len(expected) == 3 and "3 series" in str(panel.border_title)
            assert all("env:staging" in b["tags"] and "collector:shop" in b["tags"] for b in shown["series"])
            await pilot.press("y")
            await wait_for(pilot, lambda: copied, what="y to copy the payload")
            assert json.loads(copied[-1]) == {"series": expected}
            await pilot.press("j")
            await wait_for(pilot, lambda: not panel.display, what="j again to hide the payload")

    asyncio.run(scenario())


def test_http_view_lists_the_replayed_interactions_of_the_metric(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            await highlight(pilot, "shop.refunds.pending")
            await pilot.press("h")
            panel = app.query_one(DetailPanel)
            await wait_for(pilot, lambda: panel.display, what="h to show the HTTP")
            lines = panel.text.splitlines()
            assert len(lines) == 1
            assert lines[0].startswith("GET https://api.shop.example/v1/refunds?token=*** → 503")
            assert "replayed" in lines[0] and "3 retries" in lines[0]
            assert "placeholder-token" not in panel.text
            await highlight(pilot, "shop.queue.depth")
            assert panel.text.startswith("no HTTP requests by shop.queue.depth")

    asyncio.run(scenario())
