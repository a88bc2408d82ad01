"""The window a run belongs to: the last closed slot of its collector's schedule.

At 10:17 under ``*/15 * * * *`` a run belongs to [10:00, 10:15): the slot that closed last
before it started. Every point of the run is stamped at the window's end, so a retry or a
re-run of the same window sends the same bodies, and Datadog (one value per series and
timestamp) overwrites instead of adding.

The rule, for every schedule and every place a run starts (docs/metrics.md, "Windows"):

- the window ends at the latest time the schedule fires at or before the run's clock, and
  starts at the time it fired before that. An irregular schedule (``0 9 * * 1-5``) gives
  windows of several lengths: Monday 09:05 belongs to [Friday 09:00, Monday 09:00).
- the schedule is the CronJob's (``DD_COLLECTOR_SCHEDULE``, set by the chart), else the
  collector's entry in the project's values (merged over ``defaults``), else ``*/15 * * * *``
  (``DEFAULT_SCHEDULE``: the chart's default). A laptop run and ``--all`` follow the same rule
  per collector.

croniter is imported inside the functions, as ``schedule.py`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import ValuesError

DEFAULT_SCHEDULE = "*/15 * * * *"  # the chart's defaults.schedule


@dataclass(frozen=True)
class Window:
    """A half-open slot [start, end) of a schedule, in UTC."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def end_timestamp(self) -> int:
        """The timestamp every point of the window carries (POSIX seconds)."""
        return int(self.end.timestamp())

    def __contains__(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def label(self) -> str:
        """``2026-11-27 10:00–10:15`` (the end's date when it differs)."""
        end = f"{self.end:%H:%M}" if self.end.date() == self.start.date() else f"{self.end:%Y-%m-%d %H:%M}"
        return f"{self.start:%Y-%m-%d %H:%M}–{end} UTC"

    def to_json(self) -> dict[str, str]:
        return {"start": _iso(self.start), "end": _iso(self.end)}


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(when: datetime) -> datetime:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.replace(fold=0)  # croniter sets fold=1 on what it returns; equal, but not the same repr


def _check(schedule: str) -> None:
    from croniter import croniter

    if not isinstance(schedule, str) or len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        raise ValuesError(f"schedule {schedule!r} is not a five-field cron expression; e.g. {DEFAULT_SCHEDULE!r}")


def _every_minutes(schedule: str) -> int | None:
    """N for ``*/N * * * *`` with N dividing an hour (the chart's default among them): slots computed
    without croniter, so a run on such a schedule imports nothing more (tests/test_startup.py)."""
    match = re.fullmatch(r"\*/(\d{1,2}) \* \* \* \*", schedule.strip())
    minutes = int(match.group(1)) if match else 0
    return minutes if minutes and 60 % minutes == 0 else None


def window_at(schedule: str | None, when: datetime) -> Window:
    """The last slot of ``schedule`` closed at ``when``: [the fire before, the latest fire at or before ``when``)."""
    schedule = schedule or DEFAULT_SCHEDULE
    when = _utc(when)
    if minutes := _every_minutes(schedule):
        end = when.replace(minute=when.minute - when.minute % minutes, second=0, microsecond=0)
        return Window(end - timedelta(minutes=minutes), end)
    from croniter import croniter

    _check(schedule)
    # croniter's get_prev is strictly before its start: start a second later so a run at 10:15:00 sharp
    # belongs to [10:00, 10:15), the slot that has just closed.
    it = croniter(schedule, when.replace(microsecond=0) + timedelta(seconds=1))
    end = _utc(it.get_prev(datetime))
    start = _utc(it.get_prev(datetime))
    return Window(start, end)


def windows_between(schedule: str | None, start: datetime, end: datetime) -> list[Window]:
    """Every closed slot of ``schedule`` whose end is after ``start`` and at or before ``end``, oldest first."""
    schedule = schedule or DEFAULT_SCHEDULE
    start, end = _utc(start), _utc(end)
    last = window_at(schedule, end)
    if last.end <= start:
        return []
    out = [last]
    if _every_minutes(schedule):
        while out[-1].start > start:
            out.append(Window(out[-1].start - (last.end - last.start), out[-1].start))
        return out[::-1]
    from croniter import croniter

    it = croniter(schedule, last.start)
    while True:
        before = _utc(it.get_prev(datetime))
        if out[-1].start <= start:
            break
        out.append(Window(before, out[-1].start))
    return out[::-1]


def catch_up(schedule: str | None, current: Window, last_end: datetime | None, *, not_before: datetime) -> tuple[list[Window], list[Window]]:
    """The windows missed between the last one pushed (ending at ``last_end``) and ``current``, oldest
    first: those the intake will still take (ending at or after ``not_before``: the oldest point it
    accepts when the push happens) and those it will not (too old: named, never collected). No last
    window known: nothing missed.
    """
    if last_end is None or last_end >= current.start:
        return [], []
    missed = windows_between(schedule, _utc(last_end), current.start)
    return [w for w in missed if w.end >= not_before], [w for w in missed if w.end < not_before]
