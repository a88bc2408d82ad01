"""Left: every collector with its state (spinner while running), last duration and next run."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from .. import format as fmt
from ..model import ERRORS, FAILED, IDLE, LOAD_FAILED, OK, RELOAD_FAILED, RUNNING, CollectorState
from .cells import PartialUpdates

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STYLES = {IDLE: "dim", RUNNING: "cyan", OK: "green", ERRORS: "yellow", FAILED: "bold red", LOAD_FAILED: "bold red", RELOAD_FAILED: "bold magenta"}


# the widest state, so a label is never cut ("⠋ running" is 9)
STATE_WIDTH = max(len(label) for label in STYLES)
COLUMNS = ("name", "state", "took", "next")
NARROW_NAME = 12  # characters of a name shown on a narrow terminal (the metrics panel's title has it whole)


class CollectorList(PartialUpdates):
    """A row per collector; the highlighted row is the collector the main view shows.

    On a narrow terminal the last run's duration and the next run give way (the metrics panel's
    title gives both for the selected collector), so the name and the whole state still fit."""

    narrow = False

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = False
        self._add_columns()

    def _add_columns(self) -> None:
        self.add_column("collector", key="name")
        self.add_column("state", key="state", width=STATE_WIDTH)
        if not self.narrow:
            self.add_column("took", key="took", width=6)
            self.add_column("next in", key="next", width=7)

    def set_narrow(self, narrow: bool) -> bool:
        """Drop (or bring back) the columns that give way; True when the rows need showing again."""
        if narrow == self.narrow:
            return False
        self.narrow = narrow
        self.clear(columns=True)
        self._add_columns()
        return True

    def show(self, states: list[CollectorState], now: datetime, frame: int = 0) -> None:
        """Add missing rows and update the cells that changed; this runs for every spinner frame
        and every result, so only the rows that changed are drawn again."""
        changes: dict[str, dict[str, object]] = {}
        for state in states:
            cells = self._cells(state, now, frame)[: len(self.columns)]
            if state.name not in self.rows:
                self.add_row(*cells, key=state.name)
                continue
            for column, cell in zip(COLUMNS, cells, strict=False):
                if self.get_cell(state.name, column) == cell:
                    continue
                if column == "name":  # the one column whose width follows its cells
                    self.update_cell(state.name, column, cell, update_width=True)
                else:
                    changes.setdefault(state.name, {})[column] = cell
        self.update_cells(changes)

    def _cells(self, state: CollectorState, now: datetime, frame: int) -> tuple:
        status = state.status
        label = state.label
        if status == RUNNING:
            label = f"{SPINNER[frame % len(SPINNER)]} {label}"
        took = fmt.duration(state.last.duration_seconds) if state.last is not None else "-"
        name = state.name if not self.narrow or len(state.name) <= NARROW_NAME else state.name[: NARROW_NAME - 1] + "…"
        return (Text(name), Text(label, style=STYLES[status]), took, fmt.until(state.next_run(now), now))

    @property
    def selected(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
