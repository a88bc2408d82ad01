"""`dd-toolkit metadata`: metric metadata in Datadog kept equal to the code, against a loopback
stand-in of GET/PUT /api/v1/metrics/{metric_name} (shapes: tests/data/datadog-metadata-api/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loopback import Loopback, Reply

from toolkit.cli import main
from toolkit.datadog import wanted
from toolkit.engine import discover, load

DATA = Path(__file__).parent / "data" / "datadog-metadata-api"
KEYS = {"DD_API_KEY": "0123456789abcdef0123456789abcdef", "DD_APP_KEY": "0123456789abcdef0123456789abcdef01234567"}
NOT_FOUND = Reply(404, {"errors": ["Metric not found"]})


def github_specs():
    collector, error = load(discover()["github"])
    assert error is None
    return collector.metric_specs()


def stand_in() -> dict:
    """GET and PUT routes per metric: the code's metadata, with the overrides of github.json."""
    overrides = json.loads((DATA / "github.json").read_text())
    routes = {}
    for spec in github_specs():
        path = f"/api/v1/metrics/{spec.name}"
        if spec.name in overrides and overrides[spec.name] is None:
            routes[f"GET {path}"] = NOT_FOUND
            continue
        stored = {**wanted(spec), "integration": None, **overrides.get(spec.name, {})}
        routes[f"GET {path}"] = Reply(200, stored)
        routes[f"PUT {path}"] = Reply(200, {**stored, **wanted(spec)})
    return routes


@pytest.fixture
def datadog(monkeypatch):
    with Loopback(stand_in()) as server:
        for key, value in KEYS.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("DD_URL", server.url)
        yield server


def test_check_exits_1_naming_the_metric_and_both_units(datadog, capsys):
    code = main(["metadata", "github", "--check"])
    out = capsys.readouterr().out
    assert code == 1
    assert "github.prs.time_to_merge_median_hours: differs: unit 'minute' in Datadog, 'hour' in the code" in out
    assert "github.issues.open: not in Datadog yet" in out  # never pushed: not drift
    assert "github.prs.open: in step" in out
    assert not [s for s in datadog.requests if s.method == "PUT"]  # --check never writes
    assert all(s.headers["DD-APPLICATION-KEY"] == KEYS["DD_APP_KEY"] for s in datadog.requests)


def test_apply_puts_the_codes_values(datadog, capsys):
    code = main(["metadata", "github", "--apply"])
    out = capsys.readouterr().out
    assert code == 0 and "updated 1 metric(s)" in out
    (put,) = [s for s in datadog.requests if s.method == "PUT"]
    assert put.path == "/api/v1/metrics/github.prs.time_to_merge_median_hours"
    spec = next(s for s in github_specs() if s.name == "github.prs.time_to_merge_median_hours")
    assert json.loads(put.body) == {"description": spec.description, "type": "gauge", "unit": "hour"}


def test_no_flag_shows_the_table_and_exits_0(datadog, capsys):
    assert main(["metadata", "github"]) == 0
    assert "metadata --apply` updates them" in capsys.readouterr().out


def test_in_step_passes_check(monkeypatch, capsys):
    routes = {f"GET /api/v1/metrics/{s.name}": Reply(200, wanted(s)) for s in github_specs()}
    with Loopback(routes) as server:
        for key, value in KEYS.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("DD_URL", server.url)
        assert main(["metadata", "github", "--check"]) == 0


def test_missing_app_key_is_one_line_exit_2(monkeypatch, capsys):
    monkeypatch.setenv("DD_API_KEY", KEYS["DD_API_KEY"])
    assert main(["metadata", "--all", "--check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DD_APP_KEY is not set" in err


def test_api_error_is_one_line_exit_1(monkeypatch, capsys):
    with Loopback(default=Reply(403, {"errors": ["Forbidden"]})) as server:
        for key, value in KEYS.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("DD_URL", server.url)
        assert main(["metadata", "github"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 403" in err and "Forbidden" in err and KEYS["DD_APP_KEY"] not in err


def test_a_field_the_code_no_longer_declares_is_named_not_in_step(monkeypatch, capsys):
    """Datadog keeps a per_unit the code dropped; a PUT sends only the fields the code sets, so
    --apply cannot clear it: the output says so (never "in step"), and --check fails."""
    specs = github_specs()
    assert "per_unit" not in wanted(next(s for s in specs if s.name == "github.prs.open"))
    routes = {f"GET /api/v1/metrics/{s.name}": Reply(200, wanted(s)) for s in specs}
    stale = {**wanted(next(s for s in specs if s.name == "github.prs.open")), "per_unit": "second"}  # MetricMetadata fields
    routes["GET /api/v1/metrics/github.prs.open"] = Reply(200, stale)
    with Loopback(routes) as server:
        for key, value in KEYS.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("DD_URL", server.url)
        code = main(["metadata", "github", "--apply"])
        out = capsys.readouterr().out
        assert code == 0 and "in step, nothing to update" not in out
        assert "github.prs.open: not in step: Datadog holds per_unit 'second', which the code does not declare; --apply cannot clear" in out
        assert "1 metric(s) hold a unit or per_unit in Datadog that the code does not declare" in out
        assert not [s for s in server.requests if s.method == "PUT"]
        assert main(["metadata", "github", "--check"]) == 1
