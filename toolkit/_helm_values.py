"""The Helm chart's values file, read the way the chart reads it.

Used by ``dd-toolkit monitors`` (each collector's schedule and timeout), by ``dd-toolkit
doctor`` and by the tests: every collector package needs a ``collectors.<name>`` entry and every
entry needs a package (``check_sync``), and each enabled collector's deadlines must fit its
schedule (``check_values``). Pure functions over plain data; only ``load_values`` reads a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHART_PATH = Path("charts") / "datadog-collectors"
VALUES_PATH = CHART_PATH / "values.yaml"
# What the chart does when activeDeadlineSeconds is null: the run's timeout plus time to start
# the pod and push. Keep in step with templates/cronjob.yaml.
ACTIVE_DEADLINE_MARGIN = 60
CHART_DEFAULT_TIMEOUT = 120  # defaults.timeout in the chart's values.yaml
# Schedules are measured from a fixed instant in UTC so that results never depend on "now".
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


class ValuesError(ValueError):
    """The values file is missing, unreadable, or lacks what was asked of it."""


@dataclass(frozen=True)
class CollectorValues:
    """One collector's settings after the chart's merge of ``defaults`` and its own entry."""

    name: str
    enabled: bool
    schedule: str
    timeout: int
    active_deadline_seconds: int
    env: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncReport:
    """Collector packages without a values entry, and values entries without a package."""

    missing_entries: tuple[str, ...] = ()
    missing_packages: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.missing_entries and not self.missing_packages

    def problems(self) -> list[str]:
        out = [
            f"collector {name!r} has no entry collectors.{name} in the Helm values; add one (see docs/deploying.md)"
            for name in self.missing_entries
        ]
        out += [
            f"the Helm values have an entry collectors.{name} but there is no collector {name!r}; remove the entry or add collectors/{name}/"
            for name in self.missing_packages
        ]
        return out


def find_values_file(start: Path | None = None) -> Path | None:
    """``charts/datadog-collectors/values.yaml`` in ``start`` (default: cwd) or a parent of it,
    else in the project this toolkit was installed from (an editable install or a checkout)."""
    explicit = os.environ.get("DD_TOOLKIT_VALUES")
    if explicit:
        return Path(explicit)
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / VALUES_PATH
        if candidate.is_file():
            return candidate
    candidate = Path(__file__).resolve().parent.parent / VALUES_PATH
    return candidate if candidate.is_file() else None


def load_values(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValuesError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ValuesError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValuesError(f"{path} does not hold a mapping of values")
    return data


def collector_values(values: Mapping[str, Any]) -> dict[str, CollectorValues]:
    """Each ``collectors.<name>`` entry merged over ``defaults`` key by key, as the chart does."""
    defaults = values.get("defaults") or {}
    out = {}
    for name, entry in (values.get("collectors") or {}).items():
        entry = entry or {}
        merged = {**defaults, **entry}
        env = {**(defaults.get("env") or {}), **(entry.get("env") or {})}
        # a values file without `defaults:` (a bare one written by `dd-toolkit new`) gets the chart's
        raw_timeout = merged.get("timeout")
        timeout = int(raw_timeout) if raw_timeout is not None else CHART_DEFAULT_TIMEOUT
        deadline = merged.get("activeDeadlineSeconds")
        out[name] = CollectorValues(
            name=name,
            enabled=bool(entry.get("enabled", False)),
            schedule=str(merged.get("schedule") or "*/15 * * * *"),
            timeout=timeout,
            active_deadline_seconds=int(deadline) if deadline is not None else timeout + ACTIVE_DEADLINE_MARGIN,
            env=env,
        )
    return out


def collector_packages(collectors_dir: Path) -> set[str]:
    """The collector packages in a ``collectors/`` directory (sub-packages not starting with _)."""
    directory = Path(collectors_dir)
    if not directory.is_dir():
        return set()
    return {
        child.name
        for child in directory.iterdir()
        if child.is_dir() and not child.name.startswith(("_", ".")) and (child / "__init__.py").is_file()
    }


def check_sync(collector_names: Iterable[str], values: Mapping[str, Any]) -> SyncReport:
    """Compare the collectors that exist with the entries under ``collectors:`` in the values."""
    names = set(collector_names)
    entries = set((values.get("collectors") or {}).keys())
    return SyncReport(tuple(sorted(names - entries)), tuple(sorted(entries - names)))


def schedule_gaps(schedule: str, *, runs: int = 1000, span_days: int = 400) -> tuple[int, int]:
    """The shortest and longest gap between two runs of a cron schedule, in seconds.

    Irregular schedules (``0 9 * * 1-5``) have gaps of several sizes; the runs of about a year
    are walked so that weekly, monthly and yearly patterns are all seen.
    """
    from croniter import croniter

    if not croniter.is_valid(schedule):
        raise ValuesError(f"{schedule!r} is not a valid cron schedule")
    it = croniter(schedule, _EPOCH)
    previous = it.get_next(datetime)
    shortest = longest = None
    end = _EPOCH.timestamp() + span_days * 86400
    for _ in range(runs):
        current = it.get_next(datetime)
        gap = int((current - previous).total_seconds())
        shortest = gap if shortest is None else min(shortest, gap)
        longest = gap if longest is None else max(longest, gap)
        previous = current
        if current.timestamp() > end:
            break
    assert shortest is not None and longest is not None
    return shortest, longest


def check_values(values: Mapping[str, Any]) -> list[str]:
    """Problems the schema cannot see: schedules cron cannot parse, deadlines that do not fit.

    A pod's activeDeadlineSeconds must leave the run its whole ``--timeout`` and end before the
    next run is due, or two runs overlap (concurrencyPolicy Forbid then skips the next one).
    """
    problems = []
    for c in collector_values(values).values():
        if not c.enabled:
            continue
        try:
            shortest, _ = schedule_gaps(c.schedule)
        except ValuesError as exc:
            problems.append(f"collectors.{c.name}.schedule: {exc}")
            continue
        if c.timeout <= 0:
            problems.append(f"collectors.{c.name}.timeout must be a positive number of seconds")
            continue
        if c.active_deadline_seconds <= c.timeout:
            problems.append(
                f"collectors.{c.name}: activeDeadlineSeconds ({c.active_deadline_seconds}) must be above timeout ({c.timeout})"
            )
        if c.active_deadline_seconds >= shortest:
            problems.append(
                f"collectors.{c.name}: activeDeadlineSeconds ({c.active_deadline_seconds}) must be below the schedule's "
                f"interval ({shortest}s for {c.schedule!r})"
            )
    return problems


def values_problems(collector_names: Iterable[str], values_path: Path | None = None) -> list[str]:
    """Everything ``dd-toolkit doctor`` reports about the Helm values, one line per problem:
    the file itself, collectors and entries out of sync, schedules and deadlines."""
    path = values_path or find_values_file()
    if path is None:
        return [f"no Helm values file found ({VALUES_PATH}); the chart cannot deploy these collectors"]
    try:
        values = load_values(path)
    except ValuesError as exc:
        return [str(exc)]
    return check_sync(collector_names, values).problems() + check_values(values)
