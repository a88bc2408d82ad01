"""`dd-toolkit record NAME --adopt DIR`: a kept `run --capture DIR` becomes the collector's main
cassettes, after the scrub check runs again; a capture that still holds a credential is refused
and nothing is written."""

from __future__ import annotations

import json

import pytest
from test_drift import TOKEN, PagedApi

from toolkit.cli import main


@pytest.fixture(autouse=True)
def fixture_collectors(monkeypatch):
    from toolkit.engine import registry as _registry

    monkeypatch.setattr(_registry, "BUILTIN_PACKAGE", "fixtures")


@pytest.fixture
def capture(monkeypatch, tmp_path, capsys):
    """A live run of the shapes collector against a loopback API, captured into tmp_path/flight."""
    directory = tmp_path / "flight"
    with PagedApi() as api:
        api.pages = {1: {"items": [{"id": 1, "size": 3}], "next": 2}, 2: {"items": [{"id": 2, "size": 4}], "next": None}}
        monkeypatch.setenv("SHAPES_API_URL", api.url)
        monkeypatch.setenv("SHAPES_TOKEN", TOKEN)
        assert main(["run", "shapes", "--json", "--capture", str(directory)]) == 0
        live = json.loads(capsys.readouterr().out)
    return directory, live


def snapshot(directory):
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_adopt_copies_the_capture_and_the_replay_reproduces_the_run(capture, tmp_path, capsys, monkeypatch):
    flight, live = capture
    target = tmp_path / "cassettes" / "shapes"
    (target / "server_error").mkdir(parents=True)
    (target / "old.yaml").write_text("version: 1\ninteractions: []\n")
    (target / "server_error" / "shapes.yaml").write_text("kept")
    (target / "replay.json").write_text(json.dumps({"optional": ["GET /summary"], "recorded_at": "2020-01-01T00:00:00Z"}))
    assert main(["record", "shapes", "--adopt", str(flight), "--dir", str(target)]) == 0
    out = capsys.readouterr().out
    assert "adopted" in out and TOKEN not in out
    assert (target / "shapes.yaml").read_bytes() == (flight / "shapes" / "shapes.yaml").read_bytes()
    assert not (target / "old.yaml").exists()  # the main cassettes are replaced...
    assert (target / "server_error" / "shapes.yaml").read_text() == "kept"  # ...the scenarios are not
    meta = json.loads((target / "replay.json").read_text())
    captured = json.loads((flight / "shapes" / "replay.json").read_text())
    assert meta["recorded_at"] == captured["recorded_at"] and meta["optional"] == ["GET /summary"]
    monkeypatch.delenv("SHAPES_API_URL")
    monkeypatch.delenv("SHAPES_TOKEN")
    assert main(["run", "shapes", "--json", "--offline", "--cassettes", str(tmp_path / "cassettes")]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in replayed["metrics"].items() if not k.endswith("duration_seconds")} == {
        k: v for k, v in live["metrics"].items() if not k.endswith("duration_seconds")}


def test_a_capture_still_holding_a_credential_is_refused_and_nothing_is_written(capture, tmp_path, capsys):
    flight, _ = capture
    cassette = flight / "shapes" / "shapes.yaml"
    cassette.write_text(cassette.read_text() + "# pasted by hand: ghp_" + "a1B2" * 9 + "\n")
    target = tmp_path / "target"
    target.mkdir()
    (target / "shapes.yaml").write_text("version: 1\ninteractions: []\n")
    before = snapshot(target)
    assert main(["record", "shapes", "--adopt", str(flight), "--dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert "GitHub token" in err and "not adopted" in err and "ghp_" not in err
    assert snapshot(target) == before


def test_a_secret_value_in_the_capture_is_refused(capture, tmp_path, capsys, monkeypatch):
    flight, _ = capture
    cassette = flight / "shapes" / "shapes.yaml"
    cassette.write_text(cassette.read_text() + f"# kept from a debugging session: {TOKEN}\n")  # the real token
    monkeypatch.setenv("SHAPES_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SHAPES_TOKEN", TOKEN)
    assert main(["record", "shapes", "--adopt", str(flight), "--dir", str(tmp_path / "target")]) == 1
    err = capsys.readouterr().err
    assert "secret value shapes/token" in err and TOKEN not in err
    assert not (tmp_path / "target").exists()


def test_a_missing_capture_names_what_was_expected(tmp_path, capsys):
    assert main(["record", "shapes", "--adopt", str(tmp_path), "--dir", str(tmp_path / "target")]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "shapes" / "shapes.yaml") in err and "--capture" in err


def test_check_and_adopt_are_exclusive(tmp_path, capsys):
    assert main(["record", "shapes", "--check", "--adopt", str(tmp_path)]) == 2
    assert "--check and --adopt" in capsys.readouterr().err
