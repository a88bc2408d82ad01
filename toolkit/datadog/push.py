"""``--push``: submit a run's series to Datadog's intakes, within a budget.

Settings come from the environment: ``DD_API_KEY`` (required; or ``DD_API_KEY_FILE``, the path
of a file holding it), ``DD_SITE`` (default
``datadoghq.com``), ``DD_URL`` (a full API base URL, overriding the site: proxies and tests),
``DD_ENV`` (the ``env:`` tag), ``DD_SERVICE`` / ``DD_VERSION`` (``service:`` / ``version:``) and
``DD_TAGS`` (extra tags, comma- or space-separated).

Gauges, counts and rates go to the v2 series intake (``POST /api/v2/series``), counts and rates
with their ``interval`` in seconds: the metric's declared one, else the period of the
collector's schedule (``intervals``); a count or rate with neither is not sent, and the report
says why. Distributions go to the v1 distribution points intake (``POST
/api/v1/distribution_points``), which carries no unit: ``dd-toolkit metadata`` sets it.

The push is bounded: ``push(..., timeout=P)`` returns within ``P`` seconds whatever the intake
does (hangs, resets, 5xx, a rate-limit reset of a day), and a signal (``interrupt``) cuts that to
a short grace. Every request has its own timeout; 5xx, 408, 429 and connection errors are
retried only while the budget lasts, and a wait the intake asks for beyond it is reported, not
waited. What was not sent is named in the report with why.

The payloads are written as JSON directly (one ``json.dumps`` per series, deflated) and posted
with httpx: datadog-api-client's model objects cost about 40x the serialization itself, and its
urllib3 retries have no overall budget, which a CronJob with a deadline needs.
"""

from __future__ import annotations

import json
import random
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import SettingsError
from ..model import (
    INTERVAL_TYPES,
    MAIN_THREAD_SLICE,
    CollectionResult,
    Interrupt,
    Series,
    Settings,
    datadog_unit,
    defaults,
    redact,
    tag_problem,
)
from .client import body_text

MAX_COMPRESSED_BYTES = 512_000
MAX_PAYLOAD_BYTES = 4_500_000  # raw; under 5 MB with room for the envelope
REQUEST_TIMEOUT = 20.0  # seconds one request may take, within what is left of the budget
CONCURRENT_REQUESTS = 4
MAX_ATTEMPTS = 6
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_INTAKE_TYPES = {"count": 1, "rate": 2, "gauge": 3}
_NAMES_SHOWN = 20


SERIES_PATH = "/api/v2/series"
DISTRIBUTIONS_PATH = "/api/v1/distribution_points"


PUSH_NEEDS = "export it (in Kubernetes: the chart's datadog.apiKeySecret) or run without --push"


@dataclass(frozen=True)
class PushSettings:
    """What a push sends with: the key and endpoint, plus the tags every series gets."""

    api_key: str
    endpoint: str  # the API base URL, from DD_URL or DD_SITE
    env: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, extra_tags: Iterable[str] = ()) -> PushSettings:
        """Checked before any collecting starts: a missing key or a bad DD_URL is a SettingsError."""
        settings.require("DD_API_KEY", purpose=PUSH_NEEDS)
        unified = tuple(f"{key}:{value}" for key, value in (("service", settings.service), ("version", settings.version)) if value)
        made = cls(settings.api_key, settings.endpoint, settings.env, unified + settings.tags + tuple(extra_tags))
        for tag in made.constant_tags():
            if problem := tag_problem(tag):
                raise SettingsError(f"a tag every series gets (DD_ENV, DD_SERVICE, DD_VERSION, DD_TAGS or --tag): {problem}")
        return made

    def constant_tags(self, collector: str | None = None) -> list[str]:
        """The tags the push adds to every series (of ``collector``, when named)."""
        tags = [f"env:{self.env}"] if self.env else []
        if collector:
            tags += [f"source:{collector}-collector", f"collector:{collector}"]
        return tags + list(self.tags)

    @classmethod
    def from_env(cls, extra_tags: Iterable[str] = ()) -> PushSettings:
        return cls.from_settings(Settings.from_env(), extra_tags)


@dataclass
class PushReport:
    """What a push sent and what it could not send (with why)."""

    sent: int = 0
    requests: int = 0
    failed: list[Series] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def summary(self) -> str:
        if self.ok:
            return f"pushed {self.sent} series in {self.requests} request(s)"
        names = sorted({s.metric for s in self.failed})
        shown = ", ".join(names[:_NAMES_SHOWN]) + (f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else "")
        why = "; ".join(dict.fromkeys(self.errors))  # one batch's reason once, however many batches met it
        return f"push failed: {len(self.failed)} series not sent ({shown}): {why}; {self.sent} sent in {self.requests} request(s)"


def series_tags(result: CollectionResult, series: Series, settings: PushSettings) -> list[str]:
    tags = list(series.tags) + settings.constant_tags(result.collector)
    return list(dict.fromkeys(tags))  # keep order, drop repeats


