"""Finding the ``@metric`` functions of a module."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..errors import MetricDefinitionError
from .metric import MetricSpec, spec_of


def metric_specs(module: ModuleType) -> list[MetricSpec]:
    """The module's metric declarations, in definition order.

    Only functions defined in (or re-exported by) the module count; two functions that claim one
    metric name are an error, because one would silently shadow the other in Datadog.
    """
    by_name: dict[str, MetricSpec] = {}
    # vars() keeps insertion order, which is definition order for a module's globals.
    for attr, value in vars(module).items():
        spec = spec_of(value) if callable(value) else None
        if spec is None or spec.function is not value:
            continue
        if spec.name in by_name and by_name[spec.name].function is not value:
            other = by_name[spec.name].function.__name__
            raise MetricDefinitionError(
                f"{module.__name__}: metric {spec.name!r} is declared by both {other}() and {attr}(); "
                "give one of them another name"
            )
        by_name[spec.name] = spec
    return list(by_name.values())


def auto_discover_metrics(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """Map each metric name declared in ``module`` to its function, in definition order."""
    return {spec.name: spec.function for spec in metric_specs(module)}
