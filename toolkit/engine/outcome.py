"""The value rules: what one metric function returned (or raised) becomes its outcome.

A number is one series; ``None`` is no data; a mapping of tags to numbers is one series per tag
set; a distribution returns a list of numbers (or a mapping of tags to lists); anything else
(bool, NaN, infinities, strings) is that metric's error, never a fake 0. Tags must be as
Datadog stores them, and one tag set may appear once. Series beyond ``max_series`` are dropped
and the metric records an error naming the cap.
"""

from __future__ import annotations

import math
import numbers
import re
import reprlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from itertools import islice
from typing import Any

from ..errors import Interrupted, InvalidMetricValue, MetricTimeout, SeriesCapExceeded, ToolkitError
from ..model import (
    ERROR,
    MAX_TAG_LENGTH,
    NO_DATA,
    OK,
    CollectionResult,
    Interrupt,
    MetricError,
    MetricOutcome,
    MetricSpec,
    RunContext,
    Series,
    SeriesColumn,
    cost,
    enter_metric,
    leave_metric,
    tags_problem,
)


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
    capped = None
    if spec.max_series is not None and len(series) > spec.max_series:
        capped = MetricError.from_exception(spec.name, SeriesCapExceeded(
            f"{spec.name} returned {len(series)} series, over its max_series={spec.max_series}; "
            f"the {len(series) - spec.max_series} beyond the cap were not pushed (raise the cap or drop a tag)"
        ))
        series = series[: spec.max_series]
    single = series[0].value if len(series) == 1 and not series[0].tags and spec.type != "distribution" else None
    kept = series if type(series) is SeriesColumn else tuple(series)  # a column stays one
    return MetricOutcome(**base, status=OK, value=single, series=kept, error=capped, item_errors=tuple(failed))


def to_series(spec: MetricSpec, value: Any, failed: list[MetricError] | None = None) -> Sequence[Series]:
    """Validate a returned value: a number, ``None`` (no data) or a mapping of tags to numbers.

    A distribution's values are lists of numbers instead of numbers. In a mapping, an exception
    as an item's value is that item's failure: it goes to ``failed`` as an error carrying the
    item's tags, and the other items are still series.
    """
    if type(value) is dict and spec.type != "distribution" and value:
        plain = _plain_series(spec, value)
        if plain is not None:
            return plain
    point = _samples if spec.type == "distribution" else _number
    if isinstance(value, Mapping):
        series: list[Series] = []
        seen: set[int] = set()  # the hashes of the tag sets so far: a tuple per series would hold ~100 bytes each
        for tags, item in value.items():
            if isinstance(item, BaseException):
                if failed is None:
                    raise item
                failed.append(MetricError.from_exception(spec.name, item, _tags(spec.name, tags)))
                continue
            got = point(spec.name, item, _Where(tags=tags))
            if got is None:
                continue
            clean = _tags(spec.name, tags)
            # a tag set is a set: ("b:2", "a:1") and ("a:1", "b:2") are one series in Datadog (the
            # later point would silently replace the earlier), so returning both is this metric's error
            key = hash(frozenset(clean))
            if key in seen:
                _refuse_repeat(spec.name, series, clean)
            seen.add(key)
            series.append(_series(spec, got, clean))
        return series
    got = point(spec.name, value, _Where())
    return [] if got is None else [_series(spec, got, ())]


_CHUNK = 10_000  # series checked per pass of the shape's pattern (a chunk's joined text is ~0.5 MB)
_VALUE = r"[\w\-:./]"  # what a tag keeps after its name (toolkit.model.tags: \w, - : . /)


