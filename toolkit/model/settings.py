"""``Settings``: the one reader of the toolkit's environment.

``DD_API_KEY`` and ``DD_APP_KEY`` (Datadog credentials), ``DD_SITE`` (default ``datadoghq.com``)
or ``DD_URL`` (a full API base URL that overrides the site: proxies and tests), ``DD_ENV`` (the
``env:`` tag), ``DD_SERVICE`` and ``DD_VERSION`` (the ``service:`` and ``version:`` tags of
unified service tagging), ``DD_TAGS`` (extra tags, comma- or space-separated) and ``AWS_REGION`` (or
``AWS_DEFAULT_REGION``; default ``us-east-1``). Reading them registers the keys for redaction,
so no error text can show them, whichever command runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import SettingsError
from .redact import register_secret

DEFAULT_SITE = "datadoghq.com"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Settings:
    api_key: str = ""
    app_key: str = ""
    site: str = DEFAULT_SITE
    url: str = ""
    env: str | None = None
    tags: tuple[str, ...] = ()
    service: str | None = None
    version: str | None = None
    aws_region: str = DEFAULT_REGION

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def read(name: str) -> str:
            return (env.get(name) or "").strip()

        settings = cls(
            api_key=read("DD_API_KEY"),
            app_key=read("DD_APP_KEY"),
            site=read("DD_SITE") or DEFAULT_SITE,
            url=read("DD_URL"),
            env=read("DD_ENV") or None,
            tags=tuple(t for t in re.split(r"[,\s]+", read("DD_TAGS")) if t),
            service=read("DD_SERVICE") or None,
            version=read("DD_VERSION") or None,
            aws_region=read("AWS_REGION") or read("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        )
        register_secret(settings.api_key)
        register_secret(settings.app_key)
        return settings

    @property
    def endpoint(self) -> str:
        """Datadog's API base URL: ``DD_URL``, else ``https://api.<DD_SITE>``."""
        if self.url and not re.match(r"^https?://", self.url):
            raise SettingsError(f"DD_URL={self.url!r} is not a URL; set it to a full base URL such as https://api.datadoghq.eu")
        return self.url or f"https://api.{self.site}"

    def require(self, *names: str, purpose: str) -> None:
        """Raise one line naming every missing setting of ``names`` (``DD_API_KEY``, ``DD_APP_KEY``)."""
        fields = {"DD_API_KEY": self.api_key, "DD_APP_KEY": self.app_key}
        missing = [name for name in names if not fields[name]]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            raise SettingsError(f"{' and '.join(missing)} {verb} not set; {purpose}")
        self.endpoint  # noqa: B018 - a malformed DD_URL fails here, before any work starts


def settings() -> Settings:
    """The environment's settings now (read afresh: tests and the dashboard change it)."""
    return Settings.from_env()
