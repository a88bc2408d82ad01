"""`record`, `record --check` and `run --capture` of a body just under the body cap stay under the
chart's memory limit (issue 21): what is recorded is streamed to disk, not held in copies.

Each command is the real CLI in its own process against a loopback API; the figure is the
process's own peak RSS (VmHWM), printed as it exits. A memory bound, not a timing: each process
only has a generous timeout so a hang fails rather than blocks.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from bigbody import CLI, LIMIT_MIB, big_body, peak_mib, write_project
from loopback import Loopback, Reply
from recording_project import ROOT

from toolkit.sources.http import MAX_BODY_BYTES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")


@pytest.fixture(scope="module")
def api():
    # a JSON page just under the cap (32 MiB): what a collector may legitimately read
    with Loopback({"GET /items": Reply(200, big_body(MAX_BODY_BYTES - 1024 * 1024))}) as server:
        yield server


def peak(project, api, *args: str) -> float:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BIG_API_URL": api.url, "HOME": str(project)}
    done = subprocess.run([sys.executable, "-c", CLI, "--project", str(project), *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return peak_mib(done.stderr)


def test_record_stays_under_the_charts_memory_limit(tmp_path, api):
    cassettes = write_project(tmp_path)
    assert peak(tmp_path, api, "record", "big") < LIMIT_MIB
    assert (cassettes / "big.yaml").stat().st_size > MAX_BODY_BYTES - 2 * 1024 * 1024
    # again over a recording that holds the body: mode all loads nothing it replaces
    assert peak(tmp_path, api, "record", "big", "--mode", "all") < LIMIT_MIB


def test_record_check_stays_under_the_charts_memory_limit(tmp_path, api):
    write_project(tmp_path)
    peak(tmp_path, api, "record", "big")
    assert peak(tmp_path, api, "record", "big", "--check") < LIMIT_MIB


def test_run_capture_stays_under_the_charts_memory_limit(tmp_path, api):
    write_project(tmp_path)
    assert peak(tmp_path, api, "run", "big", "--capture", str(tmp_path / "capture")) < LIMIT_MIB
    assert (tmp_path / "capture" / "big" / "big.yaml").is_file()
