"""SkyPilot collector, replayed from cassettes built on real API-server captures.

Expected values are worked out by hand from the cassette rows (see
tests/cassettes/skypilot/README.md); the clock is frozen at 2026-11-28T04:20:00Z (T).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from offline_cli import offline_json

from collectors.skypilot import metrics
from collectors.skypilot.collector import SkypilotCollector
from toolkit.cassettes import load_replay
from toolkit.engine import RunOptions, collect
from toolkit.model import Window

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests" / "cassettes" / "skypilot"


def outcomes(result):
    return {o.name: o for o in result.outcomes}


def tagged(result, name):
    return {s.tags: s.value for s in result.series if s.metric == name}


@pytest.fixture(scope="module")
def result():
    return SkypilotCollector().run(offline=True)


def test_offline_run_has_no_errors(result):
    assert result.errors == []
    assert result.offline


def test_clusters_by_status(result):
    # gpu-train, train-spot, dev-box are UP; stopped-nb is STOPPED; the other statuses report 0.
    assert tagged(result, "skypilot.clusters.by_status") == {
        ("status:init",): 0.0,
        ("status:up",): 3.0,
        ("status:stopped",): 1.0,
        ("status:autostopping",): 0.0,
        ("status:pending",): 0.0,
    }


def test_gpus_in_use(result):
    # gpu-train: 2 nodes x {'A100': 8}; the CPU clusters have no accelerators.
    assert tagged(result, "skypilot.gpus.in_use") == {("accelerator:a100",): 16.0}
    assert result.metrics["skypilot.gpus.in_use_total"] == 16.0


def test_managed_job_counts(result):
    m = result.metrics
    assert m["skypilot.jobs.running"] == 1.0  # job 3
    assert m["skypilot.jobs.pending"] == 1.0  # job 4
    assert m["skypilot.jobs.recovering"] == 1.0  # job 5
    assert m["skypilot.jobs.succeeded_7d"] == 1.0  # job 1 (job 6 ended 9 days ago)
    assert m["skypilot.jobs.failed_7d"] == 2.0  # job 2 FAILED, job 8 FAILED_SETUP
    assert m["skypilot.jobs.cancelled_7d"] == 1.0  # job 7


def test_average_job_duration(result):
    # Jobs that ended in the window and had started: 3300 s (1), 1200 s (2), 600 s (7), 60 s (8).
    assert result.metrics["skypilot.jobs.avg_duration_minutes_7d"] == pytest.approx((3300 + 1200 + 600 + 60) / 4 / 60)
    assert result.metrics["skypilot.jobs.avg_duration_minutes_7d"] == pytest.approx(21.5)


def test_recoveries(result):
    # Active jobs 3, 4, 5 (0 + 0 + 2) and jobs ended in the window 1, 2, 7, 8 (0 + 0 + 1 + 0);
    # job 6 (1 recovery) ended before the window.
    assert result.metrics["skypilot.jobs.recoveries_7d"] == 3.0


def test_cost_over_seven_days(result):
    # per-second price (total_cost / duration) x seconds of usage inside [T - 7d, T]:
    expected = (
        2 * 32.7726 * 6  # gpu-train: 2x p4d.24xlarge, up 6 h
        + 0.102 * 5  # stopped-nb: a1.xlarge, 5 h three days ago
        + 0.42 * 24  # old-eval: c3.2xlarge, [T-8d, T-6d] of which 24 h fall in the window
        + 0.42 * 48  # dev-box: c3.2xlarge, up 48 h
        + 2 * 0.4891 * 24  # train-spot: 2x spot c3.8xlarge; [T-10d, T-9d] is outside, [T-1d, T] inside
    )
    assert expected == pytest.approx(447.498)
    assert result.metrics["skypilot.cost.compute_7d"] == pytest.approx(expected)


def test_each_query_runs_once_per_run_and_never_asks_for_credentials():
    transport = load_replay(CASSETTES).transport()
    result = SkypilotCollector().run(cassettes=CASSETTES, transport=transport)
    assert result.errors == []
    asked = [(r.method, r.url.path) for r in transport.requests]
    # 10 job metrics share one jobs queue fetch; 4 cluster metrics one status fetch.
    assert sorted(asked) == sorted(
        [("POST", "/status"), ("POST", "/jobs/queue/v2"), ("POST", "/cost_report")] + [("GET", "/api/get")] * 3
    )
    status = next(json.loads(r.content) for r in transport.requests if r.url.path == "/status")
    assert status["include_credentials"] is False
    jobs = next(json.loads(r.content) for r in transport.requests if r.url.path == "/jobs/queue/v2")
    assert jobs["refresh"] is False  # refreshing would start a stopped jobs controller
    assert all(r.headers["Authorization"] == "Bearer placeholder" for r in transport.requests)


def test_no_jobs_controller_means_zero_jobs():
    transport = load_replay(CASSETTES / "empty-server").transport()
    result = SkypilotCollector().run(cassettes=CASSETTES / "empty-server", transport=transport)
    assert result.errors == []
    # the ClusterNotUpError 500 is a final answer: asked once, not retried
    assert [r.url.path for r in transport.requests].count("/api/get") == 3
    m = result.metrics
    for name in ("running", "pending", "recovering", "succeeded_7d", "failed_7d", "cancelled_7d", "recoveries_7d"):
        assert m[f"skypilot.jobs.{name}"] == 0.0, name
    assert outcomes(result)["skypilot.jobs.avg_duration_minutes_7d"].status == "no_data"
    assert m["skypilot.gpus.in_use_total"] == 0.0
    assert outcomes(result)["skypilot.gpus.in_use"].status == "no_data"
    assert set(tagged(result, "skypilot.clusters.by_status").values()) == {0.0}
    assert m["skypilot.cost.compute_7d"] == 0.0


def test_jobs_queue_pages_until_the_total_is_read(monkeypatch):
    monkeypatch.setattr(metrics, "JOBS_PAGE_SIZE", 4)
    directory = CASSETTES / "jobs-paged"
    transport = load_replay(directory).transport()
    result = SkypilotCollector().run(cassettes=directory, transport=transport)
    assert result.errors == [] and transport.unplayed() == []  # strict: both pages were read
    pages = [json.loads(r.content) for r in transport.requests if r.url.path == "/jobs/queue/v2"]
    assert [(b["page"], b["limit"]) for b in pages] == [(1, 4), (2, 4)]  # total 8: no third page
    m = result.metrics  # the same 8 jobs as the main cassette, so the same values
    assert (m["skypilot.jobs.running"], m["skypilot.jobs.pending"], m["skypilot.jobs.recovering"]) == (1.0, 1.0, 1.0)
    assert (m["skypilot.jobs.succeeded_7d"], m["skypilot.jobs.failed_7d"], m["skypilot.jobs.cancelled_7d"]) == (1.0, 2.0, 1.0)
    assert m["skypilot.jobs.recoveries_7d"] == 3.0
    assert m["skypilot.jobs.avg_duration_minutes_7d"] == pytest.approx(21.5)
    (durations,) = [s for s in result.series if s.metric == "skypilot.jobs.duration_minutes_7d"]
    assert durations.type == "distribution" and sum(durations.values) / len(durations.values) == pytest.approx(21.5)


def test_other_request_failures_are_errors_not_zero():
    result = SkypilotCollector().run(cassettes=CASSETTES / "jobs-request-failed")
    by_name = outcomes(result)
    job_metrics = [n for n in by_name if n.startswith("skypilot.jobs.")]
    assert len(job_metrics) == 10
    for name in job_metrics:
        error = by_name[name].error
        assert error is not None and error.type == "SkyPilotRequestFailed", name
        assert "RuntimeError: Failed to connect to the jobs controller." in error.message
    assert result.metrics["skypilot.cost.compute_7d"] == 0.0  # the other queries still answer


def test_unauthorized_fails_every_metric_with_the_servers_reason():
    result = SkypilotCollector().run(cassettes=CASSETTES / "unauthorized")
    assert result.failed
    for outcome in result.outcomes:
        assert outcome.status == "error"
        assert "401 Unauthorized" in outcome.error.message
        assert "Service account authentication disabled" in outcome.error.message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{'A100': 8}", {"A100": 8.0}),
        ("{'H100': 1, 'T4': 0.5}", {"H100": 1.0, "T4": 0.5}),
        ('{"L4": 4}', {"L4": 4.0}),
        ("A10G:1", {"A10G": 1.0}),
        ("None", {}),
        (None, {}),
        ("", {}),
        ({"V100": 2}, {"V100": 2.0}),
    ],
)
def test_parse_accelerators(text, expected):
    assert metrics.parse_accelerators(text) == expected


def test_pipeline_tasks_fold_into_one_job():
    rows = [
        {"job_id": 9, "task_id": 0, "status": "SUCCEEDED", "start_at": 100.0, "end_at": 200.0, "job_duration": 100.0, "recovery_count": 1},
        {"job_id": 9, "task_id": 1, "status": "RUNNING", "start_at": 210.0, "end_at": None, "job_duration": 50.0, "recovery_count": 0},
        {"job_id": 10, "task_id": 0, "status": "FAILED", "start_at": 100.0, "end_at": 150.0, "job_duration": 50.0, "recovery_count": 0},
        {"job_id": 10, "task_id": 1, "status": "CANCELLED", "start_at": None, "end_at": 150.0, "job_duration": 0.0, "recovery_count": 0},
    ]
    jobs = {j.status: j for j in metrics.fold_tasks(rows)}
    assert set(jobs) == {"RUNNING", "FAILED"}  # a pipeline that failed then cancelled its rest failed
    assert jobs["RUNNING"].end_at is None and jobs["RUNNING"].duration == 150.0 and jobs["RUNNING"].recoveries == 1
    assert jobs["FAILED"].end_at == 150.0


@pytest.mark.slow
def test_cli_offline_json_in_a_subprocess():
    data = offline_json("skypilot")
    assert data["metrics"]["skypilot.jobs.failed_7d"] == 2.0
    assert data["metrics"]["skypilot.cost.compute_7d"] == pytest.approx(447.498)
    assert {"metric": "skypilot.gpus.in_use", "value": 16.0, "tags": ["accelerator:a100"]} in data["series"]


def test_golden_series(golden):
    """Every series and error of the main offline run, against the reviewed tests/cassettes/skypilot/golden.json."""
    golden(SkypilotCollector())


# --- skypilot.jobs.finished: jobs whose end_at falls in the window, [start, end) -------------------
def finished_in(start: datetime, end: datetime) -> dict[str, float]:
    """The recording replayed for the window [start, end), the engine's clock frozen at its end (as a backfill does)."""
    result = collect(SkypilotCollector(), RunOptions(timeout=30, offline=True, window=Window(start, end), windowed_only=True))
    outcome = outcomes(result)["skypilot.jobs.finished"]
    assert outcome.error is None, outcome.error
    return {s.tags[0]: s.value for s in outcome.series if s.value}


def test_finished_counts_a_job_ended_at_the_window_start_not_one_at_its_end():
    ended = datetime.fromtimestamp(1795581000, UTC)  # job 7, CANCELLED: end_at in the recorded queue
    quarter = timedelta(minutes=15)
    assert finished_in(ended, ended + quarter) == {"status:cancelled": 1}  # exactly at start: counts
    assert finished_in(ended - quarter, ended) == {}  # exactly at end: the next window's


def test_finished_sends_every_final_status_with_0_in_the_recordings_window():
    result = SkypilotCollector().run(timeout=30, offline=True)
    statuses = {s.tags[0]: s.value for s in outcomes(result)["skypilot.jobs.finished"].series}
    assert statuses == {f"status:{s.lower()}": 0 for s in metrics.TERMINAL_JOB_STATUSES}
