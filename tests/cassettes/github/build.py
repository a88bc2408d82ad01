"""Build the GitHub cassettes from GitHub's published examples (``reference/``).

Run ``python tests/cassettes/github/build.py`` to rewrite every cassette here; the test suite
checks that the files on disk are what this script builds (``test_cassettes_match_builder``).
Every change made to the published examples is below, in code, and listed in README.md.

The story the cassettes tell, recorded at RECORDED_AT (window: the 7 days before it):

octocat/Hello-World (busy):
  open PRs        12 (one draft), one page
  closed PRs      sorted by updated desc; page 1 holds 100 of ~850: 9 updated in the window
                  (7 merged in it, 1 closed unmerged, 1 merged before it and commented on
                  since), then 91 older ones; its Link points to page 2, which the collector
                  must not fetch (it is not recorded)
  open issues     127 items over two pages (100 + 27, page 2 reached through the Link header's
                  /repositories/1296269/... URL); 12 of them are the open PRs -> 115 issues
  workflow runs   14 created in the window: 9 success, 2 failure, 1 timed_out, 1 cancelled,
                  1 in progress
octo-org/octo-repo (quiet):
  open PRs 3, closed PRs 5 (3 merged in the window, 2 before), open issues 8 items of which
  3 PRs -> 5 issues, workflow runs 6: 4 success, 1 failure, 1 skipped.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode

import yaml

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference"
API = "https://api.github.com"

RECORDED_AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SINCE = RECORDED_AT - timedelta(days=7)
RATE_RESET = int((RECORDED_AT + timedelta(minutes=41, seconds=16)).timestamp())
PLACEHOLDER_TOKEN = "offline-placeholder-token"


@dataclass(frozen=True)
class Repo:
    full_name: str
    id: int
    node_id: str

    @property
    def name(self) -> str:
        return self.full_name.split("/")[1]


# Hello-World's id and node_id are the spec examples' own; octo-repo's come from the
# workflow-run example's head_repository.
HELLO = Repo("octocat/Hello-World", 1296269, "MDEwOlJlcG9zaXRvcnkxMjk2MjY5")
OCTO = Repo("octo-org/octo-repo", 217723378, "MDEwOlJlcG9zaXRvcnkyMTc3MjMzNzg=")


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reference(name: str):
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def _node_id(kind: str, number: int) -> str:
    # GitHub's legacy global ids, as in the examples: base64("011:PullRequest1") etc.
    return base64.b64encode(f"{kind}{number}".encode()).decode()


def _move_to(item: dict, repo: Repo) -> dict:
    """Re-home a published example on ``repo`` (the examples all live on octocat/Hello-World)."""
    if repo == HELLO:
        return item
    text = json.dumps(item).replace("octocat/Hello-World", repo.full_name)
    return json.loads(text)


def _set_repo_identity(obj: dict, repo: Repo) -> None:
    obj.update(id=repo.id, node_id=repo.node_id, name=repo.name, full_name=repo.full_name)


def _renumber(item: dict, old: int, new: int) -> dict:
    text = json.dumps(item).replace(f"/{old}", f"/{new}")  # only the URLs carry "/<number>"
    return json.loads(text)


# --- pull requests (pulls/list: pull-request-simple) -------------------------------------
_PR = _reference("pulls-list.json")[0]


def pull(repo: Repo, number: int, *, created: datetime, updated: datetime, closed: datetime | None = None,
         merged: datetime | None = None, draft: bool = False) -> dict:
    pr = _renumber(_move_to(copy.deepcopy(_PR), repo), 1347, number)
    for side in ("head", "base"):
        _set_repo_identity(pr[side]["repo"], repo)
    pr.update(
        id=repo.id * 10_000 + number,
        node_id=_node_id("011:PullRequest", repo.id * 10_000 + number),
        number=number,
        title=f"Change #{number}",
        state="closed" if closed else "open",
        locked=False,  # the example is locked "too heated"; ordinary PRs are not
        active_lock_reason=None,
        created_at=_ts(created),
        updated_at=_ts(updated),
        closed_at=_ts(closed) if closed else None,
        merged_at=_ts(merged) if merged else None,
        draft=draft,
    )
    pr["head"]["ref"] = f"change-{number}"
    pr["head"]["label"] = f"{repo.full_name.split('/')[0]}:change-{number}"
    return pr


def _merged(repo: Repo, number: int, merged: datetime, hours: float) -> dict:
    return pull(repo, number, created=merged - timedelta(hours=hours), updated=merged + timedelta(minutes=2),
                closed=merged, merged=merged)


# The time-to-merge facts (hours) that tests/collectors/test_github.py states again.
HELLO_MERGED_HOURS = [1.5, 3, 5, 8, 20, 26, 50]
OCTO_MERGED_HOURS = [0.75, 30, 72]


def hello_closed_page1() -> list[dict]:
    """Page 1 of Hello-World's closed PRs, sorted by updated desc."""
    items = []
    for i, hours in enumerate(HELLO_MERGED_HOURS):  # merged 6 h, 20 h, ... ago, all in the window
        items.append(_merged(HELLO, 2040 - i, RECORDED_AT - timedelta(hours=6 + 20 * i), hours))
    # closed without merging, in the window
    items.append(pull(HELLO, 2031, created=SINCE - timedelta(days=3), updated=SINCE + timedelta(hours=10),
                      closed=SINCE + timedelta(hours=10)))
    # merged 2 days before the window, commented on inside it: updated in, merged out
    old_merge = SINCE - timedelta(days=2)
    items.append(pull(HELLO, 2020, created=old_merge - timedelta(hours=30), updated=SINCE + timedelta(hours=2),
                      closed=old_merge, merged=old_merge))
    # 91 older ones, closed every 6 hours further back; every third closed without merging
    for k in range(91):
        at = SINCE - timedelta(hours=1 + 6 * k)
        created = SINCE - timedelta(hours=80 + 6 * k)  # numbers rise with creation time
        number = 2019 - k
        merged = None if k % 3 == 2 else at
        items.append(pull(HELLO, number, created=created, updated=at, closed=at, merged=merged))
    assert len(items) == 100
    assert [p["updated_at"] for p in items] == sorted((p["updated_at"] for p in items), reverse=True)
    return items


