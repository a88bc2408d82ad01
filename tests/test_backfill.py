"""``dd-toolkit backfill``: a real CLI subprocess against GitHub's recorded responses and a loopback Datadog.

The GitHub stand-in serves the github cassette's recorded answers (tests/cassettes/github, their
real shapes) by path and query, with every timestamp in the bodies moved by the same whole
number of windows so that the recording reads as if made at the last window's end: the backfill
runs on the real clock (a push never replays recorded data) and still meets the recorded PRs.
The Datadog stand-in is tests/test_windows.py's: last value per series and timestamp, and a
point more than an hour old refused with a 202 that lists errors, as the v2 intake does.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import yaml
from loopback import Serving
from test_windows import API_KEY, Datadog

from toolkit.model import window_at

CASSETTES = Path(__file__).parent / "cassettes" / "github"
RECORDED_AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # replay.json's recorded_at
_ISO = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"')


class RecordedGitHub(Serving):
    """GitHub answered from the recording, its timestamps moved by ``shift``."""

    def __init__(self, shift: timedelta) -> None:
        answers = {}
        for interaction in yaml.safe_load((CASSETTES / "github.yaml").read_text())["interactions"]:
            url = urlsplit(interaction["request"]["uri"])
            body = interaction["response"]["body"]["string"]
            body = gzip.decompress(body) if isinstance(body, bytes) else body.encode()
            moved = _ISO.sub(lambda m: b'"' + (datetime.fromisoformat(m.group(1).decode()) + shift).strftime("%Y-%m-%dT%H:%M:%SZ").encode() + b'"', body)
            answers[(url.path, _without_created(url.query))] = (interaction["response"]["status"]["code"], moved)
        self.asked: list[str] = []
        seen = self.asked

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlsplit(self.path)
                seen.append(self.path)
                status, body = answers.get((url.path, _without_created(url.query)), (404, b'{"message": "Not Found"}'))
                if status == 200 and "created" in parse_qs(url.query):
                    body = _created_since(body, parse_qs(url.query)["created"][0])
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)


def _without_created(query: str) -> str:
    """The runs listing is asked with ``created=>=<now - 7 days>``, a time each window moves: answered by
    path and the other parameters, and filtered by ``created`` as GitHub does (``_created_since``)."""
    return urlencode([(k, v) for k, v in parse_qsl(query) if k != "created"])


def _created_since(body: bytes, created: str) -> bytes:
    since = datetime.fromisoformat(created.removeprefix(">=").replace("Z", "+00:00"))
    page = json.loads(body)
    page["workflow_runs"] = [r for r in page["workflow_runs"] if datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) >= since]
    page["total_count"] = len(page["workflow_runs"])
    return json.dumps(page).encode()


def backfill(github: str | None, intake: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "GITHUB_"))}
    env.update(GITHUB_TOKEN="ghp_" + "t" * 36, GITHUB_REPOSITORIES="octocat/Hello-World,octo-org/octo-repo",
               DD_API_KEY=API_KEY, DD_URL=intake, DD_ENV="test")
    if github is not None:  # offline: the recording's own URL
        env["GITHUB_API_URL"] = github
    return subprocess.run([sys.executable, "-m", "toolkit.cli", "backfill", "github", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=Path(__file__).parent.parent)


def _by_repo(dd: Datadog, metric: str) -> dict[int, dict[str, float]]:
    return {ts: {t: v for tags, v in by.items() for t in tags if t.startswith("repo:")} for ts, by in dd.at(metric).items()}


def _merged(dd: Datadog) -> dict[int, dict[str, float]]:
    return _by_repo(dd, "github.prs.merged")


def test_backfill_pushes_24_windows_stamped_at_their_ends_and_names_what_the_intake_refuses():
    last = window_at("*/15 * * * *", datetime.now(UTC))
    recorded_end = last.end_timestamp  # where the recording's 12:00 falls, once moved
    with RecordedGitHub(last.end - RECORDED_AT) as github:
        # an intake with historical metrics ingestion: every point taken
        with Datadog(lambda: datetime(2000, 1, 1, tzinfo=UTC)) as historical:
            done = backfill(github.url, historical.url, "--from", "-6h", "--to", "now", "--push")
            stored = _merged(historical)
            runs = _by_repo(historical, "github.ci.runs")
        assert done.returncode == 0, done.stderr
        ends = sorted(stored)
        if ends[-1] != last.end_timestamp:  # the clock passed a window's end between here and the subprocess
            last = window_at("*/15 * * * *", datetime.fromtimestamp(ends[-1], UTC))
        assert ends == [last.end_timestamp - 900 * k for k in range(23, -1, -1)]  # 24 windows of */15, oldest first
        # each repository in each window, its 0s included; the recording's PR merged 6 hours before
        # it was made falls in the first window
        assert all(set(stored[end]) == {"repo:octocat/hello-world", "repo:octo-org/octo-repo"} for end in ends)
        assert stored[ends[0]]["repo:octocat/hello-world"] == 1.0 and sum(sum(v.values()) for v in stored.values()) == 1.0
        assert "skipped, no window=True" in done.stderr and "github.prs.open" in done.stderr
        assert "pushed 24 of 24 window(s)" in done.stderr
        assert not any(m.startswith("collector.") for m, _, _ in historical.points)  # a backfill is not a run
        # octo-repo's run that completed at 11:07, 53 minutes before the recording, in [11:00, 11:15)
        assert sorted(runs) == ends and {end: v for end, by in runs.items() for v in by.values() if v} == {recorded_end - 2700: 1.0}
        assert all(set(runs[end]) == {"repo:octocat/hello-world", "repo:octo-org/octo-repo"} for end in ends)
        # the windowed metrics' requests only
        assert all("/pulls?state=closed" in path or "/actions/runs?" in path for path in github.asked)

        # Datadog's own intake: points more than an hour old are refused, and named
        with Datadog(lambda: datetime.now(UTC)) as intake:
            refused = backfill(github.url, intake.url, "--from=-6h", "--push")
            kept = sorted(_merged(intake))
    assert refused.returncode == 3, refused.stderr
    assert re.search(r"the intake refused 2[01] window\(s\) of github.ci.runs, github.prs.merged", refused.stderr), refused.stderr
    assert "historical metrics ingestion" in refused.stderr
    assert set(intake.refused) == {"github.ci.runs", "github.prs.merged"} and len(kept) in (3, 4)  # the last hour's windows


def test_a_dry_run_shows_each_window_and_sends_nothing():
    last = window_at("*/15 * * * *", datetime.now(UTC))
    with RecordedGitHub(last.end - RECORDED_AT) as github, Datadog(lambda: datetime.now(UTC)) as intake:
        done = backfill(github.url, intake.url, "--from", "-1h")
    assert done.returncode == 0, done.stderr
    assert "4 window(s) of */15 * * * *" in done.stdout and "dry run: nothing sent" in done.stderr
    assert intake.bodies == []
    # not a terminal: one plain progress line per window
    assert len(re.findall(r"backfill github \d/4 ", done.stderr)) == 4


def test_bad_times_are_one_line_and_an_iso_time_works_offline():
    for args, expected in ((["--from", "yesterday"], "--from 'yesterday' is not a time"),
                           (["--from", "now", "--to", "-1h"], "is not before"),
                           (["--from", "2026-11-27T06:00Z", "--offline"], None)):
        done = backfill(None, "http://127.0.0.1:9", *args)
        if expected is None:  # an ISO time against the recording (made at 12:00), offline: a dry run
            assert done.returncode == 0 and "24 window(s)" in done.stdout, done.stderr
            assert "19 end more than an hour ago" in done.stderr and "historical metrics ingestion" in done.stderr
            continue
        assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = backfill("http://127.0.0.1:9", "http://127.0.0.1:9", "--from", "-1h", "--push", "--offline")
    assert done.returncode == 2 and "never reach Datadog" in done.stderr
