"""Several files as one change (toolkit.model.journal), and the temp files a killed write leaves.

The journal's two states are reached with a real SIGKILL at a chosen moment (the process kills
itself at its Nth rename), then recovered: all old before the commit point, all new after it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest
from realtools import require_tool

from toolkit.model import files, journal

JOURNAL = Path(".dd-toolkit") / "journal.json"
OLD = {"collectors/x/a.py": b"old a\n", "collectors/x/b.py": b"old b\n", "collectors/x/gone.py": b"gone\n"}
NEW = {"collectors/x/a.py": b"new a\n", "collectors/x/b.py": b"new b\n", "collectors/x/c.md": b"new c\n"}
ROOT = Path(__file__).resolve().parents[1]


def project(tmp_path: Path) -> Path:
    for rel, data in OLD.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "collectors/x/a.py").chmod(0o755)
    return tmp_path


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_replace_files_writes_and_deletes_together_and_keeps_modes(tmp_path):
    root = project(tmp_path)
    journal.replace_files(root, JOURNAL, {Path(k): v for k, v in NEW.items()}, [Path("collectors/x/gone.py")])
    assert tree(root) == NEW  # no journal, no staged file left
    assert (root / "collectors/x/a.py").stat().st_mode & 0o777 == 0o755
    assert journal.recover(root, JOURNAL) is None


def test_a_failure_before_the_commit_point_changes_nothing(tmp_path, monkeypatch):
    root = project(tmp_path)
    real, calls = files.write_atomic, []

    def failing(path, data, **kwargs):
        calls.append(path)
        if len(calls) == 3:  # the journal, one staged file, then the disk is full
            raise OSError("No space left on device")
        real(path, data, **kwargs)

    monkeypatch.setattr(files, "write_atomic", failing)
    with pytest.raises(OSError):
        journal.replace_files(root, JOURNAL, {Path(k): v for k, v in NEW.items()}, [Path("collectors/x/gone.py")])
    assert tree(root) == OLD


def test_a_signal_that_gets_through_after_the_commit_point_finishes_the_change_first(tmp_path, monkeypatch):
    """The renames run with SIGINT/SIGTERM blocked in this thread; a signal another thread
    received still raises here, mid-rename: the committed change is finished before it goes on."""
    root = project(tmp_path)
    real, calls = os.replace, []

    def interrupted(*args):
        calls.append(args)
        if len(calls) == 6:  # the first rename into place (see the count below)
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        journal.replace_files(root, JOURNAL, {Path(k): v for k, v in NEW.items()}, [Path("collectors/x/gone.py")])
    assert tree(root) == NEW


KILLED = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from toolkit.model import journal
    root, after = Path(sys.argv[1]), int(sys.argv[2])
    real, calls = os.replace, []
    def dying(*args):
        calls.append(args)
        if len(calls) > after:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args)
    os.replace = dying
    new = {Path("collectors/x/a.py"): b"new a\\n", Path("collectors/x/b.py"): b"new b\\n", Path("collectors/x/c.md"): b"new c\\n"}
    journal.replace_files(root, Path(".dd-toolkit/journal.json"), new, [Path("collectors/x/gone.py")])
""")


