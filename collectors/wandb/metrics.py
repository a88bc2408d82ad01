"""W&B metrics: one paged GraphQL listing of a project's runs per run of the collector.

The listing asks for the runs that are running now (however old) and the runs created in the
last 7 days that ended (finished, crashed, failed); every metric reads that one listing.

GraphQL is posted with httpx directly: from wandb 0.27 the SDK's public API sends its queries
through the ``wandb-core`` Go process, which no Python HTTP layer (retries, replay) can see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from toolkit import ConfigError, get_config, get_secret, http_client, metric, now, per_run

WINDOW = timedelta(days=7)
DEFAULT_BASE_URL = "https://api.wandb.ai"
DEFAULT_PAGE_SIZE = 50  # the SDK's default (`$perPage: Int = 50`)
MAX_PAGES = 200
ENDED_STATES = ("finished", "crashed", "failed")

# The SDK's `Runs` query (wandb 0.23.0 `_create_runs_query`), cut down to the fields read here.
RUNS_QUERY = """query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges {
        node {
          name
          state
          createdAt
          heartbeatAt
        }
        cursor
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
}
"""


class WandbError(RuntimeError):
    """The W&B API refused a query or answered with GraphQL errors."""


@dataclass(frozen=True)
class Run:
    name: str
    state: str
    created_at: datetime
    heartbeat_at: datetime | None


def _client() -> httpx.Client:
    base_url = (get_config("WANDB_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    # W&B authenticates with HTTP Basic: user "api", the API key as password.
    return http_client(base_url, auth=("api", get_secret("wandb/api-key")), headers={"Accept": "application/json"})


def graphql(http: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """POST one GraphQL query; GraphQL ``errors`` are raised even when the HTTP status is 200."""
    response = http.post("/graphql", json={"query": query, "variables": variables})
    try:
        body = response.json()
    except ValueError:
        body = None
    if not response.is_success:
        hint = " (check wandb/api-key and that it can read the project)" if response.status_code in (401, 403) else ""
        raise WandbError(f"POST /graphql answered {response.status_code} {response.reason_phrase}: {_messages(body) or response.text[:200]}{hint}")
    if not isinstance(body, dict):
        raise WandbError("POST /graphql answered 200 with a body that is not a JSON object")
    if body.get("errors"):
        raise WandbError(f"GraphQL errors: {_messages(body)}")
    if not isinstance(body.get("data"), dict):
        raise WandbError("POST /graphql answered 200 without data or errors")
    return body["data"]


def _messages(body: Any) -> str:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ""
    return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)


def _page_size() -> int:
    raw = get_config("WANDB_PAGE_SIZE") or str(DEFAULT_PAGE_SIZE)
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= 1000:
        raise ConfigError(f"WANDB_PAGE_SIZE must be a whole number from 1 to 1000, not {raw!r}")
    return size


def _window_start() -> datetime:
    return now() - WINDOW


def _since_filter() -> str:
    # W&B compares createdAt as a naive UTC ISO timestamp (the SDK sends "2024-05-13T00:00:00").
    return _window_start().astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


@per_run
def runs() -> list[Run]:
    """Running runs and runs created in the window that ended, across every page (cursor paging)."""
    entity = get_config("WANDB_ENTITY", required=True)
    project = get_config("WANDB_PROJECT", required=True)
    filters = {
        "$or": [
            {"state": "running"},
            {"$and": [{"state": {"$in": list(ENDED_STATES)}}, {"createdAt": {"$gte": _since_filter()}}]},
        ]
    }
    variables: dict[str, Any] = {
        "project": project,
        "entity": entity,
        "order": "-created_at",
        "filters": json.dumps(filters),  # a JSONString: JSON text inside the JSON variables
        "perPage": _page_size(),
        "cursor": None,
    }
    found: dict[str, Run] = {}
    with _client() as http:
        for _ in range(MAX_PAGES):
            data = graphql(http, RUNS_QUERY, variables)
            listing = data.get("project")
            if listing is None:
                raise WandbError(f"project {entity}/{project} was not found, or this API key cannot read it")
            page = listing["runs"]
            for edge in page["edges"]:
                run = _run(edge["node"])
                found[run.name] = run  # a run seen twice (listing moved between pages) counts once
            if not page["pageInfo"]["hasNextPage"]:
                return list(found.values())
            # The SDK continues from the last edge's cursor (Runs.cursor), not pageInfo.endCursor.
            cursor = page["edges"][-1]["cursor"] if page["edges"] else page["pageInfo"].get("endCursor")
            if not cursor:
                raise WandbError("the runs listing says it has another page but gave no cursor")
            variables = {**variables, "cursor": cursor}
    raise WandbError(f"more than {MAX_PAGES} pages of runs; raise WANDB_PAGE_SIZE")


def _run(node: dict[str, Any]) -> Run:
    return Run(
        name=str(node["name"]),
        state=str(node.get("state") or ""),
        created_at=_timestamp(node["createdAt"]),
        heartbeat_at=_timestamp(node["heartbeatAt"]) if node.get("heartbeatAt") else None,
    )


def _timestamp(text: str) -> datetime:
    """W&B timestamps come without a zone ("2024-05-20T14:03:11") and are UTC; some carry a Z."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _ended_in_window(state: str | None = None) -> list[Run]:
    since = _window_start()
    return [r for r in runs() if r.state in ENDED_STATES and (state is None or r.state == state) and r.created_at >= since]


@metric("wandb.runs.active", unit="count")
def runs_active() -> int:
    """Runs in the project that are running now."""
    return sum(1 for r in runs() if r.state == "running")


@metric("wandb.runs.finished_7d", unit="count")
def runs_finished_7d() -> int:
    """Runs created in the last 7 days that finished."""
    return len(_ended_in_window("finished"))


@metric("wandb.runs.crashed_7d", unit="count")
def runs_crashed_7d() -> int:
    """Runs created in the last 7 days that crashed (lost their heartbeat)."""
    return len(_ended_in_window("crashed"))


@metric("wandb.runs.failed_7d", unit="count")
def runs_failed_7d() -> int:
    """Runs created in the last 7 days that failed."""
    return len(_ended_in_window("failed"))


@metric("wandb.runs.avg_duration_hours_7d", unit="hours")
def runs_avg_duration_hours_7d() -> float | None:
    """Average duration (creation to last heartbeat) of runs created in 7 days that ended."""
    durations = [(r.heartbeat_at - r.created_at).total_seconds() for r in _ended_in_window() if r.heartbeat_at is not None]
    if not durations:
        return None
    return sum(durations) / len(durations) / 3600


@metric("wandb.runs.duration_hours_7d", unit="hour", type="distribution")
def runs_duration_hours_7d() -> list[float]:
    """Duration (creation to last heartbeat) of each run created in 7 days that ended."""
    return [(r.heartbeat_at - r.created_at).total_seconds() / 3600 for r in _ended_in_window() if r.heartbeat_at is not None]
