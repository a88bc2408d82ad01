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


def test_an_error_names_the_request_that_failed(make_app):
    """The errors panel links an error to the HTTP behind it: the failed request, redacted."""
    from textual.widgets import Static

    from toolkit.tui.widgets import ErrorsPanel

    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            errors = app.query_one(ErrorsPanel)
            await wait_for(pilot, lambda: any("refunds" in t for t in errors.titles), what="the refunds error")
            bodies = [str(w.render()) for w in errors.query(Static) if w.has_class("cause")]  # above the traceback
            (linked,) = [b for b in bodies if "the request that failed:" in b]
            (line,) = [line for line in linked.splitlines() if line.startswith("the request that failed:")]
            assert "GET https://api.shop.example/v1/refunds?token=*** → 503" in line and "3 retries" in line
            assert "placeholder-token" not in linked

    asyncio.run(scenario())


def test_the_payload_view_names_type_unit_series_and_the_budget():
    """What the payload view says beside the JSON (issue 13's part): the metric's type and unit,
    its series and custom metrics, and the collector's total against its budget."""
    from datetime import UTC, datetime

    from toolkit.model import CollectionResult, MetricOutcome, MetricSpec, Series, Settings
    from toolkit.tui.details import display_settings, metric_facts, payload

    spec = MetricSpec("shop.orders.wait", "second", "distribution", "", lambda: None, per_unit="order")
    series = (Series("shop.orders.wait", 2.0, ("region:eu",), "second", "distribution", values=(1.0, 3.0)),
              Series("shop.orders.wait", 1.0, ("region:us",), "second", "distribution", values=(2.0,)))
    outcome = MetricOutcome("shop.orders.wait", "second", "distribution", "", "ok", 0.0, series=series)
    result = CollectionResult("shop", datetime(2026, 1, 1, tzinfo=UTC), 0.1, [outcome])
    facts = metric_facts(result, "shop.orders.wait", spec, 20)
    assert facts.startswith("distribution · unit second/order · 2 series · 10 custom metrics")
    assert facts.endswith("shop: 13 custom metrics, budget 20")  # 10 + the three meta-metrics
    shown = payload(result, "shop.orders.wait", display_settings(Settings()))
    assert [b["points"][0][1] for b in shown["series"]] == [[1.0, 3.0], [2.0]]  # the v1 distribution points' shape
    assert "no budget set" in metric_facts(result, "shop.orders.wait", spec, None)
