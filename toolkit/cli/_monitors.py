"""``dd-toolkit monitors NAME... | --all [--rate-budget] [--apply]``: the seed's three monitors per collector.

``--rate-budget`` adds a fourth to each collector that declares ``rate_limits``: its credentials'
budget left below a tenth of the limit (``datadog.rate_budget_monitor``).

Prints the monitor definitions as JSON (the body of Datadog's ``POST /api/v1/monitor``), or with
``--apply`` creates or updates them. Schedules and timeouts come from the Helm values file, as
deployed; ``--schedule`` and ``--timeout`` override them.
"""

from __future__ import annotations

import argparse
import json
import sys
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
    parser.add_argument("--max-errors", type=float, default=None, metavar="N", help="error monitor threshold: failed metrics per run (default 3, or one below the collector's metric count when that is 3 or fewer)")
    parser.add_argument("--rate-budget", action="store_true",
                        help="also the rate-budget monitor of each collector that declares rate_limits: a credential's "
                             "collector.<name>.rate_budget.remaining below 10%% of its limit (`dd-toolkit manual budgets`)")
    parser.add_argument("--apply", action="store_true", help="create or update them in Datadog (needs DD_API_KEY and DD_APP_KEY)")



def handle(args: argparse.Namespace) -> int:
    from ..datadog import KINDS, MonitorInputs, monitors_for, rate_budget_monitor
    from ..errors import ValuesError
    from ..model import default_max_errors, defaults
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
    definitions, refused = [], []
    for name in names:
        entry = entries.get(name)
        if entry is None and not args.schedule:
            known = ", ".join(entries) or "none"
            raise UsageError(f"collector {name!r} has no entry in the Helm values (entries: {known}); add one or pass --schedule")
        schedule = args.schedule or entry.schedule
        timeout = args.timeout or (entry.timeout if entry else None) or defaults.RUN_TIMEOUT
        count, limits = _declared(name)
        inputs = MonitorInputs(
            collector=name, schedule=schedule, timeout=timeout, env=env or None, notify=tuple(args.notify),
            max_errors=default_max_errors(count) if args.max_errors is None else args.max_errors, metric_count=count,
            rate_limits=limits,
        )
        try:
            made = monitors_for(inputs)
            budget = rate_budget_monitor(inputs) if args.rate_budget else None
            problems = inputs.problems()
        except (ValuesError, ValueError) as exc:
            raise UsageError(f"{name}: {exc}") from None
        # a monitor that can never fire, or always would, is never printed or sent: it is named instead
        for kind, definition in zip(KINDS, made, strict=True):
            if kind in problems:
                refused.append(f"{name}: the {kind} monitor is not made: {problems[kind]}")
            else:
                definitions.append(definition)
        if budget is not None:
            definitions.append(budget)  # the fourth, for a collector with declared rate limits
    for line in refused:
        print(f"dd-toolkit: {line}", file=sys.stderr)
    code = EXIT_FAILED if refused else EXIT_OK

    if settings is None:
        print(json.dumps(definitions, indent=2))
        return code
    from ..datadog import apply_monitors
    from ..errors import DatadogApiError

    try:
        changes = apply_monitors(definitions, settings)
    except DatadogApiError as exc:
        raise UsageError(f"applying monitors failed: {exc}", EXIT_FAILED) from None
    for change in changes:
        print(f"dd-toolkit: {change.line()}")
    return code


def _declared(name: str) -> tuple[int | None, tuple[tuple[str, int], ...]]:
    """How many metrics the collector declares (error_count never exceeds it; None when it cannot be
    loaded here), and its ``rate_limits`` as (credential, requests) for the rate-budget monitor."""
    from ..engine import describe, discover
    from ..errors import ToolkitError
    from ..model import ratelimits

    ref = discover(project_root()).get(name)
    if ref is None:
        return None, ()
    described = describe(ref)
    if described.collector is None:
        return None, ()
    try:
        limits = ratelimits.declared_limits(getattr(described.collector, "rate_limits", None), name)
    except ToolkitError as exc:
        raise UsageError(str(exc)) from None
    count = len(described.specs) if described.error is None else None
    return count, tuple((credential, limit.requests) for credential, limit in limits.items())


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
