"""Cron schedules (the chart's ``collectors.<name>.schedule``): validity, gaps and the next run.

croniter is imported inside the functions: only commands that read schedules pay for it, and
the period of a regular schedule written with numbers (``*/15 * * * *``, ``0 */6 * * *``) is
worked out from its fields without it (every run of ``dd-toolkit run`` asks for it).
"""

from __future__ import annotations

import itertools
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
    if not schedule:
        return None
    daily = _minutes_of_day(schedule)
    if daily is not None:
        return _even_gap(daily)
    if not is_valid_cron(schedule):
        return None
    shortest, longest = schedule_gaps(schedule)
    return shortest if shortest == longest else None


def _even_gap(minutes: list[int]) -> int | None:
    """The one gap in seconds between the minutes of a day a schedule runs at, the last to the
    next day's first included; None when the gaps differ."""
    gaps = {b - a for a, b in itertools.pairwise(minutes)} | {minutes[0] + 1440 - minutes[-1]}
    return gaps.pop() * 60 if len(gaps) == 1 else None


def _minutes_of_day(schedule: str) -> list[int] | None:
    """The minutes of the day (sorted) a schedule runs at, when it runs every day alike: minute
    and hour fields of numbers, ``*``, ranges, steps and lists, and ``*`` for the day of month,
    the month and the day of week. None for anything else (croniter decides those)."""
    fields = schedule.split()
    if len(fields) != 5 or fields[2:] != ["*", "*", "*"]:
        return None
    minutes, hours = _field(fields[0], 59), _field(fields[1], 23)
    if minutes is None or hours is None:
        return None
    return sorted(h * 60 + m for h in hours for m in minutes)


def _field(text: str, top: int) -> set[int] | None:
    """The values of one cron field from 0 to ``top``: ``*``, ``N``, ``A-B``, ``*/S``, ``A-B/S``
    and lists of them; None for any other form or a value out of range."""
    values: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            return None
        step = int(step_text) if step_text else 1
        if span == "*":
            low, high = 0, top
        elif span.isdigit() and not step_text:
            low = high = int(span)
        else:
            low_text, dash, high_text = span.partition("-")
            if not (dash and low_text.isdigit() and high_text.isdigit()):
                return None
            low, high = int(low_text), int(high_text)
        if step < 1 or high > top or low > high:
            return None
        values.update(range(low, high + 1, step))
    return values