def killed_at(root: Path, renames: int) -> None:
    """Run a change in a process that SIGKILLs itself at its ``renames``+1-th rename."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", KILLED, str(root), str(renames)], env=env, capture_output=True, timeout=60)
    assert done.returncode == -9, done.stderr


# os.replace calls: 1 the staging journal's write, 2-4 the staged files' writes, 5 the commit journal's,
# 6-8 the renames into place
@pytest.mark.parametrize("renames", [1, 2, 3, 4])
def test_killed_before_the_commit_point_recovery_leaves_every_old_file(tmp_path, renames):
    root = project(tmp_path)
    killed_at(root, renames)
    assert (root / JOURNAL).exists()
    line = journal.recover(root, JOURNAL)
    assert line and line.startswith("undid an interrupted change")
    assert tree(root) == OLD  # the staged files and their half-written temps are gone too


@pytest.mark.parametrize("renames", [5, 6, 7])
def test_killed_after_the_commit_point_recovery_finishes_the_change(tmp_path, renames):
    root = project(tmp_path)
    killed_at(root, renames)
    line = journal.recover(root, JOURNAL)
    assert line and line.startswith("finished an interrupted change of 4 files")
    assert tree(root) == NEW


def test_an_unreadable_journal_is_removed_with_a_line(tmp_path):
    root = project(tmp_path)
    (root / JOURNAL).parent.mkdir()
    (root / JOURNAL).write_text("{not json")
    assert "could not be read" in journal.recover(root, JOURNAL)
    assert tree(root) == OLD


# --- the temp files a killed write_atomic leaves -----------------------------------------------
def test_write_atomic_removes_its_own_stale_temps_and_nothing_else(tmp_path):
    target = tmp_path / "values.yaml"
    target.write_text("a: 1\n")
    stale, fresh = tmp_path / ".values.yaml.k3j_9x2a.tmp", tmp_path / ".values.yaml.q8w7e6r5.tmp"
    others = [tmp_path / ".other.yaml.k3j_9x2a.tmp", tmp_path / ".values.yaml.notes.tmp", tmp_path / "values.yaml.k3j_9x2a.tmp"]
    for path in (stale, fresh, *others):
        path.write_text("half")
    old = time.time() - 2 * files.STALE_TEMP_AGE
    for path in (stale, *others):
        os.utime(path, (old, old))
    files.write_atomic(target, "a: 2\n")
    assert not stale.exists()
    assert fresh.exists(), "a temp file a minute old or younger may belong to a live writer"
    assert all(p.exists() for p in others)


def helm_package(chart: Path, into: Path) -> list[str]:
    helm = require_tool("helm")
    done = subprocess.run([helm, "package", str(chart), "--destination", str(into)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (archive,) = into.glob("*.tgz")
    with tarfile.open(archive) as tar:
        return tar.getnames()


def leave_temps(chart: Path) -> None:
    """What a SIGKILL leaves in a chart: write_atomic's temp and an update's staged file."""
    (chart / ".values.yaml.k3j_9x2a.tmp").write_text("collectors: {half")
    (chart / "templates" / ".cronjob.yaml.dd-toolkit-staged.tmp").write_text("{{ half")


@pytest.mark.slow
def test_the_chart_leaves_stray_temp_files_out_of_its_package(tmp_path):
    chart = tmp_path / "datadog-collectors"
    shutil.copytree(ROOT / "charts" / "datadog-collectors", chart)
    leave_temps(chart)
    names = helm_package(chart, tmp_path / "out")
    assert any(n.endswith("/values.yaml") for n in names)
    assert not [n for n in names if n.endswith(".tmp")], names


@pytest.mark.slow
def test_the_projects_chart_from_init_leaves_them_out_too(tmp_path):
    from toolkit.project.init import CHART_IN_PROJECT, assemble_template

    template = assemble_template(tmp_path / "template")
    chart = template / CHART_IN_PROJECT
    assert (chart / ".helmignore").is_file()
    leave_temps(chart)
    names = helm_package(chart, tmp_path / "out")
    assert not [n for n in names if n.endswith(".tmp")], names


@pytest.mark.parametrize("command", [["new", "other", "--defaults"], ["update"], ["doctor", "x"]])
def test_the_next_command_on_the_project_finishes_it_and_says_so(tmp_path, capsys, command):
    from toolkit.cli import main

    root = project(tmp_path)
    (root / "collectors" / "__init__.py").write_text("")
    killed_at(root, 6)
    main([*command, "--root", str(root)])
    err = capsys.readouterr().err
    assert "dd-toolkit: finished an interrupted change of 4 files recorded in .dd-toolkit/journal.json" in err
    assert {k: v for k, v in tree(root).items() if k.startswith("collectors/x/")} == NEW
