"""SkyPilot metrics: three queries per run (cluster status, managed jobs queue, cost report),
each fetched once and shared between the metrics that read it (``per_run``)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from toolkit import metric, now, per_run, window

from . import api

WINDOW = timedelta(days=7)

# sky/utils/status_lib.py ClusterStatus. Every known status is reported, 0 included, so a
# status that empties shows as 0 in Datadog instead of a gap.
CLUSTER_STATUSES = ("INIT", "UP", "STOPPED", "AUTOSTOPPING", "PENDING")
# Clusters whose accelerators count as in use: provisioned and running.
GPU_IN_USE_STATUSES = frozenset({"UP", "AUTOSTOPPING"})

# sky/jobs/state.py ManagedJobStatus, grouped the way the metrics report them.
PENDING_JOB_STATUSES = frozenset({"PENDING", "SUBMITTED", "STARTING"})
RUNNING_JOB_STATUSES = frozenset({"RUNNING", "WINDING_DOWN"})
RECOVERING_JOB_STATUSES = frozenset({"RECOVERING"})
TERMINAL_JOB_STATUSES = frozenset(
    {"SUCCEEDED", "CANCELLED", "FAILED", "FAILED_SETUP", "FAILED_PRECHECKS", "FAILED_NO_RESOURCE", "FAILED_CONTROLLER"}
)

# Only what the metrics read; the server adds job_id, task_id and status to any field list.
JOB_FIELDS = ["status", "submitted_at", "start_at", "end_at", "job_duration", "recovery_count"]
JOBS_PAGE_SIZE = 500
MAX_JOB_PAGES = 50


# --- the three fetches ----------------------------------------------------------------------
@per_run
def clusters() -> list[dict[str, Any]]:
    """Every cluster of every user (``POST /status``), from the server's cached state."""
    body = {
        "cluster_names": None,
        "refresh": "NONE",  # no cloud API calls: read what the server already knows
        "all_users": True,
        # The server defaults this to true and would return SSH key material.
        "include_credentials": False,
        "summary_response": False,
        "include_handle": False,
    }
    with api.client() as http:
        return api.query(http, "/status", body)


@dataclass(frozen=True)
class Job:
    """One managed job; a pipeline's tasks folded into one (see ``fold_tasks``)."""

    status: str
    start_at: float | None
    end_at: float | None
    duration: float  # seconds the job ran (SkyPilot's job_duration)
    recoveries: int


@per_run
def managed_jobs() -> list[Job]:
    """Every managed job (``POST /jobs/queue/v2``), paged; none when no jobs controller runs."""
    rows: dict[tuple[Any, Any], dict[str, Any]] = {}
    with api.client() as http:
        for page in range(1, MAX_JOB_PAGES + 1):
            body = {
                "refresh": False,  # true would start a stopped jobs controller
                "skip_finished": False,
                "all_users": True,
                "fields": JOB_FIELDS,
                "page": page,
                "limit": JOBS_PAGE_SIZE,
            }
            try:
                data = api.query(http, "/jobs/queue/v2", body)
            except api.SkyPilotRequestFailed as exc:
                # No jobs controller is up: nobody has launched a managed job (or it was torn
                # down). That is "0 jobs", not an outage.
                if exc.error_type == "ClusterNotUpError":
                    return []
                raise
            batch = data["jobs"]
            for row in batch:
                rows[(row.get("job_id"), row.get("task_id"))] = row
            if len(batch) < JOBS_PAGE_SIZE or page * JOBS_PAGE_SIZE >= int(data.get("total", 0)):
                return fold_tasks(rows.values())
    raise api.SkyPilotError(f"the managed jobs queue has more than {MAX_JOB_PAGES * JOBS_PAGE_SIZE} tasks")


