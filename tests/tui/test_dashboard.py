"""The dashboard driven headless through Textual's Pilot, with fixture collectors."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from datetime import timedelta

import pytest
from fixtures.dashboard import (
    SIZE,
    FakeClock,
    cells,
    click,
    frozen_runner,
    highlight,
    last_results,
    press_and_run,
    wait_for,
    wait_for_runs,
)
from fixtures.sample import metrics as sample_metrics
from loopback import Loopback, Reply

from toolkit.tui.widgets import CollectorList, ConfirmScreen, ErrorsPanel, FilterBar, MetricsTable, TrendPanel


def run(scenario):
    """Textual's test harness is async; these tests stay plain functions."""
    return asyncio.run(scenario())


def record_notifications(app) -> list[str]:
    """The messages of every notification the app shows from now on."""
    seen: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        seen.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording
    return seen


def state_label(app, name: str) -> str:
    return str(app.query_one(CollectorList).get_row(name)[1])


def test_running_a_collector_fills_the_table(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(MetricsTable)
            assert cells(table, "shop.orders.open")[1] == "-"  # known metrics before any run
            await press_and_run(pilot, "r", runs=["shop"])
            assert cells(table, "shop.orders.open")[:4] == ["shop.orders.open", "1,284", "count", "gauge"]
            regions = {cells(table, f"shop.orders.by_region{{region:{r}}}")[4]: cells(table, f"shop.orders.by_region{{region:{r}}}")[1]
                       for r in ("eu", "us", "apac")}
            assert regions == {"region:eu": "512", "region:us": "640", "region:apac": "132"}
            assert cells(table, "shop.api.latency_p95")[1:3] == ["0.188", "seconds"]
            assert cells(table, "shop.refunds.pending")[1] == "error"
            assert cells(table, "collector.shop.metric_count")[1] == "4"
            assert cells(table, "shop.orders.open")[5] == "4ms"  # the metric's own duration
            assert state_label(app, "shop") == "1 error"
            assert str(app.query_one(CollectorList).get_row("shop")[2]) == "125ms"

    run(scenario)


def test_change_since_previous_run_and_trend(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(MetricsTable)
            await press_and_run(pilot, "r", runs=["shop"])
            assert cells(table, "shop.queue.depth")[6] == ""  # no previous run yet
            await press_and_run(pilot, "r", runs=["shop"])
            assert cells(table, "shop.queue.depth")[1] == "15"
            assert cells(table, "shop.queue.depth")[6] == "+3"
            assert cells(table, "shop.orders.open")[6] == "="
            await press_and_run(pilot, "r", runs=["shop"])
            assert cells(table, "shop.queue.depth")[6] == "-6"
            table.focus()
            await highlight(pilot, "shop.queue.depth")
            assert app.query_one("#trend-line").data == [12.0, 15.0, 9.0]
            assert "shop.queue.depth" in str(app.query_one("#trend-label").render())

    run(scenario)


def test_run_all_starts_every_collector_and_draws_the_list_once(make_app):
    app = make_app("shop", "sample", "broken")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            drawn = []
            show = app.query_one(CollectorList).show
            app.query_one(CollectorList).show = lambda *args, **kwargs: drawn.append(args) or show(*args, **kwargs)
            app.action_run_all()
            assert len(drawn) == 1  # not once per collector started: each draw costs a key waiting
            assert [s.name for s in app.states.values() if s.running] == ["shop", "sample"]  # broken does not load
            assert state_label(app, "shop").endswith("running") and state_label(app, "sample").endswith("running")
            app.action_run_all()  # all running already: nothing to start, nothing to draw
            assert len(drawn) == 1
            await wait_for_runs(pilot, "shop", "sample")

    run(scenario)


@pytest.mark.parametrize(("offline", "at_most"), [(True, 1), (False, 2)])
def test_offline_replays_take_turns_and_live_runs_go_at_once(make_app, offline, at_most):
    """Run all: each offline replay waits for the one before it (Python work under the GIL: at
    once they end no sooner and the UI thread waits longer for a key), live runs go at once."""
    import threading

    lock, inside, peak = threading.Lock(), [], []
    both_in = threading.Event()

    def runner(ref, **kwargs):
        with lock:
            inside.append(ref.name)
            peak.append(len(inside))
            if len(inside) == 2:
                both_in.set()
        both_in.wait(timeout=1.0)  # the moment: long enough for the other run to start beside this one
        try:
            return frozen_runner(ref, **kwargs)
        finally:
            with lock:
                inside.remove(ref.name)

    app = make_app("shop", "sample", offline=offline, runner=runner)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            app.replay_turns.patience = 30.0  # no run here hangs: a turn is waited for in full
            await press_and_run(pilot, "R", runs=["shop", "sample"])
            assert max(peak) == at_most
            assert all(state.last is not None for state in app.states.values())  # every result shown

    run(scenario)


def test_a_hanging_replay_holds_up_the_next_for_its_patience_only(make_app):
    import threading

    release = threading.Event()

    def runner(ref, **kwargs):
        if ref.name == "sample":
            release.wait(timeout=30)  # hangs until the test releases it
        return frozen_runner(ref, **kwargs)

    app = make_app("sample", "shop", runner=runner)  # offline: sample's turn comes first

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            app.replay_turns.patience = 0.2
            app.action_run_all()
            await wait_for(pilot, lambda: app.states["shop"].last is not None and not app.render_pending,
                           what="shop's result while sample hangs", timeout=10)
            assert app.states["sample"].running and app.states["sample"].last is None
            release.set()
            await wait_for_runs(pilot, "sample")

    run(scenario)


def test_failing_metric_shows_in_errors_panel_with_its_message(make_app):
    app = make_app("sample", offline=False, timeout=30.0)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["sample"])
            panel = app.query_one(ErrorsPanel)
            titles = panel.titles
            assert any("sample.items.boom · RuntimeError: API said no at https://api.example.com/x?token=***" in t for t in titles)
            assert any("sample.items.nan · InvalidMetricValue" in t for t in titles)
            assert state_label(app, "sample") == "4 errors"
            assert "s3cr3tvalue" not in " ".join(titles)
            # the traceback is there, collapsed; a click expands it
            from textual.widgets import Collapsible

            boom = next(c for c in panel.query(Collapsible) if "boom" in str(c.title))
            assert boom.collapsed
            await click(pilot, boom.query_one("CollapsibleTitle"))
            await wait_for(pilot, lambda: not boom.collapsed, what="the click to expand the traceback")
            traceback = str(boom.query_one(".traceback").render())
            assert "Traceback (most recent call last)" in traceback and "s3cr3tvalue" not in traceback

    run(scenario)


def test_a_collector_that_fails_to_load_shows_its_traceback(make_app):
    app = make_app("broken", "shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            assert state_label(app, "broken") == "load failed"
            titles = app.query_one(ErrorsPanel).titles
            assert titles == ["failed to load · ModuleNotFoundError: No module named 'shop_sdk_not_installed'"]
            await press_and_run(pilot, "R", runs=["shop"])  # run all: the broken one is skipped, the others run
            assert state_label(app, "shop") == "1 error"
            assert app.is_running

    run(scenario)


def test_a_hanging_collector_leaves_the_ui_responsive(make_app):
    sample_metrics.release.clear()
    app = make_app("sample", "shop", offline=False, timeout=60.0)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")  # sample: its hang metric waits for `release`
            await wait_for(pilot, lambda: app.states["sample"].running, what="sample's run to start")
            assert "running" in state_label(app, "sample")
            await pilot.press("slash")  # a key press is handled while it runs
            await pilot.press(*"total")
            table = app.query_one(MetricsTable)
            await wait_for(pilot, lambda: "filter: total" in str(table.border_title), what="the filter to apply")
            assert app.query_one(FilterBar).value == "total"
            assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["sample.items.total"]
            await pilot.press("escape")
            await wait_for(pilot, lambda: not app.query_one(FilterBar).display, what="Escape to close the filter")
            await pilot.press("1")
            await wait_for(pilot, lambda: isinstance(app.focused, CollectorList), what="1 to focus the collectors")
            await pilot.press("down")  # and the other collector runs meanwhile
            await wait_for(pilot, lambda: app.selected.name == "shop", what="shop's selection")
            app.action_run_selected()
            await wait_for_runs(pilot, "shop")
            assert app.states["sample"].running
            sample_metrics.release.set()
            await wait_for_runs(pilot, "sample")
            assert state_label(app, "sample") == "4 errors"

    run(scenario)


def test_the_filter_keeps_matching_metric_names(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            table = app.query_one(MetricsTable)
            everything = table.row_count
            await pilot.press("slash", *"ORDERS")
            await wait_for(pilot, lambda: "filter: ORDERS" in str(table.border_title), what="the filter to apply")
            names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            assert names == ["shop.orders.open"] + ["shop.orders.by_region"] * 3
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.focused is table, what="Enter to focus the table")
            await pilot.press("slash", "escape")
            await wait_for(pilot, lambda: not app.query_one(FilterBar).display, what="Escape to close the filter")
            await wait_for(pilot, lambda: table.row_count == everything, what="every row back")

    run(scenario)


def test_offline_mode_is_the_default_without_credentials_and_needs_none(make_app, monkeypatch):
    app = make_app("shop", offline=None)  # conftest cleared every credential variable
    assert app.offline

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            result = app.states["shop"].last
            assert result.offline and result.fatal is None
            assert result.metrics["shop.orders.open"] == 1284
            assert "offline replay" in str(app.query_one(MetricsTable).border_title)

    run(scenario)


@pytest.mark.parametrize("variable", ["DD_API_KEY", "SHOP_TOKEN", "AWS_PROFILE"])
def test_a_configured_credential_makes_live_the_default(make_app, monkeypatch, variable):
    monkeypatch.setenv(variable, "configured-value")
    assert make_app("shop", offline=None).offline is False


def test_switching_mode(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            await wait_for(pilot, lambda: app.offline is False, what="o to switch to live")
            assert " live " in str(app.query_one("#header").render())
            await pilot.press("o")
            await wait_for(pilot, lambda: app.offline is True, what="o to switch back to offline")

    run(scenario)


def test_next_run_follows_the_helm_schedule(make_app):
    app = make_app("shop", "sample", "broken")

    async def scenario():
        async with app.run_test(size=SIZE):
            rows = app.query_one(CollectorList)
            # 09:31:20 -> shop */15 at 09:45, sample hourly at 10:00, broken disabled
            assert [str(rows.get_row(n)[3]) for n in ("shop", "sample", "broken")] == ["13m40s", "28m40s", "-"]

    run(scenario)


def test_the_metrics_title_shows_the_runs_window_and_the_windows_not_caught_up(make_app):
    """The window of the collector's own schedule, not the window's end as a POSIX time among the
    metrics (collector.<name>.window_end is pushed, not listed); windows a run could not catch up
    are named in the title."""
    from fixtures.dashboard import frozen_runner

    from toolkit.model import Window

    def missing_two(ref, **kwargs):
        result = frozen_runner(ref, **kwargs)
        w = result.window
        result.windows_missed = [Window(w.start - 2 * (w.end - w.start), w.start - (w.end - w.start)), Window(w.start - (w.end - w.start), w.start)]
        return result

    app = make_app("shop", "sample", runner=missing_two, offline=False)  # sample has no recording

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(MetricsTable)
            app.query_one(CollectorList).move_cursor(row=1)
            await press_and_run(pilot, "r", runs=["sample"])
            # 09:31:20 under sample's "0 * * * *" (the values): [08:00, 09:00)
            assert " · window 08:00–09:00 UTC · 2 windows not caught up (from 06:00–07:00 UTC)" in str(table.border_title)
            assert cells(table, "collector.sample.windows_missed")[1] == "2"
            assert all(r.key != "collector.sample.window_end" for r in app.selected.rows())
            app.query_one(CollectorList).move_cursor(row=0)
            await press_and_run(pilot, "r", runs=["shop"])
            assert " · window 09:15–09:30 UTC" in str(table.border_title)  # shop's */15

    run(scenario)


def test_auto_refresh_runs_collectors_when_due(make_app):
    clock = FakeClock()
    app = make_app("shop", "sample", clock=clock)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("a")
            await wait_for(pilot, lambda: app.auto_run, what="a to turn auto-refresh on")
            assert "on schedule" in str(app.query_one("#header").render())
            app.tick()
            assert not any(s.running for s in app.states.values())
            clock.now += timedelta(minutes=14)  # 09:45:20: shop is due, sample (10:00) is not
            app.tick()
            assert app.states["shop"].running and not app.states["sample"].running
            await wait_for_runs(pilot, "shop")
            assert app.states["sample"].last is None
            await pilot.press("a")
            await wait_for(pilot, lambda: not app.auto_run, what="a to turn auto-refresh off")
            clock.now += timedelta(hours=1)
            app.tick()
            assert not any(s.running for s in app.states.values())

    run(scenario)


def test_dev_mode_refreshes_every_n_seconds(make_app):
    clock = FakeClock()
    app = make_app("shop", clock=clock, every=5)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            assert app.auto_run and "every 5s" in str(app.query_one("#header").render())
            clock.now += timedelta(seconds=5)
            app.tick()
            await wait_for_runs(pilot, "shop")
            first = app.states["shop"].last
            clock.now += timedelta(seconds=5)
            app.tick()
            await wait_for_runs(pilot, "shop", since={"shop": first})
            assert len(app.states["shop"].results) == 2

    run(scenario)


def test_copy_metric_name(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            app.query_one(MetricsTable).focus()
            await highlight(pilot, "shop.orders.by_region{region:us}")
            await pilot.press("c")
            await wait_for(pilot, lambda: app.clipboard == "shop.orders.by_region", what="c to copy the name")

    run(scenario)


def test_command_palette_offers_the_actions(make_app):
    app = make_app("shop", "sample")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {"Run selected collector", "Run all collectors", "Toggle auto-refresh", "Filter metrics",
                    "Switch offline/live", "Push to Datadog", "Copy metric name", "Quit"} <= titles
            from textual.command import CommandInput, CommandList, CommandPalette

            await pilot.press("ctrl+p")
            # typed before the palette has the focus, the letters would be the dashboard's keys
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette) and isinstance(app.focused, CommandInput),
                           what="the command palette to open")
            await pilot.press(*"Run all collectors")

            def offered() -> bool:  # the palette's search (a worker) has listed the command
                lists = app.screen.query(CommandList)
                return bool(lists) and lists.first().option_count > 0 and "Run all collectors" in str(
                    lists.first().get_option_at_index(lists.first().highlighted or 0).prompt)

            await wait_for(pilot, offered, what="the command palette to offer 'Run all collectors'")
            await press_and_run(pilot, "enter", runs=["shop", "sample"])

    run(scenario)


@pytest.fixture
def intake(monkeypatch):
    with Loopback({"POST /api/v2/series": Reply(202, {"errors": []})}) as server:
        monkeypatch.setenv("DD_URL", server.url)
        yield server


def test_push_asks_then_reports_and_never_shows_the_key(make_app, monkeypatch, intake):
    monkeypatch.setenv("DD_API_KEY", "dd-key-0123456789abcdef")
    app = make_app("sample", offline=False, timeout=30.0)
    messages = record_notifications(app)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["sample"])
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="p to ask")
            assert "Push 10 series of sample" in app.screen.question
            await pilot.press("y")
            await wait_for(pilot, lambda: messages, what="the push's report")
            assert messages == ["pushed 10 series in 2 request(s)"]  # the run's duration in a request of its own
            assert "DD_API_KEY set" in str(app.query_one("#header").render())
            assert "dd-key-0123456789abcdef" not in app.export_screenshot()

    run(scenario)
    assert len(intake.requests) == 2  # the window's points, and the run's duration in a request of its own
    assert all(seen.path == "/api/v2/series" and seen.headers["DD-API-KEY"] == "dd-key-0123456789abcdef" for seen in intake.requests)
    metrics = {s["metric"] for seen in intake.requests for s in json.loads(zlib.decompress(seen.body))["series"]}
    assert metrics >= {"sample.items.total", "collector.sample.error_count"}


