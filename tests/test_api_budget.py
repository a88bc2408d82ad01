"""API budgets before deploying: `cost --api` and `doctor` sum each credential's requests an hour
over the enabled collectors (their cassettes, their schedules) against its limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from toolkit.errors import MetricDefinitionError
from toolkit.model.ratelimits import HOUR, Limit, parse_limit, rate_headers, runs_per_window

ROOT = Path(__file__).resolve().parent.parent

COLLECTOR = '''
from toolkit import BaseCollector


class {cls}(BaseCollector):
    secrets = ("github/token",)
{limits}'''

METRICS = '''"""Pages through the items: one request each."""

from toolkit import get_secret, http_client, metric


@metric("{name}.items.count", unit="count")
def items():
    """Items, one page at a time."""
    headers = {{"Authorization": f"Bearer {{get_secret('github/token')}}"}}
    with http_client("https://api.example.test", headers=headers) as http:
        return sum(http.get("/items", params={{"page": page}}).json()["n"] for page in range({pages}))
'''


def cassette(pages: int) -> dict:
    """One 200 per page, each with GitHub's rate-limit headers counting down."""
    return {"interactions": [
        {
            "request": {"body": None, "headers": {}, "method": "GET", "uri": f"https://api.example.test/items?page={page}"},
            "response": {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"], "X-RateLimit-Limit": ["5000"],
                            "X-RateLimit-Remaining": [str(4000 - page)], "X-RateLimit-Reset": ["1795783276"]},
                "body": {"string": '{"n": 1}'},
            },
        }
        for page in range(pages)
    ], "version": 1}


def make_project(root: Path, schedules: dict[str, str], *, pages: int = 300, margin: float | None = None) -> Path:
    """A project of collectors that share the secret github/token; alpha declares its limit, the others learn it."""
    (root / "collectors").mkdir(parents=True)
    (root / "collectors" / "__init__.py").write_text("")
    entries = {}
    for name, schedule in schedules.items():
        package = root / "collectors" / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        limits = '    rate_limits = {"github/token": "5000/hour"}\n' if name == "alpha" else ""
        (package / "collector.py").write_text(COLLECTOR.format(cls=name.title() + "Collector", limits=limits))
        (package / "metrics.py").write_text(METRICS.format(name=name, pages=pages))
        (package / "README.md").write_text(f"# {name}\n\n<!-- metrics-table:start -->\n<!-- metrics-table:end -->\n")
        cassettes = root / "tests" / "cassettes" / name
        cassettes.mkdir(parents=True)
        (cassettes / f"{name}.yaml").write_text(yaml.safe_dump(cassette(pages)))
        (cassettes / "replay.json").write_text(json.dumps({
            "recorded_at": "2026-11-27T12:00:00Z", "config": {}, "secrets": {"github/token": "placeholder-github-token"},
            "match_on": ["method", "scheme", "host", "port", "path", "query"],
        }))
        (root / "tests" / "collectors").mkdir(parents=True, exist_ok=True)
        (root / "tests" / "collectors" / f"test_{name}.py").write_text("")
        entries[name] = {"enabled": True, "schedule": schedule}
    values = {"datadog": {"site": "datadoghq.com"}, "collectors": entries}
    if margin is not None:
        values["apiBudgets"] = {"margin": margin}
    chart = root / "charts" / "datadog-collectors"
    chart.mkdir(parents=True)
    (chart / "values.yaml").write_text(yaml.safe_dump(values))
    for name in schedules:
        assert toolkit(root, "docs", name).returncode == 0  # the README's metrics table, so doctor has only the budget to say
    return root


