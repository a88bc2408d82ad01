"""`dd-toolkit new` stopped by a real signal at a random moment (seeded, bounded): SIGTERM rolls
back as SIGINT does; after SIGKILL no file is zero-byte or half-written, and a re-run finishes."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from project_helpers import PYTHON, cli, env_for, make_project, snapshot

from toolkit.project import VALUES_PATH

pytestmark = pytest.mark.slow
TRIALS = 5  # per signal


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("signals") / "project", with_git=False)


def entry_added(root: Path) -> bool:
    values = root / VALUES_PATH  # a project made without one gets it from `new`, with the entry
    return values.is_file() and "\n  pd:" in values.read_text()


def stop_at_random(base, signum: int, seed: int) -> tuple[Path, dict[str, bytes], int]:
    template = base
    root = template.parent / f"trial-{signum}-{seed}"
    shutil.copytree(template, root)
    before = snapshot(root)
    proc = subprocess.Popen([PYTHON, "-m", "toolkit.cli", "new", "pd", "--defaults"], cwd=root, env=env_for(root),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # the moment: once files start to land in the project (the window a slow disk widens), then a
    # seeded few milliseconds more; waiting on that state is bounded by the run's own time
    deadline = time.monotonic() + 60
    while not (root / "collectors" / "pd").exists() and proc.poll() is None:
        assert time.monotonic() < deadline, "`new` placed nothing within 60 s"
    time.sleep(random.Random(seed).uniform(0, 0.04))
    proc.send_signal(signum)
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)
        raise AssertionError("`new` still running 60 s after the signal") from None
    return root, before, proc.returncode


def written(root: Path, before: dict[str, bytes]) -> dict[str, bytes]:
    now = snapshot(root)
    return {k: v for k, v in now.items() if before.get(k) != v}


@pytest.mark.parametrize("seed", range(TRIALS))
def test_sigterm_leaves_the_old_files_or_the_new_ones_whole(base, seed):
    root, before, code = stop_at_random(base, signal.SIGTERM, seed)
    changed = written(root, before)
    if code == 0:  # finished before the signal
        assert entry_added(root) and (root / "collectors" / "pd" / "metrics.py").is_file()
    else:
        # 143: stopped and rolled back; -15: ended by the signal's default action while still
        # starting up, before the handler (installed before any write) was in place
        assert code in (128 + signal.SIGTERM, -signal.SIGTERM)
        # rolled back, or (a signal after the values entry, the commit point, was written) complete
        complete = entry_added(root) and (root / "collectors" / "pd" / "metrics.py").is_file()
        assert complete or (changed == {} and not (root / "collectors" / "pd").exists()), sorted(changed)
    assert cli(root, "new", "pd2", "--defaults").returncode == 0


@pytest.mark.parametrize("seed", range(TRIALS))
def test_sigkill_leaves_no_half_written_file_and_a_rerun_finishes(base, seed):
    root, before, _ = stop_at_random(base, signal.SIGKILL, seed)
    changed = written(root, before)
    assert not [k for k, v in changed.items() if not v and not k.endswith("__init__.py")], "zero-byte files"
    assert not [k for k in snapshot(root) if ".dd-toolkit" in Path(k).name and k.endswith(".tmp")]
    again = cli(root, "new", "pd", "--defaults")
    assert again.returncode == 0 or "already exists" in again.stderr and entry_added(root), again.stderr
    assert entry_added(root) and (root / "collectors" / "pd" / "metrics.py").is_file()
