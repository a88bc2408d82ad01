"""The push's payloads: JSON text straight from the series, requests cut to the intake's limits,
sent a few at once; and `run --push` of 100,000 series in a real process, within the limits and
the memory target."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from loopback import Loopback, Reply

from toolkit import CollectionResult, MetricOutcome, Series
from toolkit.datadog import PushSettings, build_bodies, push
from toolkit.datadog import payload as payload_module
from toolkit.datadog.push import CONCURRENT_REQUESTS, make_plan
from toolkit.model import tag_problem, tags_problem

ROOT = Path(__file__).resolve().parent.parent
ACCEPT = Reply(202, {"errors": []})
SETTINGS = PushSettings("0" * 32, "http://127.0.0.1:9", env="prod", tags=("team:platform",))
STARTED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def result_of(*outcomes: MetricOutcome, collector: str = "bulk") -> CollectionResult:
    return CollectionResult(collector, STARTED, 0.5, list(outcomes))


def tagged(count: int, *, random_tags: bool = False, name: str = "bulk.items.value") -> MetricOutcome:
    def tags(i: int) -> tuple[str, ...]:
        if random_tags:  # incompressible: the compressed limit is the one met first
            return (f"id:{hashlib.sha256(str(i).encode()).hexdigest()}", f"shard:{i}")
        return (f"host:host-{i % 50}", f"shard:{i}")

    series = tuple(Series(name, float(i), tags(i), "count") for i in range(count))
    return MetricOutcome(name, "count", "gauge", "", "ok", 0.0, series=series)


def all_requests(results: list[CollectionResult], settings: PushSettings = SETTINGS) -> list:
    made = make_plan(results, settings)
    requests, start = [], 0
    while start < made.total:
        request = made.encode(start)
        assert request.end > start
        requests.append(request)
        start = request.end
    return requests


@pytest.fixture
def small_limits(monkeypatch):
    """Limits a few thousand series cross many times (the real ones need hundreds of thousands)."""
    monkeypatch.setattr(payload_module, "MAX_RAW_BYTES", 40_000)
    monkeypatch.setattr(payload_module, "MAX_COMPRESSED_BYTES", 6_000)
    monkeypatch.setattr(payload_module, "CHUNK_BYTES", 4_096)


@pytest.mark.parametrize("random_tags", [False, True], ids=["compressible", "incompressible"])
def test_requests_stay_within_the_limits_and_carry_every_series_once_in_order(small_limits, random_tags):
    results = [result_of(tagged(3_000, random_tags=random_tags))]
    requests = all_requests(results)
    assert len(requests) >= 5
    sent = []
    for request in requests:
        raw = zlib.decompress(request.body)
        assert len(request.body) <= payload_module.MAX_COMPRESSED_BYTES
        assert len(raw) <= payload_module.MAX_RAW_BYTES and len(raw) == request.raw_bytes
        sent += json.loads(raw)["series"]
    expected = [body for _, body in build_bodies(results, SETTINGS).series]
    assert sent == expected and len(sent) == 3_003  # the meta-metrics too
    # full requests: all but the last are filled close to one of the two limits
    for request in requests[:-1]:
        assert request.raw_bytes > 0.8 * payload_module.MAX_RAW_BYTES or len(request.body) > 0.8 * payload_module.MAX_COMPRESSED_BYTES


def test_at_the_real_limits_requests_are_full_and_valid():
    """60,000 series: about 3 MB raw each 25,000, so requests end at the raw limit, not before."""
    results = [result_of(tagged(60_000))]
    requests = all_requests(results)
    assert len(requests) == 3
    total = 0
    for request in requests:
        raw = zlib.decompress(request.body)
        assert len(request.body) <= payload_module.MAX_COMPRESSED_BYTES and len(raw) <= payload_module.MAX_RAW_BYTES
        total += len(json.loads(raw)["series"])
    assert total == 60_003
    assert requests[0].raw_bytes > payload_module.MAX_RAW_BYTES - 1_000


def test_the_json_is_what_json_dumps_would_send():
    outcome = MetricOutcome("svc.lag.seconds", "second", "gauge", "", "ok", 0.0, series=(
        Series("svc.lag.seconds", 1.5e-7, ('repo:"quoted"', "path:a\\b", "name:é"), "second"),
        Series("svc.lag.seconds", 12345678901234.0, ("env:prod", "repo:b"), "second"),  # a tag the push adds too
    ))
    rate = MetricOutcome("svc.req.rate", "request", "rate", "", "ok", 0.0, series=(Series("svc.req.rate", 3.0, (), "request", "rate", interval=60),))
    dist = MetricOutcome("svc.lat.dist", "second", "distribution", "", "ok", 0.0, series=(
        Series("svc.lat.dist", 2.0, ("repo:a",), "second", "distribution", values=(0.1, 2.5)),
    ))
    bodies = build_bodies([result_of(outcome, rate, dist)], SETTINGS)
    ts = int(STARTED.timestamp())
    common = ["env:prod", "source:bulk-collector", "collector:bulk", "team:platform"]
    assert [b for _, b in bodies.series][:3] == [
        {"metric": "svc.lag.seconds", "type": 3, "points": [{"timestamp": ts, "value": 1.5e-7}],
         "tags": ['repo:"quoted"', "path:a\\b", "name:é", *common], "unit": "second"},
        {"metric": "svc.lag.seconds", "type": 3, "points": [{"timestamp": ts, "value": 12345678901234.0}],
         "tags": ["env:prod", "repo:b", *common[1:]], "unit": "second"},
        {"metric": "svc.req.rate", "type": 2, "points": [{"timestamp": ts, "value": 3.0}], "tags": common, "unit": "request", "interval": 60},
    ]
    assert [b for _, b in bodies.distributions] == [
        {"metric": "svc.lat.dist", "points": [[ts, [0.1, 2.5]]], "tags": ["repo:a", *common], "type": "distribution"},
    ]


def test_a_series_over_a_chunk_goes_alone_and_one_over_the_limits_is_named_not_sent(monkeypatch):
    monkeypatch.setattr(payload_module, "CHUNK_BYTES", 64)
    monkeypatch.setattr(payload_module, "MAX_RAW_BYTES", 3_000)
    big = MetricOutcome("svc.lat.dist", "second", "distribution", "", "ok", 0.0, series=(
        Series("svc.lat.dist", 100.0, ("size:big",), "second", "distribution", values=tuple(float(i) for i in range(1_000))),
        Series("svc.lat.dist", 30.0, ("size:small",), "second", "distribution", values=tuple(float(i) for i in range(30))),
    ))
    with Loopback({"POST /api/v1/distribution_points": ACCEPT, "POST /api/v2/series": ACCEPT}) as intake:
        settings = PushSettings("0" * 32, intake.url)
        report = push([result_of(big)], settings, timeout=20)
    assert [s.tags for s in report.failed] == [("size:big",)]
    assert "over the intake's limits (3,000 raw" in report.summary()
    assert report.sent == 4  # the small distribution (over CHUNK_BYTES) and the 3 meta-metrics
    distributions = [json.loads(zlib.decompress(r.body)) for r in intake.requests if r.path == "/api/v1/distribution_points"]
    assert [s["tags"][0] for d in distributions for s in d["series"]] == ["size:small"]


def test_requests_go_out_a_few_at_once(small_limits):
    release = threading.Event()
    with Loopback({"POST /api/v2/series": Reply(202, {"errors": []}, hold=release)}) as intake:
        results = [result_of(tagged(3_000))]
        outcome: list = []
        pusher = threading.Thread(target=lambda: outcome.append(push(results, PushSettings("0" * 32, intake.url), timeout=30)))
        pusher.start()
        try:
            two_at_once = intake.wait_for_requests(2, timeout=20)  # both held unanswered: they overlap
        finally:
            release.set()
            pusher.join(30)
    assert two_at_once, "the second request waited for the first one's answer"
    (report,) = outcome
    assert report.ok and report.sent == 3_003 and report.requests == len(intake.requests) >= 5
    assert 2 <= intake.most_in_flight <= CONCURRENT_REQUESTS


def test_a_push_cut_by_its_budget_names_every_series_it_did_not_send(small_limits):
    """Requests not yet written when the budget ends count as not sent, as those in flight do."""
    release = threading.Event()
    replies = [ACCEPT, Reply(202, {"errors": []}, hold=release)]
    with Loopback({"POST /api/v2/series": replies}) as intake:
        try:
            report = push([result_of(tagged(3_000))], PushSettings("0" * 32, intake.url), timeout=2)
        finally:
            release.set()
    assert report.sent > 0 and report.sent + len(report.failed) == 3_003
    assert len({(s.metric, s.tags) for s in report.failed}) == len(report.failed)
    assert "push timeout: not sent within --push-timeout 2s" in report.summary()


CORPUS = [
    "a", "repo:org/name", "env:prod", "a:b:c", "path:/x/y.z", "k-1:v_2", "x" * 200, "x" * 201, "Repo:a", "repo:A",
    "1abc", "_a", ":a", "a:", "a_", "a__b", "a b", "a\tb", "a,b", "é:ü", "É:a", "ß:a", "İ:a", "²a", "a²", "µ:1",
    "a:Σ", "a:σ", "ǅ:a", "a.", "-a", "a-", "a/", "", "a\u00a0b", "a\u200bb", "日本:語",
]


@pytest.mark.parametrize("size", [1, 2, 3])
def test_the_tag_set_check_agrees_with_the_tag_by_tag_one(size):
    import itertools

    for tags in itertools.product(CORPUS, repeat=size) if size < 3 else itertools.islice(itertools.product(CORPUS, repeat=3), 0, None, 7):
        expected = next(filter(None, map(tag_problem, tags)), None)
        assert tags_problem(tags) == expected, tags


def test_run_push_of_100000_series_stays_within_the_limits_and_120_mib():
    """The issue's target, in a real process: every series arrives, in at most 25 requests each
    within the intake's limits, and the process's peak RSS (VmHWM at exit) is at most 120 MiB."""
    runner = (
        "import atexit, re, sys; sys.path.insert(0, 'tests'); atexit.register(lambda: print('vmhwm_kib=' + "
        "re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)); "
        "from toolkit.engine import registry; registry.BUILTIN_PACKAGE = 'fixtures'; "
        "from toolkit.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    with Loopback({"POST /api/v2/series": ACCEPT}) as intake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env.update(PYTHONPATH=str(ROOT), BULK_SERIES="100000", DD_API_KEY="0" * 32, DD_URL=intake.url)
        done = subprocess.run([sys.executable, "-c", runner, "run", "bulk", "--push", "--push-timeout", "60"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        bodies = [r.body for r in intake.requests]
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pushed 100005 series in" in done.stderr
    assert len(bodies) <= 25
    received = 0
    for body in bodies:
        raw = zlib.decompress(body)
        assert len(body) <= 512_000 and len(raw) <= 5_000_000
        received += len(json.loads(raw)["series"])
    assert received == 100_005
    peak_mib = int(done.stderr.rsplit("vmhwm_kib=", 1)[1].split()[0]) / 1024
    assert peak_mib <= 120, f"peak RSS {peak_mib:.0f} MiB"


def test_a_payload_that_cannot_be_written_is_reported_as_itself_not_as_a_timeout():
    odd = MetricOutcome("svc.odd.value", "count", "gauge", "", "ok", 0.0, series=(Series("svc.odd.value", 1.0, (), "count", "histogram"),))
    with Loopback({"POST /api/v2/series": ACCEPT}) as intake:
        report = push([result_of(odd)], PushSettings("0" * 32, intake.url), timeout=60)
    assert not report.ok and report.sent == 0 and len(report.failed) == 4  # the odd one and the meta-metrics after it
    assert "the push could not write its payload: KeyError" in report.summary()
    assert "push timeout" not in report.summary()


def test_a_wide_metric_s_columns_are_sent_byte_for_byte_as_its_series(small_limits):
    """A metric's series held as a column (toolkit.engine.outcome, for a dict of tagged values)
    are written from its values and tags: the same requests, split at the same series, as the
    same series in a tuple, between untagged metrics and with a tag the push adds too."""
    from toolkit.engine import outcome_for
    from toolkit.model import MetricSpec, SeriesColumn

    def spec(name: str, type: str = "gauge", interval: int | None = None) -> MetricSpec:
        return MetricSpec(name=name, unit="second", type=type, description="", function=lambda: None, interval=interval)

    returned = [
        (spec("svc.up"), 1),
        (spec("svc.lag.seconds"), {(f"host:h{i % 9}", f"shard:{i}", "env:prod"): i / 3 for i in range(2_500)}),
        (spec("svc.one.tag"), {f"shard:{i}": float(i) for i in range(1_500)}),
        (spec("svc.events", "count", 60), {f"shard:{i}": i for i in range(700)}),
        (spec("svc.down"), 0),
    ]
    outcomes = [outcome_for(s, value, None, 0.0) for s, value in returned]
    assert [type(o.series) for o in outcomes[1:4]] == [SeriesColumn] * 3
    as_tuples = [MetricOutcome(**{**o.__dict__, "series": tuple(o.series)}) for o in outcomes]
    columns, tuples = all_requests([result_of(*outcomes)]), all_requests([result_of(*as_tuples)])
    assert len(columns) >= 5
    assert [(r.start, r.end, r.body) for r in columns] == [(r.start, r.end, r.body) for r in tuples]
    assert build_bodies([result_of(*outcomes)], SETTINGS) == build_bodies([result_of(*as_tuples)], SETTINGS)
