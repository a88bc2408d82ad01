"""Metric metadata as code: each metric's type, unit, per_unit, description and short name in
Datadog kept equal to its ``@metric`` declaration.

Through Datadog's metric metadata API (``GET``/``PUT /api/v1/metrics/{metric_name}``, the
``MetricMetadata`` schema of datadog-api-client's v1 OpenAPI description) with
datadog-api-client, imported only when a request is made. Only the fields the code declares are
compared and sent: a short name set by hand in Datadog for a metric that declares none stays.
A metric Datadog answers 404 for has never been pushed: it is "not in Datadog yet", not drift.

A unit or per_unit Datadog holds that the code does not declare (one a metric used to have) is
reported as such: a PUT sends only the fields it sets, so ``--apply`` cannot clear it; it has to
be removed in Datadog's Metrics Summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import DatadogApiError
from ..model import MetricSpec, Settings, datadog_unit, redact
from .client import api_client, body_text

FIELDS = ("type", "unit", "per_unit", "description", "short_name")
# Held in Datadog, declared by no code: reported, since it changes what the numbers mean. A
# description or short name set by hand for a metric that declares none is left alone on purpose.
UNDECLARED_REPORTED = ("unit", "per_unit")

IN_STEP = "in step"
DRIFT = "drift"
MISSING = "not in Datadog yet"


def wanted(spec: MetricSpec) -> dict[str, str]:
    """The metadata the code declares, in Datadog's vocabulary (``hours`` -> ``hour``)."""
    values = {
        "type": spec.type,
        "unit": datadog_unit(spec.unit),
        "per_unit": datadog_unit(spec.per_unit),
        "description": spec.description or None,
        "short_name": spec.short_name,
    }
    return {key: value for key, value in values.items() if value}


@dataclass
class MetadataState:
    """One metric: what the code wants, what Datadog holds, and the fields that differ."""

    metric: str
    wanted: dict[str, str]
    stored: dict[str, str] | None  # None: Datadog does not know the metric yet
    changes: list[tuple[str, str | None, str]] = field(default_factory=list)
    applied: bool = False
    undeclared: list[tuple[str, str]] = field(default_factory=list)  # (field, Datadog's value): no PUT clears it

    def stale_text(self) -> str:
        held = ", ".join(f"{name} {value!r}" for name, value in self.undeclared)
        return (f"Datadog holds {held}, which the code does not declare; --apply cannot clear a field "
                f"(remove it in Datadog's Metrics Summary)")

    @property
    def status(self) -> str:
        if self.stored is None:
            return MISSING
        return DRIFT if self.changes else IN_STEP

    def line(self) -> str:
        if self.status != DRIFT:
            if self.undeclared:
                return f"{self.metric}: not in step: {self.stale_text()}"
            return f"{self.metric}: {self.status}"
        verb = "updated" if self.applied else "differs"
        parts = [f"{name} {stored!r} in Datadog, {want!r} in the code" for name, stored, want in self.changes]
        if self.undeclared:
            parts.append(self.stale_text())
        return f"{self.metric}: {verb}: " + "; ".join(parts)


def compare(spec: MetricSpec, stored: dict[str, str] | None) -> MetadataState:
    want = wanted(spec)
    state = MetadataState(spec.name, want, stored)
    if stored is not None:
        state.changes = [(key, stored.get(key), value) for key, value in want.items() if stored.get(key) != value]
        state.undeclared = [(key, stored[key]) for key in UNDECLARED_REPORTED if key not in want and stored.get(key)]
    return state


def read_states(specs: Iterable[MetricSpec], settings: Settings) -> list[MetadataState]:
    """Every metric's state, one GET each."""
    with api_client(settings.endpoint, settings.api_key, settings.app_key) as client:
        api = _api(client)
        return [compare(spec, _get(api, spec.name)) for spec in specs]


def apply_states(states: Iterable[MetadataState], settings: Settings) -> list[MetadataState]:
    """PUT the code's metadata of every drifted metric; return the states, marked applied."""
    from datadog_api_client.v1.model.metric_metadata import MetricMetadata

    states = list(states)
    with api_client(settings.endpoint, settings.api_key, settings.app_key) as client:
        api = _api(client)
        for state in states:
            if state.status != DRIFT:
                continue
            _call(state.metric, lambda s=state: api.update_metric_metadata(s.metric, MetricMetadata(**s.wanted)))
            state.applied = True
    return states


def _get(api, name: str) -> dict[str, str] | None:
    from datadog_api_client.exceptions import ApiException

    try:
        got = api.get_metric_metadata(name)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise DatadogApiError(redact(f"{name}: HTTP {exc.status} {exc.reason}: {body_text(exc.body)}")) from None
    except Exception as exc:  # network errors after the client's retries
        raise DatadogApiError(redact(f"{name}: {type(exc).__name__}: {exc}")) from None
    data = got.to_dict()
    return {key: data[key] for key in FIELDS if data.get(key) is not None}


def _call(name: str, request):
    from datadog_api_client.exceptions import ApiException

    try:
        return request()
    except ApiException as exc:
        raise DatadogApiError(redact(f"{name}: HTTP {exc.status} {exc.reason}: {body_text(exc.body)}")) from None
    except Exception as exc:
        raise DatadogApiError(redact(f"{name}: {type(exc).__name__}: {exc}")) from None


def _api(client):
    from datadog_api_client.v1.api.metrics_api import MetricsApi

    return MetricsApi(client)