def octo_closed() -> list[dict]:
    items = [
        _merged(OCTO, 89 - i, RECORDED_AT - timedelta(hours=12 + 40 * i), hours)
        for i, hours in enumerate(OCTO_MERGED_HOURS)
    ]
    for number, days in ((84, 9), (83, 15)):  # merged before the window
        at = RECORDED_AT - timedelta(days=days)
        items.append(_merged(OCTO, number, at, 5))
    assert [p["updated_at"] for p in items] == sorted((p["updated_at"] for p in items), reverse=True)
    return items


# --- issues (issues/list-for-repo: issue; PRs come back too) -----------------------------
_ISSUE = _reference("issues-list.json")[0]


def issue(repo: Repo, number: int, *, created: datetime, updated: datetime, is_pull: bool) -> dict:
    item = _renumber(_move_to(copy.deepcopy(_ISSUE), repo), 1347, number)
    item.update(
        id=repo.id * 10_000 + number + 5_000,
        node_id=_node_id("05:Issue", repo.id * 10_000 + number + 5_000),
        number=number,
        title=f"{'Change' if is_pull else 'Report'} #{number}",
        state="open",
        locked=False,
        active_lock_reason=None,
        created_at=_ts(created),
        updated_at=_ts(updated),
        closed_at=None,
        closed_by=None,
        state_reason=None,
    )
    if not is_pull:
        del item["pull_request"]  # plain issues have no pull_request key
    return item


# The open items (PRs and issues share one number sequence): (number, is a PR, hours since
# it was opened). Numbers rise with creation time across open and closed items alike.
HELLO_OPEN = (
    [(n, False, (2061 - n) * 0.35) for n in range(2060, 2052, -1)]  # 8 recent issues
    + [(n, n != 2048, (2061 - n) * 0.35) for n in range(2052, 2040, -1)]  # 11 PRs and issue 2048
    + [(1928 - 7 * k, False, 800 + 21 * k) for k in range(106)]  # 106 older issues
)
HELLO_OPEN.append((1850, True, 1034))  # one old PR still open
HELLO_OPEN.sort(reverse=True)  # newest first, the listing's order
HELLO_DRAFTS = {2047}
OCTO_OPEN = [(93, False, 2), (92, True, 5), (91, True, 9), (90, False, 11), (86, True, 190), (85, False, 200),
             (80, False, 400), (77, False, 500)]


