"""Snapshots of the main screen (pytest-textual-snapshot): fixed size, frozen clock and
durations, cursor blink off. Update after an intended change with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs."""

from __future__ import annotations

from fixtures.dashboard import SIZE, settle

from toolkit.tui.widgets import FilterBar, MetricsTable


async def _two_runs_and_highlight(pilot) -> None:
    await settle(pilot)  # run_on_start: every collector once
    await pilot.press("r")  # shop again: the change column and a two-point trend
    await settle(pilot)
    table = pilot.app.query_one(MetricsTable)
    table.move_cursor(row=table.get_row_index("shop.queue.depth"))
    await pilot.pause()


def test_main_screen(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=_two_runs_and_highlight)


def test_main_screen_filtered(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)

    async def run_before(pilot) -> None:
        await _two_runs_and_highlight(pilot)
        pilot.app.query_one(FilterBar).cursor_blink = False
        await pilot.press("slash", *"region")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
