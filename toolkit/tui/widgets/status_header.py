"""The top line: mode, whether DD_API_KEY is set (never its value), totals, auto-refresh."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..model import Totals


class StatusHeader(Static):
    def show(self, *, offline: bool, api_key_set: bool, totals: Totals, auto_refresh: str) -> None:
        text = Text(" dd-toolkit dashboard ", style="bold")
        text.append(" │ ")
        text.append("offline replay" if offline else "live", style="bold yellow" if offline else "bold green")
        text.append(" │ DD_API_KEY ")
        text.append("set" if api_key_set else "not set", style="green" if api_key_set else "dim")
        text.append(f" │ {totals.collectors} collectors")
        if totals.running:
            text.append(f" · {totals.running} running", style="cyan")
        text.append(f" · {totals.series} series · ")
        text.append(f"{totals.errors} errors", style="red" if totals.errors else "")
        if totals.failed:
            text.append(f" · {totals.failed} failed", style="bold red")
        text.append(f" │ auto-refresh {auto_refresh}")
        if text != getattr(self, "shown", None):  # redrawn for every result and spinner frame otherwise
            self.shown = text
            self.update(text, layout=False)  # one line whatever it says: no re-layout of the screen
