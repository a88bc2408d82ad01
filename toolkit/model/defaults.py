"""The defaults of a run, in one place (the chart's values.yaml repeats RUN_TIMEOUT; a test keeps them equal)."""

RUN_TIMEOUT = 120.0  # seconds for one collector's run; the chart's default schedule is every 15 minutes
METRIC_TIMEOUT = 60.0  # seconds one metric function may take: one slow metric never holds the pool for the whole run
MAX_WORKERS = 16  # metric functions of one collector running at once
PUSH_TIMEOUT = 60.0  # seconds the push may take after collecting (--push-timeout; the chart's defaults.pushTimeout)
SIGNAL_GRACE = 15.0  # seconds after SIGTERM/SIGINT to push what was collected (the chart's termination grace covers it)
EXIT_SLACK = 10.0  # seconds of start-up, printing and exit around the two budgets, for the chart's activeDeadlineSeconds
# After the first signal the run exits within this many seconds: the grace, then the summary. The
# chart's terminationGracePeriodSeconds (default SIGNAL_GRACE + EXIT_SLACK) must not be shorter.
SIGNAL_EXIT = SIGNAL_GRACE + 5.0
# Threads a collector started and left running (a thread pool it never shut down) may take this
# many seconds to end once the command is done; then the process exits without them, with its
# code. Inside EXIT_SLACK.
THREAD_GRACE = 2.0


def _positive(text: str, convert, what: str):
    import argparse

    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def positive_seconds(text: str) -> float:
    """The command-line type of --timeout and intervals: a number of seconds above zero."""
    return _positive(text, float, "a number of seconds")


def positive_int(text: str) -> int:
    """The command-line type of --workers: a whole number above zero."""
    return _positive(text, int, "a whole number")