def test_push_can_be_declined_and_refuses_offline_results(make_app, monkeypatch, intake):
    monkeypatch.setenv("DD_API_KEY", "dd-key-0123456789abcdef")
    monkeypatch.setenv("DD_URL", "http://proxyuser:proxypass@127.0.0.1:9")
    app = make_app("shop", "sample", timeout=30.0)
    messages = record_notifications(app)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")  # nothing run yet
            await wait_for(pilot, lambda: len(messages) == 1, what="p to refuse")
            assert messages[0].startswith("nothing to push")
            await press_and_run(pilot, "R", runs=["shop", "sample"])
            await pilot.press("p")  # shop's result is an offline replay
            await wait_for(pilot, lambda: len(messages) == 2, what="p to refuse the replay")
            assert "offline replay" in messages[1] and not isinstance(app.screen, ConfirmScreen)
            await pilot.press("o", "down")
            await wait_for(pilot, lambda: not app.offline and app.selected.name == "sample", what="live mode and sample selected")
            await press_and_run(pilot, "r", runs=["sample"])
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="p to ask")
            assert "http://***@127.0.0.1:9" in app.screen.question and "proxypass" not in app.screen.question
            await pilot.press("n")
            await wait_for(pilot, lambda: messages[-1] == "push cancelled", what="n to cancel")

    run(scenario)
    assert intake.requests == []


