"""A sparkline of the highlighted series over the last runs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline

from .. import format as fmt
from ..model import HISTORY


class TrendPanel(Horizontal):
    key: str | None = None  # the series shown (tests wait on it after moving the highlight)

    def compose(self) -> ComposeResult:
        yield Label(id="trend-label")
        yield Sparkline([], id="trend-line")

    def show(self, key: str | None, values: list[float]) -> None:
        label = self.query_one("#trend-label", Label)
        line = self.query_one("#trend-line", Sparkline)
        self.key = key
        # each assignment below redraws even when nothing changed: compare first (shown on every result)
        if key is None or not values:
            if (key, values) != getattr(self, "shown", None):
                label.update(Text("trend: no values yet", style="dim"), layout=False)  # its size is fixed by the CSS
                line.data = []
                line.display = False  # an empty sparkline still draws its baseline bars
            self.shown = (key, values)
            return
        if (key, values) == getattr(self, "shown", None):
            return
        self.shown = (key, list(values))
        line.display = True
        runs = f"{len(values)} run{'s' if len(values) != 1 else ''}"
        text = Text("trend ", style="dim")
        text.append(key, style="bold")
        text.append(f"  {runs} · min {fmt.value(min(values))} · max {fmt.value(max(values))}", style="dim")
        label.update(text, layout=False)
        # two cells per run: stretched over the whole width, a few points become wide blocks
        width = min(2 * len(values), 2 * HISTORY)
        if line.styles.width is None or line.styles.width.value != width:
            line.styles.width = width
        line.data = values
