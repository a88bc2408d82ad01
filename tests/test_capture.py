"""The flight recorder: `run --capture DIR` keeps a live run's HTTP (scrubbed as `record` does)
in the layout `run --offline --cassettes DIR` reads, and the replay reproduces the same values
and the same error, with no server and no credentials."""

from __future__ import annotations

import json

import pytest
from test_drift import TOKEN, PagedApi

from toolkit.cli import main


@pytest.fixture(autouse=True)
def fixture_collectors(monkeypatch):
    from toolkit.engine import registry as _registry

    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")


def _outcomes(payload: dict) -> dict:
    """Values, series and errors (metric, type) of `run --json`; durations differ run to run."""
    return {
        "metrics": {k: v for k, v in payload["metrics"].items() if not k.endswith("duration_seconds")},
        "series": payload["series"],
        "errors": [(e["metric"], e["type"]) for e in payload["errors"]],
    }


def test_capture_then_replay_reproduces_values_and_the_error(monkeypatch, tmp_path, capsys):
    capture = tmp_path / "flight"
    with PagedApi() as api:
        api.pages = {1: {"items": [{"id": 1, "size": 3}], "next": 2}, 2: {"items": [{"id": 2, "size": 4}], "next": None}}
        api.summary = (400, {"error": "summary is disabled for this team"})  # one metric fails
        monkeypatch.setenv("SHAPES_API_URL", api.url)
        monkeypatch.setenv("SHAPES_TOKEN", TOKEN)
        code = main(["run", "shapes", "--json", "--capture", str(capture)])
        live = json.loads(capsys.readouterr().out)
    assert code == 0  # a metric error is data; --strict would make it non-zero

    files = sorted(p.relative_to(capture).as_posix() for p in capture.rglob("*") if p.is_file())
    assert files == ["shapes/replay.json", "shapes/shapes.yaml"]  # what --cassettes DIR reads
    assert all(TOKEN not in (capture / f).read_text() for f in files)

    monkeypatch.delenv("SHAPES_API_URL")
    monkeypatch.delenv("SHAPES_TOKEN")  # the laptop has no credentials, and the server is gone
    assert main(["run", "shapes", "--json", "--offline", "--cassettes", str(capture)]) == 0
    replayed = json.loads(capsys.readouterr().out)

    got, want = _outcomes(replayed), _outcomes(live)
    assert want["metrics"]["shapes.things.size"] == 7 and want["errors"] == [("shapes.summary.open", "HTTPStatusError")]
    assert got == want


def test_capture_refuses_offline(tmp_path, capsys):
    assert main(["run", "shapes", "--offline", "--capture", str(tmp_path)]) == 2
    assert "drop --capture" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cassettes_must_be_a_directory(tmp_path, capsys):
    assert main(["run", "shapes", "--cassettes", str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_capture_without_credentials_fails_the_run_and_writes_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SHAPES_API_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("SHAPES_TOKEN", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")  # so the Secrets Manager lookup fails fast, offline
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert main(["run", "shapes", "--json", "--capture", str(tmp_path)]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert [(e["metric"], e["type"]) for e in payload["errors"]] == [(None, "SecretNotFoundError")]
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
