"""The dashboard's command line, and the promise that nothing else imports textual."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow
def test_cli_engine_and_push_never_import_textual():
    code = (
        "import sys, toolkit, toolkit.cli, toolkit._runner, toolkit._registry, toolkit._push, "
        "toolkit.cli._run, toolkit.cli._dashboard; toolkit.cli.build_parser(); print('textual' in sys.modules)"
    )
    assert _python(code) == "False"


@pytest.mark.slow
def test_run_help_does_not_import_textual():
    code = (
        "import sys, toolkit.cli\n"
        "try:\n    toolkit.cli.main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('textual' in sys.modules, file=sys.stderr)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "--push" in done.stdout  # the help really printed
    assert done.stderr.strip() == "False"


@pytest.mark.slow
def test_the_check_can_fail():
    assert _python("import sys, toolkit.tui; print('textual' in sys.modules)") == "True"


def test_unknown_collector_is_a_usage_error(capsys):
    assert main(["dashboard", "no-such-collector"]) == 2
    assert "unknown collector 'no-such-collector'" in capsys.readouterr().err


def test_dashboard_command_builds_the_app_from_its_flags(monkeypatch, tmp_path):
    from toolkit.tui.app import DashboardApp

    ran = []
    monkeypatch.setattr(DashboardApp, "run", lambda self: ran.append(self))
    values = tmp_path / "values.yaml"
    values.write_text("collectors: {}\n")
    assert main(["dashboard", "--live", "--every", "5", "--timeout", "7", "--values", str(values), "--no-run"]) == 0
    (app,) = ran
    assert (app.offline, app.every, app.timeout, app.run_on_start, app.auto_run) == (False, 5.0, 7.0, False, True)
