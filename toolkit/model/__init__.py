"""The model: what a collector declares and what a run produces. Plain data, standard library only.

``metric`` and ``MetricSpec`` (the declaration), ``metric_specs`` (finding them in a module),
``CollectionResult`` / ``MetricOutcome`` / ``Series`` / ``MetricError`` (the one result every
face consumes), ``RunContext`` (what a running metric function shares with its run),
``redact`` (scrubbing secrets from text), ``Settings`` (the environment) and the defaults.

Imports nothing of the toolkit but ``toolkit.errors``.

``cost``, ``files``, ``journal``, ``memo`` and ``monitoring`` (with their names) load on first use
(PEP 562): a run that writes no file and prices nothing never imports them, nor ctypes and tempfile.
"""

from typing import TYPE_CHECKING

from . import defaults, install, ratelimits
from .context import RunContext, current_metric, current_run, enter_metric, enter_run, leave_metric, leave_run
from .defaults import positive_int, positive_seconds
from .discovery import auto_discover_metrics, metric_specs
from .install import BUILTIN_PACKAGE, checkout_root, resource
from .interrupt import MAIN_THREAD_SLICE, Interrupt
from .lazy import lazy_exports
from .metric import INTERVAL_TYPES, METRIC_NAME_RE, TYPES, MetricSpec, metric, spec_of, validate_metric_name
from .redact import (
    AUTHORIZATION_VALUE,
    CREDENTIAL_PARAM,
    CREDENTIAL_PARAMS,
    CREDENTIAL_SHAPES,
    REDACTED,
    URL_PASSWORD,
    credential_values,
    is_plain_url,
    known_secrets,
    printable,
    redact,
    register_secret,
    register_setting,
)
from .result import (
    ERROR,
    NO_DATA,
    OK,
    CollectionResult,
    HttpExchange,
    MetricError,
    MetricOutcome,
    Series,
    SeriesColumn,
    series_maker,
)
from .schedule import is_valid_cron, next_run, schedule_gaps, schedule_period
from .settings import Settings, settings
from .tags import MAX_TAG_LENGTH, normalize_tag, tag_problem, tags_problem
from .units import DATADOG_UNITS, UNIT_FAMILIES, UNITS, UNITS_SOURCE, datadog_unit, unit_problem
from .window import DEFAULT_SCHEDULE, Window, catch_up, window_at, windows_between

# name -> (the module of this package that defines it, its name there; None: the module itself)
_LAZY = {
    "cost": ("cost", None),
    "files": ("files", None),
    "journal": ("journal", None),
    "memo": ("memo", None),
    "monitoring": ("monitoring", None),
    "MAX_WINDOW_MINUTES": ("monitoring", "MAX_WINDOW_MINUTES"),
    "default_max_errors": ("monitoring", "default_max_errors"),
    "monitor_problems": ("monitoring", "monitor_problems"),
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())


if TYPE_CHECKING:
    from . import cost, files, journal, memo, monitoring
    from .monitoring import MAX_WINDOW_MINUTES, default_max_errors, monitor_problems

__all__ = [
    "DEFAULT_SCHEDULE",
    "Window",
    "catch_up",
    "window_at",
    "windows_between",
    "AUTHORIZATION_VALUE",
    "BUILTIN_PACKAGE",
    "CREDENTIAL_PARAM",
    "CREDENTIAL_PARAMS",
    "CREDENTIAL_SHAPES",
    "DATADOG_UNITS",
    "ERROR",
    "INTERVAL_TYPES",
    "MAX_TAG_LENGTH",
    "MAX_WINDOW_MINUTES",
    "MAIN_THREAD_SLICE",
    "METRIC_NAME_RE",
    "NO_DATA",
    "OK",
    "REDACTED",
    "TYPES",
    "UNITS",
    "UNITS_SOURCE",
    "UNIT_FAMILIES",
    "URL_PASSWORD",
    "CollectionResult",
    "HttpExchange",
    "Interrupt",
    "MetricError",
    "MetricOutcome",
    "MetricSpec",
    "RunContext",
    "Series",
    "SeriesColumn",
    "Settings",
    "auto_discover_metrics",
    "checkout_root",
    "cost",
    "ratelimits",
    "credential_values",
    "current_metric",
    "current_run",
    "datadog_unit",
    "default_max_errors",
    "defaults",
    "files",
    "memo",
    "journal",
    "enter_metric",
    "enter_run",
    "install",
    "is_plain_url",
    "is_valid_cron",
    "known_secrets",
    "leave_metric",
    "lazy_exports",
    "leave_run",
    "metric",
    "metric_specs",
    "monitor_problems",
    "monitoring",
    "next_run",
    "normalize_tag",
    "positive_int",
    "positive_seconds",
    "printable",
    "redact",
    "register_secret",
    "register_setting",
    "resource",
    "schedule_gaps",
    "schedule_period",
    "series_maker",
    "settings",
    "spec_of",
    "tag_problem",
    "tags_problem",
    "unit_problem",
    "validate_metric_name",
]
