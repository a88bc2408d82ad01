"""The intake payloads of a push: JSON text written straight from the series, deflated per request.

Each series becomes its intake's JSON object as one string: the parts every series of a metric
shares (name, type, unit, interval, the timestamp) are encoded once, and per series only the
value and the tags are (with ``json.dumps``'s own string encoder). No dict per series is built:
for 100,000 series those dicts alone held about 80 MB, and datadog-api-client's model objects
cost about 40x the serialization itself.

Requests are cut to the intake's limits, as datadog-api-client's ``MetricsApi.submit_metrics``
docstring states them: 512,000 bytes compressed and 5 MB decompressed per payload. The JSON is
deflated in chunks, each ended with a sync flush, so the compressed size so far is exact; a chunk
is only added while its worst case (zlib's deflate bound) still fits. No request is encoded twice
to find out it was too large, and only the request being written is held in memory.
"""

from __future__ import annotations

import json
import zlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from ..model import INTERVAL_TYPES, CollectionResult, Series, SeriesColumn, datadog_unit

SERIES_PATH = "/api/v2/series"
DISTRIBUTIONS_PATH = "/api/v1/distribution_points"

MAX_COMPRESSED_BYTES = 512_000
MAX_RAW_BYTES = 5_000_000  # decompressed: under 5 MB, however the intake counts a megabyte
CHUNK_BYTES = 128 * 1024  # raw JSON deflated at a time
COMPRESSION_LEVEL = 6  # zlib's default
_MARGIN = 64  # the request's end: "]}", the final deflate block and the adler32 trailer

_OPEN = '{"series":['
_CLOSE = "]}"
_STRING = json.encoder.encode_basestring_ascii  # json.dumps's own (the C one where it is built)
_INTAKE_TYPES = {"count": 1, "rate": 2, "gauge": 3}
_TYPE = attrgetter("type")

NO_INTERVAL = (
    "{metric} is a {type} and has no interval: its collector's schedule is irregular or unknown; "
    "declare @metric(interval=SECONDS) or give the collector a regular schedule in the values"
)


class _Group:
    """One collector's series for one intake, and the JSON they share."""

    def __init__(self, path: str, series: Sequence[Series], timestamp: int, constant: Sequence[str], period: int | None, *, alone: bool = False) -> None:
        self.path = path
        self.alone = alone  # in a request of its own: what differs between a run and its retry stays out of the window's bodies
        self.series = series
        self.start = 0  # the index of its first series in the plan
        self.timestamp = timestamp
        self.constant = tuple(constant)
        self.constant_set = frozenset(constant)
        self.constant_json = ",".join(map(_STRING, constant))
        self.after_tags = ("," + self.constant_json) if constant else ""
        self.period = period
        self._parts: dict[tuple, tuple[str, str, str]] = {}

    def fragments(self, lo: int, hi: int) -> Iterator[str]:
        """The JSON of series ``lo`` to ``hi`` (indices in this group), one string each."""
        series, parts, make = self.series, self._parts, self._make_parts
        if type(series) is SeriesColumn:
            yield from self._column_fragments(series, lo, hi)
            return
        distribution = self.path == DISTRIBUTIONS_PATH
        for k in range(lo, hi):
            s = series[k]
            key = (s.metric, s.type, s.unit, s.interval)
            shared = parts.get(key) or make(key, s)
            value = ",".join(map(repr, s.values)) if distribution else repr(s.value)
            yield f"{shared[0]}{value}{shared[1]}{self._tag_json(s.tags)}{shared[2]}"

    def _column_fragments(self, column: SeriesColumn, lo: int, hi: int) -> Iterator[str]:
        """``fragments`` of a wide metric's column, read from its values and tags (no Series made):
        its series share one metric, type, unit and interval, so one ``shared`` serves them all."""
        if lo >= hi:
            return
        first = column[lo]
        key = (first.metric, first.type, first.unit, first.interval)
        before, between, after = self._parts.get(key) or self._make_parts(key, first)
        tag_json = self._tag_json
        for value, tags in column.rows(lo, hi):
            yield f"{before}{value!r}{between}{tag_json(tags)}{after}"

    def _tag_json(self, tags: tuple[str, ...]) -> str:
        """A series' tags and the push's own, as the JSON array's inside."""
        if not tags:
            return self.constant_json
        if self.constant_set.isdisjoint(tags):
            return ",".join(map(_STRING, tags)) + self.after_tags
        # a metric's own tag that the push adds too: once, where the metric put it
        return ",".join(map(_STRING, dict.fromkeys(tags + self.constant)))

    def _make_parts(self, key: tuple, s: Series) -> tuple[str, str, str]:
        """What comes before the value, between it and the tags, and after the tags."""
        name = _STRING(s.metric)
        if self.path == DISTRIBUTIONS_PATH:
            made = (f'{{"metric":{name},"points":[[{self.timestamp},[', ']]],"tags":[', '],"type":"distribution"}')
        else:
            tail = "]"
            if unit := datadog_unit(s.unit):
                tail += f',"unit":{_STRING(unit)}'
            if s.type in INTERVAL_TYPES:
                tail += f',"interval":{int(s.interval or self.period)}'
            made = (f'{{"metric":{name},"type":{_INTAKE_TYPES[s.type]},"points":[{{"timestamp":{self.timestamp},"value":', '}],"tags":[', tail + "}")
        self._parts[key] = made
        return made


