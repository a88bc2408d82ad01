"""Request matching for replays, by vcrpy's matcher names and with its meaning.

Record (vcrpy's own ``vcr.matchers``, in ``record --mode new``) and replay must pair requests
the same way, so these follow vcrpy: ``query`` is vcrpy's ``Request.query`` (sorted pairs, a
blank value dropped), ``uri`` the URI as written (an empty path read as ``/``).
``tests/test_matching_agreement.py`` runs both over every committed cassette.
``body`` compares what the body says, not its bytes: JSON bodies (GraphQL) as parsed JSON,
form bodies (AWS query APIs such as EC2) as sorted key/value pairs, anything else as bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    uri: str
    body: Any
    headers: dict
    where: str = field(default="", compare=False)  # "<cassette>.yaml #<n>", for messages naming it

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


def _query(r: Recorded) -> list[tuple[str, str]]:
    return sorted(parse_qsl(r.parts.query))  # as vcrpy's Request.query: blank values dropped


def _uri(r: Recorded) -> str:
    parts = r.parts
    if parts.path:
        return r.uri
    authority = f"{parts.scheme}://{parts.netloc}"  # vcrpy: https://host == https://host/
    return authority + "/" + r.uri[len(authority):] if r.uri.startswith(authority) else r.uri


MATCHERS = {
    "method": lambda r: r.method.upper(),
    "scheme": lambda r: r.parts.scheme,
    "host": lambda r: r.parts.hostname,
    "port": _port,
    "path": lambda r: r.parts.path or "/",
    "query": _query,
    "uri": _uri,
    "body": _body,
}


def matches(wanted: Recorded, recorded: Recorded, match_on: tuple[str, ...]) -> bool:
    return all(MATCHERS[name](wanted) == MATCHERS[name](recorded) for name in match_on)
