"""Datadog: the push to the v2 metrics intake, and monitors as code.

``push`` / ``PushSettings`` / ``PushReport`` (a run's series to the intake), ``monitors_for``
(the seed's three monitors of a collector, as JSON) and ``apply_monitors`` (create or update
them). datadog-api-client is imported only when a request is made.

Imports the model and the errors; a sibling of ``project/``, which it never imports.
"""

from .client import api_client
from .metadata import DRIFT, IN_STEP, MISSING, MetadataState, apply_states, compare, read_states, wanted
from .metadata_sync import SyncReport, sync_metadata
from .monitors import (
    DEFAULT_MAX_ERRORS,
    KINDS,
    MANAGED_TAG,
    RATE_BUDGET,
    MonitorInputs,
    monitor_key,
    monitors_for,
    rate_budget_monitor,
    window_text,
)
from .monitors_api import Change, apply_monitors, check_settings, differences, plan
from .push import Bodies, PushReport, PushSettings, build_bodies, build_series, push
from .state import ACCEPTS_PAST_SECONDS, DatadogState

__all__ = [
    "ACCEPTS_PAST_SECONDS",
    "DatadogState",
    "DEFAULT_MAX_ERRORS",
    "DRIFT",
    "IN_STEP",
    "KINDS",
    "RATE_BUDGET",
    "MANAGED_TAG",
    "MISSING",
    "Bodies",
    "Change",
    "MetadataState",
    "MonitorInputs",
    "PushReport",
    "PushSettings",
    "SyncReport",
    "api_client",
    "apply_monitors",
    "apply_states",
    "build_bodies",
    "build_series",
    "check_settings",
    "compare",
    "differences",
    "monitor_key",
    "monitors_for",
    "rate_budget_monitor",
    "plan",
    "push",
    "read_states",
    "sync_metadata",
    "wanted",
    "window_text",
]
