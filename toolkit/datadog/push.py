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

The payloads are written by ``payload`` (JSON text straight from the series, deflated, requests
cut to the intake's limits) one request at a time as a sender is free, and posted with httpx:
datadog-api-client's model objects cost about 40x the serialization itself, and its urllib3
retries have no overall budget, which a CronJob with a deadline needs.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import SettingsError
from ..model import (
    MAIN_THREAD_SLICE,
    CollectionResult,
    Interrupt,
    Series,
    Settings,
    defaults,
    redact,
    tag_problem,
)
from .client import body_text
from .payload import DISTRIBUTIONS_PATH, SERIES_PATH, Plan, Request, bodies, plan

REQUEST_TIMEOUT = 20.0  # seconds one request may take, within what is left of the budget
CONCURRENT_REQUESTS = 4
MAX_ATTEMPTS = 6
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_NAMES_SHOWN = 20
# The request body's media type, as Datadog's OpenAPI description of each operation declares it
# (SubmitMetrics: application/json; SubmitDistributionPoints: text/json, what datadog-api-client sends).
CONTENT_TYPES = {SERIES_PATH: "application/json", DISTRIBUTIONS_PATH: "text/json"}

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


def make_plan(results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None) -> Plan:
    """What a push of ``results`` sends (``intervals``: collector -> its schedule's period, None: irregular)."""
    return plan(results, settings.constant_tags, intervals)


@dataclass
class Bodies:
    """What a push sends, as JSON objects (for showing and tests: the push itself never builds
    them): v2 series and v1 distribution points, and what it cannot send (with why)."""

    series: list[tuple[Series, dict]] = field(default_factory=list)
    distributions: list[tuple[Series, dict]] = field(default_factory=list)
    unsendable: list[tuple[Series, str]] = field(default_factory=list)


def build_bodies(
    results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None
) -> Bodies:
    """Each series beside the JSON object its intake gets for it (meta-metrics included), decoded
    from the very text the push sends."""
    made = make_plan(results, settings, intervals)
    out = Bodies(unsendable=made.unsendable)
    for s, path, body in bodies(made):
        (out.series if path == SERIES_PATH else out.distributions).append((s, body))
    return out


def build_series(results: Iterable[CollectionResult], settings: PushSettings, intervals: Mapping[str, int | None] | None = None) -> list[tuple[Series, dict]]:
    """The v2 series bodies of a push (gauges, counts and rates)."""
    return build_bodies(results, settings, intervals).series


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
    made = make_plan(results, settings, intervals)
    report = _Push(made, settings, time.monotonic() + timeout, timeout, interrupt).run() if made.total else PushReport()
    report.failed.extend(s for s, _ in made.unsendable)
    report.errors.extend(dict.fromkeys(why for _, why in made.unsendable))
    return report


class _Push:
    """Requests written one at a time as senders take them, sent by a few daemon workers; the
    caller waits at most until the budget ends.

    Each request is a range of the plan's series. What is settled (sent, or failed with why) is
    kept as ranges, so when the caller stops waiting, everything else (in flight, or never
    written) is what was not sent.
    """

    def __init__(self, made: Plan, settings: PushSettings, deadline: float, budget: float, interrupt: Interrupt | None) -> None:
        from ..sources import httpx, ssl_context

        self.plan = made
        self.deadline = deadline
        self.budget = budget
        self.interrupt = interrupt
        self.report = PushReport()
        self.cond = threading.Condition()
        self.stop = threading.Event()  # set when the caller stops waiting: sleeping retries end
        self.writing = threading.Lock()  # one request is written at a time, in the plan's order
        self.next = 0  # the first series no request has taken yet (under ``writing``)
        self.settled = 0  # series sent or failed (under ``cond``)
        self.failed: list[tuple[int, int, str]] = []  # (start, end, why)
        self.sent: list[tuple[int, int]] = []
        self.workers = 0
        # no transport retries: every retry is this module's, inside the budget
        self.client = httpx.Client(
            base_url=settings.endpoint,
            headers={"DD-API-KEY": settings.api_key, "Content-Encoding": "deflate", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=CONCURRENT_REQUESTS),
            verify=ssl_context(),  # the process's one: each push building its own cost ~20 ms
        )

    def run(self) -> PushReport:
        if self.interrupt is not None:
            self.interrupt.watch(self.cond)
        self._spawn()
        try:
            self._wait()
        finally:
            if self.interrupt is not None:
                self.interrupt.unwatch(self.cond)
            self.stop.set()
        with self.cond:
            failed, sent, complete = list(self.failed), list(self.sent), self.settled == self.plan.total
        for start, end, why in failed:
            self.report.failed.extend(self.plan.series_between(start, end))
            self.report.errors.append(why)
        if complete:
            self.client.close()  # with requests still in flight, the daemon workers keep it until exit
        else:
            unsettled = _gaps(sorted(sent + [(a, b) for a, b, _ in failed]), self.plan.total)
            for start, end in unsettled:
                self.report.failed.extend(self.plan.series_between(start, end))
            self.report.errors.append(self._cut_reason())
        return self.report

    def _spawn(self) -> None:
        """One more sender, while there are fewer than CONCURRENT_REQUESTS (under ``writing``, or before any start)."""
        if self.workers < CONCURRENT_REQUESTS:
            self.workers += 1
            threading.Thread(target=self._work, name="dd-toolkit-push", daemon=True).start()

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
            while self.settled < self.plan.total:
                left = self._end() - time.monotonic()
                if left <= 0:
                    return
                self.cond.wait(timeout=min(left, MAIN_THREAD_SLICE))  # a signal's handler runs between slices

    def _work(self) -> None:
        while True:
            with self.writing:
                if self.stop.is_set() or self.next >= self.plan.total:
                    return
                try:
                    request = self.plan.encode(self.next)
                except Exception as exc:  # noqa: BLE001 - a failure here must be reported as itself, not as a push timeout
                    request = Request("", self.next, self.plan.total, problem=f"the push could not write its payload: {type(exc).__name__}: {exc}")
                self.next = request.end
                if self.next < self.plan.total:
                    self._spawn()  # a sender for the next request while this one is on the wire
            outcome = self._deliver(request)
            with self.cond:
                if self.stop.is_set():
                    return  # the caller gave up waiting and counted everything unsettled as not sent
                for start, end, why in outcome.failed:
                    self.failed.append((start, end, why))
                self.sent.extend(outcome.sent)
                self.settled += request.end - request.start
                self.report.sent += sum(b - a for a, b in outcome.sent)
                self.report.requests += outcome.requests
                self.cond.notify_all()

    def _deliver(self, request: Request) -> _Outcome:
        """Send one request, retried within the budget, split in halves on 413."""
        outcome = _Outcome()
        if request.problem:
            outcome.failed.append((request.start, request.end, request.problem))
            return outcome
        for attempt in range(MAX_ATTEMPTS):
            left = self._end() - time.monotonic()
            if left <= 0 or self.stop.is_set():
                return outcome.fail(request, self._cut_reason())
            outcome.requests += 1
            try:
                response = self.client.post(request.path, content=request.body, headers={"Content-Type": CONTENT_TYPES[request.path]},
                                            timeout=min(REQUEST_TIMEOUT, left))
            except Exception as exc:  # noqa: BLE001 - timeouts, resets, refused: retried within the budget
                reason = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
                if self._end() - time.monotonic() <= 0.1:  # the request's timeout was what was left of the budget
                    reason = f"{self._cut_reason()} (the last request: {reason})"
                wait = _backoff(attempt)
            else:
                if response.status_code < 300:
                    if problems := _accepted_errors(response.content):
                        # the intake took the request but says what it did not keep: reported, never "pushed"
                        return outcome.fail(request, redact(f"the intake answered {response.status_code} {response.reason_phrase} but reported errors: {problems} (which of these series it kept, it does not say)"))
                    outcome.sent.append((request.start, request.end))
                    return outcome
                reason = redact(f"HTTP {response.status_code} {response.reason_phrase}: {body_text(response.content)}")
                if response.status_code == 413 and request.end - request.start > 1:
                    return outcome.merge(self._halves(request))
                if response.status_code not in RETRY_STATUSES:
                    return outcome.fail(request, reason)
                asked = _requested_wait(response.headers)
                wait = max(_backoff(attempt), asked or 0.0)
                left = self._end() - time.monotonic()
                if asked is not None and asked > left:
                    reason += f" (the intake asked to wait {asked:g}s, beyond the {max(left, 0):.1f}s left of the push budget)"
                    return outcome.fail(request, reason)
            if attempt + 1 == MAX_ATTEMPTS or wait >= self._end() - time.monotonic():
                return outcome.fail(request, reason)
            if self._sleep(wait):
                return outcome.fail(request, self._cut_reason())
        return outcome.fail(request, "unreachable")  # pragma: no cover

    def _halves(self, request: Request) -> _Outcome:
        """The intake found a request too large (its limits are not the documented ones): each half as requests of its own."""
        outcome = _Outcome()
        middle = (request.start + request.end) // 2
        for start, stop in ((request.start, middle), (middle, request.end)):
            while start < stop:
                part = self.plan.encode(start, stop)
                outcome.merge(self._deliver(part))
                start = part.end
        return outcome

    def _sleep(self, seconds: float) -> bool:
        """Wait before a retry; True when the push was stopped (the budget, a signal) meanwhile."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.stop.wait(min(left, 0.5)) or (self.interrupt is not None and self.interrupt.is_set() and time.monotonic() >= self._end()):
                return True
        return False


@dataclass
class _Outcome:
    """What sending one request (and its halves) settled: ranges sent, ranges failed with why."""

    sent: list[tuple[int, int]] = field(default_factory=list)
    failed: list[tuple[int, int, str]] = field(default_factory=list)
    requests: int = 0

    def fail(self, request: Request, why: str) -> _Outcome:
        self.failed.append((request.start, request.end, why))
        return self

    def merge(self, other: _Outcome) -> _Outcome:
        self.sent += other.sent
        self.failed += other.failed
        self.requests += other.requests
        return self


def _gaps(ranges: list[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    """The parts of [0, total) that no range of ``ranges`` (sorted, not overlapping) covers."""
    gaps, at = [], 0
    for start, end in ranges:
        if start > at:
            gaps.append((at, start))
        at = max(at, end)
    if at < total:
        gaps.append((at, total))
    return gaps


def _accepted_errors(content: bytes) -> str:
    """The ``errors`` of a 2xx answer, as one line ("" when there are none).

    Datadog's description of both intakes answers 202 with ``IntakePayloadAccepted``: v2 series
    ``{"errors": [string]}`` ("A list of errors"; empty when all is well, as the recorded answer
    shows), v1 distribution points ``{"status": "ok"}``. A non-empty list means the request was
    taken but not all of it was kept.
    """
    import json

    try:
        body = json.loads(content)
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return ""
    return body_text({"errors": errors if isinstance(errors, list) else [errors]})


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