def open_pulls(repo: Repo, plan: list[tuple[int, bool, float]], drafts: set[int] = frozenset()) -> list[dict]:
    """The pulls listing (state=open, default sort: created desc)."""
    out = []
    for number, is_pull, hours in plan:
        if is_pull:
            created = RECORDED_AT - timedelta(hours=hours)
            updated = RECORDED_AT - timedelta(hours=hours / 2)
            out.append(pull(repo, number, created=created, updated=updated, draft=number in drafts))
    return out


def open_items(repo: Repo, plan: list[tuple[int, bool, float]]) -> list[dict]:
    """The issues listing (state=open, default sort: created desc): issues and PRs alike."""
    return [
        issue(repo, n, created=RECORDED_AT - timedelta(hours=h), updated=RECORDED_AT - timedelta(hours=h / 2), is_pull=p)
        for n, p, h in plan
    ]


# --- workflow runs (actions/list-workflow-runs-for-repo: workflow-run) ---------------------
_RUNS = _reference("actions-runs-list.json")
_RUN = _RUNS["workflow_runs"][0]


def run(repo: Repo, run_id: int, number: int, *, created: datetime, status: str, conclusion: str | None) -> dict:
    item = json.loads(json.dumps(_RUN).replace("octo-org/octo-repo", repo.full_name).replace("30433642", str(run_id)))
    # The example's repository is Hello-World and its head_repository octo-repo; here both are
    # the listed repository (runs of the repository's own branches).
    item["repository"] = _move_to(item["repository"], repo)
    _set_repo_identity(item["repository"], repo)
    item["head_repository"] = copy.deepcopy(item["repository"])
    finished = created + timedelta(minutes=7)
    item.update(
        id=run_id,
        node_id=_node_id("012:WorkflowRun", run_id),
        run_number=number,
        status=status,
        conclusion=conclusion,
        created_at=_ts(created),
        updated_at=_ts(finished if status == "completed" else created + timedelta(minutes=1)),
        run_started_at=_ts(created),
    )
    return item


# (status, conclusion) per run, newest first
HELLO_RUNS = [("in_progress", None), ("completed", "success"), ("completed", "failure"), ("completed", "success"),
              ("completed", "cancelled"), ("completed", "success"), ("completed", "success"),
              ("completed", "timed_out"), ("completed", "success"), ("completed", "success"),
              ("completed", "failure"), ("completed", "success"), ("completed", "success"), ("completed", "success")]
OCTO_RUNS = [("completed", "success"), ("completed", "skipped"), ("completed", "success"), ("completed", "failure"),
             ("completed", "success"), ("completed", "success")]


def runs_page(repo: Repo, plan: list[tuple[str, str | None]], first_id: int) -> dict:
    runs = [
        run(repo, first_id - i, 900 - i, created=RECORDED_AT - timedelta(hours=1 + 11 * i), status=s, conclusion=c)
        for i, (s, c) in enumerate(plan)
    ]
    return {"total_count": len(runs), "workflow_runs": runs}


# --- HTTP ------------------------------------------------------------------------------------
class Budget:
    """The core rate-limit bucket, counted down across one recording."""

    def __init__(self, used: int = 37) -> None:
        self.used = used

    def headers(self) -> dict[str, list[str]]:
        self.used += 1
        return {
            "x-ratelimit-limit": ["5000"],
            "x-ratelimit-remaining": [str(5000 - self.used)],
            "x-ratelimit-reset": [str(RATE_RESET)],
            "x-ratelimit-resource": ["core"],
            "x-ratelimit-used": [str(self.used)],
        }


def request(url: str) -> dict:
    # vcrpy's filter_headers=["authorization"] drops the token; the rest is what the client sends.
    return {
        "body": None,
        "headers": {
            "Accept": ["application/vnd.github+json"],
            "X-GitHub-Api-Version": ["2022-11-28"],
        },
        "method": "GET",
        "uri": url,
    }


def _common_headers(second: int) -> dict[str, list[str]]:
    return {
        "date": [format_datetime(RECORDED_AT + timedelta(seconds=second), usegmt=True)],
        "content-type": ["application/json; charset=utf-8"],
        "x-github-media-type": ["github.v3; format=json"],
        "x-github-request-id": [f"C0DE:1A2B:{3000 + second:X}:{4000 + second:X}:6747{second:04X}"],
    }


