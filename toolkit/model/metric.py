"""The ``@metric`` decorator: what a metric function declares about itself."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import MetricDefinitionError
from .units import unit_problem

F = TypeVar("F", bound=Callable[..., Any])

# {service}.{category}.{metric_name}, each part lowercase letters, digits and underscores,
# starting with a letter; at least three parts (Datadog allows more, the convention needs three).
_NAME_PART = r"[a-z][a-z0-9_]*"
METRIC_NAME_RE = re.compile(rf"^{_NAME_PART}(\.{_NAME_PART}){{2,}}$")
# Datadog's longest metric name: the intake refuses a whole request holding a longer one, so the
# other series in it would be lost (docs.datadoghq.com/metrics/custom_metrics/#naming-custom-metrics).
MAX_METRIC_NAME = 200

# Datadog's metric types. gauge, count and rate go to the v2 series intake (MetricIntakeType:
# count=1, rate=2, gauge=3); distribution goes to the v1 distribution points intake.
TYPES = ("gauge", "count", "rate", "distribution")
INTERVAL_TYPES = ("count", "rate")  # the types whose points carry an interval

ATTRIBUTE = "__dd_metric__"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    type: str
    description: str
    function: Callable[..., Any]
    interval: int | None = None  # seconds; count and rate only (else the schedule's period)
    per_unit: str | None = None
    short_name: str | None = None
    max_series: int | None = None  # series beyond it are not pushed, and the metric records an error
    priority: int = 0  # higher starts first: when a rate budget runs short, these have had their requests
    window: bool = False  # counts events in the run's window: zero-filled, caught up, backfilled (docs/metrics.md)


def validate_metric_name(name: str) -> str | None:
    """Return why ``name`` is not a valid metric name, or None when it is."""
    if not isinstance(name, str) or not METRIC_NAME_RE.match(name):
        return (
            f"metric name {name!r} must look like 'service.category.metric_name': at least three "
            "dot-separated parts of lowercase letters, digits and underscores, each starting with a letter"
        )
    if len(name) > MAX_METRIC_NAME:
        return (
            f"metric name {name[:40]!r}... is {len(name)} characters; Datadog's limit is {MAX_METRIC_NAME} "
            "(the intake refuses the whole request holding it): shorten it"
        )
    return None


def metric(
    name: str,
    unit: str = "count",
    type: str = "gauge",  # noqa: A002 - the seed guide's keyword
    description: str | None = None,
    *,
    interval: int | None = None,
    per_unit: str | None = None,
    short_name: str | None = None,
    max_series: int | None = None,
    priority: int = 0,
    window: bool = False,
) -> Callable[[F], F]:
    """Declare a function as a metric collector.

    The function takes no arguments and returns a number, ``None`` (no data this run), or a
    mapping of tags to numbers (one series per tag set, e.g. ``{("repo:a/b",): 3}``). A
    ``distribution`` returns a list of numbers, or a mapping of tags to lists.

    ``interval`` (seconds, count and rate only) overrides the collector's schedule period;
    ``per_unit`` and ``short_name`` go to Datadog's metric metadata; ``max_series`` caps the
    series one run may push (docs/metrics.md); ``priority`` (default 0): the pool starts
    higher ones first, so the cheap, important metrics spend a short rate budget (docs/budgets.md).

    ``window=True``: the function counts events in the run's window (``toolkit.window()``,
    ``[start, end)``), so the metric is a count whose interval is the window's length; a tag set
    it produced before and has no event for now is sent as 0, a missed window is caught up and
    ``dd-toolkit backfill`` can produce its history (docs/metrics.md, "Windows").
    """

    def decorate(func: F) -> F:
        where = f"@metric on {func.__module__}.{func.__qualname__}"
        problem = validate_metric_name(name)
        if problem:
            raise MetricDefinitionError(f"{where}: {problem}")
        for label, value in (("unit", unit), ("per_unit", per_unit)):
            if value is not None and (problem := unit_problem(value, label)):
                raise MetricDefinitionError(f"{where}: {problem}")
        if type not in TYPES:
            raise MetricDefinitionError(f"{where}: type {type!r} is not one of {', '.join(TYPES)}")
        if interval is not None:
            if type not in INTERVAL_TYPES:
                raise MetricDefinitionError(f"{where}: interval= applies to count and rate metrics, not {type}; drop it")
            if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
                raise MetricDefinitionError(f"{where}: interval={interval!r} must be a whole number of seconds above 0")
        if window not in (True, False):
            raise MetricDefinitionError(f"{where}: window={window!r} must be True or False")
        if window and type != "count":
            raise MetricDefinitionError(f"{where}: window=True counts events in the run's window, so the metric is a count: set type=\"count\"")
        if window and interval is not None:
            raise MetricDefinitionError(f"{where}: a windowed count's interval is its window's length; drop interval=")
        if max_series is not None and (isinstance(max_series, bool) or not isinstance(max_series, int) or max_series <= 0):
            raise MetricDefinitionError(f"{where}: max_series={max_series!r} must be a whole number above 0")
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise MetricDefinitionError(f"{where}: priority={priority!r} must be a whole number (higher starts first)")
        if short_name is not None and (not isinstance(short_name, str) or not short_name.strip()):
            raise MetricDefinitionError(f"{where}: short_name must be a non-empty string")
        required = [
            p
            for p in inspect.signature(func).parameters.values()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if required:
            raise MetricDefinitionError(
                f"{where}: a metric function is called with no arguments, but it requires "
                f"{', '.join(p.name for p in required)}"
            )
        doc = inspect.getdoc(func) or ""
        text = description if description is not None else doc.split("\n\n", 1)[0].replace("\n", " ")
        spec = MetricSpec(name, unit, type, text.strip(), func, interval, per_unit, short_name, max_series, priority=priority, window=window)
        setattr(func, ATTRIBUTE, spec)
        return func

    return decorate


def spec_of(func: Callable[..., Any]) -> MetricSpec | None:
    return getattr(func, ATTRIBUTE, None)
