"""Changing a table's cells and redrawing only those cells' rows.

``DataTable.update_cell`` redraws the whole table: it bumps the count every render cache of the
table is keyed on, so each visible cell goes through Rich again (about 0.3 ms a cell). The
dashboard changes cells on every spinner frame and after every run, and with collectors running,
a key waited behind those whole-table redraws (issue 24: a frame of the metrics table took 17 ms
of the main thread, twice that while workers held the GIL). ``update_cells`` stores the new
values, forgets the cached renders of those cells, their rows and their lines only, and refreshes
those rows: the other cells are drawn from the cache.

It reads DataTable's caches, which are Textual's internals (pyproject pins textual <9);
tests/tui/test_cells.py checks that the screen shows each change and that only changed rows are
drawn again.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey


class PartialUpdates(DataTable):
    """A DataTable whose cells change without redrawing the rows that did not change."""

    def update_cells(self, changes: Mapping[str, Mapping[str, object]]) -> None:
        """Set ``changes[row][column]`` for each cell, and draw again only the rows changed.

        The columns keep their widths (use ``update_cell(update_width=True)`` for a cell that may
        widen its column)."""
        cells = {(RowKey(row), ColumnKey(column)) for row, columns in changes.items() for column in columns}
        if not cells:
            return
        for row_key, column_key in cells:
            if row_key not in self._row_locations or column_key not in self._column_locations:
                raise CellDoesNotExist(f"No cell exists for row_key={row_key!r}, column_key={column_key!r}.")
        for row, columns in changes.items():
            self._data[RowKey(row)].update({ColumnKey(column): value for column, value in columns.items()})
        rows = {row_key for row_key, _ in cells}
        indexes = {self._row_locations.get(row_key) for row_key in rows}
        header = self.header_height if self.show_header else 0
        lines = {header + y for y, (row_key, _) in enumerate(self._y_offsets) if row_key in rows}
        # Each cache's key: cells (row, column, ...), rows (row, line, ...), a row's renderables
        # (count, row index), lines (y, ...).
        _forget(self._cell_render_cache, lambda key: (key[0], key[1]) in cells)
        _forget(self._row_render_cache, lambda key: key[0] in rows)
        _forget(self._row_renderable_cache, lambda key: key[1] in indexes)
        _forget(self._line_cache, lambda key: key[0] in lines)
        for index in indexes:
            self.refresh_row(index)


def _forget(cache, stale) -> None:
    for key in [key for key in cache.keys() if stale(key)]:
        cache.discard(key)
