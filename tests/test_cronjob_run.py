"""The CronJob path: `dd-toolkit run --push` in a real process, real signals, loopback fault intakes.

Every test bounds its own time: subprocess timeouts, the push's own budget, waits with timeouts.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import zlib
from pathlib import Path

from loopback import Loopback, Reply

from toolkit import CollectionResult, MetricOutcome, Series
from toolkit.datadog import PushSettings, push

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "0123456789abcdef0123456789abcdef"
ACCEPT = Reply(202, {"errors": []})
# the real CLI, with discovery over tests/fixtures (as tests/test_cli.py sets it in-process)
RUNNER = (
    "import sys; sys.path.insert(0, 'tests'); from toolkit.engine import registry; "
    "registry.BUILTIN_PACKAGE = 'fixtures'; from toolkit.cli import main; sys.exit(main(sys.argv[1:]))"
)


def start(*args: str, intake: str | None = None, **env: str) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "STOPPABLE_", "SLOWIMPORT_"))}
    full.update(PYTHONPATH=str(ROOT), DD_API_KEY=API_KEY, **env)
    if intake:
        full["DD_URL"] = intake
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, "run", *args], cwd=ROOT, env=full, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float) -> list[str]:
    """Read the process's stderr until a line holds ``text``; fail after ``timeout``."""
    seen: list[str] = []
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        while not any(text in line for line in seen):
            assert sel.select(timeout), f"no {text!r} on stderr within {timeout}s; saw {seen}"
            line = proc.stderr.readline()
            assert line, f"process ended before {text!r}; saw {seen}"
            seen.append(line)
    return seen


