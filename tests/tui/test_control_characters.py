"""Upstream error text on the dashboard: an escape sequence or a bell in a provider's message is
drawn visibly (``\\x1b[31m``), never sent raw to the terminal, where it would recolour it or ring.

A collector whose metric raises with such a message runs; its error is opened (4, Enter); every
line on the screen, as the compositor draws it, is checked for ESC and BEL.
"""

from __future__ import annotations

import asyncio
import textwrap

from fixtures.dashboard import VALUES, FakeClock, frozen_runner, press_and_run, wait_for
from textual.widgets import Collapsible

from toolkit.engine import CollectorRef
from toolkit.tui.widgets import ErrorsPanel

UPSTREAM = "upstream said \x1b[31mno\x1b[0m\x07 (HTTP 502)"


def escapes_collector(tmp_path, monkeypatch) -> CollectorRef:
    package = tmp_path / "ctlfix"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "collector.py").write_text(textwrap.dedent('''
        from toolkit import BaseCollector


        class CtlfixCollector(BaseCollector):
            """A collector whose upstream answers with escape sequences in its error text."""
    '''))
    (package / "metrics.py").write_text(textwrap.dedent(f'''
        from toolkit import metric


        @metric("ctlfix.items.loud")
        def loud():
            raise RuntimeError({UPSTREAM!r})
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    return CollectorRef("ctlfix", "ctlfix.collector", "tests")


def screen_text(app) -> str:
    """What the compositor draws, line by line: the characters the terminal would show."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def test_an_upstream_message_with_escape_sequences_is_drawn_visibly(tmp_path, monkeypatch):
    from toolkit.tui import create_app

    # as the make_app fixture builds it, for a collector of the test's own
    app = create_app([escapes_collector(tmp_path, monkeypatch)], values=VALUES, clock=FakeClock(), runner=frozen_runner,
                     run_on_start=False, offline=False, reload=False)

    async def scenario():
        async with app.run_test(size=(120, 40)) as pilot:
            await press_and_run(pilot, "r", runs=["ctlfix"])
            panel = app.query_one(ErrorsPanel)
            (error,) = panel.query(Collapsible)
            await pilot.press("4")
            await wait_for(pilot, lambda: app.focused is panel, what="4 to focus the errors")
            await pilot.press("enter")
            await wait_for(pilot, lambda: not error.collapsed, what="enter to open the error")
            await wait_for(pilot, lambda: error.query_one(".cause").region.height, what="the opened error laid out")
            await pilot.pause()
            text = screen_text(app)
            assert "\\x1b[31mno\\x1b[0m\\x07" in text, text  # shown, as text
            assert "\x1b" not in text and "\x07" not in text

    asyncio.run(scenario())
