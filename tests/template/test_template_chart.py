"""`dd-toolkit new` against the real chart: the names, URLs and values it writes are ones the
chart's values.schema.json and the real `helm template` accept, and it refuses the rest."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from project_helpers import REPO, cli, copy_shipped_chart, make_project, snapshot
from realtools import require_tool

from toolkit.cli import main
from toolkit.project import CHART_PATH, VALUES_PATH
from toolkit.project import scaffold as _scaffold

SCHEMA = json.loads((REPO / CHART_PATH / "values.schema.json").read_text())
COPIER = yaml.safe_load((REPO / "templates" / "collector" / "copier.yml").read_text())


def new(root, *args):
    return main(["new", *args, "--root", str(root), "--defaults"])


@pytest.fixture
def charted(tmp_path):
    """A project with the repository's real chart (values.yaml, values.schema.json, templates)."""
    root = make_project(tmp_path / "project", with_git=False)
    copy_shipped_chart(root / CHART_PATH)
    return root


def helm_template(root, *sets: str) -> subprocess.CompletedProcess:
    flags = [arg for value in sets for arg in ("--set", value)]
    return subprocess.run([require_tool("helm"), "template", "dd", str(root / CHART_PATH), *flags],
                          capture_output=True, text=True, timeout=60)


def test_the_name_rule_is_the_charts():
    rule = SCHEMA["$defs"]["collectorName"]
    assert (_scaffold.NAME_PATTERN, _scaffold.NAME_MAX_LENGTH) == (rule["pattern"], rule["maxLength"])
    validator = COPIER["collector_name"]["validator"]
    assert f"regex_search('{rule['pattern']}')" in validator and f"length > {rule['maxLength']}" in validator


def test_the_url_rule_is_the_templates():
    assert f"regex_search('{_scaffold.URL_RE.pattern}')" in COPIER["base_url"]["validator"]


@pytest.mark.parametrize(
    "data",
    [
        {"collector_name": "foo_"},
        {"collector_name": "a__b"},
        {"collector_name": "a" * 64},
        {"collector_name": "pagerduty", "base_url": 'https://api.example.com/"x'},
        {"collector_name": "pagerduty", "base_url": "https://api.example.com/'x"},
        {"collector_name": "pagerduty", "base_url": "https://api.example.com/\\x"},
    ],
)
def test_the_templates_own_validators_refuse(tmp_path, data):
    """`copier copy templates/collector` without dd-toolkit refuses what the chart would."""
    import copier

    with pytest.raises((ValueError, copier.errors.CopierError)):
        copier.run_copy(str(REPO / "templates" / "collector"), str(tmp_path / "out"), data=data,
                        defaults=True, quiet=True, unsafe=False)
    assert not (tmp_path / "out" / "collectors").exists()


def test_the_longest_name_is_accepted():
    _scaffold.check_name("a" * 63)


@pytest.mark.slow
def test_a_generated_collector_renders_with_the_real_chart(charted):
    before = (charted / VALUES_PATH).read_text()
    assert new(charted, "pagerduty", "--auth", "aws") == 0
    after = (charted / VALUES_PATH).read_text()
    # the file is only added to: comments, quotes and `activeDeadlineSeconds: null` kept as they were
    assert "\n  activeDeadlineSeconds: null\n" in before
    assert after.startswith(before)
    done = helm_template(charted)
    assert done.returncode == 0, done.stderr
    jobs = {d["metadata"]["labels"]["collector"]: d for d in yaml.safe_load_all(done.stdout) if d and d["kind"] == "CronJob"}
    assert "pagerduty" not in jobs  # generated against the example URL: off until it reads the real API
    done = helm_template(charted, "collectors.pagerduty.enabled=true")
    assert done.returncode == 0, done.stderr
    jobs = {d["metadata"]["labels"]["collector"]: d for d in yaml.safe_load_all(done.stdout) if d and d["kind"] == "CronJob"}
    assert "pagerduty" in jobs
    (container,) = jobs["pagerduty"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["PAGERDUTY_AWS_REGION"] == "us-east-1" and env["AWS_REGION"] == "us-east-1"

    doctor = cli(charted, "doctor", "pagerduty")
    assert re.search(r"ok\s+values\.schema\.json", doctor.stdout), doctor.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", ["foo_", "a__b", "a" * 68])
def test_names_helm_would_refuse_are_refused_and_helm_still_renders(charted, capsys, name):
    before = snapshot(charted)
    assert new(charted, name) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert snapshot(charted) == before
    assert helm_template(charted).returncode == 0


@pytest.mark.slow
def test_doctor_checks_the_values_against_the_schema(charted):
    assert new(charted, "pagerduty") == 0
    values = charted / VALUES_PATH
    values.write_text(values.read_text().replace(
        '    env:\n      PAGERDUTY_BASE_URL:', '    env:\n      DD_API_KEY: "0123456789abcdef"\n      PAGERDUTY_BASE_URL:'))
    assert helm_template(charted).returncode != 0  # what doctor warns about
    done = cli(charted, "doctor", "pagerduty")
    # as every command that reads the values: one line naming the file and the key, exit 2
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert str(values) in line and "collectors.pagerduty.env.DD_API_KEY may not be set" in line, line
    assert "0123456789abcdef" not in done.stdout + done.stderr


def test_without_a_chart_doctor_checks_against_the_chart_dd_toolkit_ships(tmp_path):
    root = make_project(tmp_path / "project", with_git=False)
    assert new(root, "pagerduty") == 0
    done = cli(root, "doctor", "pagerduty")
    assert re.search(r"ok\s+values\.schema\.json\s+.* matches the values\.schema\.json of the chart dd-toolkit ships", done.stdout), done.stdout


def test_a_chart_without_its_values_file_is_refused(charted, capsys):
    (charted / VALUES_PATH).unlink()
    before = snapshot(charted)
    assert new(charted, "pagerduty") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "values.yaml does not" in err and "git checkout" in err
    assert snapshot(charted) == before


@pytest.mark.parametrize("text", ["collectors:\n  github: [\n", "collectors:\n  a: b\n c: d\n", "collectors: {x: 1\n"])
def test_a_malformed_values_file_is_a_one_line_error(tmp_path, capsys, text):
    root = make_project(tmp_path / "project", with_git=False)
    (root / VALUES_PATH).parent.mkdir(parents=True)
    (root / VALUES_PATH).write_text(text)
    before = snapshot(root)
    assert new(root, "pagerduty") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not valid YAML (line" in err and "Traceback" not in err, err
    assert snapshot(root) == before


def test_null_stays_null_in_the_values_file():
    from toolkit.project import render_with_entry

    text = render_with_entry("defaults:\n  activeDeadlineSeconds: null\n  tz: ~\ncollectors: {}\n", "pd", "pd:\n  enabled: true\n")
    assert text == "defaults:\n  activeDeadlineSeconds: null\n  tz: null\ncollectors:\n  pd:\n    enabled: true\n"
