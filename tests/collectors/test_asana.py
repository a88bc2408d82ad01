"""Asana collector: values from the cassettes (worked out by hand below), pagination, error
scenarios, and a live run against a loopback server that checks what the collector sends."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from loopback import Loopback, Reply
from offline_cli import offline_json, series_by_tags

from collectors.asana import metrics as asana_metrics
from collectors.asana.collector import AsanaCollector
from toolkit.engine import RunOptions, collect
from toolkit.model import Window

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests" / "cassettes" / "asana"
P1331, P1332 = ("project:1331",), ("project:1332",)


def series(result, name: str) -> dict[tuple[str, ...], float]:
    outcome = next(o for o in result.outcomes if o.name == name)
    assert outcome.error is None, outcome.error
    return {s.tags: s.value for s in outcome.series}


# Recorded at 2026-11-28T12:00:00Z, so the window starts 2026-11-21T12:00:00Z.
# Project 1331, page 1: 12345 open, created 11-25, due_on 11-27 (overdue)
#                       12346 completed 11-26 15:30, created 11-10
#                       12347 open, created 10-01, due_at 11-28 18:00 (not yet due)
#               page 2: 12348 open, created 11-21 11:59:59 (1 s before the window), due_at 11-28 09:00 (overdue)
#                       12349 completed 11-21 12:00:00 (exactly the window start: counts), created 11-22
#                       12350 open, created 11-28 11:00, due_on 11-28 (due today: not overdue)
# Project 1332:         22345 open, created 11-27, no due date
#                       22346 completed 11-28 10:00, created 11-20, due_on 11-29


@pytest.fixture(scope="module")
def offline():
    result = AsanaCollector().run(timeout=30, offline=True)
    assert result.errors == [], result.errors
    return result


def test_open(offline):
    assert series(offline, "asana.tasks.open") == {P1331: 4, P1332: 1}


def test_overdue(offline):
    assert series(offline, "asana.tasks.overdue") == {P1331: 2, P1332: 0}


def test_completed_7d(offline):
    assert series(offline, "asana.tasks.completed_7d") == {P1331: 2, P1332: 1}


def test_created_7d(offline):
    assert series(offline, "asana.tasks.created_7d") == {P1331: 3, P1332: 1}


def test_second_page_is_required(tmp_path):
    data = yaml.safe_load((CASSETTES / "asana.yaml").read_text())
    data["interactions"] = [i for i in data["interactions"] if "offset=" not in i["request"]["uri"]]
    (tmp_path / "asana.yaml").write_text(yaml.safe_dump(data))
    shutil.copy(CASSETTES / "replay.json", tmp_path)
    result = AsanaCollector().run(timeout=30, cassettes=tmp_path)
    assert {e.type for e in result.errors} == {"ReplayError"}
    assert len(result.errors) == 5  # no metric silently counts page 1 only


def test_unauthorized_is_an_error_never_zero():
    result = AsanaCollector().run(timeout=30, cassettes=CASSETTES / "unauthorized")
    assert len(result.errors) == 5 and result.failed
    assert all(e.type == "HTTPStatusError" and "401" in e.message for e in result.errors)


def test_rate_limit_waits_retry_after_through_the_run():
    sleeps: list[float] = []
    began = time.monotonic()
    result = AsanaCollector().run(timeout=60, cassettes=CASSETTES / "rate_limited", sleep=sleeps.append)
    assert result.errors == []
    assert sleeps == [30.0]  # the recorded Retry-After, handed to the run's sleep, not slept for real
    assert series(result, "asana.tasks.open") == {P1332: 1}
    assert time.monotonic() - began < 5


def test_server_error_is_retried_then_reported():
    sleeps: list[float] = []
    result = AsanaCollector().run(timeout=60, cassettes=CASSETTES / "server_error", sleep=sleeps.append)
    assert len(sleeps) == 3  # four attempts in all
    assert len(result.errors) == 5 and all("500" in e.message for e in result.errors)


def test_malformed_body_is_an_error():
    result = AsanaCollector().run(timeout=30, cassettes=CASSETTES / "malformed")
    assert len(result.errors) == 5 and all(e.type == "JSONDecodeError" for e in result.errors)


def test_workspace_projects_when_no_project_is_configured():
    result = AsanaCollector().run(timeout=30, cassettes=CASSETTES / "workspace")
    assert result.errors == []
    assert series(result, "asana.tasks.open") == {P1332: 1}
    assert series(result, "asana.tasks.completed_7d") == {P1332: 1}


def test_no_project_and_no_workspace_is_a_config_error(monkeypatch, tmp_path):
    for name in ("ASANA_PROJECT_GIDS", "ASANA_WORKSPACE_GID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASANA_ACCESS_TOKEN", "live-token-not-used")
    result = AsanaCollector().run(timeout=10)
    assert {e.type for e in result.errors} == {"ConfigError"}


def test_overdue_rules():
    at = asana_metrics.datetime.fromisoformat("2026-11-28T12:00:00+00:00")
    assert asana_metrics.is_overdue({"due_on": "2026-11-27"}, at)
    assert not asana_metrics.is_overdue({"due_on": "2026-11-28"}, at)
    assert asana_metrics.is_overdue({"due_at": "2026-11-28T11:59:59.000Z", "due_on": "2026-11-28"}, at)
    assert not asana_metrics.is_overdue({"completed": True, "due_on": "2026-01-01"}, at)
    assert not asana_metrics.is_overdue({"due_on": None, "due_at": None}, at)


def test_live_request_shape_and_offset_pagination(monkeypatch):
    """Against a loopback server: bearer token, limit, opt_fields, completed_since, and next_page.offset."""
    page1 = {"data": [{"gid": "1", "completed": False, "created_at": "2026-01-01T00:00:00.000Z"}],
             "next_page": {"offset": "tok-2", "path": "/projects/77/tasks?offset=tok-2", "uri": "unused"}}
    page2 = {"data": [{"gid": "2", "completed": False, "created_at": "2026-01-01T00:00:00.000Z"}], "next_page": None}
    with Loopback({"GET /projects/77/tasks": [Reply(200, page1), Reply(200, page2)]}) as server:
        monkeypatch.setenv("ASANA_BASE_URL", server.url)
        monkeypatch.setenv("ASANA_PROJECT_GIDS", "77")
        monkeypatch.setenv("ASANA_ACCESS_TOKEN", "1/1234567890:loopbacktoken")
        result = AsanaCollector().run(timeout=30)
        seen = list(server.requests)
    assert result.errors == []
    assert series(result, "asana.tasks.open") == {("project:77",): 2}
    assert len(seen) == 2  # one listing shared by the four metrics, over two pages
    first, second = (parse_qs(urlsplit(r.path).query) for r in seen)
    assert first["limit"] == ["100"] and "offset" not in first and second["offset"] == ["tok-2"]
    assert first["opt_fields"] == ["completed,completed_at,created_at,due_at,due_on"]
    assert first["completed_since"][0].endswith("Z")
    assert all(r.headers["Authorization"] == "Bearer 1/1234567890:loopbacktoken" for r in seen)


def test_cli_offline_json_subprocess():
    got = series_by_tags(offline_json("asana"))
    assert got[("asana.tasks.open", P1331)] == 4 and got[("asana.tasks.overdue", P1331)] == 2




def test_golden_series(golden):
    """Every series and error of the main offline run, against the reviewed tests/cassettes/asana/golden.json."""
    golden(AsanaCollector())


def completed_in(start: datetime, end: datetime) -> dict[tuple[str, ...], float]:
    """The recording replayed for the window [start, end), the engine's clock frozen at its end (as a backfill does)."""
    result = collect(AsanaCollector(), RunOptions(timeout=30, offline=True, window=Window(start, end), windowed_only=True))
    return series(result, "asana.tasks.completed")


def test_completed_counts_a_task_completed_at_the_window_start_not_one_at_its_end():
    done = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # task 22346 of project 1332
    quarter = timedelta(minutes=15)
    assert completed_in(done, done + quarter) == {P1331: 0, P1332: 1}  # exactly at start: counts
    assert completed_in(done - quarter, done) == {P1331: 0, P1332: 0}  # exactly at end: the next window's


def test_completed_in_the_recordings_window_is_zero_per_project(offline):
    # [11:45, 12:00) of 11-28: nothing completed then; each project still sends its 0
    assert series(offline, "asana.tasks.completed") == {P1331: 0, P1332: 0}
