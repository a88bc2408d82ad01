"""``dd-toolkit dashboard [NAME...] [--offline | --live] [--every N] [--timeout S] [--values PATH] [--no-reload]``.

The CLI's command table names this module (the faces never import each other). Textual is
imported inside ``handle()`` only: building the parser for any command imports this module,
``dd-toolkit run`` must stay free of textual, and without the ``dashboard`` extra the command
says which extra to install.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ExtraMissing, UsageError
from ..model import positive_seconds


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="show only these collectors (default: all of `dd-toolkit list`)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--offline", dest="offline", action="store_true", default=None,
                      help="replay recorded cassettes (default when no credentials are configured; see `dd-toolkit manual dashboard`)")
    mode.add_argument("--live", dest="offline", action="store_false", help="collect from the real APIs with your credentials")
    parser.add_argument("--every", type=positive_seconds, default=None, metavar="N",
                        help="dev mode: auto-refresh every collector every N seconds instead of on its Helm schedule")
    parser.add_argument("--timeout", type=positive_seconds, default=None, metavar="S", help="deadline of each run in seconds (default 120)")
    parser.add_argument("--values", type=Path, default=None, metavar="PATH",
                        help="Helm values file with the schedules (default: charts/datadog-collectors/values.yaml found from here)")
    parser.add_argument("--no-run", dest="run_on_start", action="store_false", help="open without running every collector first")
    parser.add_argument("--no-reload", dest="reload", action="store_false",
                        help="do not watch the collectors' .py files (by default saving one re-imports and re-runs that collector)")


def handle(args: argparse.Namespace) -> int:
    ExtraMissing.check("dashboard", "dashboard", "textual", *(("watchfiles",) if args.reload else ()))
    from . import create_app

    app = create_app(
        names=list(args.names),
        offline=args.offline,
        timeout=args.timeout,
        every=args.every,
        values=args.values,
        run_on_start=args.run_on_start,
        reload=args.reload,
    )
    check_terminal()  # after the names are checked, so a typo is reported as such
    app.run()
    return 0


def check_terminal() -> None:
    """The dashboard draws on a terminal; without one (a pipe, CI, a CronJob) Textual would write
    escape codes into the pipe and wait for keys that never come."""
    missing = [name for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)) if not _isatty(stream)]
    if missing:
        raise UsageError(
            f"dd-toolkit dashboard needs a terminal, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not one; for plain output use `dd-toolkit run --all --offline` "
            "(or `dd-toolkit run NAME --offline`)"
        )


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False