def _plain_series(spec: MetricSpec, value: dict) -> SeriesColumn | None:
    """The series of the usual wide metric, checked a chunk at a time in C; None when it is not one.

    The usual one: every key a tuple of tags of one shape (the same tag names in the same places,
    each name once, as ``(f"host:{h}", f"shard:{i}")`` writes them) or every key one tag string,
    and every value an int or a float. Each chunk's keys, joined, must match the shape's pattern,
    which holds every rule ``tags_problem`` checks (a lowercase ASCII letter first, only what
    Datadog keeps, no ``__``, no empty value, no trailing ``_``, at most 200 characters); and two
    keys of one shape with the same set of tags are the same tuple, which a dict holds once, so no
    repeat is possible. Anything else (a None, an error as a value, another shape, a tag the
    pattern refuses) returns None and the caller's item-by-item path decides, with its messages.
    A million series cost here less than building the dict did, and no set of what was seen.
    """
    first = next(iter(value))
    single = type(first) is str
    shape = (first,) if single else first
    if type(shape) is not tuple or not shape or not all(type(t) is str for t in shape) or tags_problem(shape):
        return None
    names = [t.partition(":")[0] for t in shape]
    if len(set(names)) != len(names):
        return None
    pattern = re.compile(_shape_pattern(shape))
    width = len(shape)
    keys, points = iter(value), iter(value.values())
    floats = True  # every value a float already: no conversion when the series are made
    while chunk := list(islice(keys, _CHUNK)):
        if single:
            if set(map(type, chunk)) != {str}:
                return None
            joined = "\n".join(chunk)
        else:
            if set(map(type, chunk)) != {tuple} or set(map(len, chunk)) != {width}:
                return None
            try:
                joined = "\n".join(map(" ".join, chunk))
            except TypeError:  # a tag that is not a string
                return None
        if (
            joined.count(" ") != len(chunk) * (width - 1)  # no tag holds a space
            or joined.count("\n") != len(chunk) - 1  # or a newline
            or "__" in joined
            or joined != joined.lower()
            or pattern.fullmatch(joined) is None
        ):
            return None
        kinds = set(map(type, islice(points, len(chunk))))
        if not kinds <= {float, int}:  # bool, None, an error, a Decimal: item by item
            return None
        floats = floats and kinds == {float}
    numbers_: Any = value.values()
    if not floats:
        try:
            numbers_ = list(map(float, numbers_))
        except OverflowError:  # an int beyond a float
            return None
    if not all(map(math.isfinite, numbers_)):
        return None
    # the keys as returned (the caller's tuples, no copy) and the values: no Series per item
    return SeriesColumn(spec.name, spec.unit, spec.type, spec.interval, tuple(numbers_), tuple(value), single=single)


def _shape_pattern(shape: tuple[str, ...]) -> str:
    """The pattern of a chunk of keys of ``shape``'s shape joined: a key's tags by spaces, keys by newlines."""
    parts = []
    for tag in shape:
        name, colon, _ = tag.partition(":")
        if colon:  # the name, then a value Datadog keeps as is, the whole within 200 characters
            room = MAX_TAG_LENGTH - len(name) - 1
            parts.append(f"{re.escape(name)}:{_VALUE}{{1,{room}}}(?<![:_])")
        else:  # a tag without a value: the same tag in every key
            parts.append(re.escape(tag))
    one = " ".join(parts)
    return f"{one}(?:\n{one})*"


def _refuse_repeat(name: str, series: list[Series], tags: tuple[str, ...]) -> None:
    """Raise when ``series`` already has ``tags``' tag set (equal hashes of different sets pass)."""
    wanted = set(tags)
    for earlier in series:
        if set(earlier.tags) == wanted:
            raise InvalidMetricValue(
                f"{name} returned the tag set {shown(series_identity(tags))} twice ({shown(earlier.tags)} and {shown(tags)}); "
                "return each tag set once"
            )


def _series(spec: MetricSpec, got: float | tuple[float, ...], tags: tuple[str, ...]) -> Series:
    if isinstance(got, tuple):
        return Series(spec.name, float(len(got)), tags, spec.unit, spec.type, values=got)
    return Series(spec.name, got, tags, spec.unit, spec.type, interval=spec.interval)


_UNTAGGED = object()


class _Where:
    """Where a value came from, as an error message ends with it (" for tags ('a:1',)", " in its
    list"). Written only when a message is: a metric over 100,000 items checks as many values, and
    a bounded repr of each item's tags cost more than the checks themselves."""

    __slots__ = ("prefix", "tags")

    def __init__(self, prefix: str = "", tags: Any = _UNTAGGED) -> None:
        self.prefix = prefix
        self.tags = tags

    def __str__(self) -> str:
        return self.prefix + ("" if self.tags is _UNTAGGED else f" for tags {shown(self.tags)}")