def finish(proc: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """Its output once it exits; killed, and the output shown, when it has not within ``timeout``."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
        raise AssertionError(f"still running after {timeout}s\nstdout: {out}\nstderr: {err}") from None


def sent_metrics(intake: Loopback) -> set[str]:
    names = set()
    for seen in intake.requests:
        names |= {s["metric"] for s in json.loads(zlib.decompress(seen.body))["series"]}
    return names


def test_sigterm_stops_collecting_pushes_what_was_collected_and_exits_non_zero():
    with Loopback({"POST /api/v2/series": ACCEPT}) as intake:
        proc = start("stoppable", "--push", "--timeout", "60", intake=intake.url, STOPPABLE_HANG="1")
        try:
            wait_for_line(proc, "stoppable: hanging", timeout=30)
            proc.send_signal(signal.SIGTERM)
            out, err = finish(proc, 20)
        finally:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "stoppable.items.hang: Interrupted" in out and "interrupted by SIGTERM" in out
    assert "pushed" in err and "stopped by SIGTERM" in err
    assert {"stoppable.items.total", "stoppable.items.by_team", "collector.stoppable.error_count"} <= sent_metrics(intake)


def test_second_signal_exits_at_once_while_the_push_hangs():
    with Loopback({"POST /api/v2/series": Reply(202, {}, delay=30)}) as intake:
        proc = start("stoppable", "--push", "--timeout", "10", "--push-timeout", "60", intake=intake.url)
        try:
            assert intake.wait_for_requests(1, timeout=30)  # the push is under way, and hangs
            proc.send_signal(signal.SIGTERM)
            wait_for_line(proc, "SIGTERM: stopping", timeout=10)
            proc.send_signal(signal.SIGINT)
            out, err = finish(proc, 10)
        finally:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGINT
    assert "second SIGINT: exiting at once" in err


def test_sigterm_during_a_hanging_push_ends_within_the_grace_and_names_what_was_not_sent():
    with Loopback({"POST /api/v2/series": Reply(202, {}, delay=40)}) as intake:
        proc = start("stoppable", "--push", "--timeout", "10", "--push-timeout", "60", intake=intake.url)
        try:
            assert intake.wait_for_requests(1, timeout=30)
            proc.send_signal(signal.SIGTERM)
            out, err = finish(proc, 20)  # the grace is 15 s
        finally:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "series not sent (" in err and "stoppable.items.total" in err and "SIGTERM" in err and "grace" in err


def test_a_hanging_intake_costs_the_push_budget_not_the_pod():
    with Loopback({"POST /api/v2/series": Reply(202, {}, delay=40)}) as intake:
        proc = start("stoppable", "--push", "--timeout", "5", "--push-timeout", "2", intake=intake.url)
        try:
            out, err = finish(proc, 5 + 2 + 10)  # T + P + 10 s, whatever the intake does
        finally:
            proc.kill()
    assert proc.returncode == 3
    assert "series not sent (" in err and "stoppable.items.by_team" in err and "push timeout" in err


def test_an_import_that_hangs_spends_its_own_deadline_and_the_others_run():
    proc = start("slowimport", "stoppable", "--json", "--timeout", "2", SLOWIMPORT_SECONDS="60")
    try:
        out, err = finish(proc, 20)
    finally:
        proc.kill()
    slow, quick = json.loads(out)
    assert "did not load and run within its 2s deadline" in slow["errors"][0]["message"]
    assert quick["errors"] == [] and quick["metrics"]["stoppable.items.total"] == 7.0
    assert proc.returncode == 1



def run_with_key_file(tmp_path: Path, intake: Loopback, key: str) -> subprocess.CompletedProcess:
    """`run stoppable --push` as the chart's mountAsFile pod runs it: the key only in a file."""
    path = tmp_path / "api-key"
    path.write_text(key + "\n")  # a Secret made from an echoed file ends in a newline
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "STOPPABLE_", "SLOWIMPORT_"))}
    env.update(PYTHONPATH=str(ROOT), DD_API_KEY_FILE=str(path), DD_URL=intake.url)
    return subprocess.run([sys.executable, "-c", RUNNER, "run", "stoppable", "--push", "--verbose", "--timeout", "10"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_key_from_dd_api_key_file_reaches_the_intake_and_never_the_output(tmp_path):
    key = "fedcba9876543210fedcba9876543210"
    with Loopback({"POST /api/v2/series": ACCEPT}) as intake:
        done = run_with_key_file(tmp_path, intake, key)
    assert done.returncode == 0, done.stderr
    assert intake.requests and {seen.headers["DD-API-KEY"] for seen in intake.requests} == {key}  # stripped of its newline
    assert "stoppable.items.total" in sent_metrics(intake)
    assert key not in done.stdout + done.stderr


def test_an_intake_echoing_the_files_key_back_is_redacted(tmp_path):
    key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    with Loopback({"POST /api/v2/series": Reply(403, {"errors": [f"Forbidden: API key {key} is invalid"]})}) as intake:
        done = run_with_key_file(tmp_path, intake, key)
    assert done.returncode == 3
    assert "HTTP 403" in done.stderr and "API key *** is invalid" in done.stderr
    assert key not in done.stdout + done.stderr

# --- the push's budget, in-process (each bounded by the push's own timeout) ------------------


def result() -> CollectionResult:
    from datetime import UTC, datetime

    s = Series("svc.items.total", 5.0, (), "count", "gauge")
    return CollectionResult("svc", datetime(2026, 11, 20, tzinfo=UTC), 0.1, [MetricOutcome("svc.items.total", "count", "gauge", "", "ok", 0.01, 5.0, (s,))])


def settings(url: str) -> PushSettings:
    return PushSettings(API_KEY, url)


def test_a_rate_limit_reset_beyond_the_budget_is_reported_not_waited():
    with Loopback({"POST /api/v2/series": Reply(429, {"errors": ["Too many requests"]}, {"X-RateLimit-Reset": "99999"})}) as intake:
        report = push([result()], settings(intake.url), timeout=5)
    assert not report.ok and len(intake.requests) == 1
    assert "4 series not sent (collector.svc.duration_seconds" in report.summary()
    assert "HTTP 429" in report.summary() and "asked to wait 99999s, beyond" in report.summary()


def test_a_5xx_outage_is_retried_only_while_the_budget_lasts():
    with Loopback({"POST /api/v2/series": Reply(503, {"errors": ["Unavailable"]})}) as intake:
        report = push([result()], settings(intake.url), timeout=2)
    assert not report.ok and len(intake.requests) >= 2  # retried, then given up
    assert "HTTP 503" in report.summary() and "svc.items.total" in report.summary()


def test_a_connection_reset_is_retried():
    with Loopback({"POST /api/v2/series": [Reply(reset=True), ACCEPT]}) as intake:
        report = push([result()], settings(intake.url), timeout=10)
    assert report.ok, report.summary()
    assert len(intake.requests) == 2 and report.sent == 4


def test_workers_sets_the_pool_size():
    """--workers (the chart's `workers:`) is the pool size: the two paired metrics only meet with two."""
    outcomes = {}
    for workers in ("1", "2"):
        proc = start("paired", "--json", "--workers", workers)
        out, err = proc.communicate(timeout=30)
        outcomes[workers] = json.loads(out)
    both = outcomes["2"]
    assert (both["metrics"]["paired.left.total"], both["metrics"]["paired.right.total"], both["errors"]) == (1.0, 1.0, [])
    alone = outcomes["1"]
    assert sorted((e["metric"], e["type"]) for e in alone["errors"]) == [
        ("paired.left.total", "BrokenBarrierError"), ("paired.right.total", "BrokenBarrierError"),
    ]

    proc = start("paired", "--workers", "0")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "--workers: must be greater than 0" in err


# The CLI's peak RSS printed at exit: VmHWM, not ru_maxrss (Linux carries ru_maxrss over an exec,
# so it would report the forking pytest worker's own peak).
PRINT_PEAK = (
    "import atexit, re, sys; atexit.register(lambda: print('maxrss_kib=' + "
    "re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)); "
)


def run_bigbody(reply: Reply) -> tuple[dict, float]:
    """``run bigbody --json`` in its own process against a loopback export answering ``reply``:
    the JSON result and the peak RSS in MiB."""
    with Loopback({"/export": reply}) as intake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env.update(PYTHONPATH=str(ROOT), BIGBODY_URL=intake.url)
        done = subprocess.run([sys.executable, "-c", PRINT_PEAK + RUNNER, "run", "bigbody", "--json", "--timeout", "20"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout), int(done.stderr.rsplit("maxrss_kib=", 1)[1].split()[0]) / 1024


def test_a_huge_body_is_one_metrics_error_and_memory_stays_bounded():
    """200 MB with no Content-Length: the metric errors with the size at 32 MiB; the process stays
    far under the chart's 256 Mi limit."""
    result, peak_mib = run_bigbody(Reply(stream_bytes=200 * 1024 * 1024, declare_length=False))
    assert result["metrics"]["bigbody.healthy.total"] == 1.0
    (error,) = result["errors"]
    assert error["metric"] == "bigbody.export.size" and error["type"] == "ResponseTooLarge"
    assert "over the 32.0 MiB body cap (stopped reading at 32." in error["message"]
    assert peak_mib < 160, f"peak RSS {peak_mib:.0f} MiB"


def gzip_bomb(decoded_mib: int) -> bytes:
    """``decoded_mib`` MiB of zeros, gzip-compressed (about 1/1000 of that), never held decoded."""
    import zlib

    packer, zeros = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16), bytes(1024 * 1024)
    return b"".join([*(packer.compress(zeros) for _ in range(decoded_mib)), packer.flush()])


def test_a_gzip_bomb_is_one_metrics_error_and_memory_stays_bounded():
    """A 256 MiB body gzipped to ~260 KB, well under the 32 MiB cap on the wire: the decoded size
    is capped too, while decoding; the process stays far under the chart's 256 Mi."""
    bomb = gzip_bomb(256)
    assert len(bomb) < 300 * 1024
    result, peak_mib = run_bigbody(Reply(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}))
    assert result["metrics"]["bigbody.healthy.total"] == 1.0
    (error,) = result["errors"]
    assert error["metric"] == "bigbody.export.size" and error["type"] == "ResponseTooLarge"
    assert "decodes to over the 32.0 MiB body cap" in error["message"]
    assert peak_mib < 160, f"peak RSS {peak_mib:.0f} MiB"


def test_threads_a_collector_leaves_running_do_not_hold_the_process_after_the_push():
    """A metric leaves a thread pool's worker (not a daemon) blocked forever: `dd-toolkit run --push`
    still pushes, prints its summary and exits with the run's code within THREAD_GRACE of the end,
    naming the thread. Run as the program runs (main() with no argv, as the dd-toolkit script)."""
    program = RUNNER.replace("sys.exit(main(sys.argv[1:]))", "sys.exit(main())")
    with Loopback({"POST /api/v2/series": ACCEPT}) as intake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env.update(PYTHONPATH=str(ROOT), DD_API_KEY=API_KEY, DD_URL=intake.url, THREADLEAK="1")
        proc = subprocess.Popen([sys.executable, "-c", program, "run", "threadleak", "--push", "--timeout", "4", "--push-timeout", "5"],
                                cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = finish(proc, 30)
    assert proc.returncode == 0, err
    assert "threadleak.items.total" in sent_metrics(intake)
    assert "pushed 6 series" in err
    assert "1 thread(s) still running" in err and "threadleak-pool" in err
