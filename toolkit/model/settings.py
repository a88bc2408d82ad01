"""``Settings``: the one reader of the toolkit's environment.

``DD_API_KEY`` and ``DD_APP_KEY`` (Datadog credentials; or ``DD_API_KEY_FILE`` and
``DD_APP_KEY_FILE``, the path of a file holding the key), ``DD_SITE`` (default ``datadoghq.com``)
or ``DD_URL`` (a full API base URL that overrides the site: proxies and tests), ``DD_ENV`` (the
``env:`` tag), ``DD_SERVICE`` and ``DD_VERSION`` (the ``service:`` and ``version:`` tags of
unified service tagging), ``DD_TAGS`` (extra tags, comma- or space-separated), ``AWS_REGION`` (or
``AWS_DEFAULT_REGION``; default ``us-east-1``) and ``DD_TOOLKIT_STATE_DIR`` (what runs remember,
default ``$XDG_STATE_HOME/dd-toolkit``, else ``~/.local/state/dd-toolkit``). Reading them
registers the keys for redaction, so no error text can show them, whichever command runs.

Reading raises nothing: a key file that cannot be read, or a key set both ways, is kept as the
key's problem and raised by ``require``, so only a command that needs the key fails (with one
line naming the file and the fix), and ``dd-toolkit list`` still works.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import SettingsError
from .redact import register_secret

DEFAULT_SITE = "datadoghq.com"
DEFAULT_REGION = "us-east-1"
# A key is 32 or 40 characters; a bigger file is not a key file, and a device (/dev/zero) must not
# be read whole.
MAX_KEY_FILE_BYTES = 4096


@dataclass(frozen=True)
class Settings:
    api_key: str = field(default="", repr=False)  # a repr (a debugger, a log line) must not show the keys
    app_key: str = field(default="", repr=False)
    site: str = DEFAULT_SITE
    url: str = ""
    env: str | None = None
    tags: tuple[str, ...] = ()
    service: str | None = None
    version: str | None = None
    aws_region: str = DEFAULT_REGION
    state_dir: str = ""  # what a run remembers between runs (``run --push --sync-metadata``)
    # why DD_API_KEY / DD_APP_KEY could not be read ("" when it could, or when neither way is set)
    api_key_problem: str = ""
    app_key_problem: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def read(name: str) -> str:
            return (env.get(name) or "").strip()

        api_key, api_key_problem = _key(read, "DD_API_KEY")
        app_key, app_key_problem = _key(read, "DD_APP_KEY")
        return cls(
            api_key=api_key,
            app_key=app_key,
            site=read("DD_SITE") or DEFAULT_SITE,
            url=read("DD_URL"),
            env=read("DD_ENV") or None,
            tags=tuple(t for t in re.split(r"[,\s]+", read("DD_TAGS")) if t),
            service=read("DD_SERVICE") or None,
            version=read("DD_VERSION") or None,
            aws_region=read("AWS_REGION") or read("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            state_dir=state_dir(env),
            api_key_problem=api_key_problem,
            app_key_problem=app_key_problem,
        )

    @property
    def endpoint(self) -> str:
        """Datadog's API base URL: ``DD_URL``, else ``https://api.<DD_SITE>``."""
        if self.url and not re.match(r"^https?://", self.url):
            raise SettingsError(f"DD_URL={self.url!r} is not a URL; set it to a full base URL such as https://api.datadoghq.eu")
        return self.url or f"https://api.{self.site}"

    def require(self, *names: str, purpose: str) -> None:
        """Raise one line naming every missing setting of ``names`` (``DD_API_KEY``, ``DD_APP_KEY``),
        or the first key whose file could not be read."""
        fields = {"DD_API_KEY": (self.api_key, self.api_key_problem), "DD_APP_KEY": (self.app_key, self.app_key_problem)}
        for name in names:
            if problem := fields[name][1]:
                raise SettingsError(problem)
        missing = [name for name in names if not fields[name][0]]
        if missing:
            files = " or ".join(f"{name}_FILE" for name in missing)
            if len(missing) == 1:
                raise SettingsError(f"{missing[0]} is not set (nor {files}, the path of a file holding it); {purpose}")
            raise SettingsError(f"{' and '.join(missing)} are not set (nor {files}, the paths of files holding them); {purpose}")
        self.endpoint  # noqa: B018 - a malformed DD_URL fails here, before any work starts


def state_dir(environ: Mapping[str, str] | None = None) -> str:
    """``DD_TOOLKIT_STATE_DIR``, else our folder in the XDG base directory spec's state home
    (default ``~/.local/state``); without reading the rest of the settings (the keys' files)."""
    env = os.environ if environ is None else environ
    own = (env.get("DD_TOOLKIT_STATE_DIR") or "").strip()
    if own:
        return own
    xdg_state_home = (env.get("XDG_STATE_HOME") or "").strip()
    return os.path.join(xdg_state_home or os.path.join(os.path.expanduser("~"), ".local", "state"), "dd-toolkit")


def _key(read: Callable[[str], str], name: str) -> tuple[str, str]:
    """The key ``name`` from the environment, or from the file ``<name>_FILE`` names, and the
    problem that stops it being used ("" when none). Every value seen is registered for redaction."""
    value, path = read(name), read(f"{name}_FILE")
    register_secret(value)
    if not path:
        return value, ""
    if value:
        return "", f"{name} and {name}_FILE are both set; set only one (unset {name} to read the key from the file)"
    fix = f"point {name}_FILE at a file holding only the key, or unset it and set {name}"
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:  # strerror, never str(exc): a message names nothing but the path we give
        return "", f"{name}_FILE={path!r} cannot be read ({exc.strerror or type(exc).__name__}); {fix}"
    if len(raw) > MAX_KEY_FILE_BYTES:
        return "", f"{name}_FILE={path!r} is over {MAX_KEY_FILE_BYTES} bytes, too big for a key; {fix}"
    try:
        # surrounding whitespace goes: a Kubernetes Secret written with `echo` ends in a newline
        key = raw.decode("utf-8").strip()
    except UnicodeDecodeError:  # its text would show bytes of the file: say only what is wrong
        return "", f"{name}_FILE={path!r} is not a text file; {fix}"
    register_secret(key)
    if not key:
        return "", f"{name}_FILE={path!r} is empty; {fix}"
    # a key is one word: a second line or a "name: value" pair would reach the request's header
    if any(char.isspace() for char in key):
        return "", f"{name}_FILE={path!r} holds more than the key (whitespace inside it); {fix}"
    return key, ""


def settings() -> Settings:
    """The environment's settings now (read afresh: tests and the dashboard change it)."""
    return Settings.from_env()
