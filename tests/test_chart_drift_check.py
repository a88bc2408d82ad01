"""The chart's optional drift-check CronJob (`dd-toolkit record NAME --check`), rendered by the real
helm binary: nothing by default, one per enabled collector when on, the collector's own pod
otherwise (minus the Datadog key), valid against the Kubernetes API schema."""

from __future__ import annotations

import pytest
import yaml
from realtools import require_tool
from test_chart_render import (
    CHART,
    assert_valid,
    container,
    env_of,
    every_collector_enabled,
    helm_fails,
    pod_spec,
    render,
)

pytestmark = pytest.mark.slow  # runs the helm binary


@pytest.fixture(scope="module")
def helm() -> str:
    return require_tool("helm")


def by_component(docs: list[dict], component: str) -> dict[str, dict]:
    return {
        d["metadata"]["labels"]["collector"]: d
        for d in docs
        if d["kind"] == "CronJob" and d["metadata"]["labels"]["app.kubernetes.io/component"] == component
    }


def test_nothing_renders_by_default(helm, tmp_path):
    for values in (None, every_collector_enabled()):
        docs = render(helm, tmp_path, values)
        assert by_component(docs, "drift-check") == {}
        assert by_component(docs, "collector")  # the collectors' own CronJobs still render
    shipped = yaml.safe_load((CHART / "values.yaml").read_text())["defaults"]["driftCheck"]
    assert shipped == {"enabled": False, "schedule": "0 6 * * *"}


