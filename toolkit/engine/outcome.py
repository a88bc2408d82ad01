"""The value rules: what one metric function returned (or raised) becomes its outcome.

A number is one series; ``None`` is no data; a mapping of tags to numbers is one series per tag
set; anything else (bool, NaN, infinities, strings) is that metric's error, never a fake 0.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import Interrupted, InvalidMetricValue, MetricTimeout
from ..model import ERROR, Interrupt, NO_DATA, OK, MetricError, MetricOutcome, MetricSpec, RunContext, Series


def timed_out(
    spec: MetricSpec,
    began: float | None,
    now: float,
    metric_timeout: float | None,
    run: RunContext,
    interrupt: Interrupt | None = None,
    *,
    share: float | None = None,
):
    if interrupt is not None and interrupt.is_set():
        # stopped by a signal: recorded by name, as interrupted (not as a timeout to tune)
        duration = 0.0 if began is None else max(0.0, (interrupt.at or now) - began)
        when = "before it started" if began is None else f"before it returned ({duration:.1f}s in)"
        return outcome_for(spec, None, Interrupted(f"{spec.name} was interrupted by {interrupt.reason} {when}"), duration)
    if began is None:
        exc = MetricTimeout(f"{spec.name} did not start before the run's deadline; raise --timeout or lower the pool's load")
        duration = 0.0
    else:
        duration = now - began
        if share is not None:
            exc = MetricTimeout(
                f"{spec.name} did not return within its {share:.1f}s share of the run's deadline and was given up so "
                "queued metrics could start; raise --timeout or --workers"
            )
        elif metric_timeout is not None and duration >= metric_timeout:
            exc = MetricTimeout(f"{spec.name} did not return within its {metric_timeout:g}s timeout")
        else:
            exc = MetricTimeout(f"{spec.name} did not return before the run's deadline ({duration:.1f}s in)")
    return outcome_for(spec, None, exc, duration)


def outcome_for(spec: MetricSpec, value: Any, exc: BaseException | None, duration: float) -> MetricOutcome:
    """Turn what one metric function returned (or raised) into its outcome."""
    base = dict(name=spec.name, unit=spec.unit, type=spec.type, description=spec.description, duration_seconds=duration)
    failed: list[MetricError] = []
    if exc is None:
        try:
            series = to_series(spec, value, failed)
        except InvalidMetricValue as bad:
            exc = bad
    if exc is not None:
        return MetricOutcome(**base, status=ERROR, error=MetricError.from_exception(spec.name, exc))
    if not series and failed:
        return MetricOutcome(**base, status=ERROR, error=failed[0], item_errors=tuple(failed))
    if not series:
        return MetricOutcome(**base, status=NO_DATA)
    single = series[0].value if len(series) == 1 and not series[0].tags else None
    return MetricOutcome(**base, status=OK, value=single, series=tuple(series), item_errors=tuple(failed))


def to_series(spec: MetricSpec, value: Any, failed: list[MetricError] | None = None) -> list[Series]:
    """Validate a returned value: a number, ``None`` (no data) or a mapping of tags to numbers.

    In a mapping, an exception as an item's value is that item's failure: it goes to ``failed``
    as an error carrying the item's tags, and the other items are still series.
    """
    if isinstance(value, Mapping):
        series = []
        seen: dict[tuple[str, ...], Any] = {}
        for tags, item in value.items():
            if isinstance(item, BaseException):
                if failed is None:
                    raise item
                failed.append(MetricError.from_exception(spec.name, item, _tags(spec.name, tags)))
                continue
            number = _number(spec.name, item, f" for tags {shown(tags)}")
            if number is None:
                continue
            clean = _tags(spec.name, tags)
            # a tag set is a set: ("b:2", "a:1") and ("a:1", "b:2") are one series in Datadog (the
            # later point would silently replace the earlier), so returning both is this metric's error
            key = series_identity(clean)
            if key in seen:
                raise InvalidMetricValue(
                    f"{spec.name} returned the tag set {shown(key)} twice ({shown(seen[key])} and {shown(tags)}); "
                    "return each tag set once"
                )
            seen[key] = tags
            series.append(Series(spec.name, number, clean, spec.unit, spec.type))
        return series
    number = _number(spec.name, value, "")
    return [] if number is None else [Series(spec.name, number, (), spec.unit, spec.type)]


# A bad value is shown, not dumped: a 50 MB string returned by mistake must not become a 50 MB
# message (printed, put in --json, kept by the dashboard).
_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 120
_SHOW.maxlong = 60


def shown(value: Any) -> str:
    """A bounded repr of any value, for error messages."""
    try:
        return _SHOW.repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr raises is still named
        return f"<{type(value).__name__} whose repr failed>"


def _number(name: str, value: Any, where: str) -> float | None:
    if value is None:
        return None
    # bool is an int subclass: True would be pushed as 1 and hide a bug in the metric.
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise InvalidMetricValue(f"{name} returned {type(value).__name__} {shown(value)}{where}; return a number or None")
    try:
        number = float(value)
    except (OverflowError, ValueError, ArithmeticError) as exc:  # 10**400, a huge Fraction, Decimal('sNaN')
        raise InvalidMetricValue(
            f"{name} returned {type(value).__name__} {shown(value)}{where}, which is not a float ({exc}); return a number within float range"
        ) from None
    if not math.isfinite(number):
        raise InvalidMetricValue(f"{name} returned {number!r}{where}; NaN and infinities are never pushed, return None for no data")
    return number


def _tags(name: str, tags: Any) -> tuple[str, ...]:
    items = (tags,) if isinstance(tags, str) else tags
    if not isinstance(items, tuple | list) or not items or not all(isinstance(t, str) and t for t in items):
        raise InvalidMetricValue(f"{name} returned tag key {shown(tags)}; use a tag string 'key:value' or a tuple of them")
    return tuple(dict.fromkeys(items))  # as given, a repeated tag once


def series_identity(tags: tuple[str, ...]) -> tuple[str, ...]:
    """What makes two series one: the set of their tags, whatever the order."""
    return tuple(sorted(set(tags)))


class ErrorFromData(Exception):
    """Keeps ``BaseCollector._errors`` holding exceptions (as in the seed) for errors reported as data."""

    def __init__(self, error: MetricError) -> None:
        super().__init__(f"{error.type}: {error.message}")
        self.error = error


def seed_loop(specs: list[MetricSpec], errors: dict[str, Exception]) -> dict[str, Any]:
    """The seed guide's loop, on the current run: each function once, serially, errors kept by name."""
    collected: dict[str, Any] = {}
    for spec in specs:
        try:
            value = spec.function()
        except Exception as exc:  # noqa: BLE001 - the seed records, and goes on
            errors[spec.name] = exc
            continue
        if value is not None:
            collected[spec.name] = value
    return collected


def seed_outcomes(
    specs: list[MetricSpec], values: Mapping[str, Any], errors: Mapping[str, BaseException], *, timed_out: bool
) -> list[MetricOutcome]:
    """What a seed-style ``collect_metrics`` returned, as outcomes under the value rules.

    Declared metrics come first in definition order, then names the loop returned or failed
    that no ``@metric`` declares. A run cut off by its deadline marks what the loop had not
    reached as timed out, not as "no data".
    """
    by_name = {spec.name: spec for spec in specs}
    names = list(by_name) + [n for n in values if n not in by_name] + [n for n in errors if n not in by_name and n not in values]
    outcomes = []
    for name in names:
        spec = by_name.get(name) or MetricSpec(name=name, unit="count", type="gauge", description="", function=lambda: None)
        exc = errors.get(name)
        if exc is None and timed_out and name not in values:
            exc = MetricTimeout(f"{name}: the collector's loop had not reached it by the run's deadline")
        outcomes.append(outcome_for(spec, values.get(name), exc, 0.0))
    return outcomes


__all__ = ["ErrorFromData", "outcome_for", "seed_loop", "seed_outcomes", "series_identity", "shown", "timed_out", "to_series"]
