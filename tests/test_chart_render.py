"""The Helm chart, rendered by the real helm binary and checked against the Kubernetes API schema."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from realtools import ROOT, require_tool

from toolkit.model import defaults, schedule_gaps
from toolkit.project import (
    ACTIVE_DEADLINE_MARGIN,
    TERMINATION_GRACE,
    check_values,
    collector_values,
    load_values,
)

CHART = ROOT / "charts" / "datadog-collectors"
# Strict validation (unknown fields fail) against a current release (1.34, as EKS runs it) and the
# chart's kubeVersion floor (1.27, where CronJob.spec.timeZone became GA).
K8S_VERSIONS = ("1.34.0", "1.27.0")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# The collectors this project ships or is adding; the all-collectors render uses them all.
PROJECT_COLLECTORS = ("github", "skypilot", "wandb", "asana", "ec2")

pytestmark = pytest.mark.slow  # runs the helm binary


@pytest.fixture(scope="module")
def helm() -> str:
    return require_tool("helm")


def render(helm: str, tmp_path: Path, values: dict | None = None, *args: str, release: str = "dd") -> list[dict]:
    command = [helm, "template", release, str(CHART), "--namespace", "monitoring", *args]
    if values is not None:
        path = tmp_path / f"values-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump(values))
        command += ["-f", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def cronjobs(docs: list[dict]) -> dict[str, dict]:
    return {d["metadata"]["labels"]["collector"]: d for d in docs if d["kind"] == "CronJob"}


def pod_spec(cronjob: dict) -> dict:
    return cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def container(cronjob: dict) -> dict:
    (only,) = pod_spec(cronjob)["containers"]
    return only


def env_of(cronjob: dict) -> dict:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(cronjob)["env"]}


def helm_fails(helm: str, tmp_path: Path, values: dict) -> str:
    """helm template's error for ``values``, which must fail to render."""
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(values))
    done = subprocess.run([helm, "template", "dd", str(CHART), "-f", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0, done.stdout
    return done.stderr


def every_collector_enabled() -> dict:
    """values.yaml's entries plus the project's collectors, all enabled, each with its own env."""
    entries = dict(load_values(CHART / "values.yaml")["collectors"])
    for name in PROJECT_COLLECTORS:
        entries.setdefault(name, {"env": {f"{name.upper()}_SETTING": "x"}})
    return {"collectors": {name: {**(entry or {}), "enabled": True} for name, entry in entries.items()}}


def assert_valid(docs: list[dict]) -> None:
    import kubernetes_validate

    for doc in docs:
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                where = "/".join(map(str, exc.absolute_path))
                pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} invalid for Kubernetes {version} at {where}: {exc.message}")
        name = doc["metadata"]["name"]
        assert DNS_SUBDOMAIN.match(name), f"{name!r} is not a valid Kubernetes name"
        if doc["kind"] == "CronJob":
            assert len(name) <= 52, f"CronJob name {name!r} is over Kubernetes' 52 characters"
        for key, value in doc["metadata"].get("labels", {}).items():
            assert len(str(value)) <= 63, f"label {key}={value!r} is over 63 characters"


def test_lint_strict(helm):
    done = subprocess.run([helm, "lint", "--strict", str(CHART)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


def test_default_values_render_valid_manifests(helm, tmp_path):
    docs = render(helm, tmp_path)
    assert_valid(docs)
    enabled = {name for name, entry in load_values(CHART / "values.yaml")["collectors"].items() if entry.get("enabled")}
    assert set(cronjobs(docs)) == enabled
    assert [d["kind"] for d in docs].count("ServiceAccount") == 1


def test_every_collector_enabled_renders_valid_manifests(helm, tmp_path):
    values = every_collector_enabled()
    docs = render(helm, tmp_path, values)
    assert_valid(docs)
    jobs = cronjobs(docs)
    assert set(jobs) == set(values["collectors"])
    for name, job in jobs.items():
        assert container(job)["command"] == ["dd-toolkit", "run", name, "--push", "--timeout", "120", "--push-timeout", "60"]
        assert job["spec"]["schedule"] == values["collectors"][name].get("schedule", "*/15 * * * *")
        for key, value in (values["collectors"][name].get("env") or {}).items():
            assert env_of(job)[key] == str(value)


def test_cronjob_defaults_are_safe(helm, tmp_path):
    job = cronjobs(render(helm, tmp_path))["github"]
    spec, job_spec = job["spec"], job["spec"]["jobTemplate"]["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] == 300
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 3)
    assert job_spec["backoffLimit"] == 1
    assert job_spec["ttlSecondsAfterFinished"] == 86400
    assert job_spec["activeDeadlineSeconds"] == 120 + 60 + ACTIVE_DEADLINE_MARGIN
    grace = pod_spec(job)["terminationGracePeriodSeconds"]
    assert grace == TERMINATION_GRACE >= defaults.SIGNAL_EXIT  # the push after a SIGTERM is not cut short
    shortest, _ = schedule_gaps(spec["schedule"])
    # the run's own bound (both budgets and the slack) fits before the deadline, the kill before the next run
    assert 120 + 60 + defaults.EXIT_SLACK <= job_spec["activeDeadlineSeconds"] < job_spec["activeDeadlineSeconds"] + grace < shortest
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_pod_security_standards_restricted(helm, tmp_path):
    job = cronjobs(render(helm, tmp_path))["github"]
    pod, c = pod_spec(job), container(job)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the Dockerfile's USER
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert c["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert pod["automountServiceAccountToken"] is False
    assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"]
    assert not any(v.get("hostPath") for v in pod["volumes"])
    assert not pod.get("hostNetwork") and not pod.get("hostPID")


def test_dockerfile_user_matches_the_chart():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    values = load_values(CHART / "values.yaml")
    assert users[-1] == f"{values['podSecurityContext']['runAsUser']}:{values['podSecurityContext']['runAsGroup']}"


def test_secrets_and_settings_reach_the_container(helm, tmp_path):
    values = {
        "datadog": {"site": "datadoghq.eu", "env": "staging", "tags": ["team:infra", "cost:low"],
                    "apiKeySecret": {"name": "dd-keys", "key": "api"}},
        "aws": {"region": "eu-west-1"},
        "image": {"repository": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dd-toolkit", "tag": "1.2.3"},
    }
    job = cronjobs(render(helm, tmp_path, values))["github"]
    env = env_of(job)
    assert env["DD_API_KEY"] == {"secretKeyRef": {"name": "dd-keys", "key": "api"}}
    assert (env["DD_SITE"], env["DD_ENV"], env["DD_TAGS"], env["AWS_REGION"]) == ("datadoghq.eu", "staging", "team:infra,cost:low", "eu-west-1")
    assert container(job)["image"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dd-toolkit:1.2.3"
    # no secret value anywhere in the rendered pod: only a reference
    assert all("valueFrom" in e for e in container(job)["env"] if e["name"] == "DD_API_KEY")


def test_the_api_key_is_an_environment_variable_from_the_secret_by_default(helm, tmp_path):
    for values in (None, {"datadog": {"apiKeySecret": {"mountAsFile": False}}}):
        job = cronjobs(render(helm, tmp_path, values))["github"]
        env = env_of(job)
        assert env["DD_API_KEY"] == {"secretKeyRef": {"name": "datadog-api-key", "key": "api-key"}}
        assert "DD_API_KEY_FILE" not in env
        assert [m["name"] for m in container(job)["volumeMounts"]] == [v["name"] for v in pod_spec(job)["volumes"]] == ["tmp"]


def test_mount_as_file_gives_the_pod_the_key_as_a_read_only_file_not_an_environment_variable(helm, tmp_path):
    values = every_collector_enabled()
    values["datadog"] = {"apiKeySecret": {"name": "dd-keys", "key": "api", "mountAsFile": True}}
    docs = render(helm, tmp_path, values)
    assert_valid(docs)
    for name, job in cronjobs(docs).items():
        env = env_of(job)
        assert "DD_API_KEY" not in env, name  # `kubectl exec ... env` and /proc/<pid>/environ show nothing of it
        key_file = Path(env["DD_API_KEY_FILE"])
        (mount,) = [m for m in container(job)["volumeMounts"] if m["name"] != "tmp"]
        assert mount == {"name": "datadog-api-key", "mountPath": str(key_file.parent), "readOnly": True}
        (volume,) = [v for v in pod_spec(job)["volumes"] if v["name"] == mount["name"]]
        # only the one key of the Secret, at the path DD_API_KEY_FILE names
        assert volume["secret"] == {"secretName": "dd-keys", "items": [{"key": "api", "path": key_file.name}]}
        assert key_file.is_absolute() and key_file.parent != Path("/tmp")  # not in the writable emptyDir
        assert "secretKeyRef" not in str(container(job)["env"])


def test_the_notes_say_how_the_key_is_read(helm):
    for flags, says in (([], 'The pods read DD_API_KEY from the Secret "datadog-api-key" (key "api-key")'),
                        (["--set", "datadog.apiKeySecret.mountAsFile=true"],
                         'mounted read-only as the file DD_API_KEY_FILE=/var/run/secrets/datadog/api-key')):
        done = subprocess.run([helm, "install", "dd", str(CHART), "--dry-run=client", "--namespace", "monitoring", *flags],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        notes = done.stdout.split("NOTES:", 1)[1]
        assert says in notes and "\n\nThe pods read " in notes
        assert "kubectl get secret -n monitoring datadog-api-key" in notes

def test_digest_wins_over_tag(helm, tmp_path):
    digest = "sha256:" + "a" * 64
    job = cronjobs(render(helm, tmp_path, {"image": {"repository": "r/dd", "tag": "1.0", "digest": digest}}))["github"]
    assert container(job)["image"] == f"r/dd@{digest}"
    # every pod the chart renders runs the pinned image: the collectors', the drift checks', the metadata sync's
    docs = render(helm, tmp_path, {"image": {"repository": "123456789012.dkr.ecr.us-east-1.amazonaws.com/dd-toolkit",
                                             "tag": "1.0", "digest": digest},
                                   "defaults": {"driftCheck": {"enabled": True}}, "metadataSync": {"enabled": True},
                                   "datadog": {"appKeySecret": {"name": "datadog-app-key"}}})
    assert_valid(docs)
    images = [c["image"] for d in docs if d["kind"] in ("CronJob", "Job")
              for c in (d["spec"]["jobTemplate"]["spec"] if d["kind"] == "CronJob" else d["spec"])["template"]["spec"]["containers"]]
    assert len(images) == 3 and set(images) == {f"123456789012.dkr.ecr.us-east-1.amazonaws.com/dd-toolkit@{digest}"}


def test_explicit_zeros_render(helm, tmp_path):
    values = {
        "defaults": {"startingDeadlineSeconds": 0, "successfulJobsHistoryLimit": 0, "failedJobsHistoryLimit": 0,
                     "ttlSecondsAfterFinished": 0, "env": {"ZERO": 0, "OFF": False, "BIG": 1000000, "NO": "no"}},
        "collectors": {"github": {"enabled": True, "backoffLimit": 0, "suspend": False}},
    }
    job = cronjobs(render(helm, tmp_path, values))["github"]
    spec, job_spec = job["spec"], job["spec"]["jobTemplate"]["spec"]
    assert (spec["startingDeadlineSeconds"], spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (0, 0, 0)
    assert (job_spec["backoffLimit"], job_spec["ttlSecondsAfterFinished"]) == (0, 0)
    assert spec["suspend"] is False
    env = env_of(job)
    assert (env["ZERO"], env["OFF"], env["BIG"]) == ("0", "false", "1000000")  # not 1e+06
    assert env["NO"] == "no"  # names quoted: YAML 1.1 would read OFF and NO as booleans


def test_collector_overrides_defaults(helm, tmp_path):
    # "custom" is not in values.yaml: helm itself deep-merges user values into the chart's own
    # entries, so only a new entry shows the chart's merge of `defaults` alone.
    values = {
        "defaults": {"env": {"SHARED": "a", "OVERRIDDEN": "default"}, "args": ["--strict"]},
        "collectors": {"custom": {"enabled": True, "schedule": "0 * * * *", "timeout": 300, "activeDeadlineSeconds": 900,
                                  "env": {"OVERRIDDEN": "mine"}, "args": ["--verbose"], "timeZone": "Europe/Paris",
                                  "resources": {"requests": {"cpu": "50m"}}, "labels": {"team": "infra"},
                                  "nodeSelector": {"pool": "batch"}}},
        "nodeSelector": {"pool": "default"},
    }
    jobs = cronjobs(render(helm, tmp_path, values))
    job = jobs["custom"]
    assert job["spec"]["schedule"] == "0 * * * *" and job["spec"]["timeZone"] == "Europe/Paris"
    assert container(job)["command"] == [
        "dd-toolkit", "run", "custom", "--push", "--timeout", "300", "--push-timeout", "60", "--strict", "--verbose"
    ]
    assert job["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 900
    env = env_of(job)
    assert (env["SHARED"], env["OVERRIDDEN"]) == ("a", "mine")
    assert container(job)["resources"] == {"requests": {"cpu": "50m"}}  # replaces defaults.resources whole
    assert pod_spec(job)["nodeSelector"] == {"pool": "batch"}
    assert pod_spec(jobs["github"])["nodeSelector"] == {"pool": "default"}
    assert env_of(jobs["github"])["OVERRIDDEN"] == "default"
    assert job["metadata"]["labels"]["team"] == "infra"
    assert job["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]["team"] == "infra"


def test_disabled_collectors_render_nothing(helm, tmp_path):
    shipped = yaml.safe_load((CHART / "values.yaml").read_text())["collectors"]
    docs = render(helm, tmp_path, {"collectors": {name: {"enabled": False} for name in shipped}})
    assert cronjobs(docs) == {}


def test_service_account_for_irsa(helm, tmp_path):
    role = "arn:aws:iam::123456789012:role/datadog-collectors"
    docs = render(helm, tmp_path, {"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": role}}})
    (account,) = [d for d in docs if d["kind"] == "ServiceAccount"]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": role}
    assert pod_spec(cronjobs(docs)["github"])["serviceAccountName"] == account["metadata"]["name"]
    existing = render(helm, tmp_path, {"serviceAccount": {"create": False, "name": "collectors"}})
    assert not [d for d in existing if d["kind"] == "ServiceAccount"]
    assert pod_spec(cronjobs(existing)["github"])["serviceAccountName"] == "collectors"


def test_job_names_stay_within_limits_for_any_collector_name(helm, tmp_path):
    longest = "a" * 63  # the schema's maximum
    twin = "a" * 62 + "b"
    values = {"collectors": {longest: {"enabled": True}, twin: {"enabled": True}, "snake_case_name": {"enabled": True},
                             "yes": {"enabled": True}}}
    release = "a-release-name-that-is-long-enough-to-hit-the-limits"  # helm allows 53
    docs = render(helm, tmp_path, values, release=release)
    assert_valid(docs)
    names = {c: j["metadata"]["name"] for c, j in cronjobs(docs).items()}
    shipped = yaml.safe_load((CHART / "values.yaml").read_text())["collectors"]
    enabled = [name for name, entry in shipped.items() if entry.get("enabled")]
    assert len(set(names.values())) == len(names) == 4 + len(enabled)  # the hash keeps long names apart
    assert cronjobs(docs)["yes"]["metadata"]["labels"]["collector"] == "yes"  # a string, not YAML 1.1's true
    assert names["snake_case_name"].endswith("-snake-case-name") or len(names["snake_case_name"]) == 52
    short = cronjobs(render(helm, tmp_path, {"collectors": {"snake_case_name": {"enabled": True}}}, release="dd"))
    assert short["snake_case_name"]["metadata"]["name"] == "dd-datadog-collectors-snake-case-name"


def test_notes_tell_how_to_see_jobs_and_logs(helm):
    done = subprocess.run(
        [helm, "install", "dd", str(CHART), "--dry-run=client", "--namespace", "monitoring"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    notes = done.stdout.split("NOTES:", 1)[1]
    assert "kubectl get cronjobs,jobs -n monitoring -l app.kubernetes.io/instance=dd" in notes
    assert "kubectl logs -n monitoring -l app.kubernetes.io/instance=dd,collector=github" in notes
    assert "--from=cronjob/dd-datadog-collectors-github" in notes


def test_default_values_pass_the_toolkit_checks():
    assert check_values(load_values(CHART / "values.yaml")) == []


def test_unified_service_tagging_and_the_schedule_reach_the_pod(helm, tmp_path):
    values = {"datadog": {"site": "datadoghq.com", "env": "staging", "service": "platform-collectors", "version": "2.0.1",
                          "apiKeySecret": {"name": "dd-keys", "key": "api"}}}
    job = cronjobs(render(helm, tmp_path, values))["github"]
    env = env_of(job)
    assert (env["DD_SERVICE"], env["DD_VERSION"]) == ("platform-collectors", "2.0.1")
    assert env["DD_COLLECTOR_SCHEDULE"] == job["spec"]["schedule"]
    labels = job["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert {k: v for k, v in labels.items() if k.startswith("tags.datadoghq.com/")} == {
        "tags.datadoghq.com/env": "staging", "tags.datadoghq.com/service": "platform-collectors", "tags.datadoghq.com/version": "2.0.1",
    }


def test_deadlines_follow_both_budgets_as_the_toolkit_computes_them(helm, tmp_path):
    """The chart's derivation (templates/cronjob.yaml) and doctor's (project/values.py) agree for
    defaults, per-collector overrides and explicit values; --push-timeout and --workers reach the pod."""
    values = {
        "defaults": {"pushTimeout": 45},
        "collectors": {
            "github": {"enabled": True},  # defaults: 120 + 45 + 25
            "slow": {"enabled": True, "schedule": "0 * * * *", "timeout": 600, "pushTimeout": 120, "workers": 4},
            "pinned": {"enabled": True, "activeDeadlineSeconds": 400, "terminationGracePeriodSeconds": 30, "workers": 1},
        },
    }
    jobs = cronjobs(render(helm, tmp_path, values))
    merged = {**load_values(CHART / "values.yaml"), "defaults": {**load_values(CHART / "values.yaml")["defaults"], **values["defaults"]}}
    merged["collectors"] = values["collectors"]
    expected = collector_values(merged)
    for name, job in jobs.items():
        c = expected[name]
        assert job["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == c.active_deadline_seconds, name
        assert pod_spec(job)["terminationGracePeriodSeconds"] == c.termination_grace_seconds, name
        command = container(job)["command"]
        assert command[command.index("--push-timeout") + 1] == str(c.push_timeout)
        assert (command[command.index("--workers") + 1] if "--workers" in command else None) == (str(c.workers) if c.workers else None)
    assert [expected[n].active_deadline_seconds for n in ("github", "slow", "pinned")] == [190, 745, 400]
    assert [expected[n].termination_grace_seconds for n in ("github", "slow", "pinned")] == [25, 25, 30]
    assert check_values(merged) == []


def test_schema_rejects_bad_push_timeout_and_workers(helm, tmp_path):
    for entry, key in (({"pushTimeout": 0}, "pushTimeout"), ({"workers": 0}, "workers"), ({"pushTimeout": "60"}, "pushTimeout")):
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump({"collectors": {"github": {"enabled": True, **entry}}}))
        done = subprocess.run([helm, "template", "dd", str(CHART), "-f", str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and key in done.stderr, done.stderr


def test_retire_after_windows_reaches_the_run_from_defaults_or_the_collector(helm, tmp_path):
    """``retireAfterWindows`` (defaults or the entry) becomes DD_COLLECTOR_RETIRE_AFTER, which
    ``run`` uses as the zero-fill's retirement limit; unset, the env is absent (the engine's 4)."""
    values = {"defaults": {"retireAfterWindows": 6},
              "collectors": {"github": {"enabled": True, "retireAfterWindows": 2}, "asana": {"enabled": True}, "wandb": {"enabled": True}}}
    jobs = cronjobs(render(helm, tmp_path, values))
    assert env_of(jobs["github"])["DD_COLLECTOR_RETIRE_AFTER"] == "2"
    assert env_of(jobs["asana"])["DD_COLLECTOR_RETIRE_AFTER"] == "6"
    assert "DD_COLLECTOR_RETIRE_AFTER" not in env_of(cronjobs(render(helm, tmp_path, {"collectors": {"github": {"enabled": True}}}))["github"])
    assert "retireAfterWindows" in helm_fails(helm, tmp_path, {"collectors": {"github": {"enabled": True, "retireAfterWindows": 0}}})
