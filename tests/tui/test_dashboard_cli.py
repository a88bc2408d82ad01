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
        "import sys, toolkit, toolkit.cli, toolkit.engine, toolkit.datadog, toolkit.project, toolkit.tui, "
        "toolkit.cli._run, toolkit.tui.command; toolkit.cli.build_parser(); print('textual' in sys.modules)"
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
    assert _python("import sys, toolkit.tui.app; print('textual' in sys.modules)") == "True"


def test_unknown_collector_is_a_usage_error(capsys):
    assert main(["dashboard", "no-such-collector"]) == 2
    assert "unknown collector 'no-such-collector'" in capsys.readouterr().err


def test_dashboard_command_builds_the_app_from_its_flags(monkeypatch, tmp_path):
    from toolkit.tui.app import DashboardApp

    ran = []
    monkeypatch.setattr(DashboardApp, "run", lambda self: ran.append(self))
    monkeypatch.setattr("toolkit.tui.command._isatty", lambda stream: True)  # as in a terminal
    values = tmp_path / "values.yaml"
    values.write_text("collectors: {}\n")
    assert main(["dashboard", "--live", "--every", "5", "--timeout", "7", "--values", str(values), "--no-run"]) == 0
    (app,) = ran
    assert (app.offline, app.every, app.timeout, app.run_on_start, app.auto_run) == (False, 5.0, 7.0, False, True)


@pytest.mark.slow
@pytest.mark.parametrize("stdin", [subprocess.DEVNULL, None], ids=["no-terminal-at-all", "stdout-piped"])
def test_without_a_terminal_it_refuses_in_one_line(stdin):
    """Piped or in CI, Textual would print escape codes and wait for keys forever."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "toolkit.cli", "dashboard", "--offline", "--no-run"], cwd=ROOT, env=env,
                          stdin=stdin, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and "\x1b" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "needs a terminal" in line and "stdout" in line and "dd-toolkit run --all --offline" in line


def test_stdin_alone_not_a_terminal_is_refused(monkeypatch, capsys):
    from toolkit.tui.app import DashboardApp

    monkeypatch.setattr(DashboardApp, "run", lambda self: pytest.fail("the app must not start"))
    monkeypatch.setattr("toolkit.tui.command._isatty", lambda stream: stream is not sys.stdin)
    assert main(["dashboard", "--offline", "--no-run"]) == 2
    err = capsys.readouterr().err
    assert "but stdin is not one" in err and "dd-toolkit run --all --offline" in err


def test_a_missing_values_file_is_an_error(capsys, tmp_path):
    assert main(["dashboard", "--values", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err
