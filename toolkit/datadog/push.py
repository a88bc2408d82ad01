"""``--push``: submit a run's series to Datadog's v2 metrics intake with datadog-api-client.

Settings come from the environment: ``DD_API_KEY`` (required), ``DD_SITE`` (default
``datadoghq.com``), ``DD_URL`` (a full API base URL, overriding the site: proxies and tests),
``DD_ENV`` (the ``env:`` tag) and ``DD_TAGS`` (extra tags, comma- or space-separated).

datadog-api-client is imported here only, and only when a push happens: ``from
datadog_api_client.v2.models import ...`` would import every model (over a second), so the few
model modules are imported by their own paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import UNITS, CollectionResult, Series, Settings, redact
from .client import api_client, body_text

# The intake accepts 5 MB uncompressed per payload; stay well under it (tags make series vary).
MAX_PAYLOAD_BYTES = 3_000_000
MAX_SERIES_PER_REQUEST = 1000
_INTAKE_TYPES = {"count": 1, "rate": 2, "gauge": 3}


PUSH_NEEDS = "export it (in Kubernetes: the chart's datadog.apiKeySecret) or run without --push"


@dataclass(frozen=True)
class PushSettings:
    """What a push sends with: the key and endpoint, plus the tags every series gets."""

    api_key: str
    endpoint: str  # the API base URL, from DD_URL or DD_SITE
    env: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, extra_tags: Iterable[str] = ()) -> PushSettings:
        """Checked before any collecting starts: a missing key or a bad DD_URL is a SettingsError."""
        settings.require("DD_API_KEY", purpose=PUSH_NEEDS)
        return cls(settings.api_key, settings.endpoint, settings.env, settings.tags + tuple(extra_tags))

    @classmethod
    def from_env(cls, extra_tags: Iterable[str] = ()) -> PushSettings:
        return cls.from_settings(Settings.from_env(), extra_tags)


@dataclass
class PushReport:
    """What a push sent and what it could not send (with why)."""

    sent: int = 0
    requests: int = 0
    failed: list[Series] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def summary(self) -> str:
        if self.ok:
            return f"pushed {self.sent} series in {self.requests} request(s)"
        names = sorted({s.metric for s in self.failed})
        return (
            f"push failed: {len(self.failed)} series not sent ({', '.join(names)}); "
            f"{self.sent} sent. {'; '.join(self.errors)}"
        )


def series_tags(result: CollectionResult, series: Series, settings: PushSettings) -> list[str]:
    tags = list(series.tags)
    if settings.env:
        tags.append(f"env:{settings.env}")
    tags += [result.source_tag, f"collector:{result.collector}", *settings.tags]
    return list(dict.fromkeys(tags))  # keep order, drop repeats


def build_series(results: Iterable[CollectionResult], settings: PushSettings) -> list[tuple[Series, dict]]:
    """Each series beside the JSON the v2 intake wants for it (meta-metrics included)."""
    out = []
    for result in results:
        timestamp = int(result.started_at.timestamp())
        for s in result.series:
            body: dict = {
                "metric": s.metric,
                "type": _INTAKE_TYPES[s.type],
                "points": [{"timestamp": timestamp, "value": s.value}],
                "tags": series_tags(result, s, settings),
            }
            unit = UNITS.get(s.unit)
            if unit:
                body["unit"] = unit
            out.append((s, body))
    return out


def batches(items: list[tuple[Series, dict]]) -> list[list[tuple[Series, dict]]]:
    """Split series into requests under the intake's payload limits."""
    out: list[list[tuple[Series, dict]]] = []
    current: list[tuple[Series, dict]] = []
    size = 0
    for item in items:
        item_size = len(json.dumps(item[1]))
        if current and (size + item_size > MAX_PAYLOAD_BYTES or len(current) >= MAX_SERIES_PER_REQUEST):
            out.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        out.append(current)
    return out


def push(results: Iterable[CollectionResult], settings: PushSettings) -> PushReport:
    """Submit every series of ``results``; report what was sent and what was not."""
    report = PushReport()
    items = build_series(results, settings)
    if not items:
        return report
    api = _metrics_api(settings)
    try:
        for batch in batches(items):
            _submit(api, batch, report)
    finally:
        api.api_client.close()
    return report


def _submit(api, batch: list[tuple[Series, dict]], report: PushReport) -> None:
    from datadog_api_client.exceptions import ApiException
    from datadog_api_client.v2.model.metric_content_encoding import MetricContentEncoding

    report.requests += 1
    try:
        api.submit_metrics(body=_payload(batch), content_encoding=MetricContentEncoding.DEFLATE)
    except ApiException as exc:
        if exc.status == 413 and len(batch) > 1:  # too large after all: split and send both halves
            half = len(batch) // 2
            _submit(api, batch[:half], report)
            _submit(api, batch[half:], report)
            return
        report.failed.extend(s for s, _ in batch)
        report.errors.append(redact(f"HTTP {exc.status} {exc.reason}: {body_text(exc.body)}"))
        return
    except Exception as exc:  # network errors after the client's retries
        report.failed.extend(s for s, _ in batch)
        report.errors.append(redact(f"{type(exc).__name__}: {exc}"))
        return
    report.sent += len(batch)


def _payload(batch: list[tuple[Series, dict]]):
    from datadog_api_client.v2.model.metric_intake_type import MetricIntakeType
    from datadog_api_client.v2.model.metric_payload import MetricPayload
    from datadog_api_client.v2.model.metric_point import MetricPoint
    from datadog_api_client.v2.model.metric_series import MetricSeries

    series = []
    for _, body in batch:
        kwargs = {"unit": body["unit"]} if "unit" in body else {}
        series.append(
            MetricSeries(
                metric=body["metric"],
                type=MetricIntakeType(body["type"]),
                points=[MetricPoint(timestamp=p["timestamp"], value=p["value"]) for p in body["points"]],
                tags=body["tags"],
                **kwargs,
            )
        )
    return MetricPayload(series=series)


def _metrics_api(settings: PushSettings):
    from datadog_api_client.v2.api.metrics_api import MetricsApi

    return MetricsApi(api_client(settings.endpoint, settings.api_key))
