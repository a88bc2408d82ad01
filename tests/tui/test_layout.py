"""Layout and focus: every panel reachable by a key and by Tab; an empty errors panel takes
one line; snapshots at a small (80x24) and a large (160x45) terminal."""

from __future__ import annotations

import asyncio

from fixtures.dashboard import settle

from toolkit.tui.widgets import CollectorList, DetailPanel, ErrorsPanel, MetricsTable


def test_every_panel_has_a_key_and_tab_reaches_it(make_app):
    app = make_app("shop", "sample")

    async def scenario():
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r")
            await settle(pilot)
            for key, widget in (("2", MetricsTable), ("3", DetailPanel), ("4", ErrorsPanel), ("1", CollectorList)):
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.focused, widget), (key, app.focused)
            seen = set()
            for _ in range(6):
                await pilot.press("tab")
                await pilot.pause()
                seen.add(type(app.focused))
            assert {CollectorList, MetricsTable, DetailPanel, ErrorsPanel} <= seen
            # after the filter, the collector selection still moves
            await pilot.press("slash", *"orders", "enter", "1", "down")
            await pilot.pause()
            assert app.query_one(CollectorList).selected == "sample"

    asyncio.run(scenario())


def test_an_empty_errors_panel_takes_one_line(make_app):
    app = make_app("sample", "shop")

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            panel = app.query_one(ErrorsPanel)
            assert app.selected.name == "sample" and not app.selected.errors
            assert panel.outer_size.height == 3  # its border and one line
            app.query_one(CollectorList).move_cursor(row=1)
            await pilot.press("r")
            await settle(pilot)
            assert panel.outer_size.height > 3  # shop has an error to show

    asyncio.run(scenario())


async def _run_all(pilot) -> None:
    await settle(pilot)
    table = pilot.app.query_one(MetricsTable)
    table.move_cursor(row=table.get_row_index("shop.queue.depth"))
    await pilot.pause()


def test_small_terminal(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run_all)


def test_large_terminal_with_payload(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)

    async def run_before(pilot) -> None:
        await _run_all(pilot)
        await pilot.press("j")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 45), run_before=run_before)