def test_defaults_turn_it_on_for_every_enabled_collector(helm, tmp_path):
    values = every_collector_enabled()
    values["defaults"] = {"driftCheck": {"enabled": True}}
    values["collectors"]["asana"]["enabled"] = False  # a disabled collector gets no drift check either
    docs = render(helm, tmp_path, values, release="a-rather-long-release-name-for-the-team")
    assert_valid(docs)  # Kubernetes 1.34 and 1.27, names of at most 52 characters
    checks, runs = by_component(docs, "drift-check"), by_component(docs, "collector")
    assert set(checks) == set(runs) == set(values["collectors"]) - {"asana"}
    names = [d["metadata"]["name"] for d in docs if d["kind"] == "CronJob"]
    assert len(names) == len(set(names))
    for name, job in checks.items():
        assert container(job)["command"] == ["dd-toolkit", "record", name, "--check", "--timeout", "120"]
        assert job["spec"]["schedule"] == "0 6 * * *"
        assert job["spec"]["concurrencyPolicy"] == "Forbid"
        assert job["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 0  # one failed Job, one alert
        assert "DD_API_KEY" not in env_of(job)  # it pushes nothing


def test_a_collector_turns_it_on_or_off_and_sets_its_schedule(helm, tmp_path):
    values = {
        "defaults": {"driftCheck": {"enabled": True}},
        "collectors": {
            "github": {"enabled": True, "driftCheck": {"enabled": False}},  # an explicit false wins over the default
            "custom": {"enabled": True, "driftCheck": {"schedule": "30 5 * * 1"}, "timeout": 300,
                       "env": {"CUSTOM_SETTING": "x"}},
        },
    }
    checks = by_component(render(helm, tmp_path, values), "drift-check")
    assert set(checks) == {"custom"}
    assert checks["custom"]["spec"]["schedule"] == "30 5 * * 1"
    assert container(checks["custom"])["command"][-1] == "300"
    assert checks["custom"]["metadata"]["name"] == "dd-datadog-collectors-custom-drift"
    only = by_component(render(helm, tmp_path, {"collectors": {"github": {"enabled": True, "driftCheck": {"enabled": True}}}}), "drift-check")
    assert set(only) == {"github"} and only["github"]["spec"]["schedule"] == "0 6 * * *"


def test_the_drift_pod_is_the_collectors_pod_but_for_the_command_and_the_datadog_settings(helm, tmp_path):
    """The two templates are kept in step: any setting of the collector's pod reaches the check's."""
    values = {
        "collectors": {"github": {"enabled": True, "driftCheck": {"enabled": True}, "labels": {"team": "infra"},
                                  "nodeSelector": {"pool": "batch"}, "tolerations": [{"key": "batch", "operator": "Exists"}],
                                  "resources": {"requests": {"cpu": "50m"}}, "env": {"EXTRA": "1"}}},
        "defaults": {"timeZone": "Europe/Paris", "env": {"SHARED": "a"}},
        "podAnnotations": {"note": "x"}, "imagePullSecrets": [{"name": "registry"}],
        "datadog": {"env": "staging", "tags": ["team:infra"]},
    }
    docs = render(helm, tmp_path, values)
    run, check = by_component(docs, "collector")["github"], by_component(docs, "drift-check")["github"]
    assert env_of(check) == {k: v for k, v in env_of(run).items() if not k.startswith("DD_")}
    run_pod, check_pod = pod_spec(run), pod_spec(check)
    run_container, check_container = run_pod.pop("containers")[0], check_pod.pop("containers")[0]
    run_pod.pop("terminationGracePeriodSeconds")  # the grace for pushing after SIGTERM: the check pushes nothing
    assert check_pod == run_pod
    for c in (run_container, check_container):
        c.pop("command")
        c["env"] = [e for e in c["env"] if not e["name"].startswith("DD_")]
    assert check_container == run_container
    assert check["spec"]["timeZone"] == run["spec"]["timeZone"] == "Europe/Paris"
    assert check["metadata"]["labels"]["team"] == "infra"
    run_meta, check_meta = run["spec"]["jobTemplate"]["spec"]["template"]["metadata"], check["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
    assert check_meta["annotations"] == run_meta["annotations"] == {"note": "x"}
    # unified service tagging labels go with the Datadog settings: the drift check pushes nothing
    run_labels = {k: v for k, v in run_meta["labels"].items() if not k.startswith("tags.datadoghq.com/")}
    assert check_meta["labels"] == {**run_labels, "app.kubernetes.io/component": "drift-check"}


def test_the_drift_pod_gets_no_key_file_either(helm, tmp_path):
    """With mountAsFile the collector's pod mounts the Datadog key; the check pushes nothing, so its pod does not."""
    values = {"collectors": {"github": {"enabled": True, "driftCheck": {"enabled": True}}},
              "datadog": {"apiKeySecret": {"mountAsFile": True}}}
    docs = render(helm, tmp_path, values)
    assert_valid(docs)
    run, check = by_component(docs, "collector")["github"], by_component(docs, "drift-check")["github"]
    assert "DD_API_KEY_FILE" in env_of(run)
    assert not [k for k in env_of(check) if k.startswith("DD_")]
    assert [v["name"] for v in pod_spec(check)["volumes"]] == ["tmp"]
    assert [m["name"] for m in container(check)["volumeMounts"]] == ["tmp"]
    assert [v for v in pod_spec(run)["volumes"] if v["name"] != "datadog-api-key"] == pod_spec(check)["volumes"]

def test_a_name_that_would_collide_fails_with_the_fix(helm, tmp_path):
    err = helm_fails(helm, tmp_path, {"collectors": {"github": {"enabled": True, "driftCheck": {"enabled": True}},
                                                     "github_drift": {"enabled": True}}})
    assert "collectors.github.driftCheck" in err and "github_drift" in err


@pytest.mark.parametrize(("drift", "where"), [
    ({"enabled": True, "every": "day"}, "every"),
    ({"enabled": "yes"}, "enabled"),
    ({"enabled": True, "schedule": "daily at six"}, "schedule"),
])
def test_the_schema_refuses_bad_drift_check_values(helm, tmp_path, drift, where):
    err = helm_fails(helm, tmp_path, {"collectors": {"github": {"enabled": True, "driftCheck": drift}}})
    assert "driftCheck" in err and where in err
