"""``auth_headers``: request headers built from secrets, declared as one line per header.

A collector declares how its API authenticates as header lines, ``{secret/name}`` standing for
the value of that secret (``get_secret``)::

    AUTH_HEADERS = ("Authorization: Token token={pagerduty/token}",)   # PagerDuty
    AUTH_HEADERS = ("X-API-Key: {acme/api-key}",)                       # a custom header
    AUTH_HEADERS = ("Authorization: Basic {acme/username}:{acme/password}",)  # HTTP basic

and builds its headers with ``auth_headers(*AUTH_HEADERS)``. The same lines are what
``dd-toolkit docs`` writes into the README's authentication section, so the README says what
the code sends. ``Authorization: Basic`` is HTTP basic auth: what follows ``Basic`` is
base64-encoded once the secrets are in, as RFC 7617 wants.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from ..errors import ConfigError
from ..model import register_secret
from .secrets import get_secret

# RFC 9110's token characters for a field name; a value is one line without braces other than
# the secret fields (a brace always opens or closes a secret's name).
_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(\S(?:[^\r\n]*\S)?)$")
_FIELD = re.compile(r"\{([^{}\s]+)\}")
_BASIC = re.compile(r"(?i)^basic[ \t]+")


@dataclass(frozen=True)
class AuthHeader:
    """One parsed header line: its name, its value template and the secrets the value uses."""

    name: str
    template: str
    secrets: tuple[str, ...]

    @property
    def basic(self) -> bool:
        return self.name.lower() == "authorization" and bool(_BASIC.match(self.template))

    def value(self, secrets: dict[str, str]) -> str:
        filled = _FIELD.sub(lambda m: secrets[m.group(1)], self.template)
        if self.basic:
            scheme = _BASIC.match(filled).group(0)
            return scheme + base64.b64encode(filled[len(scheme):].encode()).decode("ascii")
        return filled


def parse_auth_header(line: str) -> AuthHeader:
    """``"Name: value with {secret/name}"`` as an ``AuthHeader``; ConfigError names what is wrong."""
    match = _LINE.match(line) if isinstance(line, str) else None
    if match is None:
        raise ConfigError(
            f"auth header {line!r} is not one line `Name: value`, e.g. "
            "'Authorization: Bearer {service/token}' or 'X-API-Key: {service/api-key}'"
        )
    name, template = match.groups()
    secrets = tuple(dict.fromkeys(_FIELD.findall(template)))
    if "{" in _FIELD.sub("", template) or "}" in _FIELD.sub("", template):
        raise ConfigError(f"auth header {line!r} has a brace outside a {{secret/name}} field; braces only enclose secret names")
    if not secrets:
        raise ConfigError(f"auth header {line!r} uses no secret; put the secret's name in braces, e.g. {{service/token}}")
    return AuthHeader(name, template, secrets)


def auth_headers(*lines: str) -> dict[str, str]:
    """The headers the ``lines`` declare, each ``{secret/name}`` replaced by ``get_secret(name)``.

    A basic-auth value is registered for redaction: the secrets in it are base64-encoded, so
    the redaction of the secrets themselves would not find them in an error or a recording.
    """
    headers: dict[str, str] = {}
    for header in map(parse_auth_header, lines):
        value = header.value({name: get_secret(name) for name in header.secrets})
        if header.basic:
            register_secret(value.split(None, 1)[1])
        headers[header.name] = value
    return headers
