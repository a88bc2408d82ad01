"""GitHub metrics for the repositories in ``GITHUB_REPOSITORIES``.

Counts are tagged ``repo:owner/name`` (one series per configured repository: bounded), so
Datadog can show them per repository and ``sum by`` gives the total. The median and the
success rate are computed over all configured repositories together and sent untagged: a
median or a ratio cannot be re-aggregated from per-repository values.

Everything is read from REST *list* endpoints, which count against the token's core bucket
(5,000 requests/hour). The search API would answer "merged in 7 days" in one request
(``is:pr is:merged merged:>=DATE``, ``total_count``) but it has its own bucket of 30
requests/minute, gives no reliable ``merged_at`` per item for the median, and filters by day;
the closed-PR listing sorted by ``updated`` gives exact timestamps for both metrics, and it
stops after the first page whose items are older than the window.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from datetime import datetime, timedelta

from toolkit import ConfigError, TooManyPages, get_config_list, metric, now, per_run, window

from .api import GitHubAuthError, GitHubError, GitHubRateLimited, listing

WINDOW = timedelta(days=7)
# Conclusions that count as a failed run. "cancelled", "skipped", "neutral", "stale" and
# "action_required" are neither a pass nor a failure and stay out of the success rate.
FAILED = frozenset({"failure", "timed_out", "startup_failure"})
RUNS_CAP = 1000  # GitHub lists at most 1,000 workflow runs for a `created` filter

_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+$")


def repositories() -> list[str]:
    """The configured repositories, as ``owner/name``, each once."""
    repos = list(dict.fromkeys(get_config_list("GITHUB_REPOSITORIES", required=True)))
    bad = [r for r in repos if not _REPO.match(r)]
    if bad:
        raise ConfigError(f"GITHUB_REPOSITORIES: {', '.join(map(repr, bad))} is not owner/name; example: octocat/Hello-World")
    return repos


def repo_tag(repo: str) -> tuple[str]:
    # Datadog lowercases tags; doing it here makes what the CLI shows what Datadog stores.
    return (f"repo:{repo.lower()}",)


def per_repository(count: Callable[[str], float]) -> dict[tuple[str], float | Exception]:
    """``count(repo)`` for each repository, tagged; a repository that fails is that item's error.

    A renamed-and-gone, deleted or forbidden repository costs its own series only: the engine
    records one error naming it (tagged ``repo:...``) and pushes the others. A rejected token or
    an exhausted rate limit would fail every repository the same way, so it fails the metric once.
    """
    out: dict[tuple[str], float | Exception] = {}
    for repo in repositories():
        try:
            out[repo_tag(repo)] = count(repo)
        except (GitHubAuthError, GitHubRateLimited):
            raise
        except (GitHubError, TooManyPages) as exc:
            out[repo_tag(repo)] = exc
    return out


def window_start() -> datetime:
    return now() - WINDOW


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@per_run
def merged_pull_requests(repo: str) -> list[dict]:
    """PRs of ``repo`` merged within the window (shared by the count and the median)."""
    since = window_start()
    merged = []
    params = {"state": "closed", "sort": "updated", "direction": "desc"}
    for pr in listing(f"/repos/{repo}/pulls", params, what=f"closed pull requests of {repo}"):
        # A merge updates the PR, so every PR merged in the window was updated in it: once the
        # listing (newest update first) is past the window, nothing further can count.
        if parse_time(pr["updated_at"]) < since:
            break
        if pr.get("merged_at") and parse_time(pr["merged_at"]) >= since:
            merged.append(pr)
    return merged


@per_run
def workflow_runs(repo: str) -> list[dict]:
    """Actions runs of ``repo`` created within the window (shared by the CI metrics)."""
    since = window_start()
    params = {"created": f">={since:%Y-%m-%dT%H:%M:%SZ}", "exclude_pull_requests": "true"}
    reported = []

    def runs(page: dict) -> list[dict]:
        reported.append(page["total_count"])
        return page["workflow_runs"]

    found = list(listing(f"/repos/{repo}/actions/runs", params, what=f"workflow runs of {repo}", items=runs))
    if len(found) >= RUNS_CAP and reported and reported[-1] > len(found):
        raise GitHubError(
            f"{repo} has {reported[-1]} workflow runs in 7 days but GitHub lists at most {RUNS_CAP} "
            "for a date filter; the CI metrics would undercount, so none are reported"
        )
    return found


@metric("github.prs.open", unit="count")
def open_pull_requests():
    """Open pull requests, drafts included, per repository."""
    return per_repository(
        lambda repo: sum(1 for _ in listing(f"/repos/{repo}/pulls", {"state": "open"}, what=f"open pull requests of {repo}"))
    )


@metric("github.prs.merged_7d", unit="count")
def merged_7d():
    """Pull requests merged in the last 7 days, per repository."""
    return per_repository(lambda repo: len(merged_pull_requests(repo)))


@metric("github.prs.merged", unit="count", type="count", window=True)
def merged_in_window():
    """Pull requests merged in the run's window, per repository (0 for a repository with none)."""
    current = window()
    return per_repository(lambda repo: sum(1 for pr in merged_pull_requests(repo) if parse_time(pr["merged_at"]) in current))


