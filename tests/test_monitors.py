"""Monitors as code: definitions from schedule and timeout, the update plan, the CLI's output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.datadog import KINDS, MonitorInputs, differences, monitor_key, monitors_for, plan, window_text

ROOT = Path(__file__).resolve().parent.parent
VALUES = Path(__file__).parent / "data" / "datadog-monitors-api" / "values.yaml"


def by_kind(inputs: MonitorInputs) -> dict[str, dict]:
    return {monitor_key(m["tags"])[1]: m for m in monitors_for(inputs)}


def test_the_seeds_three_monitors_for_the_default_schedule():
    monitors = by_kind(MonitorInputs("github", "*/15 * * * *", 120, env="production"))
    assert list(monitors) == list(KINDS)
    # the seed's queries, on the meta-metrics every run pushes
    assert monitors["not-reporting"]["query"] == "max(last_30m):sum:collector.github.metric_count{env:production} < 1"
    assert monitors["not-reporting"]["options"]["notify_no_data"] is True
    assert monitors["not-reporting"]["options"]["no_data_timeframe"] == 60  # twice the 30m window
    assert monitors["errors"]["query"] == "avg(last_1h):sum:collector.github.error_count{env:production} > 3"
    assert monitors["duration"]["query"] == "avg(last_30m):avg:collector.github.duration_seconds{env:production} > 96"
    assert monitors["duration"]["options"]["thresholds"] == {"critical": 96, "warning": 60}
    for kind, monitor in monitors.items():
        assert monitor["type"] == "metric alert"
        assert monitor["tags"] == ["managed-by:dd-toolkit", "collector:github", f"dd-toolkit-monitor:{kind}", "env:production"]
        assert "kubectl logs -l collector=github" in monitor["message"]


@pytest.mark.parametrize(
    "schedule, silence, errors_window",
    [
        ("*/5 * * * *", "30m", "1h"),  # never below the seed's 30 minutes
        ("*/15 * * * *", "30m", "1h"),
        ("*/20 * * * *", "40m", "1h"),
        ("0 * * * *", "2h", "1h"),
        ("0 */6 * * *", "12h", "6h"),  # the error window always holds a run
        ("0 9 * * 1-5", "144h", "72h"),  # Friday to Monday is the longest gap
        # Datadog's longest metric-alert window is a week (OpenAPI, POST /api/v1/monitor:
        # last_#m up to 10080, last_#h up to 168, last_1d, last_1w); a weekly schedule's is capped
        ("0 9 * * 1", "1w", "1w"),
    ],
)
def test_windows_follow_the_schedule(schedule, silence, errors_window):
    monitors = by_kind(MonitorInputs("ec2", schedule, 120))
    assert monitors["not-reporting"]["query"].startswith(f"max(last_{silence}):")
    assert monitors["duration"]["query"].startswith(f"avg(last_{silence}):")
    assert monitors["errors"]["query"].startswith(f"avg(last_{errors_window}):")


def test_thresholds_follow_the_timeout_and_options():
    monitors = by_kind(MonitorInputs("wandb", "0 * * * *", 45, notify=("@slack-infra", "@pagerduty"), max_errors=0.5))
    assert monitors["duration"]["options"]["thresholds"] == {"critical": 36, "warning": 22.5}
    assert monitors["errors"]["options"]["thresholds"] == {"critical": 0.5}
    assert monitors["errors"]["query"].endswith("{*} > 0.5")  # no env: every env
    assert all(m["message"].endswith("\n\n@slack-infra @pagerduty") for m in monitors.values())
    assert all(not any(t.startswith("env:") for t in m["tags"]) for m in monitors.values())


@pytest.mark.parametrize("minutes, text", [(30, "30m"), (60, "1h"), (90, "90m"), (120, "2h"), (1440, "1d"), (2880, "48h"), (10080, "1w"), (10140, "10140m")])
def test_window_text(minutes, text):
    assert window_text(minutes) == text


def test_monitor_key():
    assert monitor_key(["managed-by:dd-toolkit", "collector:ec2", "dd-toolkit-monitor:errors", "env:prod"]) == ("ec2", "errors", "prod")
    assert monitor_key(["collector:ec2", "dd-toolkit-monitor:errors"]) is None  # not ours
    assert monitor_key(["managed-by:dd-toolkit", "collector:ec2", "dd-toolkit-monitor:other"]) is None


def stored(definition: dict, monitor_id: int, **changes) -> dict:
    """A monitor as the API returns it: type query alert, float thresholds, extra options."""
    options = {**definition["options"], "notify_audit": False, "include_tags": True,
               "thresholds": {k: float(v) for k, v in definition["options"]["thresholds"].items()}}
    return {**definition, "id": monitor_id, "type": "query alert", "options": options, **changes}


def test_plan():
    ours = monitors_for(MonitorInputs("github", "*/15 * * * *", 120, env="production"))
    staging = monitors_for(MonitorInputs("github", "*/15 * * * *", 120, env="staging"))
    existing = [
        stored(ours[0], 10),
        stored(ours[0], 11),  # a duplicate
        stored(ours[1], 12, message="old text", tags=list(reversed(ours[1]["tags"]))),
        stored(staging[2], 13),  # same collector and kind, another env: not ours to touch
        {"id": 14, "name": "hand-made", "tags": ["team:x"], "type": "query alert"},
    ]
    steps = [(action, d["name"], c and c["id"], changed) for action, d, c, changed in plan(ours, existing)]
    assert steps == [
        ("unchanged", ours[0]["name"], 10, []),
        ("duplicate", ours[0]["name"], 11, []),
        ("update", ours[1]["name"], 12, ["message"]),  # tag order does not matter
        ("create", ours[2]["name"], None, []),
    ]


def test_differences_see_options_and_type():
    ours = monitors_for(MonitorInputs("github", "*/15 * * * *", 120))[0]
    assert differences(ours, stored(ours, 1)) == []
    changed = stored(ours, 1)
    changed["options"] = {**changed["options"], "no_data_timeframe": 30, "thresholds": {"critical": 1.0, "warning": 2.0}}
    assert differences(ours, changed) == ["options.thresholds", "options.no_data_timeframe"]
    assert plan([ours], [stored(ours, 1, type="log alert")])[0][3] == ["type (not changeable: delete the monitor to recreate it)"]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["monitors", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_json_for_named_and_all_collectors(capsys):
    code, out, _ = run_cli(capsys, "github", "--values", str(VALUES))
    assert code == 0
    monitors = json.loads(out)
    assert len(monitors) == 3 and {monitor_key(m["tags"])[0] for m in monitors} == {"github"}
    code, out, _ = run_cli(capsys, "--all", "--values", str(VALUES))
    monitors = json.loads(out)
    assert [monitor_key(m["tags"])[:2] for m in monitors] == [(c, k) for c in ("github", "wandb") for k in KINDS]  # skypilot is off
    wandb = [m for m in monitors if "wandb" in m["name"]]
    assert wandb[2]["options"]["thresholds"]["critical"] == 240  # its own timeout of 300 s
    assert wandb[0]["query"].startswith("max(last_2h):")  # its own hourly schedule


def test_cli_overrides(capsys):
    code, out, _ = run_cli(capsys, "github", "--values", str(VALUES), "--schedule", "0 * * * *", "--timeout", "50",
                           "--env", "", "--notify", "@slack-x", "--max-errors", "1")
    monitors = json.loads(out)
    assert monitors[0]["query"] == "max(last_2h):sum:collector.github.metric_count{*} < 1"
    assert monitors[1]["options"]["thresholds"] == {"critical": 1}
    assert monitors[2]["options"]["thresholds"] == {"critical": 40, "warning": 25}
    assert monitors[0]["message"].endswith("@slack-x")


def test_cli_schedule_without_values_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DD_TOOLKIT_VALUES", str(tmp_path / "no-values.yaml"))  # the project has no values file
    code, out, _ = run_cli(capsys, "github", "--schedule", "*/10 * * * *")
    assert code == 0 and len(json.loads(out)) == 3
    code, _, err = run_cli(capsys, "github")
    assert code == 2 and "no Helm values file found" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope"], "unknown collector 'nope'; known collectors: "),  # what every command says, before the values
        (["asana"], "collector 'asana' has no entry in the Helm values (entries: github, wandb, skypilot); add one or pass --schedule"),
        (["github", "--all"], "give collector names or --all, not both"),
        ([], "name a collector, or --all"),
        (["github", "--schedule", "every hour"], "github: 'every hour' is not a valid cron schedule"),
        (["github", "--notify", "slack-x"], "a notification handle starts with @"),
    ],
)
def test_cli_errors_are_one_line(capsys, args, message):
    code, _, err = run_cli(capsys, *args, "--values", str(VALUES))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_printing_monitors_imports_no_datadog_client():
    code = (
        "import sys; from toolkit.cli import main; main(['monitors', 'github', '--values', sys.argv[1]]);"
        "print([m for m in ('datadog_api_client', 'textual', 'copier', 'boto3') if m in sys.modules], file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(VALUES)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"


def test_repository_values_give_monitors_for_every_enabled_collector(capsys):
    code, out, err = run_cli(capsys, "--all", "--values", str(ROOT / "charts" / "datadog-collectors" / "values.yaml"))
    assert code == 0, err
    assert len(json.loads(out)) % 3 == 0 and json.loads(out)


def test_a_weekly_schedule_gets_no_window_longer_than_datadogs_and_no_monitor_that_cannot_work(capsys):
    """Datadog's metric alerts look back one week at most (last_1w); a weekly collector's
    not-reporting monitor would need two weeks, and one week fires between on-time runs: it is
    named, not printed, and the command exits 1. The other two are capped at the week."""
    code, out, err = run_cli(capsys, "github", "--values", str(VALUES), "--schedule", "0 9 * * 1")
    kinds = {monitor_key(m["tags"])[1]: m for m in json.loads(out)}
    assert code == 1 and sorted(kinds) == ["duration", "errors"]
    assert all(m["query"].startswith(("avg(last_1w):", "max(last_1w):")) for m in kinds.values())
    assert "last_14d" not in out
    assert "github: the not-reporting monitor is not made: schedule '0 9 * * 1' leaves 7d between runs" in err


def test_the_error_monitor_of_a_small_collector_can_fire(capsys, monkeypatch):
    """error_count never exceeds the number of metrics: `> 3` could never fire for a collector of 3."""
    from toolkit.engine import registry

    monkeypatch.setattr(registry, "BUILTIN_PACKAGE", "fixtures")  # stoppable: 3 metrics
    code, out, err = run_cli(capsys, "stoppable", "--schedule", "*/15 * * * *")
    errors = by_kind_of(out)["errors"]
    assert code == 0, err
    assert errors["query"].endswith("> 2") and errors["options"]["thresholds"] == {"critical": 2}
    code, out, err = run_cli(capsys, "stoppable", "--schedule", "*/15 * * * *", "--max-errors", "3")
    assert code == 1 and "errors" not in by_kind_of(out)
    assert "stoppable: the errors monitor is not made: error_count > 3 can never fire: the collector has 3 metric(s)" in err
    code, out, err = run_cli(capsys, "stoppable", "--schedule", "*/15 * * * *", "--max-errors", "-1")
    assert code == 1 and "error_count > -1 always fires" in err


def by_kind_of(out: str) -> dict[str, dict]:
    return {monitor_key(m["tags"])[1]: m for m in json.loads(out)}