def fold_tasks(rows) -> list[Job]:
    """The queue lists one row per task; a pipeline job has several. Fold them into one job.

    Its status is the first unfinished task's, else the first task that did not succeed, else
    SUCCEEDED; it ran from the first start to the last end; durations and recoveries add up.
    """
    by_job: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        by_job.setdefault(row.get("job_id"), []).append(row)
    jobs = []
    for tasks in by_job.values():
        tasks.sort(key=lambda t: t.get("task_id") or 0)
        active = [t for t in tasks if t["status"] not in TERMINAL_JOB_STATUSES]
        unsuccessful = [t for t in tasks if t["status"] != "SUCCEEDED"]
        status = (active or unsuccessful or tasks)[0]["status"]
        starts = [t["start_at"] for t in tasks if t.get("start_at")]
        ends = [t["end_at"] for t in tasks if t.get("end_at")]
        jobs.append(
            Job(
                status=status,
                start_at=min(starts) if starts else None,
                end_at=max(ends) if ends and not active else None,
                duration=sum(float(t.get("job_duration") or 0) for t in tasks),
                recoveries=sum(int(t.get("recovery_count") or 0) for t in tasks),
            )
        )
    return jobs


@per_run
def cost_report() -> list[dict[str, Any]]:
    """Cluster cost records (``POST /cost_report``): active clusters and those used in 7 days."""
    with api.client() as http:
        return api.query(http, "/cost_report", {"days": WINDOW.days})


# --- clusters -------------------------------------------------------------------------------
@metric("skypilot.clusters.by_status", unit="count")
def clusters_by_status() -> dict[tuple[str, ...], int]:
    """Clusters of all users, tagged by status (init, up, stopped, autostopping, pending)."""
    counts = dict.fromkeys(CLUSTER_STATUSES, 0)
    for cluster in clusters():
        status = str(cluster.get("status") or "UNKNOWN").upper()
        counts[status] = counts.get(status, 0) + 1
    return {(f"status:{status.lower()}",): n for status, n in counts.items()}


@metric("skypilot.gpus.in_use", unit="count")
def gpus_in_use() -> dict[tuple[str, ...], float]:
    """Accelerators on UP clusters (per node times nodes), tagged by accelerator type."""
    return {(f"accelerator:{name.lower()}",): n for name, n in _gpus_by_type().items()}


@metric("skypilot.gpus.in_use_total", unit="count")
def gpus_in_use_total() -> float:
    """Accelerators on UP clusters, all types together (0 when none)."""
    return sum(_gpus_by_type().values())


def _gpus_by_type() -> dict[str, float]:
    totals: dict[str, float] = {}
    for cluster in clusters():
        if str(cluster.get("status")).upper() not in GPU_IN_USE_STATUSES:
            continue
        nodes = int(cluster.get("nodes") or 1)
        for name, per_node in parse_accelerators(cluster.get("accelerators")).items():
            totals[name] = totals.get(name, 0.0) + per_node * nodes
    return totals


_PAIR = re.compile(r"([A-Za-z0-9][\w.-]*)\s*:\s*(\d+(?:\.\d+)?)")


def parse_accelerators(text: Any) -> dict[str, float]:
    """SkyPilot writes a cluster's accelerators as ``str()`` of a dict (``"{'A100': 8}"``, per node)."""
    if isinstance(text, dict):
        found: Any = text
    elif not isinstance(text, str) or text.strip() in ("", "None", "-", "{}"):
        return {}
    else:
        try:
            found = ast.literal_eval(text.strip()) if len(text) < 1000 else None
        except (ValueError, SyntaxError):
            found = None
        if not isinstance(found, dict):  # "A100:8" style, as in resources strings
            found = {name: value for name, value in _PAIR.findall(text)}
    return {str(name): float(count) for name, count in found.items() if float(count) > 0}


# --- managed jobs ---------------------------------------------------------------------------
def _count(statuses: frozenset[str]) -> int:
    return sum(1 for job in managed_jobs() if job.status in statuses)


def _finished_in_window() -> list[Job]:
    since = (now() - WINDOW).timestamp()
    return [j for j in managed_jobs() if j.status in TERMINAL_JOB_STATUSES and j.end_at is not None and j.end_at >= since]


@metric("skypilot.jobs.running", unit="count")
def jobs_running() -> int:
    """Managed jobs running now (RUNNING, WINDING_DOWN)."""
    return _count(RUNNING_JOB_STATUSES)


