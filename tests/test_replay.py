"""Offline replay: cassettes served by the run's own transport, with the recorded config,
placeholder secrets and frozen clock; no real sleeping; misses are clear errors."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest
from fixtures.replayed.collector import ReplayedCollector

from toolkit import ReplayError
from toolkit.cassettes import load_replay

CASSETTES = Path(__file__).parent / "cassettes" / "replayed"


def test_offline_run_uses_recorded_config_secrets_and_clock():
    began = time.monotonic()
    result = ReplayedCollector().run(timeout=10, offline=True)
    assert result.errors == []
    assert result.metrics["replayed.items.total"] == 3.0
    assert result.metrics["replayed.items.recent_7d"] == 2.0  # 19th and 15th, seen from the 20th
    assert result.metrics["replayed.service.flaky_ok"] == 7.0  # the 503 was retried
    assert time.monotonic() - began < 5  # the recorded Retry-After: 30 was not slept
    assert result.offline


def test_cassette_dir_found_from_the_project():
    assert ReplayedCollector().cassettes() == CASSETTES


def test_unmatched_request_is_a_clear_error(tmp_path):
    shutil.copy(CASSETTES / "items.yaml", tmp_path)
    (tmp_path / "replay.json").write_text('{"config": {"REPLAYED_PROJECT": "beta"}}')
    result = ReplayedCollector().run(timeout=10, cassettes=tmp_path)
    errors = {e.metric: e for e in result.errors}
    assert errors["replayed.items.total"].type == "ReplayError"
    assert "project=beta" in errors["replayed.items.total"].message
    assert "dd-toolkit record" in errors["replayed.items.total"].message
    assert "replayed.service.flaky_ok" in result.metrics  # one miss doesn't stop the others


def test_missing_cassettes_fail_the_collector_with_the_fix(tmp_path):
    result = ReplayedCollector().run(timeout=10, cassettes=tmp_path / "none")
    assert result.failed and result.fatal.type == "ReplayError"
    assert "dd-toolkit record replayed" in result.fatal.message


def test_repeats_serve_the_last_match_and_order_is_kept():
    transport = load_replay(CASSETTES).transport()
    client = httpx.Client(transport=transport)
    codes = [client.get("https://api.example.test/flaky").status_code for _ in range(3)]
    assert codes == [503, 200, 200]


def test_bad_replay_json(tmp_path):
    shutil.copy(CASSETTES / "items.yaml", tmp_path)
    (tmp_path / "replay.json").write_text("{nope")
    with pytest.raises(ReplayError, match="not valid JSON"):
        load_replay(tmp_path)


def test_body_matching_compares_meaning():
    from toolkit.cassettes import Recorded, matches

    def req(body):
        return Recorded("POST", "https://ec2.us-east-1.amazonaws.com/", body, {})

    on = ("method", "path", "body")
    assert matches(req(b'{"a": 1, "b": [2]}'), req('{"b": [2], "a": 1}'), on)  # GraphQL/JSON
    assert not matches(req(b'{"a": 1}'), req('{"a": 2}'), on)
    assert matches(req(b"Action=DescribeInstances&Version=2016-11-15"), req("Version=2016-11-15&Action=DescribeInstances"), on)
    assert not matches(req(b"Action=DescribeVolumes&Version=2016-11-15"), req("Action=DescribeInstances&Version=2016-11-15"), on)
    assert matches(req(None), req(b""), on)


def test_a_miss_names_the_closest_interaction_and_the_differing_field(tmp_path):
    shutil.copy(CASSETTES / "items.yaml", tmp_path)
    (tmp_path / "replay.json").write_text('{"config": {"REPLAYED_PROJECT": "beta"}}')
    result = ReplayedCollector().run(timeout=10, cassettes=tmp_path)
    message = {e.metric: e for e in result.errors}["replayed.items.total"].message
    assert "(closest: GET https://api.example.test/" in message, message
    assert "differing in query parameter project" in message


def test_a_cassette_that_is_not_a_mapping_names_the_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    with pytest.raises(ReplayError, match=r"bad\.yaml.*not a list"):
        load_replay(tmp_path)


def test_a_malformed_recorded_at_names_the_file(tmp_path):
    shutil.copy(CASSETTES / "items.yaml", tmp_path)
    (tmp_path / "replay.json").write_text('{"recorded_at": "last tuesday"}')
    with pytest.raises(ReplayError, match=r"replay\.json: recorded_at 'last tuesday' is not an ISO 8601"):
        load_replay(tmp_path)


def test_a_cassette_is_parsed_once_per_version_of_its_file(tmp_path, monkeypatch):
    from toolkit.cassettes import replay as replay_module
    from toolkit.model import files

    shutil.copy(CASSETTES / "items.yaml", tmp_path)
    parsed = []
    real_load = replay_module.load_yaml
    monkeypatch.setattr(replay_module, "load_yaml", lambda *a, **k: parsed.append(1) or real_load(*a, **k))
    first = load_replay(tmp_path)
    assert load_replay(tmp_path).interactions == first.interactions and len(parsed) == 1  # the dashboard's next run
    text = (tmp_path / "items.yaml").read_text()
    files.write_atomic(tmp_path / "items.yaml", text.replace("interactions:", "interactions: []\nunused:", 1).encode())
    assert load_replay(tmp_path).interactions == [] and len(parsed) == 2  # written again: read anew
