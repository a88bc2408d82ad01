"""The chart's optional metric metadata sync: a Helm hook Job running `dd-toolkit metadata <the
enabled collectors> --apply` after every install and upgrade, rendered by the real helm binary:
nothing by default or without an enabled collector, the hook annotations, both Datadog keys from
their Secrets, the collectors' pod otherwise, and a clear error without the application key."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from realtools import require_tool
from test_chart_render import CHART, assert_valid, cronjobs, every_collector_enabled, helm_fails, render
from test_chart_render import container as cronjob_container
from test_chart_render import env_of as cronjob_env
from test_chart_render import pod_spec as cronjob_pod

from toolkit.project import Values, load_values

pytestmark = pytest.mark.slow  # runs the helm binary

APP_KEY = {"datadog": {"appKeySecret": {"name": "dd-app", "key": "app"}}}


@pytest.fixture(scope="module")
def helm() -> str:
    return require_tool("helm")


def sync_values(values: dict | None = None) -> dict:
    """``values`` with the sync on and an application key Secret."""
    values = dict(values or {})
    values["metadataSync"] = {**values.get("metadataSync", {}), "enabled": True}
    values["datadog"] = {**APP_KEY["datadog"], **values.get("datadog", {})}
    return values


def jobs(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["kind"] == "Job"]


def the_job(docs: list[dict]) -> dict:
    (job,) = jobs(docs)
    return job


def pod(job: dict) -> dict:
    return job["spec"]["template"]["spec"]


def container(job: dict) -> dict:
    (only,) = pod(job)["containers"]
    return only


def env_of(job: dict) -> dict:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(job)["env"]}


def test_nothing_renders_by_default(helm, tmp_path):
    for values in (None, every_collector_enabled()):
        docs = render(helm, tmp_path, values)
        assert jobs(docs) == []
        assert cronjobs(docs)  # the collectors' own CronJobs still render
    shipped = yaml.safe_load((CHART / "values.yaml").read_text())
    assert shipped["metadataSync"]["enabled"] is False
    assert shipped["datadog"]["appKeySecret"]["name"] == ""


def test_no_job_without_an_enabled_collector(helm, tmp_path):
    """Nothing to sync, so no Job, and no application key needed either."""
    shipped = yaml.safe_load((CHART / "values.yaml").read_text())["collectors"]
    values = {"metadataSync": {"enabled": True}, "collectors": {name: {"enabled": False} for name in shipped}}
    assert jobs(render(helm, tmp_path, values)) == []
    assert jobs(render(helm, tmp_path, sync_values({"collectors": values["collectors"]}))) == []


def test_the_hook_job_syncs_exactly_the_enabled_collectors(helm, tmp_path):
    values = sync_values(every_collector_enabled())
    values["collectors"]["asana"]["enabled"] = False  # a disabled collector is not synced
    docs = render(helm, tmp_path, values, release="a-rather-long-release-name-for-the-team")
    assert_valid(docs)  # Kubernetes 1.34 and 1.27
    job = the_job(docs)
    enabled = sorted(set(values["collectors"]) - {"asana"})
    assert sorted(cronjobs(docs)) == enabled
    assert container(job)["command"] == ["dd-toolkit", "metadata", *enabled, "--apply"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install,post-upgrade"
    # a failed Job is kept for `kubectl logs`: only success deletes it before the next deploy
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "metadata-sync"
    assert len(job["metadata"]["name"]) <= 63
    spec = job["spec"]
    assert spec["backoffLimit"] <= 1 and spec["activeDeadlineSeconds"] == 240
    assert "ttlSecondsAfterFinished" not in spec  # that would delete the failed Job and its log
    assert pod(job)["restartPolicy"] == "Never"


def test_both_keys_come_from_their_secrets(helm, tmp_path):
    values = sync_values({"datadog": {"site": "datadoghq.eu", "apiKeySecret": {"name": "dd-keys", "key": "api"}}})
    docs = render(helm, tmp_path, values)
    env, run_env = env_of(the_job(docs)), cronjob_env(cronjobs(docs)["github"])
    assert env["DD_APP_KEY"] == {"secretKeyRef": {"name": "dd-app", "key": "app"}}
    assert env["DD_API_KEY"] == run_env["DD_API_KEY"] == {"secretKeyRef": {"name": "dd-keys", "key": "api"}}
    assert env["DD_SITE"] == run_env["DD_SITE"] == "datadoghq.eu"
    assert "DD_API_KEY_FILE" not in env and "DD_APP_KEY_FILE" not in env
    # no key value anywhere in the rendered pod: only references
    assert all("valueFrom" in e for e in container(the_job(docs))["env"] if e["name"].endswith("_KEY"))


def test_mount_as_file_gives_the_job_both_key_files_and_no_key_in_its_environment(helm, tmp_path):
    values = sync_values({"datadog": {"apiKeySecret": {"name": "dd-keys", "key": "api", "mountAsFile": True}}})
    docs = render(helm, tmp_path, values)
    assert_valid(docs)
    job, run = the_job(docs), cronjobs(docs)["github"]
    env = env_of(job)
    assert "DD_API_KEY" not in env and "DD_APP_KEY" not in env
    assert env["DD_API_KEY_FILE"] == cronjob_env(run)["DD_API_KEY_FILE"]
    assert env["DD_APP_KEY_FILE"] == "/var/run/secrets/datadog-app/app-key"
    # the API key's mount and volume are the CronJobs'; the application key's come beside them
    mounts = {m["name"]: m for m in container(job)["volumeMounts"]}
    assert [m for m in container(job)["volumeMounts"] if m["name"] != "datadog-app-key"] == cronjob_container(run)["volumeMounts"]
    assert mounts["datadog-app-key"] == {"name": "datadog-app-key", "mountPath": "/var/run/secrets/datadog-app", "readOnly": True}
    volumes = {v["name"]: v for v in pod(job)["volumes"]}
    assert [v for v in pod(job)["volumes"] if v["name"] != "datadog-app-key"] == cronjob_pod(run)["volumes"]
    assert volumes["datadog-app-key"]["secret"] == {"secretName": "dd-app", "items": [{"key": "app", "path": "app-key"}]}


def test_mount_as_file_leaves_no_datadog_key_in_any_jobs_environment(helm, tmp_path):
    """Every Job the chart renders (the CronJobs' job templates, the drift check, the sync hook)."""
    values = sync_values({**every_collector_enabled(), "datadog": {"apiKeySecret": {"mountAsFile": True}},
                          "defaults": {"driftCheck": {"enabled": True}}})
    docs = render(helm, tmp_path, values)
    pods = [d["spec"]["template"]["spec"] for d in docs if d["kind"] == "Job"]
    pods += [d["spec"]["jobTemplate"]["spec"]["template"]["spec"] for d in docs if d["kind"] == "CronJob"]
    assert len(jobs(docs)) == 1 and len(pods) > 2
    names = {e["name"] for p in pods for c in p["containers"] for e in c.get("env", [])}
    assert {"DD_API_KEY", "DD_APP_KEY"}.isdisjoint(names), names
    assert {"DD_API_KEY_FILE", "DD_APP_KEY_FILE"} <= names


def test_the_sync_pod_is_the_collectors_pod_without_a_collectors_own_env(helm, tmp_path):
    """Same image, service account, security, placement and chart-wide env as the CronJobs: the
    command loads the collectors but calls none of their APIs, so no collector's env."""
    values = sync_values({
        "image": {"repository": "registry.example/dd-toolkit", "tag": "1.2.3"},
        "imagePullSecrets": [{"name": "registry"}],
        "serviceAccount": {"name": "collectors"},
        "aws": {"region": "eu-west-1"},
        "nodeSelector": {"pool": "batch"}, "tolerations": [{"key": "batch", "operator": "Exists"}],
        "podLabels": {"team": "infra"}, "podAnnotations": {"note": "x"},
        "defaults": {"env": {"DD_URL": "https://proxy.example", "BIG": 1000000}},
        "collectors": {"github": {"enabled": True, "env": {"GITHUB_REPOSITORIES": "a/b"}}},
        "metadataSync": {"resources": {"requests": {"cpu": "10m"}}},
    })
    docs = render(helm, tmp_path, values)
    job, run = the_job(docs), cronjobs(docs)["github"]
    sync_pod, run_pod = pod(job), cronjob_pod(run)
    for key in ("serviceAccountName", "automountServiceAccountToken", "imagePullSecrets", "securityContext",
                "nodeSelector", "tolerations"):
        assert sync_pod[key] == run_pod[key], key
    c, run_c = container(job), cronjob_container(run)
    assert (c["image"], c["imagePullPolicy"], c["securityContext"]) == (run_c["image"], run_c["imagePullPolicy"], run_c["securityContext"])
    assert c["image"] == "registry.example/dd-toolkit:1.2.3" and sync_pod["serviceAccountName"] == "collectors"
    # helm merges a values file into the chart's own metadataSync.resources key by key
    assert c["resources"] == {"requests": {"cpu": "10m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    env, run_env = env_of(job), cronjob_env(run)
    for name in ("AWS_REGION", "HOME", "DD_URL", "BIG"):
        assert env[name] == run_env[name], name
    assert env["AWS_REGION"] == "eu-west-1" and env["DD_URL"] == "https://proxy.example" and env["BIG"] == "1000000"
    assert "GITHUB_REPOSITORIES" not in env and "GITHUB_REPOSITORIES" in run_env
    meta = job["spec"]["template"]["metadata"]
    assert meta["labels"]["team"] == "infra" and meta["annotations"] == {"note": "x"}


def test_without_an_app_key_secret_it_fails_naming_the_value(helm, tmp_path):
    err = helm_fails(helm, tmp_path, {"metadataSync": {"enabled": True}})
    assert "datadog.appKeySecret.name is required with metadataSync.enabled" in err, err
    assert err.count("appKeySecret") == 1  # one message, not a schema error on top


def merged(chart: dict, overrides: dict) -> dict:
    """``overrides`` deep-merged into ``chart``, as helm merges a values file into the chart's."""
    out = dict(chart)
    for key, value in overrides.items():
        out[key] = merged(chart.get(key) or {}, value) if isinstance(value, dict) and isinstance(chart.get(key), dict) else value
    return out


@pytest.mark.parametrize("overrides", [
    {},
    {"metadataSync": {"enabled": True}},
    sync_values(),
    sync_values({"collectors": {"github": {"enabled": False}}}),
    {"metadataSync": {"enabled": True}, "collectors": {"github": {"enabled": False}}},
])
def test_the_toolkit_reads_the_values_as_the_chart_does(helm, tmp_path, overrides):
    """doctor's rule (toolkit.project.Values) and the chart agree on whether the Job renders or fails."""
    values = Values(merged(load_values(CHART / "values.yaml"), overrides))
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(overrides))
    done = subprocess.run([helm, "template", "dd", str(CHART), "-f", str(path)], capture_output=True, text=True, timeout=60)
    if values.metadata_sync_problems():
        assert done.returncode != 0 and "datadog.appKeySecret.name" in done.stderr, done.stderr
    else:
        assert done.returncode == 0, done.stderr
        rendered = [d for d in yaml.safe_load_all(done.stdout) if d and d["kind"] == "Job"]
        assert len(rendered) == values.metadata_sync


@pytest.mark.parametrize(("values", "where"), [
    ({"metadataSync": {"enabled": True, "schedule": "0 6 * * *"}}, "additional properties 'schedule' not allowed"),
    ({"metadataSync": {"enabled": "yes"}}, "/metadataSync/enabled"),
    ({"metadataSync": {"activeDeadlineSeconds": 0}}, "/metadataSync/activeDeadlineSeconds"),
    ({"datadog": {"appKeySecret": {"name": "Not_A_Secret_Name"}}}, "/datadog/appKeySecret/name"),
    ({"datadog": {"appKeySecret": {"value": "abc"}}}, "additional properties 'value' not allowed"),
])
def test_the_schema_refuses_bad_metadata_sync_values(helm, tmp_path, values, where):
    err = helm_fails(helm, tmp_path, values)
    assert "values don't meet the specifications of the schema" in err and where in err, err


def test_the_notes_name_the_job_only_when_it_runs(helm):
    def notes(*flags: str) -> str:
        done = subprocess.run([helm, "install", "dd", str(CHART), "--dry-run=client", "--namespace", "monitoring", *flags],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.split("NOTES:", 1)[1]

    assert "metadata" not in notes().lower()
    on = notes("--set", "metadataSync.enabled=true", "--set", "datadog.appKeySecret.name=dd-app")
    assert "`dd-toolkit metadata github --apply`" in on
    assert "kubectl logs -n monitoring job/dd-datadog-collectors-metadata-sync" in on


def test_lint_strict_with_the_sync_on(helm):
    done = subprocess.run([helm, "lint", "--strict", str(CHART), "--set", "metadataSync.enabled=true",
                           "--set", "datadog.appKeySecret.name=dd-app"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
