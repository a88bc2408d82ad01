"""What the dashboard knows about each collector, as plain data (no Textual).

Widgets render from these objects; the app changes them only on the UI thread (results come
back as messages from the worker threads), so nothing here needs a lock.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from ..engine import CollectorRef, Described, describe
from ..model import ERROR, NO_DATA, CollectionResult, MetricError, MetricSpec, next_run, redact
from . import format as fmt

HISTORY = 30  # runs kept per collector: the sparkline's length and the change's baseline

IDLE = "idle"
RUNNING = "running"
OK = "ok"
ERRORS = "errors"
FAILED = "failed"
LOAD_FAILED = "load failed"
RELOAD_FAILED = "reload failed"  # the last edit does not import; the values shown are stale

META = "meta"  # row status of the collector.<name>.* meta-metrics
# Meta-metrics pushed but not listed: the window's end is a POSIX time (the store of what was
# pushed, datadog/state.py); the metrics title shows the window itself (``window 09:15–09:30 UTC``).
NOT_LISTED = ("window_end",)


def series_key(metric: str, tags: tuple[str, ...] = ()) -> str:
    # a tag set is a set: the same tags in another order (another run's) are the same series
    return f"{metric}{{{','.join(sorted(set(tags)))}}}" if tags else metric


@dataclass(frozen=True)
class MetricRow:
    """One line of the metrics table: a metric, or one tagged series of it."""

    key: str
    name: str
    value: str
    unit: str
    type: str
    tags: str
    duration: str
    change: str
    status: str
    stale: bool = False  # from a run of the code before an edit that failed to load


@dataclass
class CollectorState:
    ref: CollectorRef
    schedule: str | None = None
    secrets: tuple[str, ...] = ()
    specs: list[MetricSpec] = field(default_factory=list)
    load_error: MetricError | None = None
    reload_error: MetricError | None = None  # the last edit failed to import; results are kept
    running: bool = False
    budget: int | None = None  # budget.customMetrics in the Helm values
    results: deque[CollectionResult] = field(default_factory=lambda: deque(maxlen=HISTORY))
    # Worked out again only when they change: the list and the header are drawn for every spinner
    # frame and every result (croniter and the series list cost the UI thread a key waits on).
    _next: tuple[str | None, datetime, datetime] | None = field(default=None, init=False, repr=False, compare=False)
    _counted: tuple[CollectionResult, int] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def load(cls, ref: CollectorRef, schedule: str | None = None) -> CollectorState:
        """Import the collector to learn its metrics and secrets; a failure is kept as data."""
        described = describe(ref)
        return cls(ref, schedule, described.secrets, list(described.specs), described.error)

    @property
    def name(self) -> str:
        return self.ref.name

    def reloaded(self, described: Described) -> None:
        """Take a fresh import after an edit. A failure keeps the previous results (now stale)."""
        if described.error is not None:
            if self.results:
                self.reload_error = described.error
            else:  # nothing to keep: it simply does not load
                self.load_error, self.reload_error = described.error, None
            return
        self.specs = list(described.specs)
        self.secrets = described.secrets
        self.load_error = self.reload_error = None

    @property
    def stale(self) -> bool:
        return self.reload_error is not None and self.last is not None

    @property
    def last(self) -> CollectionResult | None:
        return self.results[-1] if self.results else None

    @property
    def previous(self) -> CollectionResult | None:
        return self.results[-2] if len(self.results) > 1 else None

    @property
    def status(self) -> str:
        if self.load_error is not None:
            return LOAD_FAILED
        if self.reload_error is not None:
            return RELOAD_FAILED
        if self.running:
            return RUNNING
        last = self.last
        if last is None:
            return IDLE
        if last.fatal is not None:
            return FAILED
        return ERRORS if last.errors else OK

    @property
    def label(self) -> str:
        status = self.status
        if status == ERRORS:
            count = len(self.last.errors)
            return f"{count} error{'s' if count != 1 else ''}"
        if status == RELOAD_FAILED:
            return "edit failed"
        return status

    @property
    def errors(self) -> list[MetricError]:
        if self.load_error is not None:
            return [self.load_error]
        if self.reload_error is not None:
            return [self.reload_error]
        return self.last.errors if self.last else []

    def next_run(self, now: datetime) -> datetime | None:
        if self.load_error:
            return None
        # the schedule's next time after an earlier moment is also its next after ``now`` while ``now`` is before it
        if self._next is not None and self._next[0] == self.schedule and self._next[1] <= now < self._next[2]:
            return self._next[2]
        when = next_run(self.schedule, now)
        self._next = (self.schedule, now, when) if when is not None else None
        return when

    @property
    def series_count(self) -> int:
        """The series of the last run (what a push of it sends)."""
        last = self.last
        if last is None:
            return 0
        if self._counted is None or self._counted[0] is not last:
            self._counted = (last, last.series_count)
        return self._counted[1]

    def rows(self) -> list[MetricRow]:
        if self.last is None:
            return [_spec_row(spec) for spec in self.specs]
        rows = metric_rows(self.last, self.previous)
        return [dataclasses.replace(r, stale=True) for r in rows] if self.stale else rows

    def history(self, key: str) -> list[float]:
        """The values of one series over the kept runs, oldest first (runs without it skipped)."""
        values = []
        for result in self.results:
            found = series_values(result).get(key)
            if found is not None:
                values.append(found)
        return values


def series_values(result: CollectionResult) -> dict[str, float]:
    values = {series_key(s.metric, s.tags): s.value for o in result.outcomes for s in o.series}
    values.update(result.meta_metrics)
    return values


def metric_rows(result: CollectionResult, previous: CollectionResult | None = None) -> list[MetricRow]:
    """Every outcome of ``result`` (one row per tagged series), then the meta-metrics."""
    before = series_values(previous) if previous is not None else None

    def changed(key: str, number: float) -> str:
        return "" if before is None else fmt.change(number, before.get(key))

    rows = []
    for o in result.outcomes:
        took = fmt.duration(o.duration_seconds)
        if o.status == ERROR:
            rows.append(MetricRow(o.name, o.name, "error", o.unit, o.type, "", took, "", ERROR))
        elif o.status == NO_DATA:
            rows.append(MetricRow(o.name, o.name, "no data", o.unit, o.type, "", took, "", NO_DATA))
        for s in o.series:
            key = series_key(s.metric, s.tags)
            # tags come from a metric's return value: scrub them like any other text we show
            rows.append(MetricRow(key, s.metric, fmt.value(s.value), s.unit, s.type, redact(",".join(s.tags)), took, changed(key, s.value), OK))
    units = {"duration_seconds": "seconds"}
    for name, number in result.meta_metrics.items():
        if name.rsplit(".", 1)[1] in NOT_LISTED:
            continue
        rows.append(MetricRow(name, name, fmt.value(number), units.get(name.rsplit(".", 1)[1], "count"), "gauge", "", "", changed(name, number), META))
    return rows


def _spec_row(spec: MetricSpec) -> MetricRow:
    return MetricRow(spec.name, spec.name, "-", spec.unit, spec.type, "", "", "", IDLE)


def filter_rows(rows: list[MetricRow], text: str) -> list[MetricRow]:
    """Rows whose metric name contains ``text`` (case-insensitive); all rows for no text."""
    needle = text.strip().lower()
    return [r for r in rows if needle in r.name.lower()] if needle else rows


@dataclass(frozen=True)
class Totals:
    collectors: int
    running: int
    series: int
    errors: int
    failed: int


def totals(states: list[CollectorState]) -> Totals:
    return Totals(
        collectors=len(states),
        running=sum(1 for s in states if s.running),
        series=sum(s.series_count for s in states),
        errors=sum(len(s.errors) for s in states),
        failed=sum(1 for s in states if s.status in (FAILED, LOAD_FAILED, RELOAD_FAILED)),
    )
