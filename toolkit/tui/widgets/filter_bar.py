"""The metric-name filter: hidden until ``/``; Escape clears and hides it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class FilterBar(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="filter metrics by name (Enter: keep, Esc: clear)", **kwargs)

    def open(self) -> None:
        self.display = True
        self.focus()

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.screen.focus_next()
