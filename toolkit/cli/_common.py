"""What every command shares: exit codes, the one-line error, console handles."""

from __future__ import annotations

import contextlib
import sys

from ..errors import EXIT_FAILED, EXIT_USAGE, UsageError

EXIT_OK = 0
EXIT_PUSH = 3  # collected, but the push did not send everything

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_PUSH", "EXIT_USAGE", "UsageError", "check_names", "collector_refs", "fail", "rolled_back_on_signals", "project_root", "recover_interrupted", "stderr_console", "stdout_console"]


def __getattr__(name: str):
    # the argument types resolve on first use: `dd-toolkit --help` never imports the model
    if name in ("positive_int", "positive_seconds"):
        from ..model import defaults

        return getattr(defaults, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def project_root():
    """The root of the project this command works in (None outside any: built-ins still run)."""
    from ..project import Project

    project = Project.current()
    return project.root if project is not None else None


def recover_interrupted(root) -> None:
    """Before a command touches the project: finish (or undo) a multi-file change a killed
    ``update`` left half-way, and say so in one line."""
    from ..project import recover_interrupted as recover

    done = recover(root)
    if done:
        print(f"dd-toolkit: {done}", file=sys.stderr)


def check_names(names: list[str], all_: bool, *, verb: str = "") -> None:
    """``NAME... | --all``: exactly one of the two (before any other check, so the usage error comes first)."""
    if all_ and names:
        raise UsageError("give collector names or --all, not both")
    if not all_ and not names:
        from ..engine import discover

        raise UsageError(f"name a collector{verb}, or --all; known collectors: {', '.join(discover(project_root())) or 'none'}")


def collector_refs(names: list[str], all_: bool, *, verb: str = "") -> list:
    """The collectors a ``NAME... | --all`` command works on, found in the project it works in."""
    from ..engine import discover, resolve

    check_names(names, all_, verb=verb)
    root = project_root()
    return list(discover(root).values()) if all_ else resolve(list(dict.fromkeys(names)), root)


def fail(message: str, code: int = EXIT_USAGE) -> int:
    """The one error line; its text may quote an upstream answer, so escape sequences are made visible."""
    from ..model import printable  # upstream text with control characters shown, never sent raw

    print(f"dd-toolkit: error: {printable(message)}", file=sys.stderr)
    return code


def stdout_console():
    from rich.console import Console

    return Console(highlight=False)


def stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@contextlib.contextmanager
def rolled_back_on_signals():
    """For the commands that write several files (``new``, ``update``, ``init``): SIGTERM stops
    them as Ctrl-C does, with an exception raised where they are, so the rollback that SIGINT
    already gets (a staged scaffold removed, files put back) runs for SIGTERM too. Its default
    action would end the process between two renames."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []

    def handler(signum, frame):
        got.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except BaseException:
        # After a SIGTERM, whatever surfaces is its doing: the KeyboardInterrupt itself, or an error
        # it caused on the way out (a library cleaning up a temp dir that a killed git child was
        # still writing into). The callers' rollbacks ran either way; the exit is the signal's.
        if got:
            raise UsageError("SIGTERM: stopped; what it had not finished was rolled back (see `git status`)", 128 + signal.SIGTERM) from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