def ok(url: str, data, budget: Budget, *, link: str | None = None, second: int = 0) -> dict:
    """A 200 as GitHub sends it to httpx (gzip; vcrpy keeps the compressed bytes)."""
    headers = {**_common_headers(second), "content-encoding": ["gzip"], **budget.headers()}
    if link:
        headers["link"] = [link]
    body = gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0)
    return {"request": request(url), "response": {"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": body}}}


def error(url: str, code: int, message: str, body: str, headers: dict[str, list[str]], *, second: int = 0) -> dict:
    return {
        "request": request(url),
        "response": {"status": {"code": code, "message": message}, "headers": {**_common_headers(second), **headers},
                     "body": {"string": body}},
    }


def url(path: str, **params) -> str:
    return f"{API}{path}?{urlencode(params)}" if params else f"{API}{path}"


def open_pulls_url(repo: Repo) -> str:
    return url(f"/repos/{repo.full_name}/pulls", state="open", per_page=100)


def closed_pulls_url(repo: Repo) -> str:
    return url(f"/repos/{repo.full_name}/pulls", state="closed", sort="updated", direction="desc", per_page=100)


def issues_url(repo: Repo) -> str:
    return url(f"/repos/{repo.full_name}/issues", state="open", per_page=100)


def runs_url(repo: Repo) -> str:
    return url(f"/repos/{repo.full_name}/actions/runs", created=f">={_ts(SINCE)}", exclude_pull_requests="true",
               per_page=100)


def _link(repo: Repo, resource: str, query: dict, pages: dict[str, int]) -> str:
    # GitHub's Link URLs name the repository by id and keep the query, page last ([DOC-PAG]).
    parts = [f'<{url(f"/repositories/{repo.id}/{resource}", **query, page=n)}>; rel="{rel}"' for rel, n in pages.items()]
    return ", ".join(parts)


# --- what each directory holds ----------------------------------------------------------------
def octo_interactions(budget: Budget, *, start: int = 0) -> dict[str, dict]:
    """octo-org/octo-repo's four answers, by what they are (scenarios replace some)."""
    return {
        "open_pulls": ok(open_pulls_url(OCTO), open_pulls(OCTO, OCTO_OPEN), budget, second=start),
        "closed_pulls": ok(closed_pulls_url(OCTO), octo_closed(), budget, second=start + 1),
        "issues": ok(issues_url(OCTO), open_items(OCTO, OCTO_OPEN), budget, second=start + 1),
        "runs": ok(runs_url(OCTO), runs_page(OCTO, OCTO_RUNS, 4_100_000_006), budget, second=start + 2),
    }


def main_cassette() -> dict:
    budget = Budget()
    hello_items = open_items(HELLO, HELLO_OPEN)
    issues_query = {"state": "open", "per_page": 100}
    closed_query = {"state": "closed", "sort": "updated", "direction": "desc", "per_page": 100}
    interactions = [
        ok(open_pulls_url(HELLO), open_pulls(HELLO, HELLO_OPEN, HELLO_DRAFTS), budget),
        ok(closed_pulls_url(HELLO), hello_closed_page1(), budget, second=1,
           link=_link(HELLO, "pulls", closed_query, {"next": 2, "last": 9})),
        ok(issues_url(HELLO), hello_items[:100], budget, second=1,
           link=_link(HELLO, "issues", issues_query, {"next": 2, "last": 2})),
        ok(url(f"/repositories/{HELLO.id}/issues", **issues_query, page=2), hello_items[100:], budget, second=2,
           link=_link(HELLO, "issues", issues_query, {"prev": 1, "first": 1})),
        ok(runs_url(HELLO), runs_page(HELLO, HELLO_RUNS, 4_100_000_100), budget, second=2),
        *octo_interactions(budget, start=3).values(),
    ]
    return {"interactions": interactions, "version": 1}


UNAUTHORIZED = '{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}'
RATE_LIMITED = (
    '{"message":"API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include '
    'the request ID C0DE:1A2B:3F21:4A17:67470001.","documentation_url":'
    '"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}'
)
SERVER_ERROR = '{"message":"Server Error"}'


def every_octo_request(code: int, message: str, body: str, headers: dict[str, list[str]]) -> dict:
    urls = [open_pulls_url(OCTO), closed_pulls_url(OCTO), issues_url(OCTO), runs_url(OCTO)]
    return {"interactions": [error(u, code, message, body, headers, second=i) for i, u in enumerate(urls)], "version": 1}


