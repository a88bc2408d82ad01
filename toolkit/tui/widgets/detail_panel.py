"""Under the metrics: what a push would send for the highlighted metric (``j``), or the HTTP
requests its function made in the last run (``h``). Hidden until asked for."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

PAYLOAD = "payload"
HTTP = "http"


class DetailPanel(VerticalScroll, can_focus=True):
    def compose(self):
        yield Static(id="detail-text")

    def show(self, title: str, text: str) -> None:
        self.border_title = title
        self.text = text
        self.query_one("#detail-text", Static).update(Text(text))
