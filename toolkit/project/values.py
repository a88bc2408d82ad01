"""``Values``: the Helm chart's values file, read once and the way the chart reads it.

The chart's rules: an entry ``collectors.<name>`` is merged over ``defaults`` key by key
(``env`` merged too); a missing ``enabled`` is off; a missing timeout or push timeout is the chart's default;
a null ``activeDeadlineSeconds`` is both budgets plus the signal grace and the exit slack, a null
``terminationGracePeriodSeconds`` the grace plus the slack; ``metadataSync.enabled`` with an
enabled collector renders the metadata sync Job, which needs ``datadog.appKeySecret.name``.
``monitors`` (schedules and timeouts), ``doctor`` (entries, deadlines, the metadata sync, the
schema), ``new`` (which entry exists) and the dashboard (schedules of enabled collectors) all
read the file through ``Values``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from ..errors import ValuesError
from ..model import defaults, schedule_gaps

CHART_PATH = Path("charts") / "datadog-collectors"
VALUES_PATH = CHART_PATH / "values.yaml"
# What the chart does when activeDeadlineSeconds is null: timeout + pushTimeout + this margin (the
# signal grace and the exit slack), so the deadline only fires when the run hangs past its own
# bound and its SIGTERM still leaves the grace to push. Keep in step with templates/cronjob.yaml.
ACTIVE_DEADLINE_MARGIN = int(defaults.SIGNAL_GRACE + defaults.EXIT_SLACK)
TERMINATION_GRACE = int(defaults.SIGNAL_GRACE + defaults.EXIT_SLACK)  # a null terminationGracePeriodSeconds
CHART_DEFAULT_TIMEOUT = int(defaults.RUN_TIMEOUT)  # defaults.timeout in the chart's values.yaml (a test keeps them equal)
CHART_DEFAULT_PUSH_TIMEOUT = int(defaults.PUSH_TIMEOUT)  # defaults.pushTimeout (a test keeps them equal)
DEFAULT_SCHEDULE = "*/15 * * * *"


@dataclass(frozen=True)
class CollectorValues:
    """One collector's settings after the chart's merge of ``defaults`` and its own entry."""

    name: str
    enabled: bool
    schedule: str
    timeout: int
    active_deadline_seconds: int
    env: Mapping[str, Any] = field(default_factory=dict)
    budget: int | None = None  # budget.customMetrics: custom metrics one run may push
    price_per_100: float | None = None  # budget.pricePer100: your price per 100 custom metrics a month
    push_timeout: int = CHART_DEFAULT_PUSH_TIMEOUT
    termination_grace_seconds: int = TERMINATION_GRACE
    workers: int | None = None  # None: the collector's own max_workers
    retire_after: int | None = None  # retireAfterWindows; None: engine.RETIRE_AFTER

    @property
    def run_bound(self) -> int:
        """Seconds within which ``run --push`` exits whatever the intake does: both budgets and the slack."""
        return self.timeout + self.push_timeout + int(defaults.EXIT_SLACK)


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
            f"collector {name!r} has no entry collectors.{name} in the Helm values; add one (see `dd-toolkit manual deploying`)"
            for name in self.missing_entries
        ]
        out += [
            f"the Helm values have an entry collectors.{name} but there is no collector {name!r}; remove the entry or add collectors/{name}/"
            for name in self.missing_packages
        ]
        return out


# A values file is a few KB; one this big is a mistake, and reading it would only be slow.
MAX_VALUES_BYTES = 1024 * 1024
_FIX = "fix it, then run the command again"


def load_values(path: Path) -> dict[str, Any]:
    """The values file as plain data; a missing, oversized, non-UTF-8 or broken file (or one
    whose aliases or nesting go past the bounds of ``cassettes.bounded_yaml``) is a ``ValuesError``."""
    from ..cassettes import load_yaml, read_text

    text = read_text(Path(path), max_bytes=MAX_VALUES_BYTES, error=ValuesError, fix=_FIX)
    # libyaml's parser when present: every `dd-toolkit run` reads the values for its intervals, and
    # the pure-Python one spent ~30 ms of the start on the chart's values.yaml (same bounds either way)
    data = load_yaml(text, where=str(path), error=ValuesError, fix=_FIX, fast=True)
    if not isinstance(data, dict):
        raise ValuesError(f"{path} does not hold a mapping of values; {_FIX}")
    return data


@lru_cache(maxsize=4)
def _chart_values(path: Path, mtime_ns: int) -> dict[str, Any]:
    """The chart's own values (what another values file is merged over), read once per change."""
    return load_values(path)


