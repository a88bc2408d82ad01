"""Bottom: the selected collector's errors (type, message; traceback expandable), or its load
error. Messages and tracebacks arrive redacted from the engine; they are redacted again here
because the registered secrets may have grown since (a push registers DD_API_KEY)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from ...model import HttpExchange, MetricError, redact
from ..details import exchange_line


class ErrorsPanel(VerticalScroll):
    shown: tuple | None = None  # what is on screen: the same errors again are not rebuilt

    def compose(self) -> ComposeResult:
        yield Static(Text("no errors", style="dim"), classes="empty")

    def show(self, collector: str | None, errors: list[MetricError], *, load_failed: bool = False, reload_failed: bool = False,
             requests: Sequence[HttpExchange] = ()) -> None:
        texts = []
        for error in errors:
            if reload_failed:
                where = "edit failed to load (values shown are stale)"
            else:
                where = "failed to load" if load_failed else error.where or "collector"
            first_line = redact(error.message).splitlines()[0] if error.message else ""
            failed = failed_request(error, requests)
            body = redact(error.traceback or error.message)
            if failed is not None:  # the request behind the error (`h` on the metric shows them all)
                body = f"the request that failed: {exchange_line(failed)}\n\n{body}"
            texts.append((f"{where} · {error.type}: {first_line}", body))
        # a rerun that fails the same way: nothing to redraw (mounting widgets is the costly part)
        if self.shown == (collector, tuple(texts)):
            return
        self.shown = (collector, tuple(texts))
        self.border_title = f"errors · {collector} ({len(errors)})" if collector else "errors"
        # a rerun of the same collector keeps the tracebacks the user opened open
        expanded = {str(c.title) for c in self.query(Collapsible) if not c.collapsed}
        self.remove_children()
        # no errors: one line, so a small terminal keeps its rows for the metrics
        self.set_class(not errors, "-empty")
        if not errors:
            self.mount(Static(Text("no errors", style="dim"), classes="empty"))
            return
        items = []
        for title, body in texts:
            items.append(Collapsible(Static(Text(body), classes="traceback"), title=Content(title),
                                     collapsed=title not in expanded, classes="error"))
        self.mount_all(items)

    @property
    def titles(self) -> list[str]:
        return [str(c.title) for c in self.query(Collapsible)]


def failed_request(error: MetricError, requests: Sequence[HttpExchange]) -> HttpExchange | None:
    """The last request of the error's metric that got no answer or an error status."""
    failed = [r for r in requests if r.metric == error.metric and (r.error or (r.status or 0) >= 400)]
    return failed[-1] if failed else None
