"""Layout and focus: every panel reachable by a key and by Tab; an empty errors panel takes
one line; snapshots at a small (80x24) and a large (160x45) terminal."""

from __future__ import annotations

import asyncio

from fixtures.dashboard import cells, highlight, press_and_run, wait_for, wait_for_runs
from textual.widgets import Collapsible, Footer
from textual.widgets._footer import FooterKey

from toolkit.tui.widgets import CollectorList, DetailPanel, ErrorsPanel, FilterBar, MetricsTable


def test_every_panel_has_a_key_and_tab_reaches_it(make_app):
    app = make_app("shop", "sample")

    async def scenario():
        async with app.run_test(size=(120, 36)) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            for key, widget in (("2", MetricsTable), ("3", DetailPanel), ("4", ErrorsPanel), ("1", CollectorList)):
                await pilot.press(key)
                await wait_for(pilot, lambda widget=widget: isinstance(app.focused, widget), what=f"{key} to focus {widget.__name__}")
            seen = set()
            for _ in range(6):
                before = app.focused
                await pilot.press("tab")
                await wait_for(pilot, lambda before=before: app.focused is not before, what="Tab to move the focus")
                seen.add(type(app.focused))
            assert {CollectorList, MetricsTable, DetailPanel, ErrorsPanel} <= seen
            # after the filter, the collector selection still moves (one key at a time: a key sent
            # before the previous one moved the focus would reach the wrong widget)
            await pilot.press("slash")
            await wait_for(pilot, lambda: isinstance(app.focused, FilterBar), what="/ to open the filter")
            await pilot.press(*"orders")
            await wait_for(pilot, lambda: "filter: orders" in str(app.query_one(MetricsTable).border_title), what="the filter to apply")
            for key, widget in (("enter", MetricsTable), ("1", CollectorList)):
                await pilot.press(key)
                await wait_for(pilot, lambda widget=widget: isinstance(app.focused, widget), what=f"{key} to focus {widget.__name__}")
            await pilot.press("down")
            await wait_for(pilot, lambda: app.query_one(CollectorList).selected == "sample", what="down to select sample")

    asyncio.run(scenario())


def test_an_empty_errors_panel_takes_one_line(make_app):
    app = make_app("sample", "shop")

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            panel = app.query_one(ErrorsPanel)
            assert app.selected.name == "sample" and not app.selected.errors
            await wait_for(pilot, lambda: panel.outer_size.height, what="the first layout")
            assert panel.outer_size.height == 3  # its border and one line
            app.query_one(CollectorList).move_cursor(row=1)
            await press_and_run(pilot, "r", runs=["shop"])
            await wait_for(pilot, lambda: panel.outer_size.height > 3, what="room for shop's error")

    asyncio.run(scenario())


async def _run_all(pilot) -> None:
    await wait_for_runs(pilot, "shop", "sample")  # run_on_start; broken does not load
    await highlight(pilot, "shop.queue.depth")


def test_on_a_narrow_terminal_every_state_is_whole_and_took_and_next_move_to_the_title(make_app):
    """At 80 columns the collector list has no room for its four columns: the duration and the
    next run give way (the metrics title has them), and no state label is cut."""
    app = make_app("shop", "sample", "broken", run_on_start=True)

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_runs(pilot, "shop", "sample")
            table = app.query_one(CollectorList)
            assert table.narrow and list(table.columns) == ["name", "state"]
            assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing scrolled out of sight
            assert str(table.get_cell("broken", "state")) == "load failed"
            assert " · took " in str(app.query_one(MetricsTable).border_title)
            await pilot.resize_terminal(160, 45)
            await wait_for(pilot, lambda: not table.narrow, what="the wide layout")
            assert list(table.columns) == ["name", "state", "took", "next"]
            assert " · took " not in str(app.query_one(MetricsTable).border_title)

    asyncio.run(scenario())


def test_small_terminal(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run_all)


def test_large_terminal_with_payload(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)

    async def run_before(pilot) -> None:
        await _run_all(pilot)
        await pilot.press("j")
        await wait_for(pilot, lambda: pilot.app.query_one(DetailPanel).display, what="j to show the payload")

    assert snap_compare(app, terminal_size=(160, 45), run_before=run_before)


def _fits(table) -> bool:
    """Every column of the metrics table is on screen: none pushed off to the right."""
    return table.virtual_size.width <= table.scrollable_content_region.width


async def _select(pilot, name: str) -> None:
    app = pilot.app
    collectors = app.query_one(CollectorList)
    collectors.move_cursor(row=collectors.get_row_index(name))
    await wait_for(pilot, lambda: app.selected.name == name and name in str(app.query_one(MetricsTable).border_title),
                   what=f"{name}'s metrics")


