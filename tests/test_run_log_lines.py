"""`dd-toolkit run` in a CronJob's or CI's log: stdout is a pipe, so whole metric names, one
logfmt line per value, whatever COLUMNS says; on a terminal, the table as before."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest
from offline_cli import ROOT

LONG = "github.prs.time_to_merge_median_hours"  # 37 characters: cut to `github.prs.time_to_me…` at 80 columns before


def _env(columns: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and k not in ("COLUMNS", "LINES")}
    env["PYTHONPATH"] = str(ROOT)
    if columns is not None:
        env["COLUMNS"] = columns
    return env


@pytest.mark.parametrize("columns", [None, "80"])
def test_a_pipe_gets_whole_names_one_line_per_value(columns):
    done = subprocess.run([sys.executable, "-m", "toolkit.cli", "run", "github", "--offline"],
                          cwd=ROOT, env=_env(columns), capture_output=True, text=True, timeout=60)  # stdout: a pipe
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("github (offline replay): collected 9 metrics")
    assert f"collector=github metric={LONG} value=14 unit=hours took=" in done.stdout
    assert "…" not in done.stdout
    # one line per series, with its tags: what a log search for one repository's value finds
    (line,) = [x for x in lines if "metric=github.prs.open " in x and "tags=repo:octo-org/octo-repo" in x]
    assert line.startswith("collector=github metric=github.prs.open value=3 unit=count tags=repo:octo-org/octo-repo took=")
    assert "collector=github metric=collector.github.metric_count value=9" in lines


def test_a_terminal_keeps_the_table():
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "toolkit.cli", "run", "github", "--offline"],
                                cwd=ROOT, env=_env("80"), stdout=follower, stderr=subprocess.PIPE)
        os.close(follower)
        out = b""
        deadline = time.monotonic() + 60
        while True:
            if not select.select([leader], [], [], max(0.0, deadline - time.monotonic()))[0]:
                proc.kill()
                raise AssertionError("no output from `run` on a terminal within 60 s")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            out += chunk
        assert proc.wait(timeout=60) == 0
    finally:
        os.close(leader)
    text = out.decode()
    assert "metric" in text and "custom" in text and "collector=github" not in text
    assert "github.prs.time_to_me" in text  # the table, at the terminal's 80 columns


def test_log_lines_are_written_as_they_are(capsys):
    """A tag holding ``:100:`` or ``:rocket:`` is printed as returned, not as an emoji (rich's
    print read them as emoji codes), every series on its own line, the meta-metrics after."""
    from datetime import UTC, datetime

    from toolkit.cli import _report
    from toolkit.engine import outcome_for
    from toolkit.model import CollectionResult, MetricSpec

    spec = MetricSpec(name="svc.codes", unit="count", type="gauge", description="", function=lambda: None)
    returned = {(f"code:100:{i}", "team:rocket:y"): float(i) for i in range(2_500)}
    result = CollectionResult("svc", datetime(2026, 1, 1, tzinfo=UTC), 0.1, [outcome_for(spec, returned, None, 0.0)])
    _report.print_results([result])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("svc: collected 1 metrics, 0 errors, 2503 custom metrics")
    assert lines[1:2501] == [f"collector=svc metric=svc.codes value={i} unit=count tags=code:100:{i},team:rocket:y took=0ms" for i in range(2_500)]
    assert lines[2501:] == ["collector=svc metric=collector.svc.duration_seconds value=0.1",
                            "collector=svc metric=collector.svc.metric_count value=1",
                            "collector=svc metric=collector.svc.error_count value=0"]