def _samples(name: str, value: Any, where: _Where) -> tuple[float, ...] | None:
    """A distribution's samples: a list of numbers; an empty list is no data."""
    if value is None:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple | set | frozenset):
        raise InvalidMetricValue(f"{name} is a distribution and returned {type(value).__name__} {shown(value)}{where}; return a list of numbers")
    samples = []
    in_list = _Where(" in its list", where.tags)
    for item in value:
        number = _number(name, item, in_list)
        if number is None:
            raise InvalidMetricValue(f"{name} returned None in its list{where}; leave missing samples out")
        samples.append(number)
    return tuple(samples) or None


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


def _number(name: str, value: Any, where: _Where) -> float | None:
    kind = type(value)
    if kind is not float and kind is not int:  # the usual two skip the ABC checks (bool is neither)
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
    if not isinstance(items, tuple | list) or not items:
        raise _bad_tag_key(name, tags)
    try:
        problem = tags_problem(items)
    except TypeError:  # joining them: one is not a string
        raise _bad_tag_key(name, tags) from None
    if problem:
        if not all(isinstance(t, str) and t for t in items):
            raise _bad_tag_key(name, tags)
        raise InvalidMetricValue(f"{name}: {problem}")
    unique = tuple(dict.fromkeys(items))  # as given, a repeated tag once
    return items if unique == items else unique  # the caller's own tuple when it is the same: no copy per series


def _bad_tag_key(name: str, tags: Any) -> InvalidMetricValue:
    return InvalidMetricValue(f"{name} returned tag key {shown(tags)}; use a tag string 'key:value' or a tuple of them")


def series_identity(tags: tuple[str, ...]) -> tuple[str, ...]:
    """What makes two series one: the set of their tags, whatever the order."""
    return tuple(sorted(set(tags)))


def apply_budget(result: CollectionResult, budget: int | None) -> CollectionResult:
    """Keep a collector's custom metrics within ``budget`` (the values' ``budget.customMetrics``).

    Metrics are kept in definition order; the first to go over keeps what fits, later ones keep
    nothing, and each records an error naming the budget. The meta-metrics are never dropped.
    """
    if budget is None:
        return result
    used = len(result.meta_series)
    outcomes = []
    for o in result.outcomes:
        each = cost.DISTRIBUTION_AGGREGATIONS if o.type == "distribution" else 1  # tag sets are unique (to_series)
        room = max(0, (budget - used) // each)
        kept = o.series[:room]  # a tuple's or a column's slice
        used += len(kept) * each
        if len(kept) < len(o.series):
            error = MetricError.from_exception(o.name, SeriesCapExceeded(
                f"{o.name}: {len(o.series) - len(kept)} of its {len(o.series)} series were not pushed: collector "
                f"{result.collector} is over its budget.customMetrics={budget} (raise it in the values, or drop a tag)"
            ))
            o = replace(o, series=kept, error=o.error or error, value=o.value if kept else None, status=o.status if kept else ERROR)
        outcomes.append(o)
    result.outcomes = outcomes
    return result


class ErrorFromData(ToolkitError):
    """Keeps ``BaseCollector._errors`` holding exceptions (as in the seed) for errors reported as data."""

    def __init__(self, error: MetricError) -> None:
        super().__init__(f"{error.type}: {error.message}")
        self.error = error


def seed_loop(specs: list[MetricSpec], errors: dict[str, Exception]) -> dict[str, Any]:
    """The seed guide's loop, on the current run: each function once, serially, errors kept by name."""
    collected: dict[str, Any] = {}
    for spec in specs:
        token = enter_metric(spec.name)  # its HTTP requests are credited to it
        try:
            value = spec.function()
        except Exception as exc:  # noqa: BLE001 - the seed records, and goes on
            errors[spec.name] = exc
            continue
        finally:
            leave_metric(token)
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


__all__ = ["ErrorFromData", "apply_budget", "outcome_for", "seed_loop", "seed_outcomes", "series_identity", "shown", "timed_out", "to_series"]
