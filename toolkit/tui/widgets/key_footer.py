"""Bottom line: the keys. Quit sits at the right end with the command palette's key, so a narrow
terminal that cuts the other keys off still shows how to leave."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer


class KeyFooter(Footer):
    DEFAULT_CSS = """
    KeyFooter #right-keys {
        dock: right;
        width: auto;
    }
    KeyFooter #right-keys FooterKey.-command-palette {
        dock: none;
    }
    """

    def compose(self) -> ComposeResult:
        right = []
        for widget in super().compose():
            # FooterKeys (their class is private to textual): quit, and the palette's key
            if getattr(widget, "action", None) == "quit" or widget.has_class("-command-palette"):
                right.append(widget)
            else:
                yield widget
        if right:
            with HorizontalGroup(id="right-keys"):
                yield from right
