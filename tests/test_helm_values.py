"""toolkit.project.Values: the values/collectors sync check, schedules, deadlines, read with the chart's rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from realtools import ROOT

from toolkit.errors import ValuesError
from toolkit.model import schedule_gaps
from toolkit.project import (
    Project,
    Values,
    check_metadata_sync,
    check_sync,
    check_values,
    collector_values,
    load_values,
)
from toolkit.project.values import collector_packages

VALUES_FILE = ROOT / "charts" / "datadog-collectors" / "values.yaml"
def make_collectors(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "collectors"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for name in names:
        (root / name).mkdir()
        (root / name / "__init__.py").write_text('"""A collector."""\n')
    (root / "_private").mkdir()
    (root / "_private" / "__init__.py").write_text("")
    (root / "not_a_package").mkdir()  # no __init__.py
    return root


def test_collector_packages(tmp_path):
    assert collector_packages(make_collectors(tmp_path, "github", "ec2")) == {"github", "ec2"}
    assert collector_packages(tmp_path / "missing") == set()


def test_sync_both_ways(tmp_path):
    packages = collector_packages(make_collectors(tmp_path, "github", "wandb"))
    values = {"collectors": {"github": {"enabled": True}, "asana": {"enabled": False}}}
    report = check_sync(packages, values)
    assert (report.missing_entries, report.missing_packages) == (("wandb",), ("asana",))
    assert not report.ok
    assert report.problems() == [
        "collector 'wandb' has no entry collectors.wandb in the Helm values; add one (see `dd-toolkit manual deploying`)",
        "the Helm values have an entry collectors.asana but there is no collector 'asana'; remove the entry or add collectors/asana/",
    ]
    assert check_sync({"github"}, {"collectors": {"github": {"enabled": True}}}).ok
    assert check_sync(set(), {}).ok


def test_repository_collectors_and_values_are_in_sync():
    report = check_sync(collector_packages(ROOT / "collectors"), load_values(VALUES_FILE))
    assert report.ok, report.problems()


def test_collector_values_merge_defaults_like_the_chart():
    values = {
        "defaults": {"schedule": "*/15 * * * *", "timeout": 120, "activeDeadlineSeconds": None, "env": {"A": "1"}},
        "collectors": {
            "github": {"enabled": True, "env": {"B": "2"}},
            "ec2": {"enabled": False, "schedule": "0 * * * *", "timeout": 600, "activeDeadlineSeconds": 900, "env": {"A": "x"}},
        },
    }
    got = collector_values(values)
    # null deadline: timeout 120 + pushTimeout 60 (the chart's default) + 15 s grace + 10 s slack
    assert (got["github"].schedule, got["github"].timeout, got["github"].active_deadline_seconds) == ("*/15 * * * *", 120, 205)
    assert (got["github"].push_timeout, got["github"].termination_grace_seconds, got["github"].workers) == (60, 25, None)
    assert dict(got["github"].env) == {"A": "1", "B": "2"}
    assert (got["ec2"].enabled, got["ec2"].schedule, got["ec2"].active_deadline_seconds) == (False, "0 * * * *", 900)
    assert dict(got["ec2"].env) == {"A": "x"}


@pytest.mark.parametrize(
    "schedule, gaps",
    [
        ("*/15 * * * *", (900, 900)),
        ("0 * * * *", (3600, 3600)),
        ("0 9 * * 1-5", (86400, 3 * 86400)),  # weekdays: Friday to Monday is three days
        ("15,45 * * * *", (1800, 1800)),
        ("0 0,6 * * *", (6 * 3600, 18 * 3600)),
        ("@daily", (86400, 86400)),
    ],
)
def test_schedule_gaps(schedule, gaps):
    assert schedule_gaps(schedule) == gaps


def test_schedule_gaps_rejects_bad_cron():
    with pytest.raises(ValuesError, match="not a valid cron schedule"):
        schedule_gaps("every hour")


def test_check_values_reports_deadlines_that_do_not_fit():
    values = {
        "defaults": {"schedule": "*/5 * * * *", "timeout": 120},
        "collectors": {
            "fits": {"enabled": True},
            "too_long": {"enabled": True, "timeout": 200},  # 200 + 60 + 25 = 285, + 25 s grace >= 300 s interval
            "too_short": {"enabled": True, "activeDeadlineSeconds": 185},  # the run may take 120 + 60 + 10
            "short_push": {"enabled": True, "pushTimeout": 20, "activeDeadlineSeconds": 150},  # 120 + 20 + 10 fits
            "quick_kill": {"enabled": True, "terminationGracePeriodSeconds": 5},
            "bad_cron": {"enabled": True, "schedule": "61 * * * *"},
            "off": {"enabled": False, "timeout": 10_000},
        },
    }
    assert check_values(values) == [
        "collectors.too_long: activeDeadlineSeconds + terminationGracePeriodSeconds (285 + 25 = 310) must be below the "
        "schedule's interval (300s for '*/5 * * * *')",
        "collectors.too_short: activeDeadlineSeconds (185) must be at least timeout + pushTimeout + 10 (120 + 60 + 10 = 190), "
        "or the pod is killed mid-push; raise it or leave it null",
        "collectors.quick_kill: terminationGracePeriodSeconds (5) must be at least 20: after a SIGTERM the run pushes for "
        "up to 15s and exits within 20s",
        "collectors.bad_cron.schedule: '61 * * * *' is not a valid cron schedule",
    ]


def test_the_project_finds_its_values_file(tmp_path, monkeypatch):
    root = tmp_path / "project"
    nested = root / "a" / "b"
    nested.mkdir(parents=True)
    (root / "collectors").mkdir()
    (root / "collectors" / "__init__.py").write_text("")
    chart = root / "charts" / "datadog-collectors"
    chart.mkdir(parents=True)
    (chart / "values.yaml").write_text("collectors: {}\n")
    project = Project.find(nested)
    assert project.root == root.resolve() and project.values_path == chart.resolve() / "values.yaml"
    monkeypatch.setenv("DD_TOOLKIT_VALUES", str(tmp_path / "elsewhere.yaml"))
    assert Project.find(nested).values_path == tmp_path / "elsewhere.yaml"


def test_schedules_follow_the_charts_rules():
    """Only enabled collectors are scheduled (a missing `enabled` is off, as in the chart), and
    `defaults.schedule` applies to an entry without its own."""
    values = Values({
        "defaults": {"schedule": "0 * * * *"},
        "collectors": {"a": {"enabled": True}, "b": {"enabled": True, "schedule": "*/5 * * * *"}, "c": {}, "d": {"enabled": False}},
    })
    assert values.schedules() == {"a": "0 * * * *", "b": "*/5 * * * *"}
    assert values.enabled == ["a", "b"]


def test_load_values_errors(tmp_path):
    with pytest.raises(ValuesError, match="cannot read"):
        load_values(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("collectors: [\n")
    with pytest.raises(ValuesError, match="not valid YAML"):
        load_values(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ValuesError, match="does not hold a mapping"):
        load_values(bad)


def test_values_problems_for_doctor(tmp_path):
    path = tmp_path / "values.yaml"
    path.write_text(
        "defaults: {schedule: '*/15 * * * *', timeout: 120}\n"
        "collectors:\n  github: {enabled: true}\n  ec2: {enabled: true, schedule: '*/2 * * * *'}\n"
    )
    values = Values.load(path)
    assert values.sync({"github", "wandb"}).problems() + values.problems() == [
        "collector 'wandb' has no entry collectors.wandb in the Helm values; add one (see `dd-toolkit manual deploying`)",
        "the Helm values have an entry collectors.ec2 but there is no collector 'ec2'; remove the entry or add collectors/ec2/",
        "collectors.ec2: activeDeadlineSeconds + terminationGracePeriodSeconds (205 + 25 = 230) must be below the "
        "schedule's interval (120s for '*/2 * * * *')",
    ]
    assert values.problems(only="github") == []
    with pytest.raises(ValuesError, match="cannot read"):
        Values.load(tmp_path / "missing.yaml")


def test_fallback_defaults_match_the_chart():
    from toolkit.model import defaults as run_defaults
    from toolkit.project import CHART_DEFAULT_PUSH_TIMEOUT, CHART_DEFAULT_TIMEOUT

    defaults = load_values(VALUES_FILE)["defaults"]
    assert defaults["timeout"] == CHART_DEFAULT_TIMEOUT == run_defaults.RUN_TIMEOUT
    assert defaults["pushTimeout"] == CHART_DEFAULT_PUSH_TIMEOUT == run_defaults.PUSH_TIMEOUT
    bare = collector_values({"collectors": {"x": {"enabled": True}}})["x"]
    assert (bare.timeout, bare.schedule) == (CHART_DEFAULT_TIMEOUT, defaults["schedule"])


def test_an_entry_for_a_built_in_is_not_a_missing_package():
    values = {"collectors": {"github": {"enabled": True}, "acme": {}, "nosuch": {}}}
    report = check_sync({"acme"}, values, available={"github", "acme"})
    assert report.missing_entries == () and report.missing_packages == ("nosuch",)


def test_the_metadata_sync_needs_an_app_key_secret_only_when_it_runs():
    shipped = load_values(VALUES_FILE)
    assert Values(shipped).metadata_sync is False and check_metadata_sync(shipped) == []  # off as shipped
    on = {**shipped, "metadataSync": {**shipped["metadataSync"], "enabled": True}}
    values = Values(on)
    assert values.metadata_sync is True
    (problem,) = values.metadata_sync_problems()
    assert problem.startswith("metadataSync.enabled needs datadog.appKeySecret.name") and "DD_APP_KEY" in problem
    named = {**on, "datadog": {**on["datadog"], "appKeySecret": {"name": "dd-app", "key": "app-key"}}}
    assert Values(named).metadata_sync_problems() == []
    # no enabled collector: the chart renders no Job, so nothing is needed
    idle = {**on, "collectors": {name: {**entry, "enabled": False} for name, entry in on["collectors"].items()}}
    assert Values(idle).metadata_sync is False and check_metadata_sync(idle) == []
    assert check_metadata_sync({"metadataSync": {"enabled": True}, "collectors": {"x": {"enabled": True}}, "datadog": None})
