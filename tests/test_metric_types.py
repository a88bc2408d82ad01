"""Datadog's metric types end to end: declaration rules, the value rules, and the exact JSON of
both intakes (v2 series for gauge/count/rate with interval and unit, v1 distribution points).

The payload shapes follow datadog-api-client's OpenAPI description
(DataDog/datadog-api-client-python, .generator/schemas/v1/openapi.yaml: DistributionPointsPayload;
v2/openapi.yaml: MetricPayload, MetricSeries.interval).
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime

import pytest
from fixtures.kinds.collector import KindsCollector
from loopback import Loopback, Reply

from toolkit import MetricDefinitionError, collect, metric, normalize_tag
from toolkit.datadog import PushSettings, build_bodies, push
from toolkit.engine import RunOptions
from toolkit.model import UNITS, schedule_period, tag_problem, window_at

API_KEY = "0123456789abcdef0123456789abcdef"
ACCEPTED = Reply(202, {"errors": []})
COMMON = ["env:prod", "source:kinds-collector", "collector:kinds"]


@pytest.fixture
def result():
    got = collect(KindsCollector(), RunOptions(timeout=10))
    got.started_at = datetime(2026, 11, 20, 12, 3, tzinfo=UTC)
    got.window = window_at("*/15 * * * *", got.started_at)  # [11:45, 12:00): its points are stamped at 12:00
    return got


def settings(url: str = "http://127.0.0.1:1") -> PushSettings:
    return PushSettings(API_KEY, url, "prod")


def test_schedule_period_regular_and_irregular():
    assert schedule_period("*/15 * * * *") == 900
    assert schedule_period("0 * * * *") == 3600
    assert schedule_period("0 9 * * 1-5") is None  # weekends make the gaps differ
    assert schedule_period("not a cron") is None


def test_the_whole_catalogue_and_the_seed_names():
    assert UNITS["hours"] == "hour" and UNITS["hour"] == "hour" and UNITS["mebibyte"] == "mebibyte"
    assert UNITS["count"] is None
    assert len(UNITS) > 150


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"type": "gauge", "interval": 60}, "interval= applies to count and rate"),
        ({"type": "count", "interval": 0}, "interval=0 must be a whole number"),
        ({"per_unit": "secnd"}, "per_unit 'secnd' is not in Datadog's unit catalogue.*'second'"),
        ({"max_series": -1}, "max_series=-1"),
        ({"type": "histogram"}, "type 'histogram' is not one of gauge, count, rate, distribution"),
    ],
)
def test_declaration_rules(kwargs, match):
    with pytest.raises(MetricDefinitionError, match=match):
        metric("a.b.c", **kwargs)(lambda: 1)


def test_tags_as_datadog_stores_them():
    assert normalize_tag("Repo:Org/My Repo!") == "repo:org/my_repo"
    assert tag_problem("repo:org/my_repo") is None
    assert "would store tag 'Repo:A' as 'repo:a'" in tag_problem("Repo:A")
    assert "must start with a letter" in tag_problem("1abc")
    assert normalize_tag("a" * 250) == "a" * 200


def _outcome(func):
    from toolkit.engine import outcome_for
    from toolkit.model import spec_of

    return outcome_for(spec_of(func), func(), None, 0.0)


def test_a_tag_datadog_would_change_is_the_metrics_error():
    @metric("a.b.c")
    def f():
        return {("repo:Org/Repo",): 1}

    o = _outcome(f)
    assert o.status == "error" and "a.b.c" in o.error.message and "'repo:Org/Repo'" in o.error.message and "'repo:org/repo'" in o.error.message


def test_a_duplicate_series_is_an_error():
    @metric("a.b.c")
    def f():
        return {("x:1", "y:2"): 1, ("y:2", "x:1"): 2}

    o = _outcome(f)
    assert o.status == "error" and "twice" in o.error.message


def test_max_series_drops_the_rest_and_names_the_cap():
    @metric("a.b.c", max_series=2)
    def f():
        return {f"n:{i}": i for i in range(5)}

    o = _outcome(f)
    assert len(o.series) == 2 and o.error.type == "SeriesCapExceeded"
    assert "max_series=2" in o.error.message and "3 beyond the cap" in o.error.message


def test_distribution_values_rules():
    @metric("a.b.c", type="distribution")
    def bad():
        return 3

    @metric("a.b.d", type="distribution")
    def empty():
        return []

    assert "return a list of numbers" in _outcome(bad).error.message
    assert _outcome(empty).status == "no_data"


def test_count_without_any_interval_is_not_sent_and_says_why(result):
    bodies = build_bodies([result], settings(), intervals={})
    assert [(s.metric, s.tags) for s, _ in bodies.unsendable] == [("kinds.jobs.finished", ("team:a",)), ("kinds.jobs.finished", ("team:b",))]
    assert all("interval=SECONDS" in why for _, why in bodies.unsendable)
    # the rate declares its own interval, so it is sent
    assert any(b["metric"] == "kinds.api.requests" for _, b in bodies.series)


def test_exact_json_of_both_intakes(result):
    ts = int(datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp())
    with Loopback({"POST /api/v2/series": ACCEPTED, "POST /api/v1/distribution_points": ACCEPTED}) as intake:
        report = push([result], settings(intake.url), intervals={"kinds": 900})
    assert report.ok, report.summary()
    by_path: dict[str, list] = {}
    for seen in intake.requests:
        by_path.setdefault(seen.path, []).append(json.loads(zlib.decompress(seen.body)))
    assert sorted(by_path) == ["/api/v1/distribution_points", "/api/v2/series"]
    # the run's duration is stamped at its start in a request of its own; everything else at the window's end
    (duration,) = [b for b in by_path["/api/v2/series"] if b["series"][0]["metric"] == "collector.kinds.duration_seconds"]
    (window_body,) = [b for b in by_path["/api/v2/series"] if b is not duration]
    assert duration == {"series": [{"metric": "collector.kinds.duration_seconds", "type": 3, "points": [
        {"timestamp": int(result.started_at.timestamp()), "value": result.meta_metrics["collector.kinds.duration_seconds"]}], "tags": COMMON, "unit": "second"}]}
    assert all(seen.headers["DD-API-KEY"] == API_KEY for seen in intake.requests)
    # each body's media type as Datadog's OpenAPI description declares it (datadog-api-client
    # .generator/schemas: SubmitMetrics application/json, SubmitDistributionPoints text/json)
    assert {seen.path: seen.headers["Content-Type"] for seen in intake.requests} == {
        "/api/v2/series": "application/json", "/api/v1/distribution_points": "text/json"}
    assert window_body == {
        "series": [
            {"metric": "kinds.queue.depth", "type": 3, "points": [{"timestamp": ts, "value": 7.0}], "tags": COMMON, "unit": "item"},
            {"metric": "kinds.jobs.finished", "type": 1, "points": [{"timestamp": ts, "value": 3.0}], "tags": ["team:a", *COMMON], "unit": "job", "interval": 900},
            {"metric": "kinds.jobs.finished", "type": 1, "points": [{"timestamp": ts, "value": 4.0}], "tags": ["team:b", *COMMON], "unit": "job", "interval": 900},
            {"metric": "kinds.api.requests", "type": 2, "points": [{"timestamp": ts, "value": 2.5}], "tags": COMMON, "unit": "request", "interval": 60},
            {"metric": "collector.kinds.metric_count", "type": 3, "points": [{"timestamp": ts, "value": 4.0}], "tags": COMMON},
            {"metric": "collector.kinds.error_count", "type": 3, "points": [{"timestamp": ts, "value": 0.0}], "tags": COMMON},
            {"metric": "collector.kinds.window_end", "type": 3, "points": [{"timestamp": ts, "value": float(ts)}], "tags": COMMON},
            {"metric": "collector.kinds.windows_missed", "type": 3, "points": [{"timestamp": ts, "value": 0.0}], "tags": COMMON},
        ]
    }
    assert by_path["/api/v1/distribution_points"][0] == {
        "series": [
            {"metric": "kinds.jobs.duration", "points": [[float(ts), [10.0, 20.0, 30.0]]], "tags": ["team:a", *COMMON], "type": "distribution"},
            {"metric": "kinds.jobs.duration", "points": [[float(ts), [5.0]]], "tags": ["team:b", *COMMON], "type": "distribution"},
        ]
    }
    assert report.sent == 11 and report.requests == 3
