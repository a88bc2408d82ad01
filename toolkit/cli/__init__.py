"""The ``dd-toolkit`` command line.

Each subcommand lives in its own module with ``register(subparsers)`` and ``handle(args)``.
Modules are imported only when their command runs, so ``dd-toolkit run`` never imports
textual or copier, and imports boto3/datadog-api-client only when a secret or a push needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from pathlib import Path

from .._version import __version__
from ..errors import ToolkitError
from ._common import EXIT_USAGE, fail

# (command, its module, one-line help). The module is imported to build its parser; keep every
# module's top level free of heavy imports. The dashboard's command lives with the dashboard
# (toolkit.tui.command): the faces never import each other, and this table only names it.
COMMANDS: list[tuple[str, str, str]] = [
    ("init", "toolkit.cli._init", "create a team's own metrics repository (chart, image, CI, tests), complete on day one"),
    ("list", "toolkit.cli._list", "list the collectors, their metrics and the secrets they need"),
    ("run", "toolkit.cli._run", "collect once (dry run unless --push), as the CronJob does"),
    ("dashboard", "toolkit.tui.command", "a live terminal dashboard: run collectors, browse metrics and errors"),
    ("new", "toolkit.cli._new", "generate a working collector (code, README, tests, cassettes, Helm entry) from the template"),
    ("backfill", "toolkit.cli._backfill", "produce the history of a collector's windowed counts, window by window (dry run unless --push)"),
    ("record", "toolkit.cli._record", "run a collector live and record its HTTP as scrubbed test cassettes"),
    ("docs", "toolkit.cli._docs", "regenerate a collector's README metrics table and auth section (--check: fail on drift)"),
    ("doctor", "toolkit.cli._doctor", "check a collector against the new-collector checklist"),
    ("update", "toolkit.cli._update", "bring the project's own files and its generated collectors up to the installed toolkit, keeping your edits"),
    ("monitors", "toolkit.cli._monitors", "print the Datadog monitors of collectors as JSON, or --apply them"),
    ("cost", "toolkit.cli._cost", "custom metrics per collector as Datadog bills them; --baseline FILE fails a PR that grows them; --api: requests an hour per credential against its rate limit"),
    ("metadata", "toolkit.cli._metadata", "keep each metric's type, unit and description in Datadog equal to the code (--check, --apply)"),
    ("manual", "toolkit.cli._manual", "read the manual offline: `dd-toolkit manual` lists its topics, `dd-toolkit manual deploying` shows one"),
]


def build_parser(only: str | None = "") -> argparse.ArgumentParser:
    """The whole command line; with ``only``, the options of that one command alone (None: of none).

    Each command's module is imported to build its parser: ``main`` builds only the one its
    argv names, so `dd-toolkit --help` imports no command and `dd-toolkit run` only ``_run``.
    """
    parser = argparse.ArgumentParser(
        prog="dd-toolkit",
        description="Write, test, run and deploy Datadog metric collectors.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--project", type=Path, metavar="DIR",
                        help="the dd-toolkit project to work in (default: found from the current directory)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name, help_text in COMMANDS:
        command = sub.add_parser(name, help=help_text, description=help_text)
        if only == "" or only == name:
            module = importlib.import_module(module_name)
            module.register(command)
            command.set_defaults(handler=module.handle)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The command ``argv`` names (its first word that is one, past ``--project DIR``), or None."""
    names = {name for name, _, _ in COMMANDS}
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--project":
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in names else None
    return None


def main(argv: list[str] | None = None) -> int:
    """The command line: ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    Called as the program (no ``argv``: the ``dd-toolkit`` script, ``python -m toolkit.cli``), it
    also makes the process end: a non-daemon thread a collector left running would otherwise hold
    it open forever after the summary (see ``_leave``).
    """
    code = _main(argv)
    if argv is None:
        _leave(code)
    return code


def _leave(code: int) -> None:
    """Give threads still running ``defaults.THREAD_GRACE`` seconds to end; then exit with ``code``
    without them (``os._exit``: the interpreter's own exit would join them, and a thread pool's
    exit hook would wait for its work, however long)."""
    import threading
    import time

    from ..model import defaults

    pools = sys.modules.get("concurrent.futures.thread")
    # a thread pool's workers are waited for at exit even when daemons (made from a daemon thread,
    # as a metric function's are): its exit hook joins every worker it has
    pooled = set(getattr(pools, "_threads_queues", {}) or ())

    def left() -> list[threading.Thread]:
        return [t for t in threading.enumerate()
                if t is not threading.current_thread() and t.is_alive() and (not t.daemon or t in pooled)]

    end = time.monotonic() + defaults.THREAD_GRACE
    for thread in left():
        thread.join(max(0.0, end - time.monotonic()))
    if remaining := left():
        names = ", ".join(sorted({t.name for t in remaining}))
        with contextlib.suppress(OSError, ValueError):
            print(f"dd-toolkit: exiting with {len(remaining)} thread(s) still running that a collector started and "
                  f"did not end ({names}); shut them down (a pool's shutdown, a daemon thread)", file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _main(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command_of(words))
    args = parser.parse_args(words)
    if args.project is not None:  # every command (and what it starts) finds the project here
        os.environ["DD_TOOLKIT_PROJECT"] = str(args.project.resolve())
    # every command, not only `run --push`: DD_API_KEY / DD_APP_KEY are registered for redaction
    # before anything can print (reading them raises nothing; checking them is the command's job)
    from ..model import Settings

    Settings.from_env()
    try:
        return int(args.handler(args) or 0)
    except ToolkitError as exc:  # every error the toolkit raises on purpose: one line, its exit code
        return fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:
        return _closed_pipe()


def _closed_pipe() -> int:
    """The reader went away (`dd-toolkit list --json | head -1`): stop quietly, as cat and grep do.

    stdout is pointed at /dev/null so that the interpreter's final flush does not raise again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["EXIT_USAGE", "build_parser", "main"]
