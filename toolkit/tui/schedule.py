"""When each collector runs next: its CronJob schedule from the Helm values, parsed by croniter.

The chart keeps one entry per collector (``collectors.<name>.schedule``); a collector without
one, or with ``enabled: false``, is not scheduled and the dashboard shows "-" for it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

VALUES_FILE = Path("charts") / "datadog-collectors" / "values.yaml"


def find_values_file(start: Path | None = None) -> Path | None:
    """The chart's values file in ``start`` (default: the working directory) or a parent of it,
    else in the checkout the toolkit itself runs from (an editable install of a clone)."""
    here = (start or Path.cwd()).resolve()
    package_root = Path(__file__).resolve().parents[2]
    for base in (here, *here.parents, package_root):
        candidate = base / VALUES_FILE
        if candidate.is_file():
            return candidate
    return None


def read_schedules(path: Path | None) -> dict[str, str]:
    """``{collector: cron expression}`` for every enabled collector that has a schedule.

    A missing or unreadable file means no schedules: the dashboard works without a chart.
    """
    if path is None or not Path(path).is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    collectors = data.get("collectors") if isinstance(data, dict) else None
    if not isinstance(collectors, dict):
        return {}
    schedules = {}
    for name, entry in collectors.items():
        if isinstance(entry, dict) and entry.get("enabled", True) is not False and entry.get("schedule"):
            schedules[str(name)] = str(entry["schedule"]).strip()
    return schedules


def next_run(expression: str | None, now: datetime) -> datetime | None:
    """The first time after ``now`` the cron ``expression`` fires; None without a valid one."""
    if not expression:
        return None
    from croniter import croniter

    try:
        return croniter(expression, now).get_next(datetime)
    except (ValueError, KeyError, TypeError):  # croniter's errors derive from ValueError; be lenient
        return None


def is_valid(expression: str) -> bool:
    from croniter import croniter

    return bool(croniter.is_valid(expression))
