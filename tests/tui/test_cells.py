"""A changed cell is drawn again with its row only (widgets/cells.py), and what is drawn is the
new value: the tables' updates reach the screen."""

from __future__ import annotations

import asyncio

from fixtures.dashboard import SIZE, cells, press_and_run, wait_for
from textual.app import App, ComposeResult
from textual.renderables.styled import Styled

from toolkit.tui.widgets import MetricsTable
from toolkit.tui.widgets.cells import PartialUpdates


def run(scenario):
    return asyncio.run(scenario())


class Table(App[None]):
    def compose(self) -> ComposeResult:
        yield PartialUpdates()

    def on_mount(self) -> None:
        table = self.query_one(PartialUpdates)
        table.add_column("name", key="name", width=8)
        table.add_column("value", key="value", width=8)
        for n in range(10):
            table.add_row(f"row{n}", str(n), key=f"row{n}")


def line(table, row: int) -> str:
    """What the table draws for a row (the header is line 0)."""
    return table.render_line(row + 1).text


def count_rich_renders(app) -> list:
    """Every cell that goes through Rich from now on (a cached cell is drawn without it)."""
    seen: list = []
    render_lines = app.console.render_lines

    def counting(renderable, *args, **kwargs):
        if isinstance(renderable, Styled):  # a cell (Rich renders the text inside it again)
            seen.append(renderable)
        return render_lines(renderable, *args, **kwargs)

    app.console.render_lines = counting
    return seen


def test_a_changed_cell_is_drawn_anew_and_the_other_cells_come_from_the_cache():
    app = Table()

    async def scenario():
        async with app.run_test(size=(40, 14)) as pilot:
            table = app.query_one(PartialUpdates)
            await wait_for(pilot, lambda: "row9" in line(table, 9), what="the rows drawn")
            before = [line(table, n) for n in range(10)]
            rendered = count_rich_renders(app)
            table.update_cells({"row3": {"value": "thirty"}, "row7": {"name": "seven"}})
            await pilot.pause()
            after = [line(table, n) for n in range(10)]
            assert "thirty" in after[3] and "row3" in after[3]
            assert "seven" in after[7] and "7" in after[7]
            assert [n for n in range(10) if after[n] != before[n]] == [3, 7]
            assert table.get_row("row3") == ["row3", "thirty"]
            # two cells changed: two cells rendered (DataTable.update_cell renders every visible one)
            assert len(rendered) == 2, rendered

    run(scenario)


def test_a_rerun_shows_its_new_values_on_screen(make_app):
    app = make_app("shop")

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            table = app.query_one(MetricsTable)
            await press_and_run(pilot, "r", runs=["shop"])
            row = table.get_row_index("shop.queue.depth")
            assert " 12 " in line(table, row)
            await press_and_run(pilot, "r", runs=["shop"])
            assert cells(table, "shop.queue.depth")[6] == "+3"
            drawn = line(table, row)
            assert " 15 " in drawn and "+3" in drawn, drawn
            await press_and_run(pilot, "r", runs=["shop"])
            drawn = line(table, row)
            assert " 9 " in drawn and "-6" in drawn, drawn

    run(scenario)