NO_INTERVAL = (
    "{metric} is a {type} and has no interval: its collector's schedule is irregular or unknown; "
    "declare @metric(interval=SECONDS) or give the collector a regular schedule in the values"
)


@dataclass
class Bodies:
    """What a push sends: v2 series and v1 distribution points, and what it cannot send (with why)."""

    series: list[tuple[Series, dict]] = field(default_factory=list)
    distributions: list[tuple[Series, dict]] = field(default_factory=list)
    unsendable: list[tuple[Series, str]] = field(default_factory=list)


def build_bodies(
    results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None
) -> Bodies:
    """Each series beside the JSON its intake wants for it (meta-metrics included).

    ``intervals``: collector name -> the period of its schedule in seconds (None: irregular).
    """
    out = Bodies()
    for result in results:
        timestamp = int(result.started_at.timestamp())
        for s in result.series:
            tags = series_tags(result, s, settings)
            if s.type == "distribution":
                body = {"metric": s.metric, "points": [[timestamp, list(s.values)]], "tags": tags, "type": "distribution"}
                out.distributions.append((s, body))
                continue
            body = {
                "metric": s.metric,
                "type": _INTAKE_TYPES[s.type],
                "points": [{"timestamp": timestamp, "value": s.value}],
                "tags": tags,
            }
            unit = datadog_unit(s.unit)
            if unit:
                body["unit"] = unit
            if s.type in INTERVAL_TYPES:
                interval = s.interval or (intervals or {}).get(result.collector)
                if not interval:
                    out.unsendable.append((s, NO_INTERVAL.format(metric=s.metric, type=s.type)))
                    continue
                body["interval"] = int(interval)
            out.series.append((s, body))
    return out


def build_series(results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None) -> list[tuple[Series, dict]]:
    """The v2 series bodies of a push (gauges, counts and rates)."""
    return build_bodies(results, settings, intervals).series


def batches(items: list[tuple[Series, dict]]) -> list[list[tuple[Series, dict]]]:
    """Split series into requests under the intake's raw payload limit (compressed: see ``_encode``)."""
    out: list[list[tuple[Series, dict]]] = []
    current: list[tuple[Series, dict]] = []
    size = 0
    for item in items:
        item_size = len(json.dumps(item[1])) + 1
        if current and size + item_size > MAX_PAYLOAD_BYTES:
            out.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        out.append(current)
    return out


def push(
    results: Iterable[CollectionResult],
    settings: PushSettings,
    intervals: Mapping[str, int | None] | None = None,
    *,
    timeout: float = defaults.PUSH_TIMEOUT,
    interrupt: Interrupt | None = None,
) -> PushReport:
    """Submit every series of ``results`` within ``timeout`` seconds; report what was sent and what was not.

    After ``interrupt`` is set the push ends within ``defaults.SIGNAL_GRACE`` seconds of the signal.
    """
    bodies = build_bodies(results, settings, intervals)
    work = [(SERIES_PATH, b) for b in batches(bodies.series)] + [(DISTRIBUTIONS_PATH, b) for b in batches(bodies.distributions)]
    report = _Push(settings, time.monotonic() + timeout, timeout, interrupt).run(work) if work else PushReport()
    for s, why in bodies.unsendable:
        report.failed.append(s)
        report.errors.append(why)
    return report


