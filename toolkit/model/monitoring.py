"""The arithmetic of a collector's monitors: their windows and thresholds, and which can never
work. Pure: ``datadog.monitors`` writes the definitions from it, ``doctor`` checks with it.

Datadog's metric-alert windows (its OpenAPI description of ``POST /api/v1/monitor``, "Metric
Alert Query": ``time_window`` is ``last_#m`` with # up to 10080, ``last_#h`` up to 168,
``last_1d`` or ``last_1w``) are one week at the longest.
"""

from __future__ import annotations

import math

from .schedule import schedule_gaps

NOT_REPORTING, ERRORS, DURATION = "not-reporting", "errors", "duration"
KINDS = (NOT_REPORTING, ERRORS, DURATION)
DEFAULT_MAX_ERRORS = 3.0  # the seed's "error_count > 3"
MIN_SILENCE_MINUTES = 30  # the seed's "no metrics in 30 minutes"
MAX_WINDOW_MINUTES = 7 * 24 * 60  # last_1w: Datadog's longest metric-alert window


def window_text(minutes: int) -> str:
    """A window as Datadog's metric alerts write it: 30m, 2h, 1d, 1w, else whole hours or minutes."""
    if minutes == MAX_WINDOW_MINUTES:
        return "1w"
    if minutes == 1440:
        return "1d"
    if minutes % 60 == 0 and minutes // 60 <= 168:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def silence_minutes(longest_gap_seconds: int) -> int:
    """How long without data means a collector stopped: two of its longest gaps, at least 30 min,
    at most Datadog's longest window."""
    return min(MAX_WINDOW_MINUTES, max(MIN_SILENCE_MINUTES, math.ceil(2 * longest_gap_seconds / 60)))


def error_window_minutes(longest_gap_seconds: int) -> int:
    """An hour, or one longest gap when the schedule is slower (the window holds a run), at most a week."""
    return min(MAX_WINDOW_MINUTES, max(60, math.ceil(longest_gap_seconds / 60)))


def default_max_errors(metric_count: int | None) -> float:
    """The error monitor's threshold: the seed's 3, or one below the number of metrics when a
    collector has 3 or fewer (``error_count`` never exceeds it, so ``> 3`` could never fire)."""
    if metric_count is None:
        return DEFAULT_MAX_ERRORS
    return float(min(DEFAULT_MAX_ERRORS, max(0, metric_count - 1)))


def monitor_problems(schedule: str, timeout: float, max_errors: float, metric_count: int | None = None) -> dict[str, str]:
    """The monitors (by kind) that can never fire or would always fire, each with why.

    ``schedule`` must be a valid cron pattern (``schedule_gaps`` raises ValueError otherwise).
    """
    _, longest = schedule_gaps(schedule)
    problems = {}
    if longest >= MAX_WINDOW_MINUTES * 60:
        problems[NOT_REPORTING] = (
            f"schedule {schedule!r} leaves {_span(longest)} between runs, and Datadog's longest metric-alert window "
            f"is 1w: no window can hold a run every time, so it would fire between on-time runs; run it more often "
            f"than weekly, or watch it another way"
        )
    if max_errors < 0:
        problems[ERRORS] = f"error_count > {max_errors:g} always fires (a run never has fewer than 0 errors)"
    elif metric_count is not None and max_errors >= metric_count:
        problems[ERRORS] = (
            f"error_count > {max_errors:g} can never fire: the collector has {metric_count} metric(s), so a run has at "
            f"most {metric_count} errors; use a threshold below {metric_count}"
        )
    if timeout <= 0:
        problems[DURATION] = f"a timeout of {timeout:g}s makes duration_seconds > {timeout * 0.8:g} always fire"
    return problems


def _span(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    return f"{days}d {rest // 3600}h" if rest else f"{days}d"


__all__ = [
    "DEFAULT_MAX_ERRORS",
    "DURATION",
    "ERRORS",
    "KINDS",
    "MAX_WINDOW_MINUTES",
    "MIN_SILENCE_MINUTES",
    "NOT_REPORTING",
    "default_max_errors",
    "error_window_minutes",
    "monitor_problems",
    "silence_minutes",
    "window_text",
]