def test_secrets_never_reach_the_screen(make_app, monkeypatch):
    key = "dd-key-fedcba9876543210"
    monkeypatch.setenv("DD_API_KEY", key)
    app = make_app("leaky", offline=False)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "r", runs=["leaky"])
            panel = app.query_one(ErrorsPanel)
            from textual.widgets import Collapsible

            for item in panel.query(Collapsible):
                item.collapsed = False
            await wait_for(pilot, lambda: all(s.size.height for s in panel.query(".traceback")), what="the opened tracebacks laid out")
            shown = " ".join(panel.titles) + " ".join(str(s.render()) for s in panel.query(".cause, .traceback"))
            assert "rejected key *** for this org" in shown and "api_key=***" in shown
            assert key not in shown and "abcdef123456" not in shown
            svg = app.export_screenshot()
            assert key not in svg and "abcdef123456" not in svg

    run(scenario)


def test_trend_without_values(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE):
            assert "no values yet" in str(app.query_one(TrendPanel).query_one("#trend-label").render())

    run(scenario)


def test_quitting_does_not_wait_for_a_hanging_collector(make_app):
    sample_metrics.release.clear()
    app = make_app("sample", offline=False, timeout=60.0)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await wait_for(pilot, lambda: app.states["sample"].running, what="sample's run to start")
            await pilot.press("q")

    began = time.monotonic()
    try:
        run(scenario)  # asyncio.run joins the executor the thread workers ran on
    finally:
        sample_metrics.release.set()
    assert time.monotonic() - began < 10  # not the run's 60 s deadline


