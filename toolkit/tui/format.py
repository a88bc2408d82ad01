"""How numbers, durations and times read on screen (plain strings, no Textual)."""

from __future__ import annotations

from datetime import UTC, datetime


def value(number: float) -> str:
    number = float(number)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.3f}".rstrip("0").rstrip(".")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 0.001:
        return "<1ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def change(new: float, old: float | None) -> str:
    """The change since the previous run: "+3", "-0.5", "=" (same) or "new" (not there before)."""
    if old is None:
        return "new"
    diff = float(new) - float(old)
    if diff == 0:
        return "="
    text = value(abs(diff))
    return f"+{text}" if diff > 0 else f"-{text}"


def until(when: datetime | None, now: datetime) -> str:
    """How long until ``when``: "45s", "4m10s", "2h05m", "3d4h"; "-" when there is no next run."""
    if when is None:
        return "-"
    seconds = max(0, int((when - now).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def window(start: datetime, end: datetime) -> str:
    """A run's window as it reads in a title: "09:15–09:30 UTC" (the dates when it spans days)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M} UTC"
    return f"{start:%m-%d %H:%M}–{end:%m-%d %H:%M} UTC"
