"""Offline replay or live: the default the dashboard opens in.

The rule: the dashboard goes live when any credential is configured in the environment, and
replays cassettes otherwise, so a new user with nothing set up sees recorded data at once.
Counted as a credential (set and not blank):

- ``DD_API_KEY`` (or ``DD_API_KEY_FILE``, the path of a file holding it);
- a secret of one of the shown collectors in its environment variable (``github/token`` ->
  ``GITHUB_TOKEN``, the first place ``get_secret`` looks);
- AWS credentials ``get_secret`` would use for Secrets Manager: ``AWS_ACCESS_KEY_ID``,
  ``AWS_PROFILE``, ``AWS_WEB_IDENTITY_TOKEN_FILE`` (IRSA) or the container credential URIs.

Files such as ``~/.aws/credentials`` do not count: many developers have them for unrelated
work, and going live with them would surprise more people than it helps. ``--live`` and
``--offline`` override the rule; the ``o`` key switches at any time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from ..sources import env_var_for

DD_API_KEY = "DD_API_KEY"
DD_API_KEY_FILE = "DD_API_KEY_FILE"
AWS_CREDENTIAL_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


def credential_vars(secret_names: Iterable[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """The names (never the values) of the credential variables that are set."""
    environ = os.environ if environ is None else environ
    candidates = [DD_API_KEY, DD_API_KEY_FILE, *(env_var_for(s) for s in secret_names), *AWS_CREDENTIAL_VARS]
    return [name for name in dict.fromkeys(candidates) if environ.get(name, "").strip()]


def default_offline(secret_names: Iterable[str], environ: Mapping[str, str] | None = None) -> bool:
    return not credential_vars(secret_names, environ)
