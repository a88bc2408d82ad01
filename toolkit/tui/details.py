"""The selected metric's detail views as plain text (no Textual): what a push would send, and
the HTTP requests its function made in the last run."""

from __future__ import annotations

import json

from ..datadog import PushSettings, build_bodies
from ..model import CollectionResult, HttpExchange, MetricSpec, Settings, cost, redact
from . import format as fmt


def display_settings(settings: Settings) -> PushSettings:
    """The push's settings for showing a payload: the tags it adds, never the key (not needed to build)."""
    return PushSettings(api_key="", endpoint="", env=settings.env, tags=settings.tags)


def payload(result: CollectionResult, metric: str, settings: PushSettings, interval: int | None = None) -> dict:
    """The intake JSON the push would send for ``metric``'s series, built by the push's own builder
    (the v2 series intake's for gauges, counts and rates; the v1 distribution points' for a distribution)."""
    bodies = build_bodies([result], settings, {result.collector: interval})  # interval: the schedule's period
    return {"series": [body for series, body in bodies.series + bodies.distributions if series.metric == metric]}


def metric_facts(result: CollectionResult, metric: str, spec: MetricSpec | None, budget: int | None) -> str:
    """One line: the metric's type and unit as Datadog gets them, its series and what they cost,
    and the collector's custom metrics against its budget (budget.customMetrics)."""
    outcome = next((o for o in result.outcomes if o.name == metric), None)
    kind = spec.type if spec is not None else (outcome.type if outcome is not None else "gauge")
    unit = spec.unit if spec is not None else (outcome.unit if outcome is not None else "")
    per_unit = f"/{spec.per_unit}" if spec is not None and spec.per_unit else ""
    counts = result.custom_metrics
    mine = counts.get(metric)
    series = mine.series_count if mine is not None else 0
    collector_total = cost.total(counts)
    against = f"budget {budget}" if budget is not None else "no budget set"
    return (f"{kind} · unit {unit}{per_unit} · {series} series · {mine.custom_metrics if mine else 0} custom metrics · "
            f"{result.collector}: {collector_total} custom metrics, {against}")


def payload_text(result: CollectionResult, metric: str, settings: PushSettings, interval: int | None = None) -> str:
    """``payload`` as indented JSON, redacted like everything on screen (tags come from collector code)."""
    return redact(json.dumps(payload(result, metric, settings, interval), indent=2))


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
