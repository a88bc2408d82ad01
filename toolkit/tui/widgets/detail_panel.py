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

    text: str | None = None
    shown_title: str | None = None

    def show(self, title: str, text: str) -> None:
        if title != self.shown_title:  # setting a border title redraws even when it is the same
            self.shown_title = self.border_title = title
        if text != self.text:  # a rerun with the same payload: no re-layout of a long text
            self.text = text
            self.query_one("#detail-text", Static).update(Text(text))
