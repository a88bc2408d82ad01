"""Sources: what metric functions call to reach the outside world, inside a run.

``http_client`` (pooled, retrying, replayable), ``auth_headers`` (headers declared from secrets), the pagination helpers, ``aws_client`` (boto3,
replayable), ``get_secret`` (environment, then AWS Secrets Manager), ``get_config``, ``now`` and ``window``
(both overridden by an offline replay) and ``per_run`` (one fetch shared by a run's metrics).

Imports the model and the errors only; boto3 is imported inside the functions that need it.
httpx is imported first, through ``_httpx``, before httpx-retries can import it with its CLI.
"""

from ._httpx import httpx  # first: see _httpx; the cassettes and the push take httpx from here too
from .auth import AuthHeader, auth_headers, parse_auth_header
from .aws import aws_client, reset_session, resolve_credentials
from .budget import reset_budgets, set_rate_floors
from .cache import per_run
from .config import get_config, get_config_list, now, window
from .http import (
    MAX_BODY_BYTES,
    ResponseTooLarge,
    RetryDeadlineExceeded,
    http_client,
    pooled_transport,
    requested_wait,
    ssl_context,
)
from .paginate import paginate_cursor, paginate_links, paginate_pages
from .secrets import clear_secret_cache, env_var_for, get_secret, watch_secrets

__all__ = [
    "httpx",
    "ssl_context",
    "AuthHeader",
    "MAX_BODY_BYTES",
    "ResponseTooLarge",
    "RetryDeadlineExceeded",
    "auth_headers",
    "aws_client",
    "clear_secret_cache",
    "env_var_for",
    "get_config",
    "get_config_list",
    "get_secret",
    "http_client",
    "now",
    "paginate_cursor",
    "paginate_links",
    "paginate_pages",
    "parse_auth_header",
    "per_run",
    "pooled_transport",
    "requested_wait",
    "reset_budgets",
    "reset_session",
    "resolve_credentials",
    "set_rate_floors",
    "watch_secrets",
    "window",
]
