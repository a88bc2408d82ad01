"""``dd-toolkit monitors NAME... | --all [--apply]``: the seed's three monitors per collector.

Prints the monitor definitions as JSON (the body of Datadog's ``POST /api/v1/monitor``), or with
``--apply`` creates or updates them. Schedules and timeouts come from the Helm values file, as
deployed; ``--schedule`` and ``--timeout`` override them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._common import EXIT_FAILED, EXIT_OK, UsageError, positive_seconds, project_root


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="collectors (entries under collectors: in the Helm values)")
    parser.add_argument("--all", action="store_true", help="every enabled collector of the Helm values")
    parser.add_argument("--values", type=Path, metavar="PATH",
                        help="the chart's values file (default: $DD_TOOLKIT_VALUES, else charts/datadog-collectors/values.yaml here or above)")
    parser.add_argument("--schedule", metavar="CRON", help="use this cron schedule instead of the values file's")
    parser.add_argument("--timeout", type=positive_seconds, metavar="S", help="the run's --timeout in seconds (default: the values file's)")
    parser.add_argument("--env", metavar="ENV", help="scope to env:ENV (default: the values file's datadog.env; '' for none)")
    parser.add_argument("--notify", action="append", default=[], metavar="@HANDLE", help="add to every message, e.g. @slack-infra (repeatable)")
    parser.add_argument("--max-errors", type=float, default=None, metavar="N", help="error monitor threshold: failed metrics per run (default 3)")
    parser.add_argument("--apply", action="store_true", help="create or update them in Datadog (needs DD_API_KEY and DD_APP_KEY)")



def handle(args: argparse.Namespace) -> int:
    from ..datadog import DEFAULT_MAX_ERRORS, MonitorInputs, monitors_for
    from ..errors import ValuesError
    from ..model import defaults
    from ..model import settings as environment

    if args.all and args.names:
        raise UsageError("give collector names or --all, not both")
    if not args.all and not args.names:
        raise UsageError("name a collector, or --all")
    for handle_ in args.notify:
        if not handle_.startswith("@"):
            raise UsageError(f"--notify {handle_!r}: a notification handle starts with @ (e.g. @slack-infra)")
    if args.names:  # an unknown name first, before keys or files: the same line as every command
        from ..engine import resolve

        resolve(list(dict.fromkeys(args.names)), project_root())
    settings = None
    if args.apply:  # then fail fast on missing credentials
        from ..datadog import check_settings

        settings = check_settings(environment())

    values = _values(args)
    entries = values.collectors
    names = values.enabled if args.all else list(dict.fromkeys(args.names))
    if args.all and not names:
        raise UsageError("no collector is enabled in the Helm values")
    env = args.env if args.env is not None else values.datadog_env
    definitions = []
    for name in names:
        entry = entries.get(name)
        if entry is None and not args.schedule:
            known = ", ".join(entries) or "none"
            raise UsageError(f"collector {name!r} has no entry in the Helm values (entries: {known}); add one or pass --schedule")
        schedule = args.schedule or entry.schedule
        timeout = args.timeout or (entry.timeout if entry else None) or defaults.RUN_TIMEOUT
        inputs = MonitorInputs(
            collector=name, schedule=schedule, timeout=timeout, env=env or None, notify=tuple(args.notify),
            max_errors=DEFAULT_MAX_ERRORS if args.max_errors is None else args.max_errors,
        )
        try:
            definitions += monitors_for(inputs)
        except ValuesError as exc:
            raise UsageError(f"{name}: {exc}") from None

    if settings is None:
        print(json.dumps(definitions, indent=2))
        return EXIT_OK
    from ..datadog import apply_monitors
    from ..errors import DatadogApiError

    try:
        changes = apply_monitors(definitions, settings)
    except DatadogApiError as exc:
        raise UsageError(f"applying monitors failed: {exc}", EXIT_FAILED) from None
    for change in changes:
        print(f"dd-toolkit: {change.line()}")
    return EXIT_OK


def _values(args: argparse.Namespace):
    """The project's Helm values (or --values PATH); empty ones when --schedule makes them optional."""
    from ..errors import ProjectError
    from ..project import Project, Values

    if args.values is not None:
        return Values.load(args.values)
    try:
        project = Project.find()
    except ProjectError:
        project = None
    if project is None or not project.values_path.is_file():
        if args.schedule and not args.all:
            return Values({})
        raise UsageError("no Helm values file found (charts/datadog-collectors/values.yaml); pass --values PATH or --schedule CRON")
    return project.values()
