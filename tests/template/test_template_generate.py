"""`dd-toolkit new` for every auth kind: the generated collector passes its own tests, runs
offline, passes doctor and docs --check, with zero edits."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest
from project_helpers import PYTHON, cli, env_for, make_project

from toolkit.cli import main

KINDS = {"pagerduty": "token", "acme_api": "api_key", "acme_oauth": "oauth", "acme_aws": "aws"}
REAL_URL = "https://api.acme-oauth.test/v2"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("gen") / "project")
    outputs = {}
    for name, kind in KINDS.items():
        args = ["new", name, "--root", str(root)] + ([] if name == "pagerduty" else ["--auth", kind, "--category", "jobs"])
        if name == "acme_oauth":
            args += ["--base-url", REAL_URL]  # not the template's example URL: deployable as generated
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            # pagerduty takes every default, as `dd-toolkit new pagerduty --defaults` does
            code = main(args + ["--defaults"])
        assert code == 0
        outputs[name] = out.getvalue()
    return root, outputs, None


def test_files_are_in_place(generated):
    root, _, _ = generated
    for name in KINDS:
        for rel in (f"collectors/{name}/__init__.py", f"collectors/{name}/collector.py", f"collectors/{name}/metrics.py",
                    f"collectors/{name}/README.md", f"collectors/{name}/.copier-answers.yml",
                    f"tests/collectors/test_{name}.py", f"tests/cassettes/{name}/{name}.yaml",
                    f"tests/cassettes/{name}/replay.json", f"tests/cassettes/{name}/README.md",
                    f"tests/cassettes/{name}/golden.json"):
            assert (root / rel).is_file(), rel
    assert not list(root.rglob(".dd-toolkit-helm-entry.yaml")), "the Helm fragment is merged, never kept"


def test_generated_tests_pass_with_zero_edits(generated):
    import subprocess

    root, _, _ = generated
    done = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/collectors"],
        cwd=root, env=env_for(root), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    passed = int(re.search(r"(\d+) passed", done.stdout).group(1))
    assert passed >= 7 * len(KINDS) and "failed" not in done.stdout


def test_generated_golden_test_names_the_changed_series(generated, tmp_path):
    """A changed cassette value fails the generated collector's golden test with a diff naming the series."""
    import shutil
    import subprocess

    root, _, _ = generated
    copy = tmp_path / "project"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", "__pycache__"))
    cassette = copy / "tests" / "cassettes" / "pagerduty" / "pagerduty.yaml"
    text = cassette.read_text()
    assert text.count('"duration_seconds": 180') == 2
    cassette.write_text(text.replace('"duration_seconds": 180', '"duration_seconds": 240'))
    done = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/collectors/test_pagerduty.py", "-k", "recorded_api"],
        cwd=copy, env=env_for(copy), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "~ series pagerduty.items.avg_duration_seconds: value 150.0 -> 180.0" in done.stdout, done.stdout


def test_run_offline_json(generated):
    root, _, _ = generated
    done = cli(root, "run", *KINDS, "--offline", "--json")
    assert done.returncode == 0, done.stderr
    results = {r["collector"]: r for r in json.loads(done.stdout)}
    for name in KINDS:
        category = "items" if name == "pagerduty" else "jobs"
        metrics = results[name]["metrics"]
        assert results[name]["errors"] == []
        assert metrics[f"{name}.{category}.total"] == 3.0
        assert metrics[f"{name}.{category}.created_7d"] == 2.0
        assert metrics[f"{name}.{category}.avg_duration_seconds"] == 150.0


@pytest.mark.parametrize("name", list(KINDS))
def test_doctor_all_ok(generated, name):
    root, _, _ = generated
    done = cli(root, "doctor", name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all ok" in done.stdout and "missing" not in done.stdout


def test_docs_check_passes(generated):
    root, _, _ = generated
    done = cli(root, "docs", "--all", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("up to date") == len(KINDS)


def test_helm_values_has_every_entry(generated):
    from toolkit.project import VALUES_PATH as VALUES_RELPATH
    from toolkit.project import read_entry

    root, _, _ = generated
    text = (root / VALUES_RELPATH).read_text()
    assert text.startswith("# Values of the datadog-collectors chart")
    for name in KINDS:
        entry = read_entry(root / VALUES_RELPATH, name)
        # a scaffold's metrics are the template's examples, whatever its base URL (acme_oauth has a
        # real one): enabled, its CronJob would fail every run, so none is deployed by accident
        assert entry["enabled"] is False and entry["schedule"] == "*/15 * * * *"
        assert entry["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    assert read_entry(root / VALUES_RELPATH, "acme_aws")["env"]["ACME_AWS_USE_IAM_ROLE"] == "false"
    assert read_entry(root / VALUES_RELPATH, "acme_api")["env"] == {}


def test_next_steps_tick_what_is_done(generated):
    _, outputs, _ = generated
    out = outputs["acme_oauth"]
    assert "[x] Collector class created" in out and "[x] Helm values updated" in out
    assert "[ ] Secrets added to AWS Secrets Manager" in out
    for secret in ("acme_oauth/client-id", "acme_oauth/client-secret", "acme_oauth/access-token"):
        assert secret in out
    assert "[ ] Datadog monitors created" in out and "dd-toolkit doctor acme_oauth" in out


def test_answers_record_the_template_commit(generated):
    from project_helpers import git

    from toolkit.project import read_answers

    root, _, _ = generated
    answers = read_answers(root / "collectors" / "acme_aws" / ".copier-answers.yml")
    assert answers["_commit"] == git(root, "log", "-1", "--format=%H", "--", "templates/collector").strip()
    assert answers["_src_path"] == "templates/collector"
    assert answers["auth"] == "aws" and answers["metric_category"] == "jobs" and answers["schedule"] == "*/15 * * * *"


def test_secrets_resolve_with_doctor_secrets(generated):
    root, _, _ = generated
    env = env_for(root)
    env["PAGERDUTY_TOKEN"] = "doctor-secret-value-123"
    done = cli(root, "doctor", "pagerduty", "--secrets", env=env)
    assert done.returncode == 0, done.stdout
    assert "ok       secret pagerduty/token" in done.stdout
    assert "doctor-secret-value-123" not in done.stdout + done.stderr


def test_unresolvable_secret_is_missing(generated):
    root, _, _ = generated
    done = cli(root, "doctor", "acme_api", "--secrets")
    assert done.returncode == 1
    assert re.search(r"missing\s+secret acme_api/api-key\s+.*ACME_API_API_KEY", done.stdout), done.stdout