def test_metric_columns_give_way_by_priority_and_come_back(make_app):
    """A collector with long names and tags first, then others: the value column stays on screen
    at 80x24 for each of them, long names are cut with an ellipsis, and at 160x45 took and change
    are back (the tags are cut instead)."""
    app = make_app("wordy", "sample", run_on_start=True, offline=False)  # neither makes a request

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_runs(pilot, "wordy", "sample")
            table = app.query_one(MetricsTable)
            for name in ("wordy", "sample", "wordy"):
                await _select(pilot, name)
                # the errors panel under it may take rows after the table is drawn: a scrollbar then
                # takes columns, and the table fits itself again
                await wait_for(pilot, lambda: "value" in table.columns and _fits(table), what=f"{name}'s value on screen")
            long = "wordy.deployments.time_to_production_median_hours_over_the_last_thirty_days"
            assert str(table.get_row(long)[0]).endswith("…")
            assert cells(table, long)[1] == "12.5"
            # a tagged series keeps its tags in the name when the tags column gave way: still told apart
            tagged = [str(table.get_row(k)[0]) for k in table.rows if k.value.startswith("wordy.deployments.by_")]
            assert len(set(tagged)) == 2 and all(t.endswith("}") for t in tagged)
            await _select(pilot, "sample")  # after the long names, the short ones still fit
            await wait_for(pilot, lambda: "value" in table.columns and _fits(table), what="sample's value on screen")

            await pilot.resize_terminal(160, 45)
            await wait_for(pilot, lambda: "change" in table.columns, what="the wide layout")
            # wordy's 80-character name stays whole before type and tags; sample has room for all
            for name, wanted in (("wordy", {"value", "unit", "duration", "change"}), ("sample", {"value", "unit", "type", "tags", "duration", "change"})):
                await _select(pilot, name)
                await wait_for(pilot, lambda wanted=wanted: wanted <= set(table.columns) and _fits(table), what=f"{wanted} of {name} on screen")
            await _select(pilot, "wordy")
            await wait_for(pilot, lambda: _fits(table) and str(table.get_row(long)[0]) == long, what="wordy's whole name")

            await pilot.resize_terminal(80, 24)
            await wait_for(pilot, lambda: "change" not in table.columns and "value" in table.columns and _fits(table),
                           what="the narrow layout again")

    asyncio.run(scenario())


def test_4_then_enter_opens_the_first_error_with_its_cause_above_the_traceback(make_app):
    """`4` focuses the errors panel and Enter opens its first error; what it shows first is the
    cause and the line of the collector's code it came from, then the traceback."""
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await press_and_run(pilot, "r", runs=["shop"])
            panel = app.query_one(ErrorsPanel)
            (error,) = panel.query(Collapsible)
            assert error.collapsed
            await pilot.press("4")
            await wait_for(pilot, lambda: app.focused is panel, what="4 to focus the errors")
            await pilot.press("enter")
            await wait_for(pilot, lambda: not error.collapsed, what="enter to open the error")
            await wait_for(pilot, lambda: panel in app.focused.ancestors, what="the focus on the opened error")
            cause, traceback = error.query_one(".cause"), error.query_one(".traceback")
            lines = str(cause.render()).splitlines()
            assert lines[0].startswith("HTTPStatusError: Server error '503 Service Unavailable'")
            assert lines[1] == "at: tests/fixtures/shop/metrics.py line 60, in pending_refunds"
            await wait_for(pilot, lambda: cause.region.height and traceback.region.height, what="the opened error laid out")
            assert cause.region.y < traceback.region.y
            await pilot.press("enter")  # on the error's title: Enter closes it again
            await wait_for(pilot, lambda: error.collapsed, what="enter to close the error")

    asyncio.run(scenario())


def test_the_footer_shows_q_at_80_columns(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            footer = app.query_one(Footer)
            await wait_for(pilot, lambda: footer.query(FooterKey), what="the footer's keys")
            (quit_key,) = [k for k in footer.query(FooterKey) if k.action == "quit"]
            await wait_for(pilot, lambda: quit_key.region.width > 0, what="the footer laid out")
            assert app.screen.region.contains_region(quit_key.region)
            assert footer.region.contains_region(quit_key.region)

    asyncio.run(scenario())


def test_the_highlight_stays_on_its_series_when_the_columns_change(make_app):
    """New column widths (a resize, a wider value) rebuild the table: the highlighted series stays
    highlighted (it was lost with the rows, so a run's results landing after a key press moved it)."""
    app = make_app("shop", "sample", "broken", run_on_start=True)

    async def scenario():
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for_runs(pilot, "shop", "sample")
            await highlight(pilot, "shop.queue.depth")
            table = app.query_one(MetricsTable)
            widths = dict(table.widths)
            await pilot.resize_terminal(80, 24)
            await wait_for(pilot, lambda: table.widths != widths, what="the columns of a narrower table")
            assert table.highlighted_key == "shop.queue.depth"

    asyncio.run(scenario())
