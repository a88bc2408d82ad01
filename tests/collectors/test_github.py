"""The GitHub collector, replayed from tests/cassettes/github/ (see its README for the data).

Expected values are derived here from the facts the cassettes were built with (restated
below, not read from the collector), so a collector that counts differently fails.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from collectors.github import api, metrics
from collectors.github.collector import GithubCollector
from toolkit import ConfigError
from toolkit.cassettes import load_replay
from toolkit.cli import main

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "github"
HELLO, OCTO = "repo:octocat/hello-world", "repo:octo-org/octo-repo"
PLACEHOLDER = "offline-placeholder-token"  # replay.json's github/token

# --- the facts of the main recording (2026-11-27T12:00:00Z; window from 2026-11-20T12:00Z) ---
# Open PRs: Hello-World 12 (one of them a draft, still open), octo-repo 3.
OPEN_PRS = {HELLO: 12, OCTO: 3}
# Open issue-listing items: Hello-World 127 over two pages, 12 of them its open PRs;
# octo-repo 8, 3 of them PRs. Issues exclude the PRs.
OPEN_ISSUES = {HELLO: 127 - 12, OCTO: 8 - 3}
# Hours from opening to merge of the PRs merged in the window. Not counted: Hello-World #2031
# (closed unmerged in the window), #2020 (merged 2 days before the window, commented on in it),
# and the 91 older PRs on the same page; octo-repo #84 and #83 (merged 9 and 15 days ago).
MERGED_HOURS = {HELLO: [1.5, 3, 5, 8, 20, 26, 50], OCTO: [0.75, 30, 72]}
# Workflow-run conclusions in the window (Hello-World also has one run still in progress).
RUNS = {
    HELLO: {"success": 9, "failure": 2, "timed_out": 1, "cancelled": 1},
    OCTO: {"success": 4, "failure": 1, "skipped": 1},
}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def replay(directory: Path):
    """Run the collector on a replay directory with a transport we can inspect afterwards."""
    transport = load_replay(directory, "github").transport()
    result = GithubCollector().run(timeout=30, cassettes=directory, transport=transport)
    return result, transport


def tagged(result, name: str) -> dict[str, float]:
    return {s.tags[0]: s.value for s in result.tagged_series if s.metric == name}


def outcome(result, name: str):
    return next(o for o in result.outcomes if o.name == name)


@pytest.fixture(scope="module")
def main_run():
    return replay(CASSETTES)


# --- the seed's tests -----------------------------------------------------------------------
def test_collector_name():
    assert GithubCollector().name == "github"


def test_source_tag():
    assert GithubCollector().source_tag == "source:github-collector"


def test_declares_its_secret_and_config():
    assert GithubCollector.secrets == ("github/token",)
    assert set(GithubCollector.config) == {"GITHUB_REPOSITORIES", "GITHUB_API_URL", "GITHUB_MAX_PAGES"}


def test_metric_names_units_and_order():
    specs = [(s.name, s.unit) for s in GithubCollector().metric_specs()]
    assert specs == [
        ("github.prs.open", "count"),
        ("github.prs.merged_7d", "count"),
        ("github.prs.merged", "count"),
        ("github.prs.time_to_merge_median_hours", "hours"),
        ("github.prs.time_to_merge_hours", "hour"),
        ("github.issues.open", "count"),
        ("github.ci.failed_runs_7d", "count"),
        ("github.ci.runs", "count"),
        ("github.ci.success_rate_7d", "percent"),
    ]


# --- the main recording -----------------------------------------------------------------------
def test_replay_is_clean(main_run):
    result, transport = main_run
    assert result.errors == []
    assert transport.unplayed() == []  # every recorded answer was asked for
    assert result.metric_count == 9 and result.offline


def test_open_prs_per_repository(main_run):
    result, _ = main_run
    assert tagged(result, "github.prs.open") == OPEN_PRS


def test_open_issues_exclude_prs_and_follow_page_two(main_run):
    result, transport = main_run
    assert tagged(result, "github.issues.open") == OPEN_ISSUES
    page_two = [r.url for r in transport.requests if r.url.path == "/repositories/1296269/issues"]
    assert [dict(u.params) for u in page_two] == [{"state": "open", "per_page": "100", "page": "2"}]


def test_merged_in_window_per_repository(main_run):
    result, _ = main_run
    assert tagged(result, "github.prs.merged_7d") == {repo: len(hours) for repo, hours in MERGED_HOURS.items()}


def test_time_to_merge_is_the_median_over_all_repositories(main_run):
    result, _ = main_run
    every = MERGED_HOURS[HELLO] + MERGED_HOURS[OCTO]
    expected = median(every)
    assert expected == (8 + 20) / 2  # ten values: the mean of the 5th and 6th
    assert expected != sum(every) / len(every)  # not the mean
    assert expected != median([median(MERGED_HOURS[HELLO]), median(MERGED_HOURS[OCTO])])  # not a median of medians
    assert result.metrics["github.prs.time_to_merge_median_hours"] == pytest.approx(expected)


def test_time_to_merge_distribution_keeps_every_pr_per_repository(main_run):
    """The distribution sends each PR's hours, so Datadog can take a median across any repos."""
    result, _ = main_run
    (outcome_,) = [o for o in result.outcomes if o.name == "github.prs.time_to_merge_hours"]
    assert outcome_.type == "distribution"
    got = {s.tags[0]: sorted(s.values) for s in outcome_.series}
    assert got == {repo: pytest.approx(sorted(hours)) for repo, hours in MERGED_HOURS.items()}


