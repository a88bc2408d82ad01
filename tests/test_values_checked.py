"""Values that passed the chart's schema are remembered by digest (toolkit.model.memo), so the next
command reading the same values neither checks them again nor imports jsonschema
(toolkit/project/values_schema.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from realtools import ROOT

from toolkit.errors import ValuesError
from toolkit.project import Values, values_schema

CHART = ROOT / "charts" / "datadog-collectors"


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    """The memo's folder of values that passed."""
    monkeypatch.setenv("DD_TOOLKIT_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state" / "memo" / values_schema.MEMO


def remembered(state: Path) -> list[str]:
    return sorted(p.name for p in state.iterdir()) if state.is_dir() else []


@pytest.fixture
def chart(tmp_path) -> Path:
    copy = tmp_path / "chart"
    shutil.copytree(CHART, copy)
    return copy


def bare_values(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bare-values.yaml"
    path.write_text(text)
    return path


def refuse_checks(monkeypatch) -> None:
    def no_check(schema_path):
        raise AssertionError("checked again")

    monkeypatch.setattr(values_schema, "_validator", no_check)


def test_values_that_passed_are_not_checked_again(tmp_path, state, chart, monkeypatch):
    path = bare_values(tmp_path, "collectors:\n  github:\n    enabled: true\n    schedule: '*/5 * * * *'\n")
    Values.load(path, chart)
    assert len(remembered(state)) == 1
    refuse_checks(monkeypatch)
    assert Values.load(path, chart).collectors["github"].schedule == "*/5 * * * *"


def test_a_command_reading_values_checked_before_imports_no_jsonschema(tmp_path, state, chart):
    path = bare_values(tmp_path, "collectors:\n  github:\n    enabled: true\n")
    Values.load(path, chart)
    code = ("import sys; from toolkit.project import Values; "
            f"Values.load({str(path)!r}, {str(chart)!r}); print('jsonschema' in sys.modules)")
    env = {**os.environ, "DD_TOOLKIT_STATE_DIR": str(state.parent.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_values_that_failed_are_never_remembered(tmp_path, state, chart):
    path = bare_values(tmp_path, "collectors:\n  github:\n    timeout: fast\n")
    for _ in range(2):
        with pytest.raises(ValuesError, match=r"collectors\.github\.timeout: expected"):
            Values.load(path, chart)
    assert remembered(state) == []


def test_a_change_to_the_values_or_the_schema_is_checked_again(tmp_path, state, chart):
    path = bare_values(tmp_path, "collectors:\n  github:\n    timeout: 30\n")
    Values.load(path, chart)
    path.write_text("collectors:\n  github:\n    timeout: thirty\n")
    with pytest.raises(ValuesError, match="timeout"):
        Values.load(path, chart)
    path.write_text("collectors:\n  github:\n    timeout: 30\n")
    schema = json.loads((chart / values_schema.SCHEMA_FILE).read_text())
    schema["properties"]["collectors"]["additionalProperties"] = False  # now no collector may be named
    (chart / values_schema.SCHEMA_FILE).write_text(json.dumps(schema))
    values_schema._validator.cache_clear()
    with pytest.raises(ValuesError, match="collectors"):
        Values.load(path, chart)


def test_values_that_are_not_plain_data_are_always_checked(tmp_path, state, chart):
    # a YAML date and an integer key would not come back from json.dumps as themselves
    for text in ("collectors:\n  github:\n    env:\n      SINCE: 2024-01-01\n", "collectors:\n  github:\n    env:\n      7: x\n"):
        path = bare_values(tmp_path, text)
        try:
            Values.load(path, chart)
        except ValuesError:
            pass
    assert remembered(state) == []
    assert values_schema._digest(chart / values_schema.SCHEMA_FILE, {"a": {1: "x"}}) is None
    assert values_schema._digest(chart / values_schema.SCHEMA_FILE, {"a": {"1": "x"}}) is not None


def test_an_unwritable_state_dir_only_means_checking_again(tmp_path, monkeypatch, chart):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DD_TOOLKIT_STATE_DIR", str(blocker / "state"))
    path = bare_values(tmp_path, "collectors:\n  github:\n    enabled: true\n")
    for _ in range(2):
        assert Values.load(path, chart).enabled == ["github"]
