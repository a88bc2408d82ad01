"""Strict replay: an interaction that was never played fails the test that replayed it, unless
replay.json lists it as optional. Every committed replay directory of the built-in collectors
plays all of its interactions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from collectors.asana.collector import AsanaCollector
from toolkit.cassettes import load_replay
from toolkit.engine import load, resolve
from toolkit.errors import ReplayError
from toolkit.testing import check_golden, check_replay, replay

REPO = Path(__file__).resolve().parents[1]
CASSETTES = REPO / "tests" / "cassettes"
BUILTIN = ("asana", "ec2", "github", "skypilot", "wandb")
STALE = "https://app.asana.com/api/1.0/projects/9999/tasks?limit=100"


def replay_directories() -> list[Path]:
    return sorted({p.parent for name in BUILTIN for p in (CASSETTES / name).rglob("*.yaml")})


def setup_for(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings a scenario's own test runs it with (see tests/collectors/)."""
    if directory.relative_to(CASSETTES).as_posix() == "skypilot/jobs-paged":
        from collectors.skypilot import metrics

        monkeypatch.setattr(metrics, "JOBS_PAGE_SIZE", 4)


@pytest.mark.parametrize("directory", replay_directories(), ids=lambda d: d.relative_to(CASSETTES).as_posix())
def test_every_committed_replay_directory_plays_all_its_interactions(directory, monkeypatch):
    setup_for(directory, monkeypatch)
    (ref,) = resolve([directory.relative_to(CASSETTES).parts[0]], REPO)
    collector, error = load(ref)
    assert collector is not None, error
    assert check_replay(collector, directory) is None


def main_cassettes(tmp_path: Path) -> Path:
    target = tmp_path / "asana"
    target.mkdir()
    for f in (CASSETTES / "asana").iterdir():
        if f.is_file():
            shutil.copy(f, target)
    return target


def add_stale_interaction(directory: Path) -> None:
    """An interaction no request of the run asks for, as a cassette has when the API call was dropped."""
    cassette = directory / "asana.yaml"
    data = yaml.safe_load(cassette.read_text())
    extra = json.loads(json.dumps(data["interactions"][0]))
    extra["request"]["uri"] = STALE
    data["interactions"].append(extra)
    cassette.write_text(yaml.safe_dump(data))


def set_optional(directory: Path, optional) -> None:
    meta = json.loads((directory / "replay.json").read_text())
    meta["optional"] = optional
    (directory / "replay.json").write_text(json.dumps(meta))


def test_an_unplayed_interaction_fails_the_golden_check_naming_it(tmp_path):
    directory = main_cassettes(tmp_path)
    assert check_golden(AsanaCollector(), directory) is None
    add_stale_interaction(directory)
    count = len(yaml.safe_load((directory / "asana.yaml").read_text())["interactions"])
    problem = check_golden(AsanaCollector(), directory)
    assert problem is not None
    assert f"asana.yaml #{count}: GET {STALE}" in problem
    assert "never played" in problem and '"optional"' in problem
    assert "series" not in problem  # the series still match: only the stale interaction is reported


@pytest.mark.parametrize("entry", [f"GET {STALE}", "GET /api/1.0/projects/9999/tasks", "get /api/1.0/projects/9999/tasks?limit=100"])
def test_an_interaction_listed_as_optional_may_be_left_unplayed(tmp_path, entry):
    directory = main_cassettes(tmp_path)
    add_stale_interaction(directory)
    set_optional(directory, [entry])
    assert check_golden(AsanaCollector(), directory) is None
    result, transport = replay(AsanaCollector(), directory)
    assert transport.unplayed() == []
    assert [r.uri for r in transport.unplayed(optional=True)] == [STALE]  # still known, only not required


@pytest.mark.parametrize("entry", ["POST /api/1.0/projects/9999/tasks", "GET /api/1.0/projects/9999/tasks?limit=5", "GET /api/1.0/projects/9999"])
def test_an_optional_entry_that_names_another_request_does_not_excuse_it(tmp_path, entry):
    directory = main_cassettes(tmp_path)
    add_stale_interaction(directory)
    set_optional(directory, [entry])
    assert STALE in check_replay(AsanaCollector(), directory)


@pytest.mark.parametrize("bad", ["GET /x", ["GET"], [3], ["GET "]])
def test_a_malformed_optional_list_names_the_file(tmp_path, bad):
    directory = main_cassettes(tmp_path)
    set_optional(directory, bad)
    with pytest.raises(ReplayError, match=r'replay\.json: "optional" must be a list of "METHOD URL" strings'):
        load_replay(directory)
    assert "optional" in check_golden(AsanaCollector(), directory)


def test_the_plugin_fails_on_an_unplayed_interaction(tmp_path):
    """The golden fixture in a real pytest run reports the stale interaction as the failure."""
    directory = main_cassettes(tmp_path)
    add_stale_interaction(directory)
    (tmp_path / "test_it.py").write_text(
        "from collectors.asana.collector import AsanaCollector\n\n"
        f"def test_asana(golden):\n    golden(AsanaCollector(), {str(directory)!r})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_it.py"]
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"GET {STALE}" in run.stdout and "never played" in run.stdout