@metric("github.prs.time_to_merge_median_hours", unit="hours")
def time_to_merge_median_hours():
    """Median hours from opening to merge of the PRs merged in the last 7 days (all repositories)."""
    hours = [
        (parse_time(pr["merged_at"]) - parse_time(pr["created_at"])).total_seconds() / 3600
        for repo in repositories()
        for pr in merged_pull_requests(repo)
    ]
    return statistics.median(hours) if hours else None  # nothing merged: no data, not 0 hours


@metric("github.prs.time_to_merge_hours", unit="hour", type="distribution")
def time_to_merge_hours():
    """Hours from opening to merge of each PR merged in the last 7 days, per repository."""
    return {
        repo_tag(repo): [
            (parse_time(pr["merged_at"]) - parse_time(pr["created_at"])).total_seconds() / 3600
            for pr in merged_pull_requests(repo)
        ]
        for repo in repositories()
    }


@metric("github.issues.open", unit="count")
def open_issues():
    """Open issues, pull requests excluded, per repository."""
    def count(repo: str) -> int:
        items = listing(f"/repos/{repo}/issues", {"state": "open"}, what=f"open issues of {repo}")
        # The issues endpoint lists pull requests too; they are the items with a pull_request key.
        return sum(1 for item in items if "pull_request" not in item)

    return per_repository(count)


@metric("github.ci.failed_runs_7d", unit="count")
def failed_runs_7d():
    """Workflow runs created in the last 7 days that failed or timed out, per repository."""
    return per_repository(lambda repo: sum(1 for run in workflow_runs(repo) if run.get("conclusion") in FAILED))


def completed_at(run: dict) -> datetime | None:
    """When a run completed: its ``updated_at`` once ``status`` is ``completed`` (the runs listing has no
    ``completed_at``). A re-run completes the run again and moves ``updated_at``: it counts again, in
    the window its new attempt completes in. A run still queued or in progress has no such time."""
    return parse_time(run["updated_at"]) if run.get("status") == "completed" else None


@metric("github.ci.runs", unit="count", type="count", window=True)
def runs_in_window():
    """Workflow runs that completed in the run's window, per repository (0 for a repository with none)."""
    current = window()

    def count(repo: str) -> int:
        # The 7-day listing (runs created in the 7 days before now()) holds every run completed in
        # the window but one that ran for about 7 days: no request of its own, so it replays from
        # the recording, and a backfill (now() frozen at each window's end) asks what a run would.
        return sum(1 for run in workflow_runs(repo) if (done := completed_at(run)) is not None and done in current)

    return per_repository(count)


@metric("github.ci.success_rate_7d", unit="percent")
def success_rate_7d():
    """Share of the last 7 days' finished workflow runs that succeeded (all repositories)."""
    decided = [
        run["conclusion"]
        for repo in repositories()
        for run in workflow_runs(repo)
        if run.get("status") == "completed" and (run.get("conclusion") == "success" or run.get("conclusion") in FAILED)
    ]
    if not decided:
        return None  # no finished run: no data, not 0 %
    return 100.0 * decided.count("success") / len(decided)
