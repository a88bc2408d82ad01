"""Cron schedules (the chart's ``collectors.<name>.schedule``): validity, gaps and the next run.

croniter is imported inside the functions: only commands that read schedules pay for it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..errors import ValuesError

# Schedules are measured from a fixed instant in UTC so that results never depend on "now".
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def is_valid_cron(schedule: str) -> bool:
    """A five-field cron expression that croniter can parse (the chart's CronJob format)."""
    from croniter import croniter

    return isinstance(schedule, str) and len(schedule.split()) == 5 and bool(croniter.is_valid(schedule))


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


def next_run(expression: str | None, now: datetime) -> datetime | None:
    """The first time after ``now`` the cron ``expression`` fires; None without a valid one."""
    if not expression:
        return None
    from croniter import croniter

    try:
        return croniter(expression, now).get_next(datetime)
    except (ValueError, KeyError, TypeError):  # croniter's errors derive from ValueError; be lenient
        return None


def schedule_period(schedule: str | None) -> int | None:
    """The one gap between runs of a regular schedule in seconds (``*/15 * * * *`` is 900).

    None for an irregular schedule (``0 9 * * 1-5``), a missing or an invalid one: a count or a
    rate then needs its interval declared on the metric.
    """
    if not schedule or not is_valid_cron(schedule):
        return None
    shortest, longest = schedule_gaps(schedule)
    return shortest if shortest == longest else None
