"""The errors panel names a tagged metric's failed item (its tags), redacted, beside the others."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from toolkit.model import MetricError, register_secret
from toolkit.tui.widgets import ErrorsPanel


class PanelApp(App):
    def compose(self) -> ComposeResult:
        yield ErrorsPanel(id="errors")


def test_item_errors_show_their_tags():
    register_secret("tagsecret-123456")
    errors = [
        MetricError("github.prs.open", "GitHubError", "GitHub has no open pull requests of octo/gone (404 Not Found)", tags=("repo:octo/gone",)),
        MetricError("github.prs.open", "GitHubError", "refused", tags=("repo:tagsecret-123456",)),
        MetricError("github.ci.success_rate_7d", "GitHubError", "whole metric"),
    ]

    async def scenario():
        app = PanelApp()
        async with app.run_test() as pilot:
            app.query_one(ErrorsPanel).show("github", errors)
            await pilot.pause()
            return app.query_one(ErrorsPanel).titles

    titles = asyncio.run(scenario())
    assert titles[0].startswith("github.prs.open{repo:octo/gone} · GitHubError: GitHub has no open pull requests of octo/gone")
    assert titles[1].startswith("github.prs.open{repo:***} · GitHubError")
    assert titles[2].startswith("github.ci.success_rate_7d · GitHubError")