@dataclass
class Request:
    """Series ``start`` to ``end`` of a plan as one request's deflated body, or why the one series
    there cannot be sent (``problem``)."""

    path: str
    start: int
    end: int
    body: bytes = b""
    raw_bytes: int = 0
    problem: str | None = None  # why the series here are not sent: one too large, or a payload that could not be written


@dataclass
class Plan:
    """What a push sends: its series in order (v2 series first, then distribution points), as
    groups sharing their JSON, and the series it cannot send, with why."""

    groups: list[_Group] = field(default_factory=list)
    unsendable: list[tuple[Series, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        at = 0
        for group in self.groups:
            group.start = at
            at += len(group.series)
        self.total = at
        self._starts = [g.start for g in self.groups]

    def series_between(self, start: int, end: int) -> list[Series]:
        out: list[Series] = []
        for group in self.groups[self._group_at(start):]:
            if group.start >= end:
                break
            out.extend(group.series[max(start - group.start, 0):end - group.start])
        return out

    def _group_at(self, index: int) -> int:
        return max(bisect_right(self._starts, index) - 1, 0)

    def encode(self, start: int, stop: int | None = None) -> Request:
        """From series ``start``, as many as one request holds (not beyond ``stop``), deflated."""
        stop = self.total if stop is None else stop
        first = self._group_at(start)
        writer = _Writer()
        end = self._fill(writer, first, start, stop)
        if end == start:  # the first series is too large for a chunk's bound
            return self._alone(first, start)
        body, raw = writer.finish()
        return Request(self.groups[first].path, start, end, body, raw)

    def _fill(self, writer: _Writer, first: int, start: int, stop: int) -> int:
        """Add series from ``start`` to ``writer`` until it is full; the index after the last added."""
        at, path = start, self.groups[first].path
        for group in self.groups[first:]:
            if group.path != path or at >= stop or (group is not self.groups[first] and (group.alone or self.groups[first].alone)):
                break
            for fragment in group.fragments(at - group.start, min(stop, group.start + len(group.series)) - group.start):
                if not writer.add(fragment):
                    return at
                at += 1
        return at

    def _alone(self, first: int, index: int) -> Request:
        """One series in a request of its own: the bound was too cautious for it, or it is too large."""
        group = self.groups[first]
        k = index - group.start
        text = _OPEN + next(group.fragments(k, k + 1)) + _CLOSE
        body = zlib.compress(text.encode(), COMPRESSION_LEVEL)
        if len(text) <= MAX_RAW_BYTES and len(body) <= MAX_COMPRESSED_BYTES:
            return Request(group.path, index, index + 1, body, len(text))
        return Request(group.path, index, index + 1, problem=(
            f"{group.series[k].metric}: one series is {len(text):,} bytes of JSON ({len(body):,} deflated), over the intake's "
            f"limits ({MAX_RAW_BYTES:,} raw, {MAX_COMPRESSED_BYTES:,} compressed); return fewer values or shorter tags"
        ))


class _Writer:
    """One request's body: fragments joined into chunks, each deflated and sync-flushed."""

    def __init__(self) -> None:
        self.deflate = zlib.compressobj(COMPRESSION_LEVEL)
        self.out = [self.deflate.compress(_OPEN.encode())]
        self.compressed = 0  # exact as of the last flush
        self.raw = len(_OPEN) + len(_CLOSE)
        self.flushed = 0  # series in the chunks written so far
        self.pending: list[str] = []
        self.pending_bytes = 0
        self._room()

    def add(self, fragment: str) -> bool:
        """Take ``fragment`` when the request has room for it; False when it is full."""
        size = len(fragment) + 1  # and its comma
        if self.pending_bytes + size > self.chunk:
            if self.pending:
                self._flush()
            if size > self.room:  # a fragment over CHUNK_BYTES is a chunk of its own when it fits
                return False
        self.pending.append(fragment)
        self.pending_bytes += size
        return True

    def _flush(self, end: str = "", mode: int = zlib.Z_SYNC_FLUSH) -> None:
        text = ("," if self.flushed and self.pending else "") + ",".join(self.pending) + end
        self.out.append(self.deflate.compress(text.encode()))
        self.out.append(self.deflate.flush(mode))
        self.compressed = sum(map(len, self.out))
        self.raw += len(text) - len(end)
        self.flushed += len(self.pending)
        self.pending, self.pending_bytes = [], 0
        self._room()

    def _room(self) -> None:
        """Raw bytes the next chunk may hold (``room``; ``chunk``: at most CHUNK_BYTES of it). Its
        deflate bound (n + n/1024 + 64 is above zlib's) must fit in what is left compressed, and
        the chunk itself in what is left raw."""
        compressed = (MAX_COMPRESSED_BYTES - _MARGIN - self.compressed - 64) * 1024 // 1025
        self.room = max(0, min(compressed, MAX_RAW_BYTES - self.raw))
        self.chunk = min(CHUNK_BYTES, self.room)

    def finish(self) -> tuple[bytes, int]:
        self._flush(_CLOSE, zlib.Z_FINISH)
        return b"".join(self.out), self.raw


def plan(results: Iterable[CollectionResult], constant_tags, intervals: Mapping[str, int | None] | None = None) -> Plan:
    """The push's series, grouped per collector and intake (meta-metrics included).

    ``constant_tags(collector)``: the tags the push adds to each of a collector's series.
    ``intervals``: collector name -> the period of its schedule in seconds (None: irregular).
    """
    series_groups: list[_Group] = []
    distribution_groups: list[_Group] = []
    unsendable: list[tuple[Series, str]] = []
    no_interval: dict[tuple[str, str], str] = {}  # one message per metric, however many series it has
    run_groups: list[_Group] = []
    for result in results:
        # Every point of a run is stamped at its window's end, so a retry of the window sends the
        # same bodies and Datadog (one value per series and timestamp) overwrites; only the run's
        # own duration is stamped at its start, in a request of its own.
        started = int(result.started_at.timestamp())
        timestamp = result.window.end_timestamp if result.window is not None else started
        period = (intervals or {}).get(result.collector)
        plain: list[Series] = []
        distributions: list[Series] = []
        constant = constant_tags(result.collector)
        by_metric = result.series_by_metric()
        if result.window is not None:  # the meta-metrics come last
            meta = by_metric[-1]
            if own := [s for s in meta if s.metric == result.duration_metric]:
                run_groups.append(_Group(SERIES_PATH, own, started, constant, period, alone=True))
            by_metric[-1] = [s for s in meta if s.metric != result.duration_metric]
        for seq in by_metric:
            if type(seq) is SeriesColumn and (seq.type not in INTERVAL_TYPES or seq.interval or period):
                # a wide metric: a group of its own after the series before it (one request may hold
                # both), its Series made only as each is written
                if plain:
                    series_groups.append(_Group(SERIES_PATH, plain, timestamp, constant, period))
                    plain = []
                series_groups.append(_Group(SERIES_PATH, seq, timestamp, constant, period))
                continue
            kinds = set(map(_TYPE, seq))
            if kinds == {"gauge"}:
                plain.extend(seq)
                continue
            for s in seq:
                if s.type == "distribution":
                    distributions.append(s)
                elif s.type in INTERVAL_TYPES and not (s.interval or period):
                    why = no_interval.get((s.metric, s.type)) or no_interval.setdefault((s.metric, s.type), NO_INTERVAL.format(metric=s.metric, type=s.type))
                    unsendable.append((s, why))
                else:
                    plain.append(s)
        if plain:
            series_groups.append(_Group(SERIES_PATH, plain, timestamp, constant, period))
        if distributions:
            distribution_groups.append(_Group(DISTRIBUTIONS_PATH, distributions, timestamp, constant, period))
    return Plan(series_groups + run_groups + distribution_groups, unsendable)


def bodies(made: Plan) -> Iterator[tuple[Series, str, dict]]:
    """Each series of ``made`` with its intake's path and its JSON object, exactly as sent (for showing)."""
    for group in made.groups:
        for s, fragment in zip(group.series, group.fragments(0, len(group.series)), strict=True):
            yield s, group.path, json.loads(fragment)
