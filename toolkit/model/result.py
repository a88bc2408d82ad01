"""The one result object every front end consumes (CLI, TUI, push, tests)."""

from __future__ import annotations

import operator
import traceback as _traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .redact import printable, redact

if TYPE_CHECKING:
    from .window import Window

OK = "ok"
NO_DATA = "no_data"
ERROR = "error"

# An error is shown in a terminal line, a JSON field and a dashboard panel: a message holding a
# whole response body (or a 50 MB value) is cut, with how much was left out.
MESSAGE_LIMIT = 2_000
TRACEBACK_LIMIT = 20_000
_SECRET_ROOM = 1_000  # longer than any secret: cut, redact, then cut again, so no secret is half-kept


def _bounded(text: str, limit: int) -> str:
    """Error text as it may be shown: secrets redacted, escape sequences made visible, bounded."""
    if len(text) <= limit:
        return printable(redact(text))
    clean = printable(redact(text[: limit + _SECRET_ROOM]))[:limit]
    return f"{clean}... [{len(text) - limit:,} more characters]"


@dataclass(frozen=True)
class MetricError:
    """An error as data: which metric, what kind, what it said, and where (secrets scrubbed)."""

    metric: str | None
    type: str
    message: str
    traceback: str = ""
    tags: tuple[str, ...] = ()  # the item that failed, for a tagged metric whose other items worked

    @classmethod
    def from_exception(cls, metric: str | None, exc: BaseException, tags: tuple[str, ...] = ()) -> MetricError:
        tb = "".join(_traceback.format_exception(type(exc), exc, exc.__traceback__))
        try:
            message = str(exc) or type(exc).__name__
        except Exception:  # noqa: BLE001 - an exception whose str() raises is still an error
            message = type(exc).__name__
        return cls(metric, type(exc).__name__, _bounded(message, MESSAGE_LIMIT), _bounded(tb, TRACEBACK_LIMIT), tuple(tags))

    @property
    def where(self) -> str | None:
        """The metric, and the failed item's tags when there are any: ``github.prs.open{repo:a/b}``."""
        if self.metric is None or not self.tags:
            return self.metric
        return f"{self.metric}{{{','.join(redact(t) for t in self.tags)}}}"

    def to_json(self) -> dict[str, Any]:
        out = {"metric": self.metric, "type": self.type, "message": self.message}
        if self.tags:
            out["tags"] = [redact(t) for t in self.tags]
        return out


@dataclass(frozen=True, slots=True)
class Series:
    """One point to push: a metric name, a value and the metric's own tags.

    A distribution's point is its ``values`` (the samples); its ``value`` is how many there are.
    ``interval`` is the metric's declared interval (count and rate); None means the schedule's.
    """

    metric: str
    value: float
    tags: tuple[str, ...] = ()
    unit: str = "count"
    type: str = "gauge"
    values: tuple[float, ...] = ()
    interval: int | None = None

    def to_json(self) -> dict[str, Any]:
        # shown, not pushed: a tag value holding a secret (a token in a URL tag) is scrubbed, as the dashboard does
        out: dict[str, Any] = {"metric": self.metric, "value": self.value, "tags": [redact(t) for t in self.tags]}
        if self.type == "distribution":
            out["values"] = list(self.values)
        return out


