"""Asana metrics: one task listing per project (open + completed in the window), shared per run."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from toolkit import (
    ConfigError,
    get_config,
    get_config_list,
    get_secret,
    http_client,
    metric,
    now,
    paginate_cursor,
    per_run,
    window,
)

DEFAULT_BASE_URL = "https://app.asana.com/api/1.0"
WINDOW = timedelta(days=7)
PAGE_SIZE = 100  # Asana's maximum `limit`; without `limit` some endpoints return unpaginated, truncated lists
TASK_FIELDS = "completed,completed_at,created_at,due_at,due_on"
MAX_PAGES = 200  # 20,000 tasks per project


def _client():
    base = get_config("ASANA_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    token = get_secret("asana/access-token")
    return http_client(base, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})


def _next_offset(page: dict) -> str | None:
    return (page.get("next_page") or {}).get("offset")


def _data(page: dict) -> list[dict]:
    return page["data"]


def window_start() -> datetime:
    return now() - WINDOW


def _asana_time(moment: datetime) -> str:
    """Asana's own timestamp style: UTC, milliseconds, ``Z``."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@per_run
def project_gids() -> tuple[str, ...]:
    """The configured projects, or the workspace's non-archived projects."""
    gids = get_config_list("ASANA_PROJECT_GIDS")
    if gids:
        return tuple(gids)
    workspace = get_config("ASANA_WORKSPACE_GID")
    if not workspace:
        raise ConfigError("set ASANA_PROJECT_GIDS (project gids) or ASANA_WORKSPACE_GID (measure all its projects)")
    with _client() as client:
        projects = paginate_cursor(
            client, "/projects",
            params={"workspace": workspace, "archived": "false", "limit": PAGE_SIZE, "opt_fields": "name"},
            next_cursor=_next_offset, items=_data, cursor_param="offset", max_pages=MAX_PAGES,
        )
        return tuple(p["gid"] for p in projects)


@per_run
def project_tasks(gid: str) -> list[dict]:
    """Incomplete tasks plus those completed since the window start (Asana's ``completed_since``)."""
    params = {"completed_since": _asana_time(window_start()), "limit": PAGE_SIZE, "opt_fields": TASK_FIELDS}
    with _client() as client:
        return list(paginate_cursor(
            client, f"/projects/{gid}/tasks", params=params,
            next_cursor=_next_offset, items=_data, cursor_param="offset", max_pages=MAX_PAGES,
        ))


def _per_project(count) -> dict[tuple[str, ...], int]:
    return {(f"project:{gid}",): sum(1 for task in project_tasks(gid) if count(task)) for gid in project_gids()}


def is_overdue(task: dict, at: datetime) -> bool:
    if task.get("completed"):
        return False
    due_at = _parse_time(task.get("due_at"))
    if due_at is not None:
        return due_at < at
    due_on = task.get("due_on")
    # A date-only due date is overdue once that day is over (in UTC; Asana has no zone for it here).
    return bool(due_on) and date.fromisoformat(due_on) < at.date()


@metric("asana.tasks.open", unit="count")
def tasks_open():
    """Incomplete tasks, per project."""
    return _per_project(lambda task: not task.get("completed"))


@metric("asana.tasks.overdue", unit="count")
def tasks_overdue():
    """Incomplete tasks past their due date (due_at, or the end of due_on), per project."""
    at = now()
    return _per_project(lambda task: is_overdue(task, at))


@metric("asana.tasks.completed_7d", unit="count")
def tasks_completed_7d():
    """Tasks completed in the last 7 days, per project."""
    start = window_start()

    def completed_in_window(task: dict) -> bool:
        completed_at = _parse_time(task.get("completed_at"))
        return bool(task.get("completed")) and completed_at is not None and completed_at >= start

    return _per_project(completed_in_window)


@metric("asana.tasks.completed", unit="count", type="count", window=True)
def tasks_completed():
    """Tasks completed in the run's window, per project (0 for a project with none)."""
    current = window()

    def completed_in_window(task: dict) -> bool:
        # The same listing as the 7-day count: completed_since (now() - 7 days) is before the window.
        completed_at = _parse_time(task.get("completed_at"))
        return bool(task.get("completed")) and completed_at is not None and completed_at in current

    return _per_project(completed_in_window)


@metric("asana.tasks.created_7d", unit="count")
def tasks_created_7d():
    """Tasks created in the last 7 days (still open or completed since), per project."""
    start = window_start()

    def created_in_window(task: dict) -> bool:
        created_at = _parse_time(task.get("created_at"))
        return created_at is not None and created_at >= start

    return _per_project(created_in_window)