def test_closed_listing_stops_at_the_window(main_run):
    """Page 1 of Hello-World's closed PRs links to page 2, which is older than the window."""
    _, transport = main_run
    assert not any(r.url.path == "/repositories/1296269/pulls" for r in transport.requests)


def test_failed_runs_per_repository(main_run):
    result, _ = main_run
    expected = {repo: c.get("failure", 0) + c.get("timed_out", 0) for repo, c in RUNS.items()}
    assert tagged(result, "github.ci.failed_runs_7d") == expected == {HELLO: 3, OCTO: 1}


def test_success_rate_counts_finished_pass_or_fail_runs(main_run):
    result, _ = main_run
    passed = sum(c["success"] for c in RUNS.values())
    failed = sum(c.get("failure", 0) + c.get("timed_out", 0) for c in RUNS.values())
    expected = 100 * passed / (passed + failed)  # cancelled, skipped and in-progress runs left out
    assert expected == pytest.approx(100 * 13 / 17)
    assert result.metrics["github.ci.success_rate_7d"] == pytest.approx(expected)


def test_each_listing_is_fetched_once_per_run(main_run):
    """per_run shares the closed-PR and workflow-run listings between their two metrics."""
    _, transport = main_run
    urls = [str(r.url) for r in transport.requests]
    assert len(urls) == len(set(urls)) == 2 * 4 + 1  # four listings per repository, plus issues page 2


def test_requests_carry_the_token_and_api_version(main_run):
    _, transport = main_run
    for request in transport.requests:
        assert request.headers["Authorization"] == f"Bearer {PLACEHOLDER}"
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert request.url.params["per_page"] == "100"


def test_the_token_comes_from_get_secret(monkeypatch):
    asked = []
    real = api.get_secret

    def spy(name):
        asked.append(name)
        return real(name)

    monkeypatch.setattr(api, "get_secret", spy)
    result = GithubCollector().run(timeout=30, offline=True)
    assert result.errors == []
    assert asked and set(asked) == {"github/token"}