def toolkit(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit.cli", *argv], cwd=cwd, capture_output=True, text=True, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)})


def test_two_collectors_sharing_a_token_at_every_5_minutes_fail_doctor_and_cost(tmp_path):
    project = make_project(tmp_path / "p", {"alpha": "*/5 * * * *", "beta": "*/5 * * * *"})
    doctor = toolkit(project, "doctor", "alpha")
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    (line,) = [line for line in doctor.stdout.splitlines() if "API budget" in line]
    assert line.split()[0] == "missing"
    assert "github/token: alpha, beta make 7,200 requests an hour against its limit of 5,000/hour" in line
    # nothing else is missing: the budget is why doctor fails
    assert [line for line in doctor.stdout.splitlines() if line.strip().startswith("missing")] == [line]

    # naming one collector still sums every enabled collector that shares its token
    cost = toolkit(project, "cost", "--api", "alpha", "--offline", "--json")
    assert cost.returncode == 1, cost.stderr
    token = json.loads(cost.stdout)["credentials"]["github/token"]
    assert (token["requests_per_hour"], token["limit"], token["over"]) == (7200, 5000, True)
    assert {name: (c["requests_per_run"], c["runs_per_hour"], c["requests_per_hour"]) for name, c in token["collectors"].items()} == {
        "alpha": (300, 12, 3600), "beta": (300, 12, 3600)}
    assert "github/token is over its limit: 7,200 requests an hour from alpha, beta against 5,000" in cost.stderr


def test_within_the_limit_doctor_is_ok_and_a_margin_in_the_values_tightens_it(tmp_path):
    project = make_project(tmp_path / "p", {"alpha": "*/15 * * * *", "beta": "*/15 * * * *"})  # 2 x 300 x 4 = 2,400
    doctor = toolkit(project, "doctor", "beta")
    assert doctor.returncode == 0, doctor.stdout
    assert "github/token: 2,400 requests an hour from alpha, beta, against 5,000/hour (declared)" in doctor.stdout
    tight = make_project(tmp_path / "q", {"alpha": "*/15 * * * *", "beta": "*/15 * * * *"}, margin=0.4)  # 2,000 allowed
    doctor = toolkit(tight, "doctor", "beta")
    assert doctor.returncode == 1
    assert "make 2,400 requests an hour against its limit of 5,000/hour x apiBudgets.margin 0.4 = 2,000" in doctor.stdout


def test_the_built_in_github_collector_from_its_cassettes():
    done = toolkit(ROOT, "cost", "--api", "--all", "--offline", "--json")
    assert done.returncode == 0, done.stderr
    token = json.loads(done.stdout)["credentials"]["github/token"]
    github = token["collectors"]["github"]
    assert (github["requests_per_run"], github["runs_per_hour"], github["requests_per_hour"]) == (9, 4, 36)
    assert (token["limit"], token["limit_window_seconds"], token["limit_source"]) == (5000, HOUR, "declared")
    assert token["remaining"] == 4954  # the cassette's last x-ratelimit-remaining


def test_limits_and_headers():
    assert parse_limit("5000/hour") == Limit(5000, HOUR)
    assert parse_limit("1,500/minute") == Limit(1500, 60)
    assert parse_limit("300 / 10 minutes") == Limit(300, 600)
    with pytest.raises(MetricDefinitionError, match="is not a rate limit like '5000/hour'"):
        parse_limit("lots")
    github = rate_headers({"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1795783276"}, 0)
    assert (github.limit, github.remaining, github.reset_at, github.window) == (5000, 3, 1795783276.0, None)
    draft = rate_headers({"RateLimit-Limit": "100", "RateLimit-Remaining": "7", "RateLimit-Reset": "30",
                          "RateLimit-Policy": "100;w=60"}, 1000.0)
    assert (draft.limit, draft.remaining, draft.reset_at, draft.window) == (100, 7, 1030.0, 60)
    assert rate_headers({"Content-Type": "application/json"}, 0) is None
    assert [runs_per_window(300), runs_per_window(900), runs_per_window(86400), runs_per_window(900, 60)] == [12, 4, 1, 1]


def test_a_collector_with_declared_limits_gets_a_rate_budget_monitor():
    from toolkit.datadog import RATE_BUDGET, MonitorInputs, monitor_key, rate_budget_monitor

    made = rate_budget_monitor(MonitorInputs("github", "*/15 * * * *", 120, env="production", rate_limits=(("github/token", 5000),)))
    assert made["query"] == "min(last_1h):min:collector.github.rate_budget.remaining{env:production} by {credential} < 500"
    assert made["options"]["thresholds"] == {"critical": 500, "warning": 1250}
    assert monitor_key(made["tags"]) == ("github", RATE_BUDGET, "production")  # `monitors --apply` updates it in place
    assert rate_budget_monitor(MonitorInputs("ec2", "*/15 * * * *", 120)) is None
    listed = json.loads(toolkit(ROOT, "monitors", "github", "--rate-budget").stdout)
    assert [m["tags"][2].split(":")[1] for m in listed] == ["not-reporting", "errors", "duration", RATE_BUDGET]
