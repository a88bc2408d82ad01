"""Main: the selected collector's metrics, one row per tagged series, with the change since the
previous run."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ...model import ERROR, NO_DATA
from ..model import META, MetricRow

COLUMNS = (("metric", "name"), ("value", "value"), ("unit", "unit"), ("type", "type"), ("tags", "tags"), ("took", "duration"), ("change", "change"))
VALUE_STYLES = {ERROR: "bold red", NO_DATA: "dim", META: "dim"}


# Which columns give way first when the table is narrow: name, value and unit always stay.
GIVE_WAY = ("tags", "type", "duration", "change")


class MetricsTable(DataTable):
    narrow = False
    shown: list[MetricRow] | None = None  # the rows on screen, to redraw only what changed

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self._add_columns()

    def _add_columns(self) -> None:
        for label, key in COLUMNS:
            if not (self.narrow and key in GIVE_WAY):
                self.add_column(label, key=key)

    def set_narrow(self, narrow: bool) -> bool:
        """Drop (or bring back) the columns that give way; True when that changed anything."""
        if narrow == self.narrow:
            return False
        self.narrow = narrow
        self.clear(columns=True)
        self.shown = None
        self._add_columns()
        return True

    def show(self, rows: list[MetricRow]) -> None:
        """Replace the rows, keeping the highlighted series highlighted when it is still there.

        The same rows again (a rerun that changed nothing) cost nothing; the same series with new
        values update their changed cells; only another set of series rebuilds the table."""
        if rows == self.shown:
            return
        previous, self.shown = self.shown, list(rows)
        if previous is not None and [r.key for r in previous] == [r.key for r in rows]:
            for old, row in zip(previous, rows, strict=True):
                if old != row:
                    for key, cell in self._cells(row).items():
                        if key in self.columns:
                            self.update_cell(row.key, key, cell, update_width=True)
            return
        keep = self.highlighted_key
        self.clear()
        for row in rows:
            cells = self._cells(row)
            self.add_row(*(cells[key] for _, key in COLUMNS if key in self.columns), key=row.key)
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    def _cells(self, row: MetricRow) -> dict[str, Text]:
        dim = "dim" if row.status == META else ""
        change_style = "green" if row.change.startswith("+") else "red" if row.change.startswith("-") else "dim"
        cells = {
            "name": Text(row.name, style=dim),
            "value": _value(row),
            "unit": Text(row.unit, style="dim"),
            "type": Text(row.type, style="dim"),
            "tags": Text(row.tags),
            "duration": Text(row.duration, justify="right"),
            "change": Text(row.change, style=change_style, justify="right"),
        }
        # narrow: a tagged series keeps its tags in the name, so its rows stay distinct
        if self.narrow and row.tags:
            cells["name"] = Text(row.key, style=dim)
        return cells

    @property
    def highlighted_key(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value


def _value(row: MetricRow) -> Text:
    text = Text(row.value, style=VALUE_STYLES.get(row.status, ""), justify="right")
    if row.stale:  # said in words, not only by a colour: the code behind it no longer loads
        text.stylize("dim")
        text.append(" stale", style="italic magenta")
    return text
