"""The selected metric's detail views as plain text (no Textual): what a push would send, and
the HTTP requests its function made in the last run."""

from __future__ import annotations

import json

from ..datadog import PushSettings, build_series
from ..model import CollectionResult, HttpExchange, Settings, redact
from . import format as fmt


def display_settings(settings: Settings) -> PushSettings:
    """The push's settings for showing a payload: the tags it adds, never the key (not needed to build)."""
    return PushSettings(api_key="", endpoint="", env=settings.env, tags=settings.tags)


def payload(result: CollectionResult, metric: str, settings: PushSettings) -> dict:
    """The intake JSON the push would send for ``metric``'s series, built by the push's own builder."""
    return {"series": [body for series, body in build_series([result], settings) if series.metric == metric]}


def payload_text(result: CollectionResult, metric: str, settings: PushSettings) -> str:
    """``payload`` as indented JSON, redacted like everything on screen (tags come from collector code)."""
    return redact(json.dumps(payload(result, metric, settings), indent=2))


def exchange_line(exchange: HttpExchange) -> str:
    status = str(exchange.status) if exchange.status is not None else "no answer"
    parts = [f"{exchange.method} {redact(exchange.url)} → {status}", fmt.duration(exchange.duration_seconds), f"{exchange.bytes:,} B",
             "replayed" if exchange.replayed else "live"]
    if exchange.retries:
        parts.append(f"{exchange.retries} retr{'y' if exchange.retries == 1 else 'ies'}, waited {exchange.waited_seconds:.1f}s")
    if exchange.error:
        parts.append(redact(exchange.error).splitlines()[0])
    return " · ".join(parts)


def http_text(result: CollectionResult, metric: str) -> str:
    requests = result.requests_of(metric)
    if not requests:
        shared = " (a per_run helper's request is credited to the metric that asked first)" if result.requests else ""
        return f"no HTTP requests by {metric} in this run{shared}"
    return "\n".join(exchange_line(r) for r in requests)
