"""Golden series: the offline run against the reviewed golden.json beside the cassettes.
A changed cassette value fails with a diff naming the series; `--update-golden` rewrites it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from collectors.asana.collector import AsanaCollector
from toolkit.engine import GOLDEN_FILE, golden_diff
from toolkit.testing import check_golden

REPO = Path(__file__).resolve().parents[1]
ASANA = REPO / "tests" / "cassettes" / "asana"
BUILTIN = ("asana", "ec2", "github", "skypilot", "wandb")


def main_cassettes(tmp_path: Path) -> Path:
    """A copy of asana's main replay directory (its own files, not the scenarios)."""
    target = tmp_path / "asana"
    target.mkdir()
    for f in ASANA.iterdir():
        if f.is_file():
            shutil.copy(f, target)
    return target


def test_every_builtin_collector_has_a_reviewed_golden_file():
    for name in BUILTIN:
        data = json.loads((REPO / "tests" / "cassettes" / name / GOLDEN_FILE).read_text())
        assert data["collector"] == name and data["series"], name
        assert all({"metric", "type", "unit", "tags", "value"} <= set(s) for s in data["series"])


def test_a_changed_cassette_value_fails_naming_the_series(tmp_path):
    directory = main_cassettes(tmp_path)
    assert check_golden(AsanaCollector(), directory) is None
    cassette = directory / "asana.yaml"
    cassette.write_text(cassette.read_text().replace('\\"completed\\": false', '\\"completed\\": true', 1))
    problem = check_golden(AsanaCollector(), directory)
    assert problem is not None
    assert "~ series asana.tasks.open{project:1331}: value 4.0 -> 3.0" in problem
    assert "--update-golden" in problem
    assert check_golden(AsanaCollector(), directory, update=True) is None  # rewritten...
    assert check_golden(AsanaCollector(), directory) is None  # ...and now the run matches it
    assert json.loads((directory / GOLDEN_FILE).read_text()) != json.loads((ASANA / GOLDEN_FILE).read_text())


def test_diff_names_new_and_gone_series_and_errors():
    want = {"series": [{"metric": "a", "tags": ["x:1"], "type": "gauge", "unit": "count", "value": 1}], "errors": []}
    got = {"series": [{"metric": "b", "tags": [], "type": "gauge", "unit": "count", "value": 2}],
           "errors": [{"metric": "a", "type": "HTTPStatusError", "message": "500"}]}
    assert golden_diff(want, got) == [
        "- series a{x:1}: gone (golden value 1)",
        "+ series b: new, value 2 (gauge, count)",
        "+ error a: HTTPStatusError: 500",
    ]


def test_missing_golden_file_names_the_fix(tmp_path):
    directory = main_cassettes(tmp_path)
    (directory / GOLDEN_FILE).unlink()
    assert "pytest --update-golden" in check_golden(AsanaCollector(), directory)


def test_the_plugin_fails_with_the_diff_and_update_golden_rewrites(tmp_path):
    """The real plugin in a real pytest run: the failure prints the diff; --update-golden rewrites."""
    directory = main_cassettes(tmp_path)
    cassette = directory / "asana.yaml"
    cassette.write_text(cassette.read_text().replace('\\"completed\\": false', '\\"completed\\": true', 1))
    (tmp_path / "test_it.py").write_text(
        "from collectors.asana.collector import AsanaCollector\n\n"
        f"def test_asana(golden):\n    golden(AsanaCollector(), {str(directory)!r})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_it.py"]  # the plugin loads by its entry point
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "asana.tasks.open{project:1331}: value 4.0 -> 3.0" in run.stdout
    before = (directory / GOLDEN_FILE).read_text()
    run = subprocess.run([*command, "--update-golden"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (directory / GOLDEN_FILE).read_text() != before
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