class _Push:
    """Batches sent by a few daemon workers; the caller waits at most until the budget ends."""

    def __init__(self, settings: PushSettings, deadline: float, budget: float, interrupt: Interrupt | None) -> None:
        import httpx

        self.settings = settings
        self.deadline = deadline
        self.budget = budget
        self.interrupt = interrupt
        self.report = PushReport()
        self.cond = threading.Condition()
        self.stop = threading.Event()  # set when the caller stops waiting: sleeping retries end
        self.pending: dict[int, tuple[str, list[tuple[Series, dict]]]] = {}
        self.queue: deque[int] = deque()
        # no transport retries: every retry is this module's, inside the budget
        self.client = httpx.Client(
            base_url=settings.endpoint,
            headers={"DD-API-KEY": settings.api_key, "Content-Type": "application/json", "Content-Encoding": "deflate", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=CONCURRENT_REQUESTS),
        )

    def run(self, work: list[tuple[str, list[tuple[Series, dict]]]]) -> PushReport:
        """``work``: (the intake's path, a batch of its bodies)."""
        self.pending = dict(enumerate(work))
        self.queue.extend(self.pending)
        if self.interrupt is not None:
            self.interrupt.watch(self.cond)
        for _ in range(min(CONCURRENT_REQUESTS, len(work))):
            threading.Thread(target=self._work, name="dd-toolkit-push", daemon=True).start()
        try:
            self._wait()
        finally:
            if self.interrupt is not None:
                self.interrupt.unwatch(self.cond)
            self.stop.set()
        with self.cond:
            leftover, self.pending = self.pending, {}
            self.queue.clear()
        if leftover:
            why = self._cut_reason()
            for _, batch in leftover.values():
                self.report.failed.extend(s for s, _ in batch)
            self.report.errors.append(why)
        else:
            self.client.close()  # with requests still in flight, the daemon workers keep it until exit
        return self.report

    def _end(self) -> float:
        end = self.deadline
        if self.interrupt is not None and self.interrupt.is_set():
            end = min(end, (self.interrupt.at or time.monotonic()) + defaults.SIGNAL_GRACE)
        return end

    def _cut_reason(self) -> str:
        if self.interrupt is not None and self.interrupt.is_set() and self._end() < self.deadline:
            return f"{self.interrupt.reason}: the push's {defaults.SIGNAL_GRACE:g}s grace after the signal ran out"
        return f"push timeout: not sent within --push-timeout {self.budget:g}s"

    def _wait(self) -> None:
        with self.cond:
            while self.pending:
                left = self._end() - time.monotonic()
                if left <= 0:
                    return
                self.cond.wait(timeout=min(left, MAIN_THREAD_SLICE))  # a signal's handler runs between slices

    def _work(self) -> None:
        while True:
            with self.cond:
                if not self.queue or self.stop.is_set():
                    return
                key = self.queue.popleft()
                item = self.pending.get(key)
            if item is None:
                continue
            sent, failed, errors, requests = self._send(*item)
            with self.cond:
                if key not in self.pending:
                    return  # the caller gave up on it and already counted it as not sent
                del self.pending[key]
                self.report.sent += sent
                self.report.requests += requests
                self.report.failed.extend(failed)
                self.report.errors.extend(errors)
                self.cond.notify_all()

    def _send(self, path: str, batch: list[tuple[Series, dict]]) -> tuple[int, list[Series], list[str], int]:
        """Send one batch (split on 413 or when too large compressed): (sent, failed, errors, requests)."""
        body = _encode(batch)
        if len(body) > MAX_COMPRESSED_BYTES and len(batch) > 1:
            return self._halves(path, batch)
        requests = 0
        for attempt in range(MAX_ATTEMPTS):
            left = self._end() - time.monotonic()
            if left <= 0 or self.stop.is_set():
                return 0, [s for s, _ in batch], [self._cut_reason()], requests
            requests += 1
            try:
                response = self.client.post(path, content=body, timeout=min(REQUEST_TIMEOUT, left))
            except Exception as exc:  # noqa: BLE001 - timeouts, resets, refused: retried within the budget
                reason = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
                if self._end() - time.monotonic() <= 0.1:  # the request's timeout was what was left of the budget
                    reason = f"{self._cut_reason()} (the last request: {reason})"
                wait = _backoff(attempt)
            else:
                if response.status_code < 300:
                    return len(batch), [], [], requests
                reason = redact(f"HTTP {response.status_code} {response.reason_phrase}: {body_text(response.content)}")
                if response.status_code == 413 and len(batch) > 1:
                    sent, failed, errors, more = self._halves(path, batch)
                    return sent, failed, errors, requests + more
                if response.status_code not in RETRY_STATUSES:
                    return 0, [s for s, _ in batch], [reason], requests
                asked = _requested_wait(response.headers)
                wait = max(_backoff(attempt), asked or 0.0)
                left = self._end() - time.monotonic()
                if asked is not None and asked > left:
                    reason += f" (the intake asked to wait {asked:g}s, beyond the {max(left, 0):.1f}s left of the push budget)"
                    return 0, [s for s, _ in batch], [reason], requests
            if attempt + 1 == MAX_ATTEMPTS or wait >= self._end() - time.monotonic():
                return 0, [s for s, _ in batch], [reason], requests
            if self._sleep(wait):
                return 0, [s for s, _ in batch], [self._cut_reason()], requests
        return 0, [s for s, _ in batch], ["unreachable"], requests  # pragma: no cover

    def _halves(self, path, batch):
        half = len(batch) // 2
        a = self._send(path, batch[:half])
        b = self._send(path, batch[half:])
        return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]

    def _sleep(self, seconds: float) -> bool:
        """Wait before a retry; True when the push was stopped (the budget, a signal) meanwhile."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.stop.wait(min(left, 0.5)) or (self.interrupt is not None and self.interrupt.is_set() and time.monotonic() >= self._end()):
                return True
        return False


def _encode(batch: list[tuple[Series, dict]]) -> bytes:
    return zlib.compress(json.dumps({"series": [body for _, body in batch]}, separators=(",", ":")).encode())


def _backoff(attempt: int) -> float:
    return min(0.25 * 2**attempt, 8.0) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto


def _requested_wait(headers) -> float | None:
    """Seconds the intake asked to wait: Datadog's X-RateLimit-Reset, else Retry-After."""
    for name in ("X-RateLimit-Reset", "Retry-After"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return None