def test_the_mouse_selects_a_collector_and_expands_an_error(make_app):
    app = make_app("shop", "sample", offline=False, timeout=30.0)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await press_and_run(pilot, "R", runs=["shop", "sample"])
            await pilot.click("#collectors", offset=(3, 3))  # border, header row, shop, sample
            table = app.query_one(MetricsTable)
            await wait_for(pilot, lambda: str(table.border_title).startswith("metrics · sample"), what="the click to select sample")
            assert app.selected.name == "sample"
            from textual.widgets import Collapsible

            panel = app.query_one(ErrorsPanel)
            await wait_for(pilot, lambda: panel.query(Collapsible), what="sample's errors")
            first = panel.query(Collapsible).first()
            await click(pilot, first.query_one("CollapsibleTitle"))
            await wait_for(pilot, lambda: not first.collapsed, what="the click to expand the traceback")
            since = last_results(app)
            app.action_run_selected()  # a rerun that fails the same way keeps the opened traceback open
            await wait_for_runs(pilot, "sample", since=since)
            assert panel.query(Collapsible).first() is first and not first.collapsed

    run(scenario)


def test_no_collectors_is_not_a_crash(make_app):
    app = make_app()
    messages = record_notifications(app)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R", "p", "c")
            assert app.is_running

    run(scenario)
    assert messages[0].startswith("no collectors found")
