"""Snapshots of the main screen (pytest-textual-snapshot): fixed size, frozen clock and
durations, cursor blink off. Update after an intended change with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs."""

from __future__ import annotations

from fixtures.dashboard import SIZE, highlight, press_and_run, wait_for, wait_for_runs

from toolkit.tui.widgets import FilterBar, MetricsTable


async def _two_runs_and_highlight(pilot) -> None:
    await wait_for_runs(pilot, "shop", "sample")  # run_on_start: every collector once (broken does not load)
    await press_and_run(pilot, "r", runs=["shop"])  # shop again: the change column and a two-point trend
    await highlight(pilot, "shop.queue.depth")


def test_main_screen(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=_two_runs_and_highlight)


def test_main_screen_filtered(snap_compare, make_app):
    app = make_app("shop", "sample", "broken", run_on_start=True)

    async def run_before(pilot) -> None:
        await _two_runs_and_highlight(pilot)
        pilot.app.query_one(FilterBar).cursor_blink = False
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(pilot.app.focused, FilterBar), what="/ to open the filter")
        await pilot.press(*"region")
        await wait_for(pilot, lambda: "filter: region" in str(pilot.app.query_one(MetricsTable).border_title), what="the filter to apply")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
