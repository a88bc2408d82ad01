"""``dd-toolkit monitors --apply``: create or update monitors through datadog-api-client (v1).

Idempotent: the monitors this toolkit manages carry ``managed-by:dd-toolkit`` and are told apart
by their ``collector:``, ``dd-toolkit-monitor:`` and ``env:`` tags. One listing finds them;
each definition is then created, updated in place, or left alone when nothing differs.

Settings from the environment: ``DD_API_KEY`` and ``DD_APP_KEY`` (both required: monitors
need an application key with the monitors_write scope), ``DD_SITE`` (default datadoghq.com)
and ``DD_URL`` (a full base URL overriding the site: proxies and tests).

Model modules are imported by their own paths: ``datadog_api_client.v1.models`` imports every
model of the v1 API, which takes over a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DatadogApiError
from ..model import Settings, redact
from .client import api_client, body_text
from .monitors import MANAGED_TAG, monitor_key

PAGE_SIZE = 100
# Datadog stores a "metric alert" as a "query alert"; the two are one type for comparing.
_SAME_TYPES = {"metric alert": "query alert"}


APPLY_NEEDS = "--apply needs an API key and an application key with the monitors_write scope (or run without --apply to print the monitors)"


def check_settings(settings: Settings) -> Settings:
    """Fail fast, before any work: both keys set and a usable endpoint."""
    settings.require("DD_API_KEY", "DD_APP_KEY", purpose=APPLY_NEEDS)
    return settings


@dataclass(frozen=True)
class Change:
    action: str  # created, updated, unchanged, duplicate
    name: str
    monitor_id: int | None
    fields: tuple[str, ...] = ()  # what an update changed

    def line(self) -> str:
        ident = f" (id {self.monitor_id})" if self.monitor_id is not None else ""
        what = f": {', '.join(self.fields)}" if self.fields else ""
        return f"{self.action} {self.name!r}{ident}{what}"


def _numbers(mapping: dict | None) -> dict:
    return {k: float(v) for k, v in (mapping or {}).items() if v is not None}


def differences(desired: dict, current: dict) -> list[str]:
    """The fields of ``desired`` that ``current`` (a monitor as the API returns it) lacks."""
    changed = []
    for field in ("name", "query", "message"):
        if desired[field] != current.get(field):
            changed.append(field)
    if sorted(desired["tags"]) != sorted(current.get("tags") or []):
        changed.append("tags")
    options = current.get("options") or {}
    for key, value in desired["options"].items():
        if key == "thresholds":
            if _numbers(value) != _numbers(options.get(key)):
                changed.append("options.thresholds")
        elif options.get(key) != value:
            changed.append(f"options.{key}")
    return changed


def plan(definitions: list[dict], existing: list[dict]) -> list[tuple[str, dict, dict | None, list[str]]]:
    """(action, definition, current monitor, changed fields) for each definition; pure.

    Several monitors with one key (made by hand, or by a run that was interrupted) are left as
    they are except the oldest, which is updated; they are reported as duplicates.
    """
    by_key: dict[Any, list[dict]] = {}
    for monitor in sorted(existing, key=lambda m: m.get("id") or 0):
        key = monitor_key(monitor.get("tags") or [])
        if key is not None:
            by_key.setdefault(key, []).append(monitor)
    steps = []
    for definition in definitions:
        matches = by_key.get(monitor_key(definition["tags"]), [])
        if not matches:
            steps.append(("create", definition, None, []))
            continue
        current, *duplicates = matches
        changed = differences(definition, current)
        if _SAME_TYPES.get(definition["type"], definition["type"]) != _SAME_TYPES.get(current.get("type"), current.get("type")):
            changed.append("type (not changeable: delete the monitor to recreate it)")
        steps.append(("update" if changed else "unchanged", definition, current, changed))
        steps += [("duplicate", definition, extra, []) for extra in duplicates]
    return steps


def apply_monitors(definitions: list[dict], settings: Settings) -> list[Change]:
    """Create or update ``definitions``; the changes in order. Raises DatadogApiError."""
    from datadog_api_client.exceptions import ApiException

    api = _monitors_api(settings)
    changes = []
    try:
        existing = _list_managed(api)
        for action, definition, current, changed in plan(definitions, existing):
            if action == "create":
                created = api.create_monitor(body=_monitor_body(definition))
                changes.append(Change("created", definition["name"], created.id))
            elif action == "update":
                updatable = [f for f in changed if not f.startswith("type")]
                if updatable:
                    api.update_monitor(monitor_id=current["id"], body=_update_body(definition, current))
                changes.append(Change("updated" if updatable else "unchanged", definition["name"], current["id"], tuple(changed)))
            elif action == "unchanged":
                changes.append(Change("unchanged", definition["name"], current["id"]))
            else:
                changes.append(Change("duplicate", current.get("name", definition["name"]), current.get("id")))
    except ApiException as exc:
        raise DatadogApiError(redact(f"HTTP {exc.status} {exc.reason}: {body_text(exc.body)}")) from None
    except (OSError, ValueError) as exc:  # connection errors after retries, unreadable responses
        raise DatadogApiError(redact(f"{type(exc).__name__}: {exc}")) from None
    finally:
        api.api_client.close()
    return changes


def _list_managed(api) -> list[dict]:
    monitors: list[dict] = []
    page = 0
    while True:
        batch = api.list_monitors(monitor_tags=MANAGED_TAG, page=page, page_size=PAGE_SIZE)
        monitors += [m.to_dict() for m in batch]
        if len(batch) < PAGE_SIZE:
            return monitors
        page += 1


def _options(definition: dict, current: dict | None = None):
    from datadog_api_client.v1.model.monitor_options import MonitorOptions
    from datadog_api_client.v1.model.monitor_thresholds import MonitorThresholds

    options = dict(definition["options"])
    thresholds = dict(options.pop("thresholds"))
    if current is not None:  # thresholds we no longer want are cleared, as the API expects
        for key, value in ((current.get("options") or {}).get("thresholds") or {}).items():
            if key not in thresholds and value is not None:
                thresholds[key] = None
    return MonitorOptions(thresholds=MonitorThresholds(**thresholds), **options)


def _monitor_body(definition: dict):
    from datadog_api_client.v1.model.monitor import Monitor
    from datadog_api_client.v1.model.monitor_type import MonitorType

    return Monitor(
        name=definition["name"],
        type=MonitorType(definition["type"]),
        query=definition["query"],
        message=definition["message"],
        tags=list(definition["tags"]),
        options=_options(definition),
    )


def _update_body(definition: dict, current: dict):
    from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest

    return MonitorUpdateRequest(
        name=definition["name"],
        query=definition["query"],
        message=definition["message"],
        tags=list(definition["tags"]),
        options=_options(definition, current),
    )


def _monitors_api(settings: Settings):
    from datadog_api_client.v1.api.monitors_api import MonitorsApi

    return MonitorsApi(api_client(settings.endpoint, settings.api_key, settings.app_key))
