"""W&B collector, replayed from cassettes built on the SDK's captured requests.

Expected values are worked out by hand from the runs in tests/cassettes/wandb/runs.yaml; the
clock is frozen at 2024-05-20T16:00:00Z, so the window starts at 2024-05-13T16:00:00.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from offline_cli import offline_json

from collectors.wandb import metrics
from collectors.wandb.collector import WandbCollector
from toolkit.cassettes import load_replay

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests" / "cassettes" / "wandb"


def errors_by_metric(result):
    return {o.name: o.error for o in result.outcomes}


@pytest.fixture(autouse=True)
def _no_wandb_env(monkeypatch):
    for name in ("WANDB_API_KEY", "WANDB_ENTITY", "WANDB_PROJECT", "WANDB_BASE_URL", "WANDB_PAGE_SIZE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def replayed():
    transport = load_replay(CASSETTES).transport()
    return WandbCollector().run(cassettes=CASSETTES, transport=transport), transport


def test_offline_run_has_no_errors():
    result = WandbCollector().run(offline=True)
    assert result.errors == []
    assert result.offline


def test_metric_values(replayed):
    result, _ = replayed
    m = result.metrics
    # 3k7x9m2p (created 20 May) and r8m3v1xc (created 9 May, before the window, still running)
    assert m["wandb.runs.active"] == 2.0
    assert m["wandb.runs.finished_7d"] == 1.0  # 9wq2d8ze
    assert m["wandb.runs.crashed_7d"] == 1.0  # p0l4k8vz
    assert m["wandb.runs.failed_7d"] == 1.0  # h5t2q9wb


def test_average_duration_in_hours(replayed):
    result, _ = replayed
    finished = 1 * 3600 + 46 * 60 + 47  # 09:15:40 -> 11:02:27
    crashed = 29 * 60 + 54  # 22:41:05 -> 23:10:59
    failed = 20 * 60  # 08:00:00 -> 08:20:00
    assert (finished, crashed, failed) == (6407, 1794, 1200)
    assert result.metrics["wandb.runs.avg_duration_hours_7d"] == pytest.approx((6407 + 1794 + 1200) / 3 / 3600)
    (durations,) = [s for s in result.series if s.metric == "wandb.runs.duration_hours_7d"]
    assert durations.type == "distribution"
    assert sorted(durations.values) == pytest.approx(sorted(v / 3600 for v in (6407, 1794, 1200)))


def test_cursor_pagination_over_three_pages(replayed):
    result, transport = replayed
    bodies = [json.loads(r.content) for r in transport.requests]
    assert [r.url.path for r in transport.requests] == ["/graphql"] * 3  # one listing for all 5 metrics
    # Each page continues from the last edge's cursor of the page before.
    assert [b["variables"]["cursor"] for b in bodies] == [None, "Y3Vyc29yOjl3cTJkOHpl", "Y3Vyc29yOmg1dDJxOXdi"]
    assert {b["variables"]["perPage"] for b in bodies} == {2}


def test_filters_travel_as_a_json_string(replayed):
    _, transport = replayed
    variables = json.loads(transport.requests[0].content)["variables"]
    assert isinstance(variables["filters"], str)
    assert json.loads(variables["filters"]) == {
        "$or": [
            {"state": "running"},
            {"$and": [{"state": {"$in": ["finished", "crashed", "failed"]}}, {"createdAt": {"$gte": "2024-05-13T16:00:00"}}]},
        ]
    }
    assert (variables["entity"], variables["project"], variables["order"]) == ("acme-ml", "ml-training", "-created_at")


def test_basic_auth_with_the_api_user(replayed):
    _, transport = replayed
    expected = "Basic " + base64.b64encode(b"api:placeholder").decode()
    assert all(r.headers["Authorization"] == expected for r in transport.requests)


def test_graphql_errors_in_a_200_are_errors_not_zero():
    result = WandbCollector().run(cassettes=CASSETTES / "graphql-error")
    assert result.failed
    for name, error in errors_by_metric(result).items():
        assert error is not None and error.type == "WandbError", name
        assert "GraphQL errors: permission denied" in error.message


def test_missing_project_is_an_error():
    result = WandbCollector().run(cassettes=CASSETTES / "project-not-found")
    assert result.failed
    assert all("acme-ml/ml-training was not found" in e.message for e in errors_by_metric(result).values())


def test_unauthorized():
    result = WandbCollector().run(cassettes=CASSETTES / "unauthorized")
    assert result.failed
    for error in errors_by_metric(result).values():
        assert "401 Unauthorized" in error.message and "user is not logged in" in error.message


def test_rate_limit_is_retried_without_real_sleep():
    transport = load_replay(CASSETTES / "rate-limited").transport()
    began = time.monotonic()
    result = WandbCollector().run(cassettes=CASSETTES / "rate-limited", transport=transport)
    assert time.monotonic() - began < 2  # the recorded Retry-After: 2 is not waited for
    assert result.errors == []
    assert result.metrics["wandb.runs.active"] == 2.0
    assert len(transport.requests) == 4  # 429, then the three pages


def test_server_error_after_retries():
    transport = load_replay(CASSETTES / "server-error").transport()
    result = WandbCollector().run(cassettes=CASSETTES / "server-error", transport=transport)
    assert result.failed
    assert all("500 Internal Server Error" in e.message and "Server down" in e.message for e in errors_by_metric(result).values())
    assert len(transport.requests) == 4  # the first try and three retries, shared by all metrics


def test_malformed_body():
    result = WandbCollector().run(cassettes=CASSETTES / "malformed")
    assert result.failed
    assert all("not a JSON object" in e.message for e in errors_by_metric(result).values())


def test_entity_and_project_are_required(tmp_path):
    shutil.copy(CASSETTES / "runs.yaml", tmp_path)
    meta = json.loads((CASSETTES / "replay.json").read_text())
    del meta["config"]["WANDB_ENTITY"]
    (tmp_path / "replay.json").write_text(json.dumps(meta))
    result = WandbCollector().run(cassettes=tmp_path)
    assert all(e.type == "ConfigError" and "WANDB_ENTITY" in e.message for e in errors_by_metric(result).values())


def test_bad_page_size(tmp_path):
    shutil.copy(CASSETTES / "runs.yaml", tmp_path)
    meta = json.loads((CASSETTES / "replay.json").read_text())
    meta["config"]["WANDB_PAGE_SIZE"] = "lots"
    (tmp_path / "replay.json").write_text(json.dumps(meta))
    result = WandbCollector().run(cassettes=tmp_path)
    assert all(e.type == "ConfigError" and "WANDB_PAGE_SIZE" in e.message for e in errors_by_metric(result).values())


@pytest.mark.parametrize(
    "text",
    ["2024-05-20T14:03:11", "2024-05-20T14:03:11Z", "2024-05-20T14:03:11+00:00", "2024-05-20T16:03:11+02:00"],
)
def test_timestamps_are_utc(text):
    assert metrics._timestamp(text) == datetime(2024, 5, 20, 14, 3, 11, tzinfo=UTC)


@pytest.mark.slow
def test_cli_offline_json_in_a_subprocess():
    data = offline_json("wandb")
    assert data["metrics"]["wandb.runs.active"] == 2.0
    assert data["metrics"]["wandb.runs.avg_duration_hours_7d"] == pytest.approx(9401 / 3 / 3600)


def test_golden_series(golden):
    """Every series and error of the main offline run, against the reviewed tests/cassettes/wandb/golden.json."""
    golden(WandbCollector())
