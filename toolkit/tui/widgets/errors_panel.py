"""Bottom: the selected collector's errors (type, message; expandable to their cause, where to fix
it and the traceback), or its load error, open from the start. Messages and tracebacks arrive
redacted from the engine; they are redacted again here because the registered secrets may have
grown since (a push registers DD_API_KEY)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from ...model import HttpExchange, MetricError, redact
from ..details import exchange_line
from ..diagnosis import cause_and_fix


class ErrorsPanel(VerticalScroll):
    BINDINGS = [Binding("enter", "open_first", "Open the first error", show=False)]
    shown: tuple | None = None  # what is on screen: the same errors again are not rebuilt

    def compose(self) -> ComposeResult:
        yield Static(Text("no errors", style="dim"), classes="empty")

    def show(self, collector: str | None, errors: list[MetricError], *, load_failed: bool = False, reload_failed: bool = False,
             requests: Sequence[HttpExchange] = (), reloads: bool = True) -> None:
        """``reloads``: a saved edit is reloaded (the fix of a load failure says so)."""
        texts = []
        for error in errors:
            if reload_failed:
                where = "edit failed to load"  # the values shown are stale: the metrics table says so
            else:
                where = "failed to load" if load_failed else error.where or "collector"
            first_line = redact(error.message).splitlines()[0] if error.message else ""
            # the cause and where to fix it first: a traceback's last line is off a small screen
            lines = cause_and_fix(error, load_failed=load_failed or reload_failed, reloads=reloads)
            failed = failed_request(error, requests)
            if failed is not None:  # the request behind the error (`h` on the metric shows them all)
                lines.append(f"the request that failed: {exchange_line(failed)}")
            body = "\n".join(lines) + (f"\n\n{redact(error.traceback)}" if error.traceback else "")
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
        # a collector that does not load: its one error open, with room for its cause and fix
        self.set_class(bool(errors) and (load_failed or reload_failed), "-failed")
        if not errors:
            self.mount(Static(Text("no errors", style="dim"), classes="empty"))
            return
        items = []
        for title, body in texts:
            cause, _, trace = body.partition("\n\n")
            # a collector that does not load has this one error: open, its cause and fix on screen
            opened = title in expanded or load_failed or reload_failed
            items.append(Collapsible(Static(Text(cause), classes="cause"), Static(Text(trace), classes="traceback"),
                                     title=Content(title), collapsed=not opened, classes="error"))
        self.mount_all(items)

    def action_open_first(self) -> None:
        """Enter on the panel (reached with `4` or Tab): open the first error and move onto its
        title, where Enter closes it again and Tab goes on to the next error."""
        first = next(iter(self.query(Collapsible)), None)
        if first is None:
            return
        first.collapsed = False
        first.query_one("CollapsibleTitle").focus()

    @property
    def titles(self) -> list[str]:
        return [str(c.title) for c in self.query(Collapsible)]


def failed_request(error: MetricError, requests: Sequence[HttpExchange]) -> HttpExchange | None:
    """The last request of the error's metric that got no answer or an error status."""
    failed = [r for r in requests if r.metric == error.metric and (r.error or (r.status or 0) >= 400)]
    return failed[-1] if failed else None
