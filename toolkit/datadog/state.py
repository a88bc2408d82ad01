"""What earlier runs pushed, read back from Datadog itself: the store of the run's windows.

A run pushes ``collector.<name>.window_end`` (its window's end, as a POSIX time, stamped at that
end) and each windowed count's tag sets. Reading them back with the metrics query API is the
state between runs: it survives the pod, needs no volume and no new infrastructure, and it is
exactly what was accepted by the intake, never what a run only meant to push (docs/architecture.md,
"State between runs").

The query API (``GET /api/v1/query?from=&to=&query=``, both keys) answers a
``MetricsQueryResponse``: ``series`` of ``MetricsQueryMetadata``, each with ``tag_set`` (the
group's tags) and ``pointlist`` (``[[milliseconds, value], ...]``, a value may be null). The shapes
are datadog-api-client's models (``datadog_api_client.v1.model.metrics_query_response`` and
``metrics_query_metadata``, generated from its OpenAPI ``QueryMetrics`` operation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import DatadogApiError
from ..model import redact

QUERY_PATH = "/api/v1/query"
ALL_TAGS_PATH = "/api/v2/metrics/{metric}/all-tags"  # ListTagsByMetricName: {"data": {"attributes": {"tags": [...]}}}
PUSHED_KEYS = frozenset({"env", "service", "version", "source", "collector"})  # the tags every pushed series gets
REQUEST_TIMEOUT = 10.0

# Datadog's v2 series intake takes a point "not more than 10 minutes in the future or more than
# 1 hour in the past" (OpenAPI MetricPoint.timestamp, datadog-api-client .generator/schemas/v2);
# older points need historical metrics ingestion. A missed window ending earlier cannot be caught up.
ACCEPTS_PAST_SECONDS = 3600


@dataclass
class DatadogState:
    """The metrics query API over ``endpoint`` with both keys (``DD_API_KEY``, ``DD_APP_KEY``)."""

    endpoint: str
    api_key: str
    app_key: str
    timeout: float = REQUEST_TIMEOUT

    def tag_keys(self, metric: str, ignore: frozenset[str] = PUSHED_KEYS) -> list[str]:
        """The tag keys ``metric`` was pushed with, but those the push adds (a windowed count whose run returned no tag set)."""
        body = self._get(ALL_TAGS_PATH.format(metric=metric), {})
        tags = ((body.get("data") or {}).get("attributes") or {}).get("tags") or []
        return sorted({t.split(":", 1)[0] for t in tags if isinstance(t, str)} - ignore)

    def _query(self, query: str, since: datetime, until: datetime) -> list[dict]:
        params = {"from": str(int(since.timestamp())), "to": str(int(until.timestamp())), "query": query}
        body = self._get(QUERY_PATH, params)
        return [s for s in body.get("series") or [] if isinstance(s, dict)]

    def _get(self, path: str, params: dict) -> dict:
        from ..sources import httpx, ssl_context

        headers = {"DD-API-KEY": self.api_key, "DD-APPLICATION-KEY": self.app_key, "Accept": "application/json"}
        try:
            response = httpx.get(self.endpoint.rstrip("/") + path, params=params, headers=headers, timeout=self.timeout,
                                 verify=ssl_context())  # the process's one TLS context, as the push uses
        except httpx.HTTPError as exc:
            raise DatadogApiError(redact(f"reading what was pushed from Datadog ({path}): {type(exc).__name__}: {exc}")) from exc
        if response.status_code != 200:
            raise DatadogApiError(redact(f"reading what was pushed from Datadog ({path}): HTTP {response.status_code}: {response.text[:300]}"))
        body = response.json()
        if not isinstance(body, dict) or body.get("status") == "error":
            raise DatadogApiError(redact(f"reading what was pushed from Datadog ({path}): {body.get('error') if isinstance(body, dict) else body!r}"))
        return body

    def last_window_end(self, collector: str, since: datetime, until: datetime) -> datetime | None:
        """The end of the latest window ``collector`` pushed between ``since`` and ``until`` (None: none)."""
        found = [
            value for s in self._query(f"max:collector.{collector}.window_end{{collector:{collector}}}", since, until)
            for _, value in s.get("pointlist") or [] if value is not None
        ]
        return datetime.fromtimestamp(max(found), UTC) if found else None

    def tag_sets(self, collector: str, metric: str, keys: list[str], since: datetime, until: datetime
                 ) -> dict[tuple[str, ...], tuple[datetime | None, datetime]]:
        """Each tag set (over ``keys``) of ``metric`` pushed since ``since``, with the time of its last
        non-zero point (None: only zeros since then) and of its last point of any value."""
        if not keys:
            return {}
        out: dict[tuple[str, ...], tuple[datetime | None, datetime]] = {}
        query = f"sum:{metric}{{collector:{collector}}} by {{{','.join(sorted(keys))}}}"
        for s in self._query(query, since, until):
            tags = tuple(sorted(t for t in s.get("tag_set") or [] if t.split(":", 1)[0] in keys))
            if not tags:
                continue
            points = [(ms, value) for ms, value in s.get("pointlist") or [] if value is not None]
            if not points:
                continue
            nonzero = [ms for ms, value in points if value]
            last = datetime.fromtimestamp(max(nonzero) / 1000, UTC) if nonzero else None
            seen = datetime.fromtimestamp(max(ms for ms, _ in points) / 1000, UTC)
            before_last, before_seen = out.get(tags, (None, seen))
            out[tags] = (max((t for t in (last, before_last) if t is not None), default=None), max(seen, before_seen))
        return out
