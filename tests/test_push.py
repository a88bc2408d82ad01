"""--push: the exact payload the v2 intake receives, retries, 413 splitting, failures reported."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from loopback import Loopback, Reply

from toolkit import CollectionResult, MetricOutcome, Series
from toolkit.datadog import PushSettings, push
from toolkit.errors import SettingsError

API_KEY = "0123456789abcdef0123456789abcdef"  # a fake key in Datadog's shape (32 hex)
CASSETTE = Path(__file__).parent / "cassettes" / "datadog" / "submit-metrics.yaml"


def recorded_accept() -> Reply:
    """The intake's real 202 answer, from the recorded exchange."""
    response = yaml.safe_load(CASSETTE.read_text())["interactions"][0]["response"]
    headers = {k: v[0] for k, v in response["headers"].items()}
    return Reply(response["status"]["code"], response["body"]["string"], headers)


def sample_result(n_tagged: int = 2) -> CollectionResult:
    series = tuple(Series("svc.items.by_repo", float(i), (f"repo:r{i}",), "count", "gauge") for i in range(n_tagged))
    outcomes = [
        MetricOutcome("svc.items.total", "count", "gauge", "", "ok", 0.01, 5.0, (Series("svc.items.total", 5.0, (), "count", "gauge"),)),
        MetricOutcome("svc.items.ratio", "percent", "gauge", "", "ok", 0.01, 50.0, (Series("svc.items.ratio", 50.0, (), "percent", "gauge"),)),
        MetricOutcome("svc.items.by_repo", "count", "gauge", "", "ok", 0.01, None, series),
        MetricOutcome("svc.items.none", "count", "gauge", "", "no_data", 0.01),
    ]
    return CollectionResult("svc", datetime(2026, 11, 20, 12, 0, tzinfo=UTC), 1.5, outcomes)


def decoded(seen) -> dict:
    assert seen.headers.get("Content-Encoding") == "deflate"
    return json.loads(zlib.decompress(seen.body))


@pytest.fixture
def intake_env(monkeypatch):
    def use(url: str) -> PushSettings:
        monkeypatch.setenv("DD_API_KEY", API_KEY)
        monkeypatch.setenv("DD_URL", url)
        monkeypatch.setenv("DD_ENV", "prod")
        monkeypatch.setenv("DD_TAGS", "team:platform")
        return PushSettings.from_env(["extra:1"])

    return use


def test_exact_payload_against_recorded_intake(intake_env):
    with Loopback({"POST /api/v2/series": recorded_accept()}) as intake:
        report = push([sample_result(1)], intake_env(intake.url))
    assert report.ok and report.sent == 6 and report.requests == 1
    (seen,) = intake.requests
    assert seen.path == "/api/v2/series"
    assert seen.headers["DD-API-KEY"] == API_KEY
    ts = int(datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp())
    common = ["env:prod", "source:svc-collector", "collector:svc", "team:platform", "extra:1"]
    assert decoded(seen) == {
        "series": [
            {"metric": "svc.items.total", "type": 3, "points": [{"timestamp": ts, "value": 5.0}], "tags": common},
            {"metric": "svc.items.ratio", "type": 3, "points": [{"timestamp": ts, "value": 50.0}], "tags": common, "unit": "percent"},
            {"metric": "svc.items.by_repo", "type": 3, "points": [{"timestamp": ts, "value": 0.0}], "tags": ["repo:r0", *common]},
            {"metric": "collector.svc.duration_seconds", "type": 3, "points": [{"timestamp": ts, "value": 1.5}], "tags": common, "unit": "second"},
            {"metric": "collector.svc.metric_count", "type": 3, "points": [{"timestamp": ts, "value": 3.0}], "tags": common},
            {"metric": "collector.svc.error_count", "type": 3, "points": [{"timestamp": ts, "value": 0.0}], "tags": common},
        ]
    }


def test_retries_500_then_429_then_succeeds(intake_env):
    replies = [Reply(500, {"errors": ["Internal"]}), Reply(429, {"errors": ["slow down"]}, {"X-Ratelimit-Reset": "1"}), recorded_accept()]
    with Loopback({"POST /api/v2/series": replies}) as intake:
        report = push([sample_result()], intake_env(intake.url))
    assert report.ok, report.summary()
    assert len(intake.requests) == 3
    assert decoded(intake.requests[0]) == decoded(intake.requests[2])


def test_413_splits_the_batch(intake_env):
    replies = [Reply(413, {"errors": ["Payload too large"]}), recorded_accept()]
    with Loopback({"POST /api/v2/series": replies}) as intake:
        report = push([sample_result(4)], intake_env(intake.url))
    assert report.ok and report.sent == 9
    sizes = [len(decoded(r)["series"]) for r in intake.requests]
    assert sizes == [9, 4, 5]


def test_failure_after_retries_names_unsent_series(intake_env):
    with Loopback({"POST /api/v2/series": Reply(403, {"errors": ["Forbidden"]})}) as intake:
        report = push([sample_result()], intake_env(intake.url))
    assert not report.ok and report.sent == 0
    assert "svc.items.total" in report.summary() and "403" in report.summary() and "Forbidden" in report.summary()
    assert API_KEY not in report.summary()


def test_site_selects_the_endpoint(monkeypatch):
    monkeypatch.setenv("DD_API_KEY", API_KEY)
    monkeypatch.setenv("DD_SITE", "datadoghq.eu")
    assert PushSettings.from_env().endpoint == "https://api.datadoghq.eu"
    monkeypatch.setenv("DD_URL", "http://127.0.0.1:9")
    assert PushSettings.from_env().endpoint == "http://127.0.0.1:9"


def test_missing_key_is_a_clear_error():
    with pytest.raises(SettingsError, match="DD_API_KEY is not set"):
        PushSettings.from_env()


def test_unified_service_tags_beside_env(monkeypatch):
    monkeypatch.setenv("DD_API_KEY", API_KEY)
    monkeypatch.setenv("DD_ENV", "prod")
    monkeypatch.setenv("DD_SERVICE", "datadog-collectors")
    monkeypatch.setenv("DD_VERSION", "1.4.0")
    settings = PushSettings.from_env()
    assert settings.constant_tags("svc") == ["env:prod", "source:svc-collector", "collector:svc", "service:datadog-collectors", "version:1.4.0"]


def test_a_constant_tag_datadog_would_change_is_refused(monkeypatch):
    monkeypatch.setenv("DD_API_KEY", API_KEY)
    monkeypatch.setenv("DD_VERSION", "V1.4")
    with pytest.raises(SettingsError, match="'version:V1.4' as 'version:v1.4'"):
        PushSettings.from_env()
