"""What every command shares: exit codes, the one-line error, console handles."""

from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
EXIT_FAILED = 1  # a collector failed to load, every metric failed, or --strict and any error
EXIT_USAGE = 2  # bad input: unknown collector, missing setting (argparse uses 2 as well)
EXIT_PUSH = 3  # collected, but the push did not send everything


class CliError(Exception):
    """A user-facing failure: printed as one line, exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"dd-toolkit: error: {message}", file=sys.stderr)
    return code


def stdout_console():
    from rich.console import Console

    return Console(highlight=False)


def stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def positive_seconds(text: str) -> float:
    """argparse type for --timeout and intervals: a number of seconds above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value
