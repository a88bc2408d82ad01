"""Drift: how a live run's HTTP differs in *shape* from a committed cassette.

``dd-toolkit record NAME --check`` records a live run into a temporary directory and hands
both sets of interactions to ``drift_between``. Requests are paired by method, path and the *names*
of their query parameters (values such as ``since=<7 days ago>`` change on every run); within
one key the responses merge into one shape (pages of a list are one shape), and a different
number of requests is reported (a new page, an endpoint no longer asked). Each key is compared
by status codes, content types (the media type, without parameters) and the shape of its JSON
bodies: keys, value types and nesting, list items merged, values ignored.

Only shapes and scrubbed, redacted URIs reach the report, so it is safe to paste.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..model import redact
from .matching import Recorded

ABSENT = "(absent)"


@dataclass(frozen=True)
class Drift:
    request: str  # "GET /path?name" (the pairing key, no values)
    where: str  # "status", "content type", "request", or a body path such as "$.items[].id"
    before: str
    now: str


def request_key(rec: Recorded) -> tuple[str, str, tuple[str, ...]]:
    parts = rec.parts
    names = tuple(sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return rec.method.upper(), parts.path or "/", names


def describe_key(key: tuple[str, str, tuple[str, ...]]) -> str:
    method, path, names = key
    return f"{method} {redact(path)}" + (f"?{'&'.join(names)}" if names else "")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"  # 3 and 3.5 are one JSON type: values are not shape
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shape(value: Any, path: str = "$", into: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every path of a JSON value with the types seen there; list items merge into ``path[]``."""
    out = into if into is not None else defaultdict(set)
    out[path].add(json_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            shape(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


def _status(response: dict) -> int:
    return int(response["status_code"] if "status_code" in response else response["status"]["code"])


def _content_type(response: dict) -> str:
    headers = response.get("headers") or {}
    for name, values in headers.items():
        if name.lower() == "content-type":
            value = values[0] if isinstance(values, list) and values else values
            return str(value or "").split(";")[0].strip().lower()
    return ""


def _body_shape(response: dict) -> dict[str, set[str]] | None:
    body = response.get("content", "") if "status_code" in response else (response.get("body") or {}).get("string", "")
    if isinstance(body, bytes | bytearray):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(body, str) or not body.strip():
        return None
    try:
        return shape(json.loads(body))
    except ValueError:
        return None  # not JSON: its shape is not compared, its status and content type are


def _emptied(path: str, other: dict[str, set[str]]) -> bool:
    """A path under a list that the other side saw only empty: a value difference, not shape."""
    cut = path
    while "[]" in cut:
        cut = cut[: cut.rindex("[]")]
        if other.get(cut) == {"array"} and f"{cut}[]" not in other:
            return True
    return False


def _fmt(types: set[str] | None) -> str:
    return "|".join(sorted(types)) if types else ABSENT


def compare_shapes(before: dict[str, set[str]] | None, now: dict[str, set[str]] | None) -> list[tuple[str, str, str]]:
    before, now = before or {}, now or {}
    rows = []
    for path in sorted(set(before) | set(now)):
        old, new = before.get(path), now.get(path)
        if old == new:
            continue
        if old is None and _emptied(path, before) or new is None and _emptied(path, now):
            continue
        rows.append((path, _fmt(old), _fmt(new)))
    return rows


def _merged(responses: list[dict]) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """One key's responses as one shape: statuses, content types and body paths, merged."""
    statuses, types, body = set(), set(), defaultdict(set)
    for response in responses:
        statuses.add(str(_status(response)))
        types.add(_content_type(response) or ABSENT)
        for path, seen in (_body_shape(response) or {}).items():
            body[path] |= seen
    return statuses, types, body


def drift_between(before: list[tuple[Recorded, dict]], now: list[tuple[Recorded, dict]]) -> list[Drift]:
    """The shape differences between two lists of (request, vcrpy response) interactions.

    The responses of one key merge before comparing (as list items do): page 2 of 2 has
    ``"next": null`` where page 2 of 3 has a number, and neither is a change of shape.
    """
    grouped: dict[tuple, tuple[list[dict], list[dict]]] = {}
    for side, interactions in ((0, before), (1, now)):
        for rec, response in interactions:
            grouped.setdefault(request_key(rec), ([], []))[side].append(response)
    drifts: list[Drift] = []
    for key, (old, new) in grouped.items():
        label = describe_key(key)
        if old and new:
            (s1, t1, b1), (s2, t2, b2) = _merged(old), _merged(new)
            if s1 != s2:
                drifts.append(Drift(label, "status", _fmt(s1), _fmt(s2)))
            if t1 != t2:
                drifts.append(Drift(label, "content type", _fmt(t1), _fmt(t2)))
            drifts += [Drift(label, path, x, y) for path, x, y in compare_shapes(b1, b2)]
        if len(old) != len(new):
            drifts.append(Drift(label, "requests", f"{len(old)} in the cassette", f"{len(new)} in the live run"))
    return drifts


def drift_table(drifts: list[Drift]) -> list[str]:
    """The drift table: request, where (a body path), before, now; aligned columns."""
    rows = [("request", "where", "before", "now")] + [(d.request, d.where, d.before, d.now) for d in drifts]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip() for row in rows]
