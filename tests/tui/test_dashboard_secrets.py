"""The dashboard shows no secret a collector read without listing it, and no URL's password:
the live run of the ``unlisted`` fixture (Secrets Manager from moto at ``AWS_ENDPOINT_URL``, a
loopback API wanting ``user:password``), its errors opened, its HTTP views, the whole screen."""

from __future__ import annotations

import asyncio

import httpx
from fixtures.dashboard import SIZE, VALUES, FakeClock, frozen_runner, highlight, press_and_run, wait_for
from fixtures.unlisted.api import UNLISTED_SECRET, URL_PASSWORD, USER, UnlistedApi

from toolkit.engine import CollectorRef
from toolkit.sources import clear_secret_cache


def test_the_dashboard_shows_no_unlisted_secret_and_no_url_password(moto_server, monkeypatch):
    import boto3
    from textual.widgets import Collapsible

    from toolkit.tui import create_app
    from toolkit.tui.widgets import DetailPanel, ErrorsPanel

    httpx.post(f"{moto_server}/moto-api/reset")
    boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_server,
                 aws_access_key_id="x", aws_secret_access_key="x").create_secret(Name="unlisted/db-password", SecretString=UNLISTED_SECRET)
    for name, value in {"AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("UNLISTED_DB_PASSWORD", raising=False)
    clear_secret_cache()  # read from Secrets Manager in this run, as a fresh dashboard would
    ref = CollectorRef("unlisted", "fixtures.unlisted.collector", "tests")
    shown: list[str] = []

    with UnlistedApi() as api:
        monkeypatch.setenv("UNLISTED_API_URL", api.url.replace("http://", f"http://{USER}:{URL_PASSWORD}@"))
        app = create_app([ref], values=VALUES, clock=FakeClock(), runner=frozen_runner, run_on_start=False, offline=False, reload=False)

        async def scenario():
            async with app.run_test(size=SIZE) as pilot:
                await press_and_run(pilot, "r", runs=["unlisted"])
                assert app.states["unlisted"].last.metrics["unlisted.items.total"] == 3  # it did read the secret
                panel = app.query_one(ErrorsPanel)
                for item in panel.query(Collapsible):
                    item.collapsed = False
                await wait_for(pilot, lambda: all(s.size.height for s in panel.query(".traceback")), what="the opened tracebacks laid out")
                shown.append(" ".join(panel.titles) + " ".join(str(s.render()) for s in panel.query(".traceback")))
                shown.append(app.export_screenshot())
                detail = app.query_one(DetailPanel)
                await highlight(pilot, "unlisted.items.total")
                await pilot.press("h")
                await wait_for(pilot, lambda: detail.display and "/items" in detail.text, what="h to show the HTTP")
                shown.append(detail.text)
                shown.append(app.export_screenshot())
                await highlight(pilot, "unlisted.items.broken")
                await wait_for(pilot, lambda: "/broken" in detail.text, what="the HTTP of the failed metric")
                shown.append(detail.text)
                shown.append(app.export_screenshot())

        asyncio.run(scenario())
    clear_secret_cache()
    everything = "\n".join(shown)
    assert f"{USER}:***@127.0.0.1" in everything and "the API refused ***" in everything
    assert UNLISTED_SECRET not in everything and URL_PASSWORD not in everything
