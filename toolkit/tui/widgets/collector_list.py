"""Left: every collector with its state (spinner while running), last duration and next run."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from .. import format as fmt
from ..model import ERRORS, FAILED, IDLE, LOAD_FAILED, OK, RELOAD_FAILED, RUNNING, CollectorState

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STYLES = {IDLE: "dim", RUNNING: "cyan", OK: "green", ERRORS: "yellow", FAILED: "bold red", LOAD_FAILED: "bold red", RELOAD_FAILED: "bold magenta"}


class CollectorList(DataTable):
    """A row per collector; the highlighted row is the collector the main view shows."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = False
        self.add_column("collector", key="name")
        self.add_column("state", key="state", width=14)
        self.add_column("took", key="took", width=6)
        self.add_column("next in", key="next", width=7)

    def show(self, states: list[CollectorState], now: datetime, frame: int = 0) -> None:
        """Add missing rows and update the cells that changed (any update redraws the whole table,
        and this runs for every spinner frame and every result)."""
        for state in states:
            cells = self._cells(state, now, frame)
            if state.name not in self.rows:
                self.add_row(*cells, key=state.name)
            else:
                for column, cell in zip(("name", "state", "took", "next"), cells, strict=True):
                    if self.get_cell(state.name, column) != cell:
                        self.update_cell(state.name, column, cell, update_width=column == "name")

    @staticmethod
    def _cells(state: CollectorState, now: datetime, frame: int) -> tuple:
        status = state.status
        label = state.label
        if status == RUNNING:
            label = f"{SPINNER[frame % len(SPINNER)]} {label}"
        took = fmt.duration(state.last.duration_seconds) if state.last is not None else "-"
        return (Text(state.name), Text(label, style=STYLES[status]), took, fmt.until(state.next_run(now), now))

    @property
    def selected(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
