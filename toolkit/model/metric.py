"""The ``@metric`` decorator: what a metric function declares about itself."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import MetricDefinitionError

F = TypeVar("F", bound=Callable[..., Any])

# {service}.{category}.{metric_name}, each part lowercase letters, digits and underscores,
# starting with a letter; at least three parts (Datadog allows more, the convention needs three).
_NAME_PART = r"[a-z][a-z0-9_]*"
METRIC_NAME_RE = re.compile(rf"^{_NAME_PART}(\.{_NAME_PART}){{2,}}$")

# The seed guide's units, mapped to Datadog's unit names for the push. ``None`` means the
# series is sent without a unit: Datadog has no plain "count" unit and expresses rates as
# unit-per-second, which the v2 series payload cannot carry.
UNITS: dict[str, str | None] = {
    "count": None,
    "percent": "percent",
    "seconds": "second",
    "minutes": "minute",
    "hours": "hour",
    "bytes": "byte",
    "kb": "kibibyte",
    "mb": "mebibyte",
    "gb": "gibibyte",
    "usd": "dollar",
    "rate": None,
}

# Datadog intake types (v2 MetricIntakeType): gauge=3, rate=2, count=1.
TYPES = ("gauge", "count", "rate")

ATTRIBUTE = "__dd_metric__"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    type: str
    description: str
    function: Callable[..., Any]


def validate_metric_name(name: str) -> str | None:
    """Return why ``name`` is not a valid metric name, or None when it is."""
    if not isinstance(name, str) or not METRIC_NAME_RE.match(name):
        return (
            f"metric name {name!r} must look like 'service.category.metric_name': at least three "
            "dot-separated parts of lowercase letters, digits and underscores, each starting with a letter"
        )
    return None


def metric(
    name: str,
    unit: str = "count",
    type: str = "gauge",  # noqa: A002 - the seed guide's keyword
    description: str | None = None,
) -> Callable[[F], F]:
    """Declare a function as a metric collector.

    The function takes no arguments and returns a number, ``None`` (no data this run), or a
    mapping of tags to numbers (one series per tag set, e.g. ``{("repo:a/b",): 3}``).
    """

    def decorate(func: F) -> F:
        where = f"@metric on {func.__module__}.{func.__qualname__}"
        problem = validate_metric_name(name)
        if problem:
            raise MetricDefinitionError(f"{where}: {problem}")
        if unit not in UNITS:
            raise MetricDefinitionError(
                f"{where}: unit {unit!r} is not one of {', '.join(UNITS)}"
            )
        if type not in TYPES:
            raise MetricDefinitionError(f"{where}: type {type!r} is not one of {', '.join(TYPES)}")
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
        setattr(func, ATTRIBUTE, MetricSpec(name, unit, type, text.strip(), func))
        return func

    return decorate


def spec_of(func: Callable[..., Any]) -> MetricSpec | None:
    return getattr(func, ATTRIBUTE, None)
