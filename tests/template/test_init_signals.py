"""`dd-toolkit init` stopped by a real signal at a random moment (seeded, bounded).

`init` builds the project in a hidden sibling and renames it into place last. SIGTERM rolls back
as Ctrl-C does (no project, no scratch); after SIGKILL of its process group (the wheel build and
git included) the directory is absent or the whole project, and a re-run finishes, removing the
scratch the killed run left.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from project_helpers import PYTHON, REPO, snapshot

pytestmark = pytest.mark.slow
TRIALS = 5  # per signal
NAME = "acme-metrics"


def env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DD_", "PYTEST_"))}
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def init(parent: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "toolkit.cli", "init", NAME], cwd=parent, env=env(), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=timeout)


def project_files(root: Path) -> dict[str, bytes]:
    """The project's files, its wheel by name (a rebuilt wheel's zip differs in its timestamps)."""
    return {k: (b"" if k.startswith("wheels/") and k.endswith(".whl") else v) for k, v in snapshot(root).items()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A project `init` made with nothing stopping it, and how long that took."""
    parent = tmp_path_factory.mktemp("init-reference")
    started = time.monotonic()
    made = init(parent)
    assert made.returncode == 0, made.stderr
    return project_files(parent / NAME), time.monotonic() - started


def stop_at_random(parent: Path, signum: int, seed: int, duration: float) -> tuple[int, str]:
    proc = subprocess.Popen([PYTHON, "-m", "toolkit.cli", "init", NAME], cwd=parent, env=env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    # the moment: once the scratch project exists beside the target, then a seeded share of a run
    while not any(parent.glob(f".{NAME}.*")) and proc.poll() is None:
        assert time.monotonic() < deadline, "`init` made nothing within 60 s"
    time.sleep(random.Random(seed).uniform(0, duration))
    if proc.poll() is None:
        if signum == signal.SIGKILL:
            os.killpg(proc.pid, signal.SIGKILL)  # a container is killed whole: pip and git too
        else:
            proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        raise AssertionError("`init` still running 120 s after the signal") from None
    return proc.returncode, err


@pytest.mark.parametrize("seed", range(TRIALS))
def test_sigterm_leaves_no_project_or_the_whole_one(tmp_path, reference, seed):
    files, duration = reference
    code, err = stop_at_random(tmp_path, signal.SIGTERM, seed, duration)
    target = tmp_path / NAME
    if code == 0:
        assert project_files(target) == files
    else:
        assert code in (128 + signal.SIGTERM, -signal.SIGTERM), err
        assert "Traceback" not in err
        assert not target.exists() or project_files(target) == files
    if code == 128 + signal.SIGTERM:  # stopped by the handler: the scratch was removed on the way out
        assert sorted(p.name for p in tmp_path.iterdir()) in ([], [NAME])
    if not target.exists():
        assert init(tmp_path).returncode == 0
    assert project_files(target) == files


@pytest.mark.parametrize("seed", range(TRIALS))
def test_sigkill_leaves_no_project_or_the_whole_one_and_a_rerun_finishes(tmp_path, reference, seed):
    files, duration = reference
    stop_at_random(tmp_path, signal.SIGKILL, seed, duration)
    target = tmp_path / NAME
    assert not target.exists() or project_files(target) == files
    again = init(tmp_path)
    if target.exists() and again.returncode != 0:  # it had finished: the directory is taken
        assert "already holds files" in again.stderr
    else:
        assert again.returncode == 0, again.stderr
    assert project_files(target) == files
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME], "the killed run's scratch is still there"
