"""Main: the selected collector's metrics, one row per tagged series, with the change since the
previous run."""

from __future__ import annotations

from rich.text import Text
from textual import events

from ...model import ERROR, NO_DATA
from ..fit import Step, cut, cut_series, fit
from ..model import META, MetricRow
from .cells import PartialUpdates

COLUMNS = (("metric", "name"), ("value", "value"), ("unit", "unit"), ("type", "type"), ("tags", "tags"), ("took", "duration"), ("change", "change"))
VALUE_STYLES = {ERROR: "bold red", NO_DATA: "dim", META: "dim"}
STALE = " stale"

# Which columns stay when the table is narrow, most important first: the value always, a name
# cut to 20 characters, the unit, then the whole name; then change, took and type; the tags last
# (first cut, then gone). A column that does not fit gives way and comes back when there is room.
PRIORITY = (
    Step("value", required=True),
    Step("name", 20, required=True),
    Step("unit"),
    Step("name"),
    Step("change"),
    Step("duration"),
    Step("type"),
    Step("tags", 12),
    Step("tags"),
)


class MetricsTable(PartialUpdates):
    shown: list[MetricRow] | None = None  # the rows on screen, to redraw only what changed
    wanted: list[MetricRow] | None = None  # the rows last asked for, fitted again on a resize
    widths: dict[str, int] | None = None  # the columns on screen and their widths

    def on_mount(self) -> None:
        self.cursor_type = "row"

    def on_resize(self, event: events.Resize) -> None:
        if self.wanted is not None:
            self.show(self.wanted)

    def show(self, rows: list[MetricRow]) -> None:
        """Replace the rows, keeping the highlighted series highlighted when it is still there.

        The same rows again (a rerun that changed nothing) cost nothing; the same series with new
        values update their changed cells, and only their rows are drawn again; only another set
        of series, or other columns (the width or the widest cell changed), rebuilds the table."""
        self.wanted = list(rows)
        keep = self.highlighted_key  # before new columns clear the rows (the highlight went with them)
        widths = self._fit(rows)
        if widths != self.widths:
            self.widths = widths
            self.shown = None
            self.clear(columns=True)
            for label, key in COLUMNS:
                if key in widths:
                    self.add_column(label, key=key, width=widths[key])
        if rows == self.shown:
            return
        previous, self.shown = self.shown, list(rows)
        if previous is not None and [r.key for r in previous] == [r.key for r in rows]:
            changes = {}
            for old, row in zip(previous, rows, strict=True):
                if old != row:
                    before = self._cells(old)
                    changes[row.key] = {key: cell for key, cell in self._cells(row).items() if key in self.columns and not _same(cell, before[key])}
            self.update_cells(changes)
            return
        self.clear()
        for row in rows:
            cells = self._cells(row)
            self.add_row(*(cells[key] for _, key in COLUMNS if key in self.columns), key=row.key)
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    def _fit(self, rows: list[MetricRow]) -> dict[str, int]:
        """The columns that fit the table's width now, and their widths."""
        available = self.content_region.width
        if len(rows) + 1 > self.content_region.height:  # the header and the rows: a scrollbar takes its columns
            available -= self.styles.scrollbar_size_vertical
        natural = {key: max([len(label), *(len(t) for t in (_plain(r, key) for r in rows))]) for label, key in COLUMNS}
        widths = fit(natural, PRIORITY, available, 2 * self.cell_padding)
        if "tags" not in widths and any(r.tags for r in rows):  # the name carries the tags: it takes what is left
            left = available - sum(w + 2 * self.cell_padding for w in widths.values())
            widths["name"] += max(0, min(left, max(len(r.key) for r in rows) - widths["name"]))
        return widths

    def _cells(self, row: MetricRow) -> dict[str, Text]:
        widths = self.widths or {}
        dim = "dim" if row.status == META else ""
        change_style = "green" if row.change.startswith("+") else "red" if row.change.startswith("-") else "dim"
        name = row.name if "tags" in widths or not row.tags else None  # without the tags column, tags go in the name
        width = widths.get("name", 0)
        return {
            "name": Text(cut(name, width) if name is not None else cut_series(row.name, row.tags, width), style=dim),
            "value": _value(row),
            "unit": Text(cut(row.unit, widths.get("unit", 0)), style="dim"),
            "type": Text(row.type, style="dim"),
            "tags": Text(cut(row.tags, widths.get("tags", 0))),
            "duration": Text(row.duration, justify="right"),
            "change": Text(row.change, style=change_style, justify="right"),
        }

    @property
    def highlighted_key(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value


def _same(a: Text, b: Text) -> bool:
    """The same cell on screen (Text's == compares the text and its spans, not its style)."""
    return a == b and a.style == b.style and a.justify == b.justify


def _plain(row: MetricRow, key: str) -> str:
    """A cell's text, for its width."""
    if key == "value":
        return row.value + (STALE if row.stale else "")
    return getattr(row, key)


def _value(row: MetricRow) -> Text:
    text = Text(row.value, style=VALUE_STYLES.get(row.status, ""), justify="right")
    if row.stale:  # said in words, not only by a colour: the code behind it no longer loads
        text.stylize("dim")
        text.append(STALE, style="italic magenta")
    return text
