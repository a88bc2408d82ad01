"""`dd-toolkit new` refuses with one line naming the fix, and then has written nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from project_helpers import cli, env_for, make_project, snapshot

from toolkit.cli import main


def new(root, *args):
    return main(["new", *args, "--root", str(root), "--defaults"])


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("PagerDuty", "is not valid"),
        ("pager-duty", "is not valid"),
        ("9lives", "is not valid"),
        ("_private", "is not valid"),
        ("../escape", "is not valid"),
        # the chart's schema (collectorName) refuses these, so helm would fail for every collector
        ("foo_", "is not valid"),
        ("a__b", "is not valid"),
        ("a" * 64, "is 64 characters"),
        ("class", "is a Python keyword"),
        ("import", "is a Python keyword"),
        ("json", "would shadow the module 'json'"),
        ("os", "would shadow the module 'os'"),
        ("httpx", "would shadow the module 'httpx'"),
        ("yaml", "would shadow the module 'yaml'"),
        ("toolkit", "would shadow the module 'toolkit'"),
        ("collectors", "would shadow the module 'collectors'"),
    ],
)
def test_bad_names_are_refused(project, capsys, name, fragment):
    before = snapshot(project)
    assert new(project, name) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err
    assert "pick another name" in err or "use lowercase letters" in err
    assert snapshot(project) == before


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--schedule", "every 15 minutes"], "five-field cron"),
        (["--schedule", "61 * * * *"], "five-field cron"),
        (["--schedule", "0 0 * * * *"], "five-field cron"),  # six fields: Kubernetes takes five
        (["--base-url", "api.example.com"], "http(s) URL"),
        # written into Python and YAML string literals: a quote or backslash would break them
        (["--base-url", 'https://api.example.com/v1"x'], "quotes or backslashes"),
        (["--base-url", "https://api.example.com/v1'x"], "quotes or backslashes"),
        (["--base-url", "https://api.example.com/v1\\x"], "quotes or backslashes"),
        (["--category", "Jobs"], "metric_category"),
        (["--service-name", "Pager|Duty"], "service_name"),
    ],
)
def test_bad_answers_are_refused(project, capsys, flags, fragment):
    before = snapshot(project)
    assert new(project, "pagerduty", *flags) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err
    assert snapshot(project) == before


def test_existing_collector_is_refused_unless_forced(project, capsys):
    assert new(project, "pagerduty") == 0
    edited = project / "collectors" / "pagerduty" / "metrics.py"
    edited.write_text(edited.read_text() + "# my edit\n")
    before = snapshot(project)
    assert new(project, "pagerduty") == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert snapshot(project) == before
    assert new(project, "pagerduty", "--force", "--schedule", "*/5 * * * *") == 0
    assert "# my edit" not in edited.read_text()
    # the Helm entry is the user's to tune: --force leaves it alone
    assert "collectors.pagerduty (already there, left as it was)" in capsys.readouterr().out


def test_path_outside_the_project_is_refused(tmp_path, capsys):
    root = make_project(tmp_path / "project", with_git=False)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "tests" / "cassettes").symlink_to(outside, target_is_directory=True)
    before = snapshot(root)
    assert new(root, "pagerduty") == 2
    assert "outside the project" in capsys.readouterr().err
    assert snapshot(root) == before and list(outside.iterdir()) == []


def test_a_failure_half_way_leaves_nothing(project, monkeypatch):
    from toolkit.project import values_edit as _values_edit

    def broken(*args, **kwargs):
        raise OSError("disk full")

    before = snapshot(project)
    monkeypatch.setattr(_values_edit, "add_entry", broken)
    with pytest.raises(OSError, match="disk full"):
        new(project, "pagerduty")
    assert snapshot(project) == before
    assert not (project / "collectors" / "pagerduty").exists()
    assert not (project / "tests" / "collectors").exists()


def test_a_failure_under_force_restores_the_previous_files(project, monkeypatch):
    from toolkit.project import values_edit as _values_edit

    assert new(project, "pagerduty") == 0
    metrics = project / "collectors" / "pagerduty" / "metrics.py"
    metrics.write_text(metrics.read_text() + "# kept on failure\n")
    before = snapshot(project)
    monkeypatch.setattr(_values_edit, "add_entry", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        new(project, "pagerduty", "--force")
    assert snapshot(project) == before


def test_a_signal_just_after_the_values_entry_is_written_keeps_the_collector_whole(project, monkeypatch):
    """The values entry is `new`'s commit point: a stop that lands after its write (while the
    write syncs its directory, say) leaves the files under the entry, not an entry without files."""
    from toolkit.project import values_edit as _values_edit

    real = _values_edit.add_entry

    def written_then_stopped(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(_values_edit, "add_entry", written_then_stopped)
    assert new(project, "pagerduty") == 130  # stopped, as Ctrl-C stops it
    assert (project / "charts" / "datadog-collectors" / "values.yaml").read_text().count("\n  pagerduty:") == 1
    assert (project / "collectors" / "pagerduty" / "metrics.py").is_file()
    assert not [p for p in project.rglob("*.dd-toolkit-backup")]


def test_no_terminal_means_no_prompt(project):
    """Without --defaults but with no TTY (CronJob, CI), new takes the defaults and never blocks."""
    done = cli(project, "new", "pagerduty", "--auth", "oauth", timeout=60)
    assert done.returncode == 0, done.stderr
    assert (project / "collectors" / "pagerduty" / "metrics.py").is_file()


def test_run_and_the_parser_never_import_copier(project):
    code = (
        "import sys; from toolkit.cli import build_parser, main; build_parser(); main(['run', '--all', '--offline']); "
        "heavy = sorted(m for m in ('copier', 'ruamel', 'ruamel.yaml', 'croniter', 'textual') if m in sys.modules); "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=project, env=env_for(project), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_directory_that_is_not_a_project_is_refused(tmp_path, capsys):
    assert new(tmp_path, "pagerduty") == 2
    assert "not a dd-toolkit project" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_force_keeps_the_users_edited_files(project, capsys):
    """`new NAME --force` regenerates, but an edited file is kept beside its new version, and said so."""
    from toolkit.cli import main

    assert main(["new", "pagerduty", "--root", str(project), "--defaults"]) == 0
    metrics = project / "collectors" / "pagerduty" / "metrics.py"
    mine = metrics.read_text() + "\n# my own metric goes here\n"
    metrics.write_text(mine)
    capsys.readouterr()
    assert main(["new", "pagerduty", "--root", str(project), "--defaults", "--force"]) == 0
    out = capsys.readouterr().out
    backup = metrics.with_name("metrics.py.bak")
    assert backup.read_text() == mine and "# my own metric" not in metrics.read_text()
    assert "your versions are kept beside them" in out and "collectors/pagerduty/metrics.py.bak" in out
    assert not metrics.with_name("README.md.bak").exists()  # unchanged files are just regenerated
