"""How to reach Datadog's API: one client builder, shared by the push and the monitors.

The endpoint comes from ``Settings.endpoint`` (``DD_URL`` or ``DD_SITE``). datadog-api-client
is imported only when a client is built.
"""

from __future__ import annotations

import json


def api_client(endpoint: str, api_key: str, app_key: str | None = None):
    """A datadog-api-client ``ApiClient`` for ``endpoint``, retrying 429 and 5xx."""
    from datadog_api_client.api_client import ApiClient
    from datadog_api_client.configuration import Configuration

    keys = {"apiKeyAuth": api_key, **({"appKeyAuth": app_key} if app_key else {})}
    # The resolved endpoint as the host: DD_SITE in the environment would otherwise override an
    # explicit site server variable, and DD_URL must win over both.
    config = Configuration(host=endpoint, api_key=keys)
    config.enable_retry = True  # off by default: retries 429 (X-Ratelimit-Reset) and 5xx
    config.max_retries = 3
    return ApiClient(config)


def body_text(body) -> str:
    """An API error body as one short line: its ``errors`` list when it has one."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:
            return str(body)[:200]
    if isinstance(body, dict) and body.get("errors"):
        return "; ".join(map(str, body["errors"]))
    return str(body or "")[:200]