def collector_values(values: Mapping[str, Any]) -> dict[str, CollectorValues]:
    """Each ``collectors.<name>`` entry merged over ``defaults`` key by key, as the chart does.

    The types were checked against the chart's schema when the file was loaded (``Values.load``).
    """
    defaults = values.get("defaults") or {}
    out = {}
    for name, entry in (values.get("collectors") or {}).items():
        entry = entry or {}
        merged = {**defaults, **entry}
        env = {**(defaults.get("env") or {}), **(entry.get("env") or {})}
        # a values file without `defaults:` (a bare one written by `dd-toolkit new`) gets the chart's
        timeout = _or(merged.get("timeout"), CHART_DEFAULT_TIMEOUT)
        push_timeout = _or(merged.get("pushTimeout"), CHART_DEFAULT_PUSH_TIMEOUT)
        budget = entry.get("budget") or {}
        out[name] = CollectorValues(
            name=name,
            enabled=bool(entry.get("enabled", False)),
            schedule=str(merged.get("schedule") or DEFAULT_SCHEDULE).strip(),
            timeout=timeout,
            active_deadline_seconds=_or(merged.get("activeDeadlineSeconds"), timeout + push_timeout + ACTIVE_DEADLINE_MARGIN),
            env=env,
            budget=budget.get("customMetrics"),
            price_per_100=budget.get("pricePer100"),
            push_timeout=push_timeout,
            termination_grace_seconds=_or(merged.get("terminationGracePeriodSeconds"), TERMINATION_GRACE),
            workers=merged.get("workers"),
            retire_after=merged.get("retireAfterWindows"),
        )
    return out


def _or(value: Any, default: int) -> Any:
    return default if value is None else value


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


def check_sync(collector_names: Iterable[str], values: Mapping[str, Any], available: Iterable[str] = ()) -> SyncReport:
    """Compare the project's collectors with the entries under ``collectors:`` in the values.

    Every project collector needs an entry; an entry needs a collector, the project's own or one
    ``available`` from elsewhere (a built-in or an entry point, deployed by its entry).
    """
    names = set(collector_names)
    entries = set((values.get("collectors") or {}).keys())
    return SyncReport(tuple(sorted(names - entries)), tuple(sorted(entries - names - set(available))))


