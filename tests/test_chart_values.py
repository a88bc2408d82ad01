"""values.schema.json: in sync with values.yaml, and bad values fail helm with a clear message."""

from __future__ import annotations

import json
import subprocess

import jsonschema
import pytest
from croniter import croniter
from realtools import ROOT, require_tool

from toolkit.project import load_values

CHART = ROOT / "charts" / "datadog-collectors"
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
VALUES = load_values(CHART / "values.yaml")
# Keys a collector entry has beyond the chart-wide defaults it can override.
COLLECTOR_ONLY_KEYS = {"enabled", "budget", "labels", "annotations", "nodeSelector", "tolerations", "affinity", "networkPolicy"}


def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


def resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    return SCHEMA["$defs"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_values_yaml_matches_the_schema():
    errors = sorted(validator().iter_errors(VALUES), key=str)
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def closed_objects(schema: dict, values, path=""):
    """(path, schema keys, values keys) for every closed object of the schema that values.yaml sets."""
    schema = resolve(schema)
    if schema.get("type") == "object" and "properties" in schema and schema.get("additionalProperties") is False and isinstance(values, dict):
        yield path, set(schema["properties"]), set(values)
        for key, sub in schema["properties"].items():
            if key in values:
                yield from closed_objects(sub, values[key], f"{path}/{key}")


def test_every_schema_key_has_a_default_in_values_yaml():
    """Documented by example: each setting the schema allows appears in values.yaml (open maps aside)."""
    seen = list(closed_objects(SCHEMA, VALUES))
    assert {p for p, _, _ in seen} >= {"", "/image", "/datadog", "/datadog/apiKeySecret", "/datadog/appKeySecret", "/aws",
                                       "/serviceAccount", "/defaults", "/metadataSync"}
    for path, schema_keys, value_keys in seen:
        assert value_keys == schema_keys - {"global"}, f"{path or '/'}: schema-only {schema_keys - value_keys - {'global'}}, values-only {value_keys - schema_keys}"


def test_each_default_can_be_overridden_per_collector():
    defaults = set(SCHEMA["properties"]["defaults"]["properties"])
    collector = set(SCHEMA["$defs"]["collector"]["properties"])
    assert collector - COLLECTOR_ONLY_KEYS == defaults
    for name in ("defaults", "collector"):
        node = SCHEMA["properties"]["defaults"] if name == "defaults" else SCHEMA["$defs"]["collector"]
        for key in defaults:
            assert node["properties"][key] == SCHEMA["properties"]["defaults"]["properties"][key], key


CHART_SET_ENV = {"DD_API_KEY", "DD_APP_KEY", "DD_API_KEY_FILE", "DD_APP_KEY_FILE", "DD_SITE", "DD_ENV", "DD_TAGS", "AWS_REGION", "HOME"}


def test_env_the_chart_sets_is_refused_in_values():
    env = SCHEMA["$defs"]["env"]
    assert {k for k, v in env["properties"].items() if v is False} == CHART_SET_ENV
    for where in ("defaults", "collector"):
        node = SCHEMA["properties"]["defaults"] if where == "defaults" else SCHEMA["$defs"]["collector"]
        assert node["properties"]["env"] == {"$ref": "#/$defs/env"}, where
    for name in CHART_SET_ENV:
        bad = {**VALUES, "collectors": {**VALUES["collectors"], "github": {**VALUES["collectors"]["github"], "env": {name: "x"}}}}
        assert not validator().is_valid(bad), name
    assert validator().is_valid({**VALUES, "defaults": {**VALUES["defaults"], "env": {"DD_TOOLKIT_LOG": "debug"}}})


def test_only_github_is_enabled_as_shipped():
    """The others need settings or secrets first (WANDB_ENTITY, ASANA_PROJECT_GIDS...); each says which.
    (Entries a developer added with `dd-toolkit new` in this checkout are theirs, not shipped.)"""
    generated = {p.parent.name for p in (CHART.parents[1] / "collectors").glob("*/.copier-answers.yml")}
    shipped = {name: entry for name, entry in VALUES["collectors"].items() if name not in generated}
    text = (CHART / "values.yaml").read_text()
    assert {name for name, entry in shipped.items() if entry["enabled"]} == {"github"}
    for name, entry in shipped.items():
        if not entry["enabled"]:
            comment = text.split(f"\n  {name}:\n    enabled: false", 1)[1].splitlines()[0]
            assert comment.strip().startswith("#") and comment.rstrip().endswith("and enable"), (name, comment)


GOOD_SCHEDULES = ["*/15 * * * *", "*/5 * * * *", "0 * * * *", "0 */6 * * *", "0 9 * * MON-FRI", "15,45 8-18 * * 1-5",
                  "@hourly", "@daily", "0 0 1 jan *", "30 2 1-7/2 * *"]
BAD_SCHEDULES = ["* * * *", "every hour", "*/5 * * * * *", "@every 5m", "*/15 * * * * ", "CRON_TZ=UTC 0 * * * *", ""]


@pytest.mark.parametrize("schedule", GOOD_SCHEDULES)
def test_good_schedules_pass_the_schema_and_croniter(schedule):
    assert validator().is_valid({**VALUES, "defaults": {**VALUES["defaults"], "schedule": schedule}})
    assert croniter.is_valid(schedule)


@pytest.mark.parametrize("schedule", BAD_SCHEDULES)
def test_bad_schedules_fail_the_schema(schedule):
    assert not validator().is_valid({**VALUES, "defaults": {**VALUES["defaults"], "schedule": schedule}})


@pytest.fixture(scope="module")
def helm() -> str:
    return require_tool("helm")


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "colectors.github.enabled=true"], "additional properties 'colectors' not allowed"),
        (["--set", "collectors.github.shedule=0 * * * *"], "at '/collectors/github': additional properties 'shedule' not allowed"),
        (["--set", "datadog.apiKey=abc"], "at '/datadog': additional properties 'apiKey' not allowed"),
        (["--set", "collectors.My-Collector.enabled=true"], "'My-Collector' does not match pattern"),
        (["--set", "collectors.github.schedule=every hour"], "at '/collectors/github/schedule': 'every hour' does not match pattern"),
        (["--set", "image.repository="], "at '/image/repository': minLength: got 0, want 1"),
        (["--set", "image.pullPolicy=Sometimes"], "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"),
        (["--set", "defaults.concurrencyPolicy=Never"], "at '/defaults/concurrencyPolicy': value must be one of 'Forbid', 'Allow', 'Replace'"),
        (["--set", "datadog.site=datadog.com"], "at '/datadog/site': value must be one of"),
        (["--set", "collectors.github.backoffLimit=-1"], "at '/collectors/github/backoffLimit': minimum: got -1, want 0"),
        (["--set", "collectors.github.timeout=0"], "at '/collectors/github/timeout': minimum: got 0, want 1"),
        (["--set-string", "collectors.github.timeout=120"], "at '/collectors/github/timeout': got string, want integer"),
        (["--set", "image.digest=sha256:abc"], "at '/image/digest'"),
        (["--set", "collectors.github.enabled=yes"], "at '/collectors/github/enabled': got string, want boolean"),
        # what the chart sets itself: a key here would sit in values and override the secretKeyRef
        (["--set", "collectors.github.env.DD_API_KEY=abc"], "at '/collectors/github/env/DD_API_KEY': false schema"),
        (["--set", "defaults.env.DD_API_KEY=abc"], "at '/defaults/env/DD_API_KEY': false schema"),
        (["--set", "collectors.github.env.DD_APP_KEY=abc"], "at '/collectors/github/env/DD_APP_KEY': false schema"),
        # with both DD_API_KEY (the chart's) and DD_API_KEY_FILE set, every run would fail
        (["--set", "defaults.env.DD_API_KEY_FILE=/etc/key"], "at '/defaults/env/DD_API_KEY_FILE': false schema"),
        (["--set", "datadog.apiKeySecret.mountAsFile=yes"], "at '/datadog/apiKeySecret/mountAsFile': got string, want boolean"),
        (["--set", "defaults.env.DD_SITE=datadoghq.eu"], "at '/defaults/env/DD_SITE': false schema"),
        (["--set", "collectors.github.env.DD_ENV=prod"], "at '/collectors/github/env/DD_ENV': false schema"),
        (["--set", "collectors.github.env.AWS_REGION=eu-west-1"], "at '/collectors/github/env/AWS_REGION': false schema"),
        (["--set", "defaults.env.HOME=/root"], "at '/defaults/env/HOME': false schema"),
    ],
)
def test_bad_values_fail_with_a_clear_message(helm, args, message):
    done = subprocess.run([helm, "template", "dd", str(CHART), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0, f"helm accepted {args}"
    assert "values don't meet the specifications of the schema" in done.stderr
    assert message in done.stderr, done.stderr


@pytest.mark.slow
def test_a_missing_image_fails_lint(helm):
    done = subprocess.run([helm, "lint", "--strict", str(CHART), "--set", "image.repository=null"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "repository" in done.stdout + done.stderr