def series_maker(metric: str, unit: str, type: str, interval: int | None) -> Callable[[float, tuple[str, ...]], Series]:
    """``make(value, tags)``: a ``Series`` of this metric, equal to ``Series(metric, value, tags,
    unit, type, interval=interval)``, made in half the time: each slot is set through its own
    descriptor, where the frozen dataclass's ``__init__`` looks each name up again through
    ``object.__setattr__``. For a ``SeriesColumn`` of a million series, read by the push and
    the other faces a Series at a time. Every field is set: one added later gets its default.
    """
    setters = {f.name: getattr(Series, f.name).__set__ for f in fields(Series)}
    given = {"metric": metric, "unit": unit, "type": type, "interval": interval}
    constant = []
    for f in fields(Series):
        if f.name in ("value", "tags"):
            continue
        default = given[f.name] if f.name in given else f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        constant.append((setters[f.name], default))
    set_value, set_tags, new = setters["value"], setters["tags"], object.__new__
    if [f.name for f in fields(Series)] == ["metric", "value", "tags", "unit", "type", "values", "interval"]:
        (set_metric, metric_), (set_unit, unit_), (set_type, type_), (set_values, values_), (set_interval, interval_) = constant

        def made_flat(value: float, tags: tuple[str, ...]) -> Series:  # the fields of today, without a loop
            made = new(Series)
            set_metric(made, metric_)
            set_value(made, value)
            set_tags(made, tags)
            set_unit(made, unit_)
            set_type(made, type_)
            set_values(made, values_)
            set_interval(made, interval_)
            return made

        return made_flat

    def make(value: float, tags: tuple[str, ...]) -> Series:
        made = new(Series)
        set_value(made, value)
        set_tags(made, tags)
        for setter, fixed in constant:
            setter(made, fixed)
        return made

    return make


def _one_tag(tag: str) -> tuple[str]:
    return (tag,)