def test_cli_json_offline(capsys):
    assert main(["run", "github", "--json", "--offline"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"collector", "metrics", "series", "errors", "duration_seconds", "rate_budgets", "custom_metrics", "window"}
    assert out["window"] == {"start": "2026-11-27T11:45:00Z", "end": "2026-11-27T12:00:00Z"}  # the slot closed at recorded_at
    assert out["collector"] == "github" and out["errors"] == []
    assert out["metrics"]["github.ci.success_rate_7d"] == pytest.approx(100 * 13 / 17)
    assert out["metrics"]["github.prs.time_to_merge_median_hours"] == 14.0
    assert out["metrics"]["collector.github.error_count"] == 0.0
    assert {"metric": "github.prs.open", "value": 12.0, "tags": [HELLO]} in out["series"]
    assert {"metric": "github.issues.open", "value": 5.0, "tags": [OCTO]} in out["series"]
    assert {"metric": "github.prs.merged", "value": 0.0, "tags": [HELLO]} in out["series"]  # nothing merged in the window: 0
    assert len(out["series"]) == 7 * 2  # six tagged metrics and the distribution, two repositories


# --- scenarios -------------------------------------------------------------------------------------
# Each replays octo-org/octo-repo alone; its facts are the main recording's.
OCTO_VALUES = {
    "github.prs.open": {OCTO: 3},
    "github.prs.merged_7d": {OCTO: 3},
    "github.issues.open": {OCTO: 5},
    "github.ci.failed_runs_7d": {OCTO: 1},
}


def test_401_is_a_clear_token_error_never_zero():
    result, transport = replay(CASSETTES / "unauthorized")
    assert transport.unplayed() == []
    assert result.failed and result.series == result.meta_series  # only the meta-metrics remain
    assert len(result.errors) == 9
    for error in result.errors:
        assert error.type == "GitHubAuthError"
        assert "github/token" in error.message and "Bad credentials" in error.message
        assert PLACEHOLDER not in error.message


def test_403_rate_limited_names_the_reset_time():
    result, _ = replay(CASSETTES / "rate-limited")
    cassette = yaml.safe_load((CASSETTES / "rate-limited" / "github.yaml").read_text())
    headers = cassette["interactions"][0]["response"]["headers"]
    assert headers["x-ratelimit-remaining"] == ["0"]
    reset = datetime.fromtimestamp(int(headers["x-ratelimit-reset"][0]), UTC)
    assert result.failed and len(result.errors) == 9
    for error in result.errors:
        assert error.type == "GitHubRateLimited"
        assert "GitHub rate limit exhausted" in error.message
        assert f"resets at {reset:%Y-%m-%d %H:%M:%S} UTC" in error.message
    assert all(o.value is None and not o.series for o in result.outcomes)


def test_500_then_success_is_retried():
    result, transport = replay(CASSETTES / "server-error")
    assert result.errors == [] and transport.unplayed() == []
    asked = [r.url.path for r in transport.requests]
    assert asked.count("/repos/octo-org/octo-repo/pulls") == 3  # open: 500 then 200; closed: 200
    for name, values in OCTO_VALUES.items():
        assert tagged(result, name) == values
    assert result.metrics["github.prs.time_to_merge_median_hours"] == median(MERGED_HOURS[OCTO])
    assert result.metrics["github.ci.success_rate_7d"] == pytest.approx(100 * 4 / 5)


def test_malformed_body_fails_only_the_metric_that_reads_it():
    result, _ = replay(CASSETTES / "malformed-body")
    assert [(e.metric, e.type) for e in result.errors] == [("github.issues.open", "GitHubBadResponse")]
    assert "not valid JSON" in result.errors[0].message and "open issues of octo-org/octo-repo" in result.errors[0].message
    assert tagged(result, "github.issues.open") == {}
    for name, values in OCTO_VALUES.items():
        if name != "github.issues.open":
            assert tagged(result, name) == values


def test_quiet_week_gives_no_data_for_median_and_rate_and_real_zeros_for_counts():
    result, transport = replay(CASSETTES / "quiet")
    assert result.errors == [] and transport.unplayed() == []
    assert outcome(result, "github.prs.time_to_merge_median_hours").status == "no_data"
    assert outcome(result, "github.ci.success_rate_7d").status == "no_data"  # one queued run only
    for name in OCTO_VALUES:
        assert tagged(result, name) == {OCTO: 0}


# --- configuration and error translation ----------------------------------------------------------
def test_missing_repositories_is_a_config_error(monkeypatch, tmp_path):
    for name in ("github.yaml", "replay.json"):
        (tmp_path / name).write_text((CASSETTES / name).read_text())
    meta = json.loads((tmp_path / "replay.json").read_text())
    meta["config"] = {}
    (tmp_path / "replay.json").write_text(json.dumps(meta))
    monkeypatch.delenv("GITHUB_REPOSITORIES", raising=False)
    result = GithubCollector().run(timeout=30, cassettes=tmp_path)
    assert {e.type for e in result.errors} == {"ConfigError"}
    assert "GITHUB_REPOSITORIES" in result.errors[0].message


def test_repository_names_are_checked(monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORIES", "octocat/Hello-World, https://github.com/x/y")
    with pytest.raises(ConfigError, match="not owner/name"):
        metrics.repositories()
    monkeypatch.setenv("GITHUB_REPOSITORIES", "octocat/Hello-World,octocat/Hello-World, octo-org/octo-repo")
    assert metrics.repositories() == ["octocat/Hello-World", "octo-org/octo-repo"]


def _response(status: int, headers: dict[str, str], body: dict) -> httpx.Response:
    return httpx.Response(status, headers=headers, json=body, request=httpx.Request("GET", "https://api.github.com/x"))


def test_secondary_rate_limit_and_404_messages():
    secondary = api.error_for(
        _response(403, {"retry-after": "60", "x-ratelimit-remaining": "4100"},
                  {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}),
        "open issues of a/b",
    )
    assert isinstance(secondary, api.GitHubRateLimited) and "wait 60s" in str(secondary)
    missing = api.error_for(_response(404, {}, {"message": "Not Found"}), "open issues of a/b")
    assert "GITHUB_REPOSITORIES" in str(missing)
    forbidden = api.error_for(_response(403, {"x-ratelimit-remaining": "4100"}, {"message": "Resource not accessible"}), "x")
    assert type(forbidden) is api.GitHubError and "read access" in str(forbidden)
    exhausted = api.error_for(_response(429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795783276"}, {}), "x")
    assert isinstance(exhausted, api.GitHubRateLimited) and "resets at 2026-11-27 12:41:16 UTC" in str(exhausted)


def test_runs_beyond_githubs_cap_are_an_error_not_an_undercount(monkeypatch):
    def capped(path, params, *, what, items):
        yield from items({"total_count": 1500, "workflow_runs": [{"conclusion": "success"}] * metrics.RUNS_CAP})

    monkeypatch.setattr(metrics, "listing", capped)
    with pytest.raises(api.GitHubError, match="at most 1000"):
        metrics.workflow_runs("octo-org/octo-repo")


# --- the cassettes are what build.py makes of the reference examples ----------------------------
def _builder():
    spec = importlib.util.spec_from_file_location("github_cassette_builder", CASSETTES / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_cassettes_match_builder():
    builder = _builder()
    built = builder.build()
    on_disk = {p.relative_to(CASSETTES).as_posix() for p in CASSETTES.rglob("*") if p.suffix in (".yaml", ".json")
               and p.parent.name != "reference" and p.name != "golden.json"}  # golden.json: the reviewed offline series, not built
    assert on_disk == set(built)
    for relative, data in built.items():
        path = CASSETTES / relative
        if relative.endswith(".json"):
            assert json.loads(path.read_text()) == data, relative
        else:
            assert builder.decoded(yaml.safe_load(path.read_text())) == builder.decoded(data), relative


def test_no_credentials_in_cassettes():
    for path in CASSETTES.rglob("*.yaml"):
        text = path.read_text()
        assert "authorization" not in text.lower() and "ghp_" not in text and "github_pat_" not in text, path


def test_readme_metrics_table_matches_the_code():
    readme = (Path(metrics.__file__).parent / "README.md").read_text()
    table = readme.split("<!-- metrics-table:start -->")[1].split("<!-- metrics-table:end -->")[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.strip().splitlines()[2:]]
    specs = GithubCollector().metric_specs()
    assert rows == [[f"`{s.name}`", s.description, s.unit, s.type.upper()] for s in specs]


def test_helm_values_entry():
    values = yaml.safe_load((Path(__file__).resolve().parents[2] / "charts" / "datadog-collectors" / "values.yaml").read_text())
    entry = values["collectors"]["github"]
    assert entry["enabled"] is True and entry["schedule"] == "*/15 * * * *"
    assert set(entry["env"]) == set(GithubCollector.config)


def test_golden_series(golden):
    """Every series and error of the main offline run, against the reviewed tests/cassettes/github/golden.json."""
    golden(GithubCollector())


# --- one repository's failure costs its own series only (a loopback GitHub) -----------------------
def test_failed_repositories_cost_their_own_series_and_renames_are_followed(monkeypatch):
    """Four repositories behind GITHUB_API_URL (as for GitHub Enterprise Server, /api/v3): one fine,
    one renamed (301 to /repositories/<id>/..., as GitHub answers), one deleted (404), one forbidden (403)."""
    from loopback import Loopback, Reply

    listing = lambda items: Reply(200, items)  # noqa: E731
    runs = Reply(200, {"total_count": 0, "workflow_runs": []})
    routes: dict = {}
    for base, n in (("/api/v3/repos/octo/fine", 2), ("/api/v3/repositories/42", 5)):
        routes[f"{base}/pulls"] = listing([{"number": i, "updated_at": "2000-01-01T00:00:00Z"} for i in range(n)])
        routes[f"{base}/issues"] = listing([{"number": i} for i in range(n)])
        routes[f"{base}/actions/runs"] = runs
    for what in ("pulls", "issues", "actions/runs"):
        routes[f"/api/v3/repos/octo/gone/{what}"] = Reply(404, {"message": "Not Found"})
        routes[f"/api/v3/repos/octo/secret/{what}"] = Reply(403, {"message": "Resource not accessible by integration"})
    with Loopback(routes) as server:
        for what in ("pulls", "issues", "actions/runs"):
            routes_reply = Reply(301, {"message": "Moved Permanently"}, headers={"Location": f"{server.url}/api/v3/repositories/42/{what}"})
            server.routes[f"/api/v3/repos/octo/renamed/{what}"] = [routes_reply]
        monkeypatch.setenv("GITHUB_API_URL", f"{server.url}/api/v3/")
        monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "t" * 36)
        monkeypatch.setenv("GITHUB_REPOSITORIES", "octo/fine,octo/renamed,octo/gone,octo/secret")
        result = GithubCollector().run(timeout=20)
    assert all(r.path.startswith("/api/v3/") for r in server.requests)
    assert tagged(result, "github.prs.open") == {"repo:octo/fine": 2, "repo:octo/renamed": 5}
    assert tagged(result, "github.issues.open") == {"repo:octo/fine": 2, "repo:octo/renamed": 5}
    assert tagged(result, "github.ci.failed_runs_7d") == {"repo:octo/fine": 0, "repo:octo/renamed": 0}
    failed = sorted((e.metric, e.tags) for e in result.errors if e.tags)
    per_metric = ("github.ci.failed_runs_7d", "github.ci.runs", "github.issues.open", "github.prs.merged", "github.prs.merged_7d", "github.prs.open")
    assert failed == sorted((m, (f"repo:octo/{r}",)) for m in per_metric for r in ("gone", "secret"))
    by_item = {(e.metric, e.tags[0]): e for e in result.errors if e.tags}
    assert "404" in by_item[("github.prs.open", "repo:octo/gone")].message
    assert "403" in by_item[("github.prs.open", "repo:octo/secret")].message
    assert by_item[("github.prs.open", "repo:octo/gone")].to_json()["tags"] == ["repo:octo/gone"]
    assert "ghp_" not in json.dumps(result.to_json())


def test_the_page_limit_is_a_setting_named_in_its_error(monkeypatch):
    from loopback import Loopback, Reply

    with Loopback() as server:
        page = Reply(200, [{"number": 1}], headers={"Link": f'<{server.url}/repos/octo/big/issues?page=2>; rel="next"'})
        server.routes["/repos/octo/big/issues"] = [page]
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "t" * 36)
        monkeypatch.setenv("GITHUB_REPOSITORIES", "octo/big")
        monkeypatch.setenv("GITHUB_MAX_PAGES", "3")
        result = GithubCollector().run(timeout=20)
    (error,) = [e for e in result.errors if e.metric == "github.issues.open"]
    assert error.type == "TooManyPages" and error.tags == ("repo:octo/big",)
    assert "more than 3 pages; raise GITHUB_MAX_PAGES (now 3)" in error.message


# --- github.ci.runs: runs completed in the window, [start, end) ---------------------------------
def runs_in(start: datetime, end: datetime) -> dict[str, float]:
    """The recording replayed for the window [start, end), the engine's clock frozen at its end (as a backfill does)."""
    from toolkit.engine import RunOptions, collect
    from toolkit.model import Window

    result = collect(GithubCollector(), RunOptions(timeout=30, offline=True, window=Window(start, end), windowed_only=True))
    assert result.errors == [], result.errors
    return tagged(result, "github.ci.runs")


def test_ci_runs_counts_a_run_completed_at_the_window_start_not_one_at_its_end():
    done = datetime(2026, 11, 27, 11, 7, tzinfo=UTC)  # octo-repo's run 4100000006: completed (updated_at) at 11:07
    quarter = timedelta(minutes=15)
    assert runs_in(done, done + quarter) == {HELLO: 0, OCTO: 1}  # exactly at start: counts
    assert runs_in(done - quarter, done) == {HELLO: 0, OCTO: 0}  # exactly at end: the next window's
    # Hello-World's run 4100000100 is in progress (updated at 11:01): not completed, in no window
    assert runs_in(datetime(2026, 11, 27, 11, 1, tzinfo=UTC), datetime(2026, 11, 27, 11, 2, tzinfo=UTC)) == {HELLO: 0, OCTO: 0}


def test_ci_runs_in_the_recordings_window_is_zero_per_repository(main_run):
    result, _ = main_run  # [11:45, 12:00): no run completed then; every repository still sends its 0
    assert tagged(result, "github.ci.runs") == {HELLO: 0, OCTO: 0}


def test_a_repository_with_no_merge_is_sent_as_0_and_once_removed_is_retired_once(monkeypatch):
    """Zero-fill and retirement with the real collector: GitHub's recorded answers (tests/test_backfill.py's
    stand-in, unshifted: the engine's clock is simulated instead) and tests/test_windows.py's Datadog
    (intake and query API, the store of what earlier runs pushed), one run per */15 window.

    octo-repo's PR #89 was merged at 00:00 (a 7-day listing made at 12:00 still holds it), in [00:00, 00:15);
    Hello-World merged nothing then, so its count is a 0 the collector returns itself. octo-repo, removed
    after the run of [00:15, 00:30), is filled until RETIRE_AFTER windows after its merge, then retired;
    Hello-World, with no merge in any window, is retired in the first window it is not configured."""
    import time

    from test_backfill import RecordedGitHub
    from test_windows import API_KEY, APP_KEY, Datadog

    from toolkit.cli._windows import catch_up_and_fill
    from toolkit.datadog import DatadogState, PushSettings, push
    from toolkit.engine import RETIRE_AFTER, RunOptions, collect, registry

    schedule = "*/15 * * * *"
    at = lambda h, m: datetime(2026, 11, 27, h, m, tzinfo=UTC)  # noqa: E731
    clock = [at(0, 17)]
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "t" * 36)
    monkeypatch.delenv("DD_COLLECTOR_RETIRE_AFTER", raising=False)
    said: list[str] = []
    retired: list[list[str]] = []
    with RecordedGitHub(timedelta(0)) as github, Datadog(lambda: clock[0]) as dd:
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        state = DatadogState(dd.url, API_KEY, APP_KEY)
        refs = [*registry.resolve(["github"])]
        for k in range(2 + RETIRE_AFTER + 2 + 2):  # 00:17, 00:32, ... 02:32: one run per window
            clock[0] = at(0, 17) + timedelta(minutes=15 * k)
            # the first two runs watch both repositories; then octo-repo leaves the configuration; in the last
            # two (02:17, 02:32) octo-repo is back and Hello-World has left
            watched = "octocat/Hello-World,octo-org/octo-repo" if k < 2 else "octocat/Hello-World" if k < 8 else "octo-org/octo-repo"
            monkeypatch.setenv("GITHUB_REPOSITORIES", watched)
            current = collect(GithubCollector(), RunOptions(timeout=30, frozen_at=clock[0], schedule=schedule))
            results = catch_up_and_fill(refs, [current], None, {"github": schedule}, began=time.monotonic(), timeout=30,
                                        state=state, clock=lambda: clock[0], say=said.append)
            assert [r.window.end for r in results] == [current.window.end]  # one run per window: nothing to catch up
            assert push(results, PushSettings(API_KEY, dd.url, "test", ())).ok
            retired.append(results[-1].retired)
    merged = {datetime.fromtimestamp(ts, UTC).strftime("%H:%M"): {t: v for tags, v in by.items() for t in tags if t.startswith("repo:")}
              for ts, by in sorted(dd.at("github.prs.merged").items())}
    assert merged["00:15"] == {HELLO: 0.0, OCTO: 1.0}  # Hello-World merged nothing: in the payload with 0
    assert merged["00:30"] == {HELLO: 0.0, OCTO: 0.0}  # and now octo-repo too, still configured
    # octo-repo removed: 0 while its last merge is within RETIRE_AFTER windows (00:30 .. 01:15)
    for end in ("00:45", "01:00", "01:15"):
        assert merged[end] == {HELLO: 0.0, OCTO: 0.0}
    # then retired: named once, in the first window past the limit, and no longer filled
    assert merged["01:30"] == merged["01:45"] == merged["02:00"] == {HELLO: 0.0}
    # Hello-World removed: never filled (no merge to keep it alive), retired in its first window away
    assert merged["02:15"] == merged["02:30"] == {OCTO: 0.0}
    octo, hello = "github.prs.merged{repo:octo-org/octo-repo}", "github.prs.merged{repo:octocat/hello-world}"
    assert [[n for n in r if n.startswith("github.prs.merged")] for r in retired] == [[]] * 5 + [[octo]] + [[]] * 2 + [[hello]] + [[]]
    # the run's line on stderr, once each
    lines = [line for line in said if "github.prs.merged{" in line]
    assert lines == [f"github: {octo} retired: no event in {RETIRE_AFTER} windows, no longer sent as 0",
                     f"github: {hello} retired: no event in {RETIRE_AFTER} windows, no longer sent as 0"]
