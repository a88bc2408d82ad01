"""The ``dd-toolkit`` command line.

Each subcommand lives in its own module with ``register(subparsers)`` and ``handle(args)``.
Modules are imported only when their command runs, so ``dd-toolkit run`` never imports
textual or copier, and imports boto3/datadog-api-client only when a secret or a push needs them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .._version import __version__
from ..errors import ToolkitError
from ._common import EXIT_USAGE, fail

# (command, its module, one-line help). The module is imported to build its parser; keep every
# module's top level free of heavy imports. The dashboard's command lives with the dashboard
# (toolkit.tui.command): the faces never import each other, and this table only names it.
COMMANDS: list[tuple[str, str, str]] = [
    ("list", "toolkit.cli._list", "list the collectors, their metrics and the secrets they need"),
    ("run", "toolkit.cli._run", "collect once (dry run unless --push), as the CronJob does"),
    ("dashboard", "toolkit.tui.command", "a live terminal dashboard: run collectors, browse metrics and errors"),
    ("new", "toolkit.cli._new", "generate a working collector (code, README, tests, cassettes, Helm entry) from the template"),
    ("record", "toolkit.cli._record", "run a collector live and record its HTTP as scrubbed test cassettes"),
    ("docs", "toolkit.cli._docs", "regenerate a collector's README metrics table (--check: fail on drift)"),
    ("doctor", "toolkit.cli._doctor", "check a collector against the new-collector checklist"),
    ("update", "toolkit.cli._update", "pull template changes into a generated collector, keeping your edits"),
    ("monitors", "toolkit.cli._monitors", "print the Datadog monitors of collectors as JSON, or --apply them"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dd-toolkit",
        description="Write, test, run and deploy Datadog metric collectors.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name, help_text in COMMANDS:
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.register(command)
        command.set_defaults(handler=module.handle)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["EXIT_USAGE", "build_parser", "main"]
