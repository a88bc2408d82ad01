"""Scrubbing secrets out of text before anyone sees it (terminal, TUI, JSON, logs)."""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, urlsplit

REDACTED = "***"

_known: set[str] = set()
_lock = threading.Lock()

# Secrets shorter than this are too likely to collide with ordinary words to scrub blindly.
_MIN_SECRET_LENGTH = 6

# Credentials recognisable by their shape alone; one list for redaction, the recorder's scrubber
# and the cassette hygiene test, so the three never drift apart.
CREDENTIAL_SHAPES: list[tuple[str, re.Pattern]] = [
    ("GitHub token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}")),
]

# Query and form parameter names that carry credentials: one list for redaction, the recorder's
# scrubber and the cassette hygiene test, so a name added here is scrubbed everywhere.
CREDENTIAL_PARAMS: tuple[str, ...] = (
    "access_token", "refresh_token", "id_token", "session_token", "private_token", "token", "auth",
    "api_key", "api-key", "apikey", "key", "secret", "client_secret", "password", "passwd", "private_key",
    "sig", "signature", "x-amz-signature", "x-amz-credential", "x-amz-security-token",
)
CREDENTIAL_PARAM = re.compile("(?i)^(?:" + "|".join(map(re.escape, CREDENTIAL_PARAMS)) + ")$")
# An Authorization value of any scheme (Bearer, Basic, Token, Digest, AWS4-HMAC-SHA256, a bare
# key): group 1 keeps the name and the scheme, the credential after it is what goes.
AUTHORIZATION_VALUE = re.compile(
    r"(?i)((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?(?:[A-Za-z][\w.+-]*\s+)?+)(?![*]{3})[^'\"\s}]+"
)

# The password of a URL's userinfo (``https://user:password@host``): group 1 keeps the scheme and
# the user, group 2 is the password. One pattern for redaction, the recorder's scrubber and the
# cassette hygiene test.
URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@'\"<>]*:)([^@/\s'\"<>]+)(?=@)")
# Setting names that say their value is a credential (GITHUB_TOKEN, DB_PASSWORD, STRIPE_API_KEY).
_CREDENTIAL_NAME = re.compile(
    r"(?i)(?:^|[^a-z])(?:token|secret|passw(?:or)?d|pwd|passphrase|credentials?|apikey|"
    r"(?:api|app|application|access|private|secret|client)[-_]?key)(?:[^a-z]|$)"
)

# Shapes of credentials that may reach an error message without passing through get_secret
# (a token in a URL a server echoes back, an Authorization header in a traceback).
_PATTERNS = [
    URL_PASSWORD,
    re.compile(r"(?i)([?&;](?:" + "|".join(map(re.escape, CREDENTIAL_PARAMS)) + r")=)[^&\s'\"#]+"),
    AUTHORIZATION_VALUE,
    re.compile(r"(?i)(\bBearer\s+)(?![*]{3})[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(\bBasic\s+)(?![*]{3})[A-Za-z0-9+/=]{8,}"),
    *(re.compile(f"()(?:{shape.pattern})") for _, shape in CREDENTIAL_SHAPES),
]


def register_secret(value: str) -> None:
    """Remember a secret value so that ``redact`` scrubs it wherever it appears."""
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _known.add(value)


def is_plain_url(value: str) -> bool:
    """An http(s) URL with no user, password, query or fragment: an address, not a credential."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not (
        parts.username or parts.password or parts.query or parts.fragment
    )


def credential_values(name: str, value: str) -> list[str]:
    """The parts of setting ``name``'s ``value`` that are credentials.

    A URL keeps its address (a replay must ask the same host): its userinfo password and its
    credential-named query parameters are the credentials. Any other value is one whole when
    its name says so (``*_TOKEN``, ``*_PASSWORD``, ``*_API_KEY``...). Credential shapes (GitHub,
    AWS, Slack tokens) count wherever they are.
    """
    if not isinstance(value, str) or not value:
        return []
    found = [m.group(0) for _, shape in CREDENTIAL_SHAPES for m in shape.finditer(value)]
    parts = urlsplit(value) if "://" in value else None
    if parts is not None and parts.scheme and parts.hostname:
        if parts.password:
            found.append(parts.password)
        found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if CREDENTIAL_PARAM.match(k) and v]
    elif _CREDENTIAL_NAME.search(name):
        found.append(value)
    return list(dict.fromkeys(found))


def register_setting(name: str, value: str) -> None:
    """Register the credentials a setting holds (``credential_values``) for redaction."""
    for part in credential_values(name, value):
        register_secret(part)


def known_secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_known)


def redact(text: str) -> str:
    """Replace secret values and credential-shaped substrings in ``text``."""
    if not text:
        return text
    # Longest first, so a secret that contains another is replaced whole.
    for value in sorted(known_secrets(), key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


# C0 controls but tab and newline, DEL, and C1 controls (CSI, OSC...): an escape sequence in an
# upstream message (a provider's error text) would move the cursor, recolour or retitle the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe to print or draw: control characters (escape sequences) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if text else text
