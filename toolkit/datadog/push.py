"""``--push``: submit a run's series to Datadog's v2 metrics intake with datadog-api-client.

Settings come from the environment: ``DD_API_KEY`` (required), ``DD_SITE`` (default
``datadoghq.com``), ``DD_URL`` (a full API base URL, overriding the site: proxies and tests),
``DD_ENV`` (the ``env:`` tag) and ``DD_TAGS`` (extra tags, comma- or space-separated).

datadog-api-client is imported here only, and only when a push happens: ``from
datadog_api_client.v2.models import ...`` would import every model (over a second), so the few
model modules are imported by their own paths.

Gauges, counts and rates go to the v2 series intake (``POST /api/v2/series``), counts and rates
with their ``interval`` in seconds: the metric's declared one, else the period of the
collector's schedule (``intervals``); a count or rate with neither is not sent, and the report
says why. Distributions go to the v1 distribution points intake (``POST
/api/v1/distribution_points``), which carries no unit: ``dd-toolkit metadata`` sets it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import SettingsError
from ..model import INTERVAL_TYPES, CollectionResult, Series, Settings, datadog_unit, redact, tag_problem
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
        unified = tuple(f"{key}:{value}" for key, value in (("service", settings.service), ("version", settings.version)) if value)
        made = cls(settings.api_key, settings.endpoint, settings.env, unified + settings.tags + tuple(extra_tags))
        for tag in made.constant_tags():
            if problem := tag_problem(tag):
                raise SettingsError(f"a tag every series gets (DD_ENV, DD_SERVICE, DD_VERSION, DD_TAGS or --tag): {problem}")
        return made

    def constant_tags(self, collector: str | None = None) -> list[str]:
        """The tags the push adds to every series (of ``collector``, when named)."""
        tags = [f"env:{self.env}"] if self.env else []
        if collector:
            tags += [f"source:{collector}-collector", f"collector:{collector}"]
        return tags + list(self.tags)

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
            f"{self.sent} sent. {'; '.join(dict.fromkeys(self.errors))}"
        )


def series_tags(result: CollectionResult, series: Series, settings: PushSettings) -> list[str]:
    tags = list(series.tags) + settings.constant_tags(result.collector)
    return list(dict.fromkeys(tags))  # keep order, drop repeats


NO_INTERVAL = (
    "{metric} is a {type} and has no interval: its collector's schedule is irregular or unknown; "
    "declare @metric(interval=SECONDS) or give the collector a regular schedule in the values"
)


@dataclass
class Bodies:
    """What a push sends: v2 series and v1 distribution points, and what it cannot send (with why)."""

    series: list[tuple[Series, dict]] = field(default_factory=list)
    distributions: list[tuple[Series, dict]] = field(default_factory=list)
    unsendable: list[tuple[Series, str]] = field(default_factory=list)


def build_bodies(
    results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None
) -> Bodies:
    """Each series beside the JSON its intake wants for it (meta-metrics included).

    ``intervals``: collector name -> the period of its schedule in seconds (None: irregular).
    """
    out = Bodies()
    for result in results:
        timestamp = int(result.started_at.timestamp())
        for s in result.series:
            tags = series_tags(result, s, settings)
            if s.type == "distribution":
                body = {"metric": s.metric, "points": [[timestamp, list(s.values)]], "tags": tags, "type": "distribution"}
                out.distributions.append((s, body))
                continue
            body = {
                "metric": s.metric,
                "type": _INTAKE_TYPES[s.type],
                "points": [{"timestamp": timestamp, "value": s.value}],
                "tags": tags,
            }
            unit = datadog_unit(s.unit)
            if unit:
                body["unit"] = unit
            if s.type in INTERVAL_TYPES:
                interval = s.interval or (intervals or {}).get(result.collector)
                if not interval:
                    out.unsendable.append((s, NO_INTERVAL.format(metric=s.metric, type=s.type)))
                    continue
                body["interval"] = int(interval)
            out.series.append((s, body))
    return out


def build_series(results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None) -> list[tuple[Series, dict]]:
    """The v2 series bodies of a push (gauges, counts and rates)."""
    return build_bodies(results, settings, intervals).series


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


def push(results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None) -> PushReport:
    """Submit every series of ``results``; report what was sent and what was not."""
    report = PushReport()
    bodies = build_bodies(results, settings, intervals)
    for s, why in bodies.unsendable:
        report.failed.append(s)
        report.errors.append(why)
    if not bodies.series and not bodies.distributions:
        return report
    client = api_client(settings.endpoint, settings.api_key)
    try:
        if bodies.series:
            v2 = _metrics_api(client)
            for batch in batches(bodies.series):
                _submit(lambda b: _send_series(v2, b), batch, report)
        if bodies.distributions:
            v1 = _distribution_api(client)
            for batch in batches(bodies.distributions):
                _submit(lambda b: _send_distributions(v1, b), batch, report)
    finally:
        client.close()
    return report


def _send_series(api, batch: list[tuple[Series, dict]]) -> None:
    from datadog_api_client.v2.model.metric_content_encoding import MetricContentEncoding

    api.submit_metrics(body=_payload(batch), content_encoding=MetricContentEncoding.DEFLATE)


def _send_distributions(api, batch: list[tuple[Series, dict]]) -> None:
    from datadog_api_client.v1.model.distribution_points_content_encoding import (
        DistributionPointsContentEncoding,
    )

    api.submit_distribution_points(body=_distribution_payload(batch), content_encoding=DistributionPointsContentEncoding.DEFLATE)


def _submit(send, batch: list[tuple[Series, dict]], report: PushReport) -> None:
    from datadog_api_client.exceptions import ApiException

    report.requests += 1
    try:
        send(batch)
    except ApiException as exc:
        if exc.status == 413 and len(batch) > 1:  # too large after all: split and send both halves
            half = len(batch) // 2
            _submit(send, batch[:half], report)
            _submit(send, batch[half:], report)
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
        kwargs = {key: body[key] for key in ("unit", "interval") if key in body}
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


def _distribution_payload(batch: list[tuple[Series, dict]]):
    from datadog_api_client.v1.model.distribution_point import DistributionPoint
    from datadog_api_client.v1.model.distribution_points_payload import DistributionPointsPayload
    from datadog_api_client.v1.model.distribution_points_series import DistributionPointsSeries
    from datadog_api_client.v1.model.distribution_points_type import DistributionPointsType

    series = [
        DistributionPointsSeries(
            metric=body["metric"],
            points=[DistributionPoint([float(ts), values]) for ts, values in body["points"]],
            tags=body["tags"],
            type=DistributionPointsType.DISTRIBUTION,
        )
        for _, body in batch
    ]
    return DistributionPointsPayload(series=series)


def _metrics_api(client):
    from datadog_api_client.v2.api.metrics_api import MetricsApi

    return MetricsApi(client)


def _distribution_api(client):
    from datadog_api_client.v1.api.metrics_api import MetricsApi

    return MetricsApi(client)