class SeriesColumn(Sequence[Series]):
    """One metric's many series as columns: what they share once, then a value and a tag set per
    series. Read as a sequence, it is the tuple of ``Series`` it stands for (equal to it, with the
    same length, items, slices and repr), each ``Series`` made as it is read.

    A metric returning a million tagged values (toolkit.engine.outcome) is held in the two
    columns, 16 MB, where a million ``Series`` took 96 MB and most of the engine's time to make;
    the push writes them as it reads them (toolkit.datadog.payload), so they are never all alive.
    ``tags`` holds the tag tuples as the metric returned them, or with ``single``, one tag string each.
    """

    __slots__ = ("_make", "interval", "metric", "single", "tags", "type", "unit", "values")

    def __init__(self, metric: str, unit: str, type: str, interval: int | None,
                 values: Sequence[float], tags: Sequence[Any], *, single: bool = False) -> None:
        self.metric, self.unit, self.type, self.interval = metric, unit, type, interval
        self.values, self.tags, self.single = values, tags, single
        self._make = series_maker(metric, unit, type, interval)

    def tag_sets(self) -> Iterator[tuple[str, ...]]:
        """Each series' ``tags``, in order."""
        return map(_one_tag, self.tags) if self.single else iter(self.tags)

    def rows(self, lo: int, hi: int) -> Iterator[tuple[float, tuple[str, ...]]]:
        """Series ``lo`` to ``hi``'s value and tags, no ``Series`` made; read by index, so a reader
        that stops early (a full request, toolkit.datadog.payload) has read no further."""
        indices = range(lo, hi)
        tags = map(self.tags.__getitem__, indices)
        return zip(map(self.values.__getitem__, indices), map(_one_tag, tags) if self.single else tags, strict=True)

    def with_interval(self, interval: int | None) -> SeriesColumn:
        """The same series with another interval (``dataclasses.replace`` of each)."""
        return SeriesColumn(self.metric, self.unit, self.type, interval, self.values, self.tags, single=self.single)

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[Series]:
        return map(self._make, self.values, self.tag_sets())

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return SeriesColumn(self.metric, self.unit, self.type, self.interval, self.values[index], self.tags[index], single=self.single)
        tags = self.tags[index]
        return self._make(self.values[index], (tags,) if self.single else tags)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SeriesColumn | tuple):  # as a tuple: never equal to a list
            return NotImplemented
        return len(self) == len(other) and all(map(operator.eq, self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Sequence[Series]) -> Sequence[Series]:
        """The series of both: a column again when ``other``'s share this one's metric, unit, type and
        interval (a windowed count's zero-filled tag sets, toolkit.engine.zero_fill), else a tuple."""
        other = tuple(other)
        if all(s.metric == self.metric and s.unit == self.unit and s.type == self.type and s.interval == self.interval and not s.values for s in other):
            tags = tuple(self.tag_sets()) if self.single else self.tags
            return SeriesColumn(self.metric, self.unit, self.type, self.interval,
                                (*self.values, *(s.value for s in other)), (*tags, *(s.tags for s in other)))
        return (*self, *other)

    def __radd__(self, other: Sequence[Series]) -> tuple[Series, ...]:
        return (*other, *self)

    def __repr__(self) -> str:
        return repr(tuple(self))


@dataclass
class HttpExchange:
    """One HTTP request a metric function made, as the dashboard's HTTP view and ``--verbose`` show it.

    ``url`` is redacted; ``attempts`` counts the tries the retry layer made (1: no retry) and
    ``waited_seconds`` the backoff between them; ``bytes`` is the body as received (compressed
    if it was), counted while it is read; ``error`` names the exception when no response came.
    """

    metric: str | None
    method: str
    url: str
    status: int | None = None
    duration_seconds: float = 0.0
    bytes: int = 0
    replayed: bool = False
    attempts: int = 0
    waited_seconds: float = 0.0
    error: str | None = None
    # the credential (secret name) it authenticated with, and the provider's rate-limit headers
    # of its answer (toolkit.model.ratelimits): what `cost --api` and the meta-metrics count
    credential: str | None = None
    rate: Any = None  # a ``RateHeaders``, when the answer carried them

    @property
    def retries(self) -> int:
        return max(self.attempts - 1, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "duration_seconds": round(self.duration_seconds, 6),
            "bytes": self.bytes,
            "replayed": self.replayed,
            "retries": self.retries,
            "waited_seconds": round(self.waited_seconds, 3),
            "error": self.error,
        }


@dataclass(frozen=True)
class MetricOutcome:
    """What happened to one metric function in one run."""

    name: str
    unit: str
    type: str
    description: str
    status: str
    duration_seconds: float
    value: float | None = None
    series: Sequence[Series] = ()  # a tuple, or a wide metric's SeriesColumn
    error: MetricError | None = None
    # a tagged metric's failed items, one error each (with its tags); the items that worked are
    # in ``series``. When every item failed, ``error`` is the first of them and status is error.
    item_errors: tuple[MetricError, ...] = ()

    @property
    def errors(self) -> list[MetricError]:
        found = list(self.item_errors)
        if self.error is not None and not any(e is self.error for e in found):
            found.insert(0, self.error)
        return found


@dataclass
class CollectionResult:
    """Everything one run of one collector produced.

    ``outcomes`` holds every declared metric in definition order; ``fatal`` is set when the
    collector as a whole could not run (failed to import, no cassette offline, ...).
    """

    collector: str
    started_at: datetime
    duration_seconds: float = 0.0
    outcomes: list[MetricOutcome] = field(default_factory=list)
    fatal: MetricError | None = None
    offline: bool = False
    requests: list[HttpExchange] = field(default_factory=list)  # every HTTP request of the run
    # The slot of the schedule the run belongs to: every point but the run's duration is stamped
    # at its end (model/window.py). None only for a result built without a run (could_not_run).
    window: Window | None = None
    windows_missed: list[Window] = field(default_factory=list)  # past windows this run could not catch up
    retired: list[str] = field(default_factory=list)  # tag sets of windowed counts no longer zero-filled (metric{tags})
    with_meta: bool = True  # False: a backfilled window, which pushes its windowed metrics and no collector.<name>.*

    def requests_of(self, metric: str) -> list[HttpExchange]:
        return [r for r in self.requests if r.metric == metric]

    @classmethod
    def could_not_run(cls, collector: str, error: MetricError | BaseException, *, offline: bool = False) -> CollectionResult:
        """The result of a collector that failed before collecting (import, setup, a dead thread)."""
        if isinstance(error, BaseException):
            error = MetricError.from_exception(None, error)
        return cls(collector, datetime.now(UTC), 0.0, [], fatal=error, offline=offline)

    @property
    def source_tag(self) -> str:
        return f"source:{self.collector}-collector"

    @property
    def errors(self) -> list[MetricError]:
        found = [e for o in self.outcomes for e in o.errors]
        return ([self.fatal] if self.fatal else []) + found

    @property
    def metric_count(self) -> int:
        """Metrics that produced data this run (the seed's ``metric_count``)."""
        return sum(1 for o in self.outcomes if o.status == OK)

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def meta_metrics(self) -> dict[str, float]:
        if not self.with_meta:
            return {}
        prefix = f"collector.{self.collector}"
        out = {
            f"{prefix}.duration_seconds": round(self.duration_seconds, 6),
            f"{prefix}.metric_count": float(self.metric_count),
            f"{prefix}.error_count": float(self.error_count),
            # every try of every HTTP request (a retry spends a rate budget too), offline the replayed
            # ones; a collector that made none (boto3's calls are not counted) sends no such series
            **({f"{prefix}.requests": float(sum(r.attempts for r in self.requests))} if self.requests else {}),
        }
        if self.window is not None:
            # the store of what was pushed (datadog/state.py reads its latest value back)
            out[f"{prefix}.window_end"] = float(self.window.end_timestamp)
            out[f"{prefix}.windows_missed"] = float(len(self.windows_missed))
        return out

    @property
    def duration_metric(self) -> str:
        """The one point stamped at the run's start, not its window's end: a retry's duration is its own."""
        return f"collector.{self.collector}.duration_seconds"

    @property
    def rate_budgets(self) -> dict[str, int]:
        """{credential: requests its provider said were left} after the run (model.ratelimits)."""
        from .ratelimits import credential_uses

        return {name: use.remaining for name, use in credential_uses(self.requests).items() if use.remaining is not None}

    @property
    def metrics(self) -> dict[str, float]:
        """Untagged values by name, then the meta-metrics (the seed's "Collected N metrics")."""
        values = {o.name: o.value for o in self.outcomes if o.status == OK and o.value is not None}
        return {**values, **self.meta_metrics}

    @property
    def tagged_series(self) -> list[Series]:
        """Series a flat name -> value listing cannot show: tagged ones and distributions."""
        return [s for o in self.outcomes if o.status == OK for s in o.series if s.tags or s.type == "distribution"]

    @property
    def series(self) -> list[Series]:
        """Every point a push sends: each metric's series, then the meta-metrics."""
        return [s for seq in self.series_by_metric() for s in seq]

    @property
    def series_count(self) -> int:
        """``len(self.series)``, counted without making a wide metric's ``Series``."""
        return sum(map(len, self.series_by_metric()))

    def series_by_metric(self) -> list[Sequence[Series]]:
        """``series`` as each metric holds them (no copy), the meta-metrics last."""
        return [o.series for o in self.outcomes if o.status == OK] + [self.meta_series]

    @property
    def meta_series(self) -> list[Series]:
        units = {"duration_seconds": "seconds", "requests": "request"}
        meta = [Series(name, value, (), units.get(name.rsplit(".", 1)[1], "count")) for name, value in self.meta_metrics.items()]
        # one series per credential, so a monitor can warn before the provider's limit bites
        budget = f"collector.{self.collector}.rate_budget.remaining"
        return meta + [Series(budget, float(left), (f"credential:{name}",), "request") for name, left in sorted(self.rate_budgets.items())]

    @property
    def failed(self) -> bool:
        """True when nothing useful came back: a fatal error, or every metric failed."""
        if self.fatal is not None:
            return True
        return bool(self.outcomes) and all(o.status == ERROR for o in self.outcomes)

    @property
    def custom_metrics(self):
        """Per metric name, its tag sets and custom-metric count as Datadog bills them (model.cost)."""
        from .cost import count_series

        return count_series(self.series_by_metric())

    def to_json(self) -> dict[str, Any]:
        from . import cost

        return {
            "collector": self.collector,
            "metrics": self.metrics,
            "series": [s.to_json() for s in self.tagged_series],
            "errors": [e.to_json() for e in self.errors],
            "duration_seconds": round(self.duration_seconds, 6),
            "rate_budgets": self.rate_budgets,  # {credential: requests left}, as rate_budget.remaining is pushed
            "custom_metrics": cost.to_json(self.custom_metrics),
            **({"window": self.window.to_json()} if self.window is not None else {}),
            **({"windows_missed": [w.to_json() for w in self.windows_missed]} if self.windows_missed else {}),
            **({"retired": list(self.retired)} if self.retired else {}),
        }
