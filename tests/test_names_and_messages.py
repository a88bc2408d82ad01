"""Names, keys and messages: one line for an unknown collector from every command, checked
before keys or files; `metadata --all` goes on past a collector that cannot load; a missing
setting names the collector's own values key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import Loopback, Reply

from toolkit.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
UNKNOWN = "dd-toolkit: error: unknown collector 'nosuch'; known collectors: "

COMMANDS = [
    ["run", "nosuch", "--offline"],
    ["record", "nosuch"],
    ["doctor", "nosuch"],
    ["docs", "nosuch"],
    ["cost", "nosuch", "--offline"],
    ["monitors", "nosuch"],
    ["monitors", "nosuch", "--apply"],
    ["metadata", "nosuch"],
    ["update", "nosuch"],
    ["dashboard", "nosuch"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_unknown_collector_is_the_same_line_from_every_command(args, tmp_path, monkeypatch, capsys):
    # no keys and no values file: the name is checked before either is looked for
    for key in ("DD_API_KEY", "DD_APP_KEY", "DD_API_KEY_FILE", "DD_APP_KEY_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DD_TOOLKIT_VALUES", str(tmp_path / "absent.yaml"))
    assert main(args) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(UNKNOWN) and "github" in line, line


@pytest.mark.slow
def test_metadata_all_reports_a_collector_that_cannot_load_and_goes_on(tmp_path):
    # a subprocess: the project's own `collectors` package must not shadow the checkout's in this one
    (tmp_path / "collectors").mkdir()
    (tmp_path / "collectors" / "__init__.py").write_text("")
    shutil.copytree(FIXTURES / "broken", tmp_path / "collectors" / "broken")
    with Loopback(default=Reply(404, {"errors": ["Metric not found"]})) as server:
        env = {**os.environ, "DD_URL": server.url, "DD_API_KEY": "0123456789abcdef0123456789abcdef",
               "DD_APP_KEY": "0123456789abcdef0123456789abcdef01234567"}
        done = subprocess.run([sys.executable, "-m", "toolkit.cli", "--project", str(tmp_path), "metadata", "--all"],
                              capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("dd-toolkit: error: broken cannot be loaded") and "shop_sdk_not_installed" in line, line
    assert "github.prs.open" in done.stdout  # the others were still read


def test_a_missing_setting_names_the_collectors_own_env_key(monkeypatch):
    from toolkit.errors import ConfigError
    from toolkit.model import RunContext, enter_run, leave_run
    from toolkit.sources import get_config

    monkeypatch.delenv("SOME_SETTING", raising=False)
    token = enter_run(RunContext(collector="github", deadline=0.0, transport=None))
    try:
        with pytest.raises(ConfigError, match=r"in Helm: collectors\.github\.env\)"):
            get_config("SOME_SETTING", required=True)
    finally:
        leave_run(token)


ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m"


def test_an_upstream_message_is_made_printable_where_error_text_is_made():
    from toolkit.model import MetricError

    error = MetricError.from_exception("svc.cat.x", RuntimeError(f"GitHub said: {ESCAPES}Bad credentials"))
    assert not set(error.message + error.traceback) & {"\x1b", "\x07", "\x9b"}, repr(error.message)
    assert "\\x1b[2J" in error.message and "Bad credentials" in error.message


def test_the_cli_error_line_shows_no_escape_sequence(tmp_path, capsys):
    code = main(["monitors", "github", "--values", str(tmp_path / f"{ESCAPES}.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "\x1b" not in err and "\x07" not in err and "\x9b" not in err, repr(err)
    assert "\\x1b[2J" in err
