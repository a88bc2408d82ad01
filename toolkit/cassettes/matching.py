"""Request matching for replays, by vcrpy's matcher names and with its meaning.

``body`` compares what the body says, not its bytes: JSON bodies (GraphQL) as parsed JSON,
form bodies (AWS query APIs such as EC2) as sorted key/value pairs, anything else as bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    uri: str
    body: Any
    headers: dict

    @property
    def parts(self):
        return urlsplit(self.uri)


def _port(r: Recorded) -> int | None:
    parts = r.parts
    return parts.port or {"http": 80, "https": 443}.get(parts.scheme)


def _body(r: Recorded) -> Any:
    raw = r.body
    if raw is None:
        return b""
    if isinstance(raw, dict) and "string" in raw:  # a body stored as {"string": ...}
        raw = raw["string"]
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    if not data:
        return b""
    for parse in (lambda d: ("json", json.loads(d)), lambda d: ("form", sorted(parse_qsl(d.decode(), keep_blank_values=True, strict_parsing=True)))):
        try:
            return parse(data)
        except (ValueError, UnicodeDecodeError):
            continue
    return data


MATCHERS = {
    "method": lambda r: r.method.upper(),
    "scheme": lambda r: r.parts.scheme,
    "host": lambda r: r.parts.hostname,
    "port": _port,
    "path": lambda r: r.parts.path or "/",
    "query": lambda r: sorted(parse_qsl(r.parts.query, keep_blank_values=True)),
    "uri": lambda r: (r.parts.scheme, r.parts.hostname, _port(r), r.parts.path or "/", sorted(parse_qsl(r.parts.query, keep_blank_values=True))),
    "body": _body,
}


def matches(wanted: Recorded, recorded: Recorded, match_on: tuple[str, ...]) -> bool:
    return all(MATCHERS[name](wanted) == MATCHERS[name](recorded) for name in match_on)