def scenario_unauthorized() -> dict:
    # A rejected token is not counted against the token's bucket: unauthenticated limits apply.
    headers = {"x-ratelimit-limit": ["60"], "x-ratelimit-remaining": ["59"], "x-ratelimit-reset": [str(RATE_RESET)],
               "x-ratelimit-resource": ["core"], "x-ratelimit-used": ["1"]}
    return every_octo_request(401, "Unauthorized", UNAUTHORIZED, headers)


def scenario_rate_limited() -> dict:
    headers = {"x-ratelimit-limit": ["5000"], "x-ratelimit-remaining": ["0"], "x-ratelimit-reset": [str(RATE_RESET)],
               "x-ratelimit-resource": ["core"], "x-ratelimit-used": ["5000"]}
    return every_octo_request(403, "Forbidden", RATE_LIMITED, headers)


def scenario_server_error() -> dict:
    budget = Budget()
    answers = octo_interactions(budget)
    failed = error(open_pulls_url(OCTO), 500, "Internal Server Error", SERVER_ERROR, budget.headers())
    # the 500 comes first: the retry layer asks again and gets the recorded 200
    interactions = [failed, *answers.values()]
    return {"interactions": interactions, "version": 1}


def scenario_malformed() -> dict:
    budget = Budget()
    answers = octo_interactions(budget)
    whole = json.dumps(open_items(OCTO, OCTO_OPEN), separators=(",", ":"))
    # a body cut short (a proxy or a dropped connection): valid start, no end
    answers["issues"] = error(issues_url(OCTO), 200, "OK", whole[: len(whole) // 3], budget.headers(), second=1)
    return {"interactions": list(answers.values()), "version": 1}


def scenario_quiet() -> dict:
    """A week with nothing merged and no finished CI run: no data, not zero, for median and rate."""
    budget = Budget()
    old = [_merged(OCTO, 84, RECORDED_AT - timedelta(days=9), 5), _merged(OCTO, 83, RECORDED_AT - timedelta(days=15), 5)]
    queued = copy.deepcopy(_RUNS)  # the published example as is: one queued run, no conclusion
    queued["workflow_runs"] = [run(OCTO, 30433642, 562, created=RECORDED_AT - timedelta(minutes=3), status="queued",
                                   conclusion=None)]
    return {"interactions": [
        ok(open_pulls_url(OCTO), [], budget),
        ok(closed_pulls_url(OCTO), old, budget),
        ok(issues_url(OCTO), [], budget),
        ok(runs_url(OCTO), queued, budget),
    ], "version": 1}


def replay_json(repos: list[Repo]) -> dict:
    return {
        "recorded_at": _ts(RECORDED_AT),
        "config": {"GITHUB_REPOSITORIES": ",".join(r.full_name for r in repos)},
        "secrets": {"github/token": PLACEHOLDER_TOKEN},
        "match_on": ["method", "scheme", "host", "port", "path", "query"],
    }


def build() -> dict[str, dict]:
    """Every file this script writes, by path relative to this directory."""
    both, octo = [HELLO, OCTO], [OCTO]
    files = {"github.yaml": main_cassette(), "replay.json": replay_json(both)}
    for name, maker in (("unauthorized", scenario_unauthorized), ("rate-limited", scenario_rate_limited),
                        ("server-error", scenario_server_error), ("malformed-body", scenario_malformed),
                        ("quiet", scenario_quiet)):
        files[f"{name}/github.yaml"] = maker()
        files[f"{name}/replay.json"] = replay_json(octo)
    return files


def decoded(cassette: dict) -> dict:
    """A cassette with its gzip bodies decompressed and parsed: what to compare, byte-for-byte gzip aside."""
    out = copy.deepcopy(cassette)
    for interaction in out.get("interactions", []):
        body = interaction["response"]["body"]
        raw = body["string"]
        if isinstance(raw, bytes):
            body["string"] = json.loads(gzip.decompress(raw))
    return out


HEADER = "# Built by tests/cassettes/github/build.py from GitHub's published examples; see README.md.\n"


def write(files: dict[str, dict]) -> None:
    for relative, data in files.items():
        path = HERE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative.endswith(".json"):
            path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        else:
            path.write_text(HEADER + yaml.safe_dump(data, sort_keys=False, width=120), encoding="utf-8")


if __name__ == "__main__":
    write(build())
    print(f"wrote {len(build())} files under {HERE}", file=sys.stderr)
