"""Where Datadog's API is and how to reach it: shared by the push and the monitors.

``DD_SITE`` (default ``datadoghq.com``) picks the site; ``DD_URL``, a full base URL, overrides
it for proxies and tests. datadog-api-client is imported only when a client is built.
"""

from __future__ import annotations

import os
import re

DEFAULT_SITE = "datadoghq.com"


def endpoint_from_env(error: type[Exception]) -> str:
    """The API base URL from ``DD_URL`` or ``DD_SITE``; a malformed ``DD_URL`` raises ``error``."""
    url = os.environ.get("DD_URL", "").strip()
    if url and not re.match(r"^https?://", url):
        raise error(f"DD_URL={url!r} is not a URL; set it to a full base URL such as https://api.datadoghq.eu")
    return url or f"https://api.{os.environ.get('DD_SITE', '').strip() or DEFAULT_SITE}"


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