def check_values(values: Mapping[str, Any]) -> list[str]:
    """Problems the schema cannot see: deadlines that do not fit the run or the schedule.

    The run exits within timeout + pushTimeout + 10 s whatever the intake does, and within 20 s
    of a SIGTERM. So a pod's activeDeadlineSeconds must leave it that whole bound (or the pod is
    killed mid-push with nothing in the log), terminationGracePeriodSeconds must cover the 20 s
    after the SIGTERM, and the deadline plus that grace must end before the next run is due, or
    two runs overlap (concurrencyPolicy Forbid then skips the next one).
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
        slack = int(defaults.EXIT_SLACK)
        if c.active_deadline_seconds < c.run_bound:
            problems.append(
                f"collectors.{c.name}: activeDeadlineSeconds ({c.active_deadline_seconds}) must be at least timeout + "
                f"pushTimeout + {slack} ({c.timeout} + {c.push_timeout} + {slack} = {c.run_bound}), or the pod is killed mid-push; "
                f"raise it or leave it null"
            )
        needed = int(defaults.SIGNAL_EXIT)
        if c.termination_grace_seconds < needed:
            problems.append(
                f"collectors.{c.name}: terminationGracePeriodSeconds ({c.termination_grace_seconds}) must be at least {needed}: "
                f"after a SIGTERM the run pushes for up to {defaults.SIGNAL_GRACE:g}s and exits within {needed}s"
            )
        end = c.active_deadline_seconds + c.termination_grace_seconds
        if end >= shortest:
            problems.append(
                f"collectors.{c.name}: activeDeadlineSeconds + terminationGracePeriodSeconds ({c.active_deadline_seconds} + "
                f"{c.termination_grace_seconds} = {end}) must be below the schedule's interval ({shortest}s for {c.schedule!r})"
            )
    return problems


def check_metadata_sync(values: Mapping[str, Any]) -> list[str]:
    """What stops the chart rendering its metadata sync Job (templates/metadata-sync.yaml): with
    ``metadataSync.enabled`` and an enabled collector, the application key Secret must be named."""
    if not metadata_sync_renders(values):
        return []
    if ((values.get("datadog") or {}).get("appKeySecret") or {}).get("name"):
        return []
    return [
        "metadataSync.enabled needs datadog.appKeySecret.name, the existing Secret holding DD_APP_KEY "
        "(Datadog's metric metadata API takes an application key); `helm install` refuses the values without it"
    ]


def metadata_sync_renders(values: Mapping[str, Any]) -> bool:
    """Whether the chart renders the metadata sync Job: the sync on and a collector to sync."""
    sync = values.get("metadataSync") or {}
    return bool(sync.get("enabled")) and any(c.enabled for c in collector_values(values).values())


@dataclass(frozen=True)
class Values:
    """One values file, loaded once: its data and each collector's merged settings."""

    data: Mapping[str, Any]
    path: Path | None = None

    @classmethod
    def load(cls, path: Path, chart: Path | None = None) -> Values:
        """The file at ``path``, checked whole against ``chart``'s values.schema.json (by default,
        and when ``chart`` has none, the chart this toolkit ships) before anything reads it."""
        from .values_schema import chart_with_schema, check

        path = Path(path)
        data = load_values(path)
        chart = chart_with_schema(chart)
        if chart is not None:
            own = chart / "values.yaml"
            is_own = own.is_file() and own.resolve() == path.resolve()
            check(data, path, chart, None if is_own or not own.is_file() else _chart_values(own, own.stat().st_mtime_ns))
        return cls(data, path)

    @cached_property
    def collectors(self) -> dict[str, CollectorValues]:
        return collector_values(self.data)

    @property
    def enabled(self) -> list[str]:
        return [name for name, entry in self.collectors.items() if entry.enabled]

    def schedules(self) -> dict[str, str]:
        """``{collector: cron}`` of the enabled collectors: what the chart deploys as CronJobs."""
        return {name: entry.schedule for name, entry in self.collectors.items() if entry.enabled}

    def entry(self, name: str) -> Mapping[str, Any] | None:
        """The raw ``collectors.<name>`` entry as written (None when absent)."""
        entry = (self.data.get("collectors") or {}).get(name)
        return entry if isinstance(entry, Mapping) else None

    @property
    def datadog_env(self) -> str | None:
        return (self.data.get("datadog") or {}).get("env") or None

    @property
    def metadata_sync(self) -> bool:
        """Whether the chart runs the metadata sync Job on each install and upgrade."""
        return metadata_sync_renders(self.data)

    def metadata_sync_problems(self) -> list[str]:
        return check_metadata_sync(self.data)

    def sync(self, collector_names: Iterable[str], available: Iterable[str] = ()) -> SyncReport:
        return check_sync(collector_names, self.data, available)

    def problems(self, only: str | None = None) -> list[str]:
        """Deadline and schedule problems of the enabled collectors (or of ``only``)."""
        if only is None:
            return check_values(self.data)
        entry = self.entry(only)
        return check_values({**self.data, "collectors": {only: entry}}) if entry is not None else []