@metric("skypilot.jobs.pending", unit="count")
def jobs_pending() -> int:
    """Managed jobs waiting to run (PENDING, SUBMITTED, STARTING)."""
    return _count(PENDING_JOB_STATUSES)


@metric("skypilot.jobs.recovering", unit="count")
def jobs_recovering() -> int:
    """Managed jobs being recovered after a preemption or failure (RECOVERING)."""
    return _count(RECOVERING_JOB_STATUSES)


@metric("skypilot.jobs.succeeded_7d", unit="count")
def jobs_succeeded_7d() -> int:
    """Managed jobs that succeeded in the last 7 days."""
    return sum(1 for j in _finished_in_window() if j.status == "SUCCEEDED")


@metric("skypilot.jobs.failed_7d", unit="count")
def jobs_failed_7d() -> int:
    """Managed jobs that failed in the last 7 days (FAILED and every FAILED_* status)."""
    return sum(1 for j in _finished_in_window() if j.status.startswith("FAILED"))


@metric("skypilot.jobs.cancelled_7d", unit="count")
def jobs_cancelled_7d() -> int:
    """Managed jobs cancelled in the last 7 days."""
    return sum(1 for j in _finished_in_window() if j.status == "CANCELLED")


@metric("skypilot.jobs.finished", unit="count", type="count", window=True)
def jobs_finished() -> dict[tuple[str, ...], int]:
    """Managed jobs that finished in the run's window, tagged by final status (every one, 0 included)."""
    current = window()
    counts = dict.fromkeys(sorted(TERMINAL_JOB_STATUSES), 0)
    for job in managed_jobs():
        # end_at is a POSIX time (sky/jobs/state.py); the queue lists every job, so any window replays.
        if job.status in TERMINAL_JOB_STATUSES and job.end_at is not None and datetime.fromtimestamp(job.end_at, UTC) in current:
            counts[job.status] += 1
    return {(f"status:{status.lower()}",): n for status, n in counts.items()}


@metric("skypilot.jobs.avg_duration_minutes_7d", unit="minutes")
def jobs_avg_duration_minutes_7d() -> float | None:
    """Average run time of managed jobs that finished in the last 7 days (started ones only)."""
    durations = [_ran_for(j) for j in _finished_in_window() if j.start_at is not None]
    if not durations:
        return None
    return sum(durations) / len(durations) / 60


@metric("skypilot.jobs.duration_minutes_7d", unit="minute", type="distribution")
def jobs_duration_minutes_7d() -> list[float]:
    """Run time of each managed job that finished in the last 7 days (started ones only)."""
    return [_ran_for(j) / 60 for j in _finished_in_window() if j.start_at is not None]


def _ran_for(job: Job) -> float:
    if job.duration > 0:
        return job.duration
    return max(0.0, (job.end_at or 0) - (job.start_at or 0))


@metric("skypilot.jobs.recoveries_7d", unit="count")
def jobs_recoveries_7d() -> int:
    """Recoveries (preemptions or failures recovered) of jobs active now or finished in 7 days."""
    active = [j for j in managed_jobs() if j.status not in TERMINAL_JOB_STATUSES]
    return sum(j.recoveries for j in active + _finished_in_window())


# --- cost -----------------------------------------------------------------------------------
@metric("skypilot.cost.compute_7d", unit="usd")
def compute_cost_7d() -> float:
    """Estimated compute cost of the last 7 days, from SkyPilot's cost report (catalog prices).

    The report's ``total_cost`` covers a cluster's whole life; its cost per second
    (``total_cost / duration``, nodes included) is applied to the part of each usage interval
    that falls in the window.
    """
    end = now().timestamp()
    start = end - WINDOW.total_seconds()
    total = 0.0
    for record in cost_report():
        if "total_cost" not in record:
            raise api.SkyPilotError(f"cost report row {record.get('name')!r} has no total_cost")
        duration = float(record.get("duration") or 0)
        if duration <= 0:
            continue
        per_second = float(record["total_cost"] or 0) / duration
        for began, ended in record.get("usage_intervals") or []:
            overlap = min(ended if ended is not None else end, end) - max(began, start)
            if overlap > 0:
                total += per_second * overlap
    return total
