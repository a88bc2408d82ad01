"""Windows: every point stamped at its window's end, retries that overwrite, catch-up and zero-fill.

The Datadog stand-in (``Datadog`` below) is a loopback server answering the two operations a
windowed run uses, with the shapes of Datadog's API description: ``POST /api/v2/series``
(MetricPayload in, IntakePayloadAccepted ``{"errors": [...]}`` out; a point more than an hour
old is refused, as OpenAPI MetricPoint.timestamp says "not ... more than 1 hour in the past")
and ``GET /api/v1/query`` (QueryMetrics: ``from``/``to`` in seconds, a ``MetricsQueryResponse``
whose ``series`` are ``MetricsQueryMetadata`` with ``tag_set`` and ``pointlist`` of
``[milliseconds, value]``; datadog-api-client's v1 models ``metrics_query_response`` and
``metrics_query_metadata``). Like Datadog, it keeps one value per series and timestamp.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

import pytest
from fixtures.windowed.collector import WindowedCollector
from loopback import Serving

from toolkit.cli._windows import catch_up_and_fill
from toolkit.datadog import DatadogState, PushSettings, push
from toolkit.engine import RunOptions, collect
from toolkit.engine import registry as _registry
from toolkit.model import Window, window_at, windows_between

API_KEY = "0123456789abcdef0123456789abcdef"
APP_KEY = "fedcba9876543210fedcba9876543210fedcba98"
NOW = datetime(2026, 11, 27, 12, 7, tzinfo=UTC)  # the simulated clock: under */15 the run's window is [11:45, 12:00)
CONSTANT = {"env:test", "source:windowed-collector", "collector:windowed"}


class Datadog(Serving):
    """The intake and the query API over one store: (metric, tags, timestamp) -> value, last write wins."""

    def __init__(self, clock) -> None:
        self.points: dict[tuple[str, tuple[str, ...], int], float] = {}
        self.bodies: list[bytes] = []
        self.refused: list[str] = []
        self.lock = threading.Lock()
        store = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(zlib.decompress(raw))
                errors = []
                with store.lock:
                    store.bodies.append(raw)
                    if self.path != "/api/v2/series":  # a distribution (v1, [ts, [values]] points): taken, not kept
                        return self._answer(202, {"status": "ok"})
                    for s in payload["series"]:
                        tags = tuple(sorted(t for t in s.get("tags", []) if t not in CONSTANT))
                        for point in s["points"]:
                            if point["timestamp"] < clock().timestamp() - 3600:
                                errors.append(f"point of {s['metric']} at {point['timestamp']} is older than 1 hour")
                                store.refused.append(s["metric"])
                                continue
                            store.points[(s["metric"], tags, point["timestamp"])] = point["value"]
                self._answer(202, {"errors": errors})

            def do_GET(self):
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                assert self.headers["DD-APPLICATION-KEY"] == APP_KEY
                if url.path.endswith("/all-tags"):  # ListTagsByMetricName: MetricAllTagsResponse
                    metric = url.path.split("/")[-2]
                    with store.lock:
                        tags = sorted({t for (m, ts, _), _ in store.points.items() if m == metric for t in ts} | CONSTANT)
                    return self._answer(200, {"data": {"type": "metrics", "id": metric, "attributes": {"tags": tags}}})
                assert url.path == "/api/v1/query"
                m = re.fullmatch(r"(\w+):([\w.]+)\{collector:(\w+)\}(?: by \{([\w,]+)\})?", q["query"])
                _, metric, _, by = m.groups()
                keys = by.split(",") if by else []
                lo, hi = int(q["from"]), int(q["to"])
                groups: dict[tuple[str, ...], list] = {}
                with store.lock:
                    for (name, tags, ts), value in sorted(store.points.items(), key=lambda kv: kv[0][2]):
                        if name == metric and lo <= ts <= hi:
                            group = tuple(t for t in tags if t.split(":")[0] in keys)
                            groups.setdefault(group, []).append([ts * 1000.0, value])
                series = [{"metric": metric, "tag_set": list(g), "scope": ",".join(g) or "*", "pointlist": pl,
                           "start": pl[0][0], "end": pl[-1][0], "length": len(pl)} for g, pl in groups.items()]
                self._answer(200, {"status": "ok", "res_type": "time_series", "query": q["query"],
                                   "from_date": lo * 1000, "to_date": hi * 1000, "series": series})

        super().__init__(Handler)

    def total(self, metric: str) -> float:
        return sum(v for (m, _, _), v in self.points.items() if m == metric)

    def at(self, metric: str) -> dict[int, dict[tuple[str, ...], float]]:
        out: dict[int, dict] = {}
        for (m, tags, ts), v in self.points.items():
            if m == metric:
                out.setdefault(ts, {})[tags] = v
        return out


@pytest.fixture(autouse=True)
def fixture_collectors(monkeypatch):
    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")


def events(monkeypatch, *pairs):
    monkeypatch.setenv("WINDOWED_EVENTS", json.dumps([[at.strftime("%Y-%m-%dT%H:%M:%SZ"), team] for at, team in pairs]))


def settings(url: str) -> PushSettings:
    return PushSettings(API_KEY, url, "test", ())


def run_at(when: datetime):
    return collect(WindowedCollector(), RunOptions(timeout=10, frozen_at=when, schedule="*/15 * * * *"))


def test_window_is_the_last_closed_slot_of_the_schedule():
    assert window_at("*/15 * * * *", datetime(2026, 1, 1, 10, 17, tzinfo=UTC)) == Window(
        datetime(2026, 1, 1, 10, 0, tzinfo=UTC), datetime(2026, 1, 1, 10, 15, tzinfo=UTC))
    # a run at the boundary belongs to the slot that has just closed
    assert window_at("*/15 * * * *", datetime(2026, 1, 1, 10, 15, tzinfo=UTC)).end == datetime(2026, 1, 1, 10, 15, tzinfo=UTC)
    # an irregular schedule: Monday 09:05 belongs to [Friday 09:00, Monday 09:00)
    monday = window_at("0 9 * * 1-5", datetime(2026, 12, 7, 9, 5, tzinfo=UTC))
    assert monday == Window(datetime(2026, 12, 4, 9, 0, tzinfo=UTC), datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    # no schedule (a laptop, no values entry): the chart's default, */15
    assert window_at(None, datetime(2026, 1, 1, 10, 17, tzinfo=UTC)).seconds == 900
    six_hours = windows_between("*/15 * * * *", datetime(2026, 1, 1, 6, 0, tzinfo=UTC), datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    assert len(six_hours) == 24 and six_hours[0].start == datetime(2026, 1, 1, 6, 0, tzinfo=UTC)


def test_a_run_and_its_retry_push_identical_bodies_and_the_same_sums(monkeypatch):
    events(monkeypatch, (datetime(2026, 11, 27, 11, 50, tzinfo=UTC), "a"), (datetime(2026, 11, 27, 11, 59, tzinfo=UTC), "a"),
           (datetime(2026, 11, 27, 11, 46, tzinfo=UTC), "b"), (datetime(2026, 11, 27, 11, 30, tzinfo=UTC), "b"))
    with Datadog(lambda: NOW) as dd:
        first = run_at(NOW)  # the run, at 12:07
        assert push([first], settings(dd.url)).ok
        after_one = dict(dd.points)
        window_bodies = list(dd.bodies)
        retry = run_at(NOW + timedelta(minutes=5))  # the CronJob's retry, 5 minutes later: the same window
        assert push([retry], settings(dd.url)).ok
    end = int(datetime(2026, 11, 27, 12, 0, tzinfo=UTC).timestamp())
    assert first.window == retry.window and first.window.end_timestamp == end
    # the window's request is byte for byte the same; only the run's own duration (its own request) differs
    (window_body,) = [b for b in window_bodies if b"windowed.jobs.finished" in zlib.decompress(b)]
    assert sum(b == window_body for b in dd.bodies) == 2
    assert dd.at("windowed.jobs.finished") == {end: {("team:a",): 2.0, ("team:b",): 1.0}}
    # Datadog's last value per series and timestamp: the sums after the retry are the sums after the run
    without_duration = {k: v for k, v in dd.points.items() if not k[0].endswith("duration_seconds")}
    assert without_duration == {k: v for k, v in after_one.items() if not k[0].endswith("duration_seconds")}
    assert dd.total("windowed.jobs.finished") == 3.0


def test_a_run_after_three_missed_windows_catches_them_up_then_the_next_pushes_only_its_own(monkeypatch):
    clock = [NOW]
    t = lambda h, m: datetime(2026, 11, 27, h, m, tzinfo=UTC)  # noqa: E731
    # one event in each window from [11:00, 11:15) to [11:45, 12:00), and one in the next window
    events(monkeypatch, (t(10, 50), "a"), (t(11, 5), "a"), (t(11, 20), "a"), (t(11, 21), "b"), (t(11, 40), "a"), (t(11, 50), "b"), (t(12, 10), "a"))
    import time

    with Datadog(lambda: clock[0]) as dd:
        state = DatadogState(dd.url, API_KEY, APP_KEY)
        refs = [*_registry.resolve(["windowed"])]
        # the run that pushed [10:45, 11:00), at 11:02; the three after it never ran
        clock[0] = t(11, 2)
        assert push([run_at(clock[0])], settings(dd.url)).ok
        clock[0] = NOW
        began = time.monotonic()
        current = run_at(NOW)
        results = catch_up_and_fill(refs, [current], None, {"windowed": "*/15 * * * *"}, began=began, timeout=10, state=state, clock=lambda: clock[0], say=lambda line: None)
        assert time.monotonic() - began < 10  # within its deadline
        report = push(results, settings(dd.url))
        assert report.ok, report.summary()
        ends = [int(r.window.end.timestamp()) for r in results]
        assert ends == [int(t(h, m).timestamp()) for h, m in ((11, 15), (11, 30), (11, 45), (12, 0))]  # 3 missed, oldest first, then the current
        counts = dd.at("windowed.jobs.finished")
        assert counts[ends[0]] == {("team:a",): 1.0}
        assert counts[ends[1]] == {("team:a",): 1.0, ("team:b",): 1.0}
        assert counts[ends[2]] == {("team:a",): 1.0, ("team:b",): 0.0}  # b had an event before: 0, not "no data"
        assert counts[ends[3]] == {("team:a",): 0.0, ("team:b",): 1.0}
        assert results[-1].windows_missed == []
        # the next run, at 12:17: only its own window [12:00, 12:15)
        clock[0] = t(12, 17)
        sent = len(dd.bodies)
        following = catch_up_and_fill(refs, [run_at(clock[0])], None, {"windowed": "*/15 * * * *"}, began=time.monotonic(), timeout=10, state=state, clock=lambda: clock[0], say=lambda line: None)
        assert [r.window.end for r in following] == [t(12, 15)]
        assert push(following, settings(dd.url)).ok
        assert dd.at("windowed.jobs.finished")[int(t(12, 15).timestamp())] == {("team:a",): 1.0, ("team:b",): 0.0}
        assert len(dd.bodies) == sent + 2  # its window's request and its duration's


def test_windows_too_old_for_the_intake_are_named_not_collected(monkeypatch):
    events(monkeypatch)
    early = datetime(2026, 11, 27, 9, 2, tzinfo=UTC)  # pushed [08:45, 09:00), then nothing for three hours
    clock = [early]
    with Datadog(lambda: clock[0]) as dd:
        state = DatadogState(dd.url, API_KEY, APP_KEY)
        assert push([run_at(early)], settings(dd.url)).ok
        clock[0] = NOW
        said: list[str] = []
        import time

        results = catch_up_and_fill([*_registry.resolve(["windowed"])], [run_at(NOW)], None, {"windowed": "*/15 * * * *"},
                                    began=time.monotonic(), timeout=10, state=state, clock=lambda: clock[0], say=said.append)
    # an hour back from 12:00: [11:00, 11:15) .. [11:45, 12:00) are taken; the eight before are not
    assert [r.window.end.strftime("%H:%M") for r in results] == ["11:15", "11:30", "11:45", "12:00"]
    assert len(results[-1].windows_missed) == 8 and results[-1].meta_metrics["collector.windowed.windows_missed"] == 8.0
    assert any("could not catch up 8 window(s)" in line and "09:00" in line for line in said)


def test_a_tag_set_with_no_event_is_zero_filled_then_retired_once(monkeypatch):
    t = lambda h, m: datetime(2026, 11, 27, h, m, tzinfo=UTC)  # noqa: E731
    events(monkeypatch, (t(10, 5), "gone"), (t(10, 5), "kept"))
    import time

    clock = [t(10, 17)]
    retired: list[list[str]] = []
    with Datadog(lambda: clock[0]) as dd:
        state = DatadogState(dd.url, API_KEY, APP_KEY)
        refs = [*_registry.resolve(["windowed"])]
        for minute in range(17, 17 + 15 * 7, 15):  # seven runs, one per window, from 10:17
            clock[0] = t(10, 0) + timedelta(minutes=minute)
            if minute > 17:  # "gone" leaves the source; "kept" has no more events either
                events(monkeypatch, (t(10, 5), "kept"))
            results = catch_up_and_fill(refs, [run_at(clock[0])], None, {"windowed": "*/15 * * * *"},
                                        began=time.monotonic(), timeout=10, state=state, retire_after=3, clock=lambda: clock[0], say=lambda line: None)
            assert push(results, settings(dd.url)).ok
            retired.append(results[-1].retired)
    counts = dd.at("windowed.jobs.finished")
    by_end = {datetime.fromtimestamp(ts, UTC).strftime("%H:%M"): tags for ts, tags in sorted(counts.items())}
    assert by_end["10:15"] == {("team:gone",): 1.0, ("team:kept",): 1.0}
    for end in ("10:30", "10:45", "11:00"):  # three windows with no event: 0 for each
        assert by_end[end] == {("team:gone",): 0.0, ("team:kept",): 0.0}
    assert "11:15" not in by_end and "11:30" not in by_end  # retired: no longer filled
    # named once, in the first window past the limit
    assert retired == [[], [], [], [], ["windowed.jobs.finished{team:gone}", "windowed.jobs.finished{team:kept}"], [], []]


def test_the_retirement_limit_is_the_cronjobs_or_the_values_per_collector(monkeypatch, tmp_path):
    """DD_COLLECTOR_RETIRE_AFTER (the chart's, from retireAfterWindows) for the CronJob's run;
    catch_up_and_fill takes one limit per collector."""
    from toolkit.cli._common import UsageError
    from toolkit.cli._run import retire_afters_of

    monkeypatch.setenv("DD_COLLECTOR_RETIRE_AFTER", "2")
    assert retire_afters_of(["windowed"]) == {"windowed": 2}
    monkeypatch.setenv("DD_COLLECTOR_RETIRE_AFTER", "0")
    with pytest.raises(UsageError, match="retireAfterWindows"):
        retire_afters_of(["windowed"])
    monkeypatch.delenv("DD_COLLECTOR_RETIRE_AFTER")
    monkeypatch.chdir(tmp_path)  # no project: the engine's default
    assert retire_afters_of(["windowed"]) == {"windowed": None}

    t = lambda h, m: datetime(2026, 11, 27, h, m, tzinfo=UTC)  # noqa: E731
    events(monkeypatch, (t(10, 5), "gone"))
    import time

    clock = [t(10, 17)]
    retired = []
    with Datadog(lambda: clock[0]) as dd:
        state = DatadogState(dd.url, API_KEY, APP_KEY)
        for minute in (17, 32, 47):
            clock[0] = t(10, 0) + timedelta(minutes=minute)
            if minute > 17:
                events(monkeypatch)
            results = catch_up_and_fill([*_registry.resolve(["windowed"])], [run_at(clock[0])], None, {"windowed": "*/15 * * * *"},
                                        began=time.monotonic(), timeout=10, state=state, retire_after={"windowed": 1},
                                        clock=lambda: clock[0], say=lambda line: None)
            assert push(results, settings(dd.url)).ok
            retired.append(results[-1].retired)
    assert retired == [[], [], ["windowed.jobs.finished{team:gone}"]]  # one window of 0, then retired
