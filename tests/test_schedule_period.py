"""A regular schedule's period from its fields, as croniter's walk of a year of runs finds it."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from toolkit.model import is_valid_cron, schedule_gaps, schedule_period

MINUTES = ["*", "*/2", "*/5", "*/7", "*/15", "0", "59", "0,30", "5,35", "1-10", "3-20/4", "0-59/20", "60", "*/0", "1/5", "a"]
HOURS = ["*", "*/2", "*/5", "*/8", "0", "12", "23", "0,12", "9-17", "0-23/6", "24"]
DAYS = ["* * *", "1 * *", "* * 1-5", "* 1 *"]


def walked(schedule: str) -> int | None:
    """The period as croniter's walk finds it (what schedule_period did for every schedule)."""
    if not is_valid_cron(schedule):
        return None
    shortest, longest = schedule_gaps(schedule)
    return shortest if shortest == longest else None


@pytest.mark.parametrize("days", DAYS)
def test_period_agrees_with_walking_the_runs(days):
    for minute, hour in itertools.product(MINUTES, HOURS):
        schedule = f"{minute} {hour} {days}"
        assert schedule_period(schedule) == walked(schedule), schedule


def test_a_regular_schedule_needs_no_croniter():
    code = ("import sys; from toolkit.model import schedule_period; "
            "assert schedule_period('*/15 * * * *') == 900 and schedule_period('0 */6 * * *') == 21600; "
            "print('croniter' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip() == "False"
