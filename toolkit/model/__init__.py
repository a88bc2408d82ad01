"""The model: what a collector declares and what a run produces. Plain data, standard library only.

``metric`` and ``MetricSpec`` (the declaration), ``metric_specs`` (finding them in a module),
``CollectionResult`` / ``MetricOutcome`` / ``Series`` / ``MetricError`` (the one result every
face consumes), ``RunContext`` (what a running metric function shares with its run),
``redact`` (scrubbing secrets from text), ``Settings`` (the environment) and the defaults.

Imports nothing of the toolkit but ``toolkit.errors``.
"""

from . import defaults
from .context import RunContext, current_run, enter_run, leave_run
from .interrupt import MAIN_THREAD_SLICE, Interrupt
from .discovery import auto_discover_metrics, metric_specs
from .metric import METRIC_NAME_RE, TYPES, UNITS, MetricSpec, metric, spec_of, validate_metric_name
from .redact import AUTHORIZATION_VALUE, CREDENTIAL_PARAM, CREDENTIAL_PARAMS, CREDENTIAL_SHAPES, REDACTED, known_secrets, redact, register_secret
from .schedule import is_valid_cron, next_run, schedule_gaps
from .result import ERROR, NO_DATA, OK, CollectionResult, MetricError, MetricOutcome, Series
from .settings import Settings, settings

__all__ = [
    "AUTHORIZATION_VALUE",
    "CREDENTIAL_PARAM",
    "CREDENTIAL_PARAMS",
    "CREDENTIAL_SHAPES",
    "ERROR",
    "MAIN_THREAD_SLICE",
    "METRIC_NAME_RE",
    "NO_DATA",
    "OK",
    "REDACTED",
    "TYPES",
    "UNITS",
    "CollectionResult",
    "Interrupt",
    "MetricError",
    "MetricOutcome",
    "MetricSpec",
    "RunContext",
    "Series",
    "Settings",
    "auto_discover_metrics",
    "current_run",
    "defaults",
    "enter_run",
    "is_valid_cron",
    "known_secrets",
    "leave_run",
    "metric",
    "metric_specs",
    "next_run",
    "redact",
    "register_secret",
    "schedule_gaps",
    "settings",
    "spec_of",
    "validate_metric_name",
]
