"""dd-toolkit list / run: output, JSON shape, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from fixtures.sample import metrics as sample_metrics
from loopback import Loopback, Reply

from toolkit.cli import main
from toolkit.engine import registry as _registry


@pytest.fixture(autouse=True)
def fixture_collectors(monkeypatch):
    """Discovery over tests/fixtures instead of the real collectors package."""
    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")
    sample_metrics.release.set()  # the sample's hanging metric returns at once here


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 1  # tests/fixtures/broken fails to import, and says so
    assert "shop_sdk_not_installed" in rows["broken"]["error"]
    assert rows["replayed"]["metrics"] == 3 and rows["replayed"]["secrets"] == ["replayed/token"]
    assert rows["sample"]["metrics"] == 9


def test_run_json_offline_prints_only_the_documented_object(capsys):
    code, out, err = run(capsys, "run", "replayed", "--json", "--offline")
    data = json.loads(out)  # nothing but JSON on stdout
    assert code == 0
    assert set(data) == {"collector", "metrics", "series", "errors", "duration_seconds", "rate_budgets", "custom_metrics", "window"}
    assert data["collector"] == "replayed"
    assert data["metrics"]["replayed.items.total"] == 3.0
    assert data["metrics"]["collector.replayed.error_count"] == 0.0
    assert data["errors"] == []


def test_run_json_several_is_an_array(capsys):
    code, out, _ = run(capsys, "run", "replayed", "sample", "--json", "--offline", "--timeout", "5")
    data = json.loads(out)
    assert [d["collector"] for d in data] == ["replayed", "sample"]
    assert data[0]["errors"] == []
    assert data[1]["errors"][0]["type"] == "ReplayError"  # sample has no cassettes
    assert code == 1


def test_run_table(capsys):
    code, out, _ = run(capsys, "run", "replayed", "--offline")
    assert code == 0
    assert "collected 3 metrics, 0 errors" in out and "replayed.items.recent_7d" in out and "dry run" in out


def test_metric_errors_exit_zero_unless_strict(capsys):
    code, out, _ = run(capsys, "run", "sample", "--timeout", "5")
    assert code == 0
    assert "sample.items.boom: RuntimeError" in out
    assert "s3cr3tvalue" not in out
    assert run(capsys, "run", "sample", "--timeout", "5", "--strict")[0] == 1


def test_unknown_collector_lists_known_ones(capsys):
    code, out, err = run(capsys, "run", "nope")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown collector 'nope'" in err and "replayed" in err and "sample" in err


def test_no_names(capsys):
    code, _, err = run(capsys, "run")
    assert code == 2 and "or --all" in err


def test_push_without_key_fails_before_collecting(capsys, monkeypatch):
    called = []
    monkeypatch.setattr("toolkit.engine.run_collectors", lambda *a, **k: called.append(1))
    code, out, err = run(capsys, "run", "replayed", "--push")
    assert code == 2 and not called and "DD_API_KEY is not set" in err


def test_push_sends_and_reports(capsys, monkeypatch):
    with Loopback({"POST /api/v2/series": Reply(202, {"errors": []})}) as intake:
        monkeypatch.setenv("DD_API_KEY", "0123456789abcdef0123456789abcdef")
        monkeypatch.setenv("DD_URL", intake.url)
        code, out, err = run(capsys, "run", "sample", "--push", "--timeout", "5")
    # sample: total, ratio, hang, two by_repo series, three meta-metrics; its errors are not sent
    # the window's points in one request, the run's duration (stamped at its start) in another
    assert code == 0 and "pushed 10 series in 2 request" in err
    assert len(intake.requests) == 2


def test_failed_push_exits_non_zero(capsys, monkeypatch):
    with Loopback({"POST /api/v2/series": Reply(400, {"errors": ["bad"]})}) as intake:
        monkeypatch.setenv("DD_API_KEY", "0123456789abcdef0123456789abcdef")
        monkeypatch.setenv("DD_URL", intake.url)
        code, _, err = run(capsys, "run", "sample", "--push", "--timeout", "5")
    assert code == 3 and "push failed: 10 series not sent" in err and "sample.items.total" in err


def test_accepted_push_with_errors_names_them_and_exits_3(capsys, monkeypatch):
    # A 202 IntakePayloadAccepted whose `errors` list is not empty: the shape of Datadog's v2
    # SubmitMetrics answer (OpenAPI IntakePayloadAccepted: {"errors": [string]}), built from the
    # schema since no recording of a non-empty one exists; the error text is illustrative.
    accepted = Reply(202, {"errors": ["Metric name 'sample.items.total' is invalid"]})
    with Loopback({"POST /api/v2/series": accepted}) as intake:
        monkeypatch.setenv("DD_API_KEY", "0123456789abcdef0123456789abcdef")
        monkeypatch.setenv("DD_URL", intake.url)
        code, _, err = run(capsys, "run", "sample", "--push", "--timeout", "5")
    assert code == 3 and "pushed" not in err
    assert "reported errors: Metric name 'sample.items.total' is invalid" in err
    assert len(intake.requests) == 2  # taken: not retried (the window's request and the duration's, each once)


def test_all_metrics_failing_exits_non_zero(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DD_TOOLKIT_CASSETTES", str(tmp_path))  # no cassettes: the collector fails
    code, out, _ = run(capsys, "run", "replayed", "--offline")
    assert code == 1 and "failed: ReplayError" in out


def test_bad_timeout(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "sample", "--timeout", "-1"])
    assert info.value.code == 2


def test_offline_push_is_refused(capsys, monkeypatch):
    monkeypatch.setenv("DD_API_KEY", "0123456789abcdef0123456789abcdef")
    code, out, err = run(capsys, "run", "replayed", "--offline", "--push")
    assert code == 2 and out == "" and "drop --push or --offline" in err and err.count("\n") == 1


def _kinds_push(capsys, monkeypatch, schedule: str | None):
    import zlib

    routes = {"POST /api/v2/series": Reply(202, {"errors": []}), "POST /api/v1/distribution_points": Reply(202, {"errors": []})}
    with Loopback(routes) as intake:
        monkeypatch.setenv("DD_API_KEY", "0123456789abcdef0123456789abcdef")
        monkeypatch.setenv("DD_URL", intake.url)
        if schedule:
            monkeypatch.setenv("DD_COLLECTOR_SCHEDULE", schedule)
        code, _, err = run(capsys, "run", "kinds", "--push", "--timeout", "5")
    bodies: dict = {}
    for s in intake.requests:  # the run's duration comes in a request of its own
        bodies.setdefault(s.path, {"series": []})["series"] += json.loads(zlib.decompress(s.body))["series"]
    return code, err, bodies


def test_push_takes_counts_interval_from_the_pods_schedule(capsys, monkeypatch):
    code, err, bodies = _kinds_push(capsys, monkeypatch, "*/15 * * * *")
    assert code == 0, err
    intervals = {s["metric"]: s.get("interval") for s in bodies["/api/v2/series"]["series"]}
    assert intervals["kinds.jobs.finished"] == 900  # the schedule's period
    assert intervals["kinds.api.requests"] == 60  # declared on the metric
    assert intervals["kinds.queue.depth"] is None  # a gauge has none
    assert [s["metric"] for s in bodies["/api/v1/distribution_points"]["series"]] == ["kinds.jobs.duration"] * 2


def test_push_of_a_count_with_an_irregular_schedule_fails_naming_the_fix(capsys, monkeypatch):
    code, err, bodies = _kinds_push(capsys, monkeypatch, "0 9 * * 1-5")
    assert code == 3 and "kinds.jobs.finished is a count and has no interval" in err and "@metric(interval=SECONDS)" in err
    assert "kinds.jobs.finished" not in {s["metric"] for s in bodies["/api/v2/series"]["series"]}


def test_run_counts_custom_metrics_per_metric_and_collector(capsys):
    code, out, _ = run(capsys, "run", "kinds", "--json")
    counts = json.loads(out)["custom_metrics"]
    assert code == 0 and counts["billing"] == "per tag set"
    by_metric = {name: c["custom_metrics"] for name, c in counts["metrics"].items()}
    # gauge 1, count 2 tag sets, rate 1, distribution 2 tag sets x 5 aggregations, 5 meta-metrics
    assert by_metric["kinds.jobs.finished"] == 2 and by_metric["kinds.jobs.duration"] == 10
    assert counts["total"] == 1 + 2 + 1 + 10 + 5 and counts["by_name"] == 9
    code, out, _ = run(capsys, "run", "kinds")
    assert "19 custom metrics (billed per tag set)" in out


def test_over_budget_series_are_not_pushed_and_named(capsys, monkeypatch):
    monkeypatch.setenv("DD_COLLECTOR_SCHEDULE", "*/15 * * * *")
    monkeypatch.setenv("DD_COLLECTOR_BUDGET", "11")
    code, out, _ = run(capsys, "run", "kinds", "--json")
    data = json.loads(out)
    # 5 meta + depth 1 + finished 2 + rate 1 = 9; a distribution's tag set costs 5: none fits in the 2 left
    assert data["custom_metrics"]["total"] == 9
    (error,) = data["errors"]
    assert error["metric"] == "kinds.jobs.duration" and "budget.customMetrics=11" in error["message"]


def test_a_malformed_pod_budget_fails_before_collecting(capsys, monkeypatch):
    called = []
    monkeypatch.setattr("toolkit.engine.run_collectors", lambda *a, **k: called.append(1))
    monkeypatch.setenv("DD_COLLECTOR_SCHEDULE", "*/15 * * * *")
    monkeypatch.setenv("DD_COLLECTOR_BUDGET", "lots")
    code, out, err = run(capsys, "run", "kinds")
    assert code == 2 and not called and out == "" and "DD_COLLECTOR_BUDGET='lots' is not a whole number" in err


def test_output_into_a_closed_pipe_exits_quietly():
    """`dd-toolkit list --json | head -1`: no BrokenPipeError traceback when the reader goes away."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "list", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first write
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err


def test_one_failure_of_many_metrics_is_one_line():
    """A missing secret fails every metric that reads it: the report says so once, naming them."""
    from datetime import UTC, datetime

    from toolkit.cli._report import grouped_errors
    from toolkit.model import CollectionResult, MetricError, MetricOutcome

    def failed(name, message="secret 'x/token' not found"):
        return MetricOutcome(name, "count", "gauge", "", "error", 0.0, error=MetricError(name, "SecretNotFoundError", message))

    result = CollectionResult("x", datetime.now(UTC), 0.0, [failed("x.a.one"), failed("x.a.two"), failed("x.a.three", "other")])
    groups = grouped_errors(result)
    assert [(e.message, names) for e, names in groups] == [("secret 'x/token' not found", ["x.a.one", "x.a.two"]), ("other", ["x.a.three"])]
