"""What every command shares: exit codes, the one-line error, console handles."""

from __future__ import annotations

import sys

from ..errors import EXIT_FAILED, EXIT_USAGE, UsageError
from ..model import positive_int, positive_seconds

EXIT_OK = 0
EXIT_PUSH = 3  # collected, but the push did not send everything

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_PUSH", "EXIT_USAGE", "UsageError", "fail", "positive_int", "positive_seconds", "project_root", "stderr_console", "stdout_console"]


def project_root():
    """The root of the project this command works in (None outside any: built-ins still run)."""
    from ..project import Project

    project = Project.current()
    return project.root if project is not None else None


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"dd-toolkit: error: {message}", file=sys.stderr)
    return code


def stdout_console():
    from rich.console import Console

    return Console(highlight=False)


def stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)
