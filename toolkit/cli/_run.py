"""``dd-toolkit run NAME... | --all [--push [--sync-metadata]] [--json] [--offline] [--cassettes DIR] [--capture DIR] [--timeout S] [--push-timeout S] [--workers N] [--strict]``.

``--capture DIR`` is the flight recorder: the live run's HTTP, scrubbed as ``record`` scrubs,
kept in ``DIR/<name>/``; ``--offline --cassettes DIR`` replays it with no credentials.

SIGTERM and SIGINT are a normal end (Kubernetes sends SIGTERM at the job's deadline, on
eviction, drain or rollout): the first stops collecting, pushes what was collected within
``defaults.SIGNAL_GRACE`` seconds, prints the usual summary and exits 128 + the signal's
number; a second exits at once.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import signal
import sys
import time
from pathlib import Path

from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PUSH,
    UsageError,
    collector_refs,
    positive_int,
    positive_seconds,
)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="collectors to run (see `dd-toolkit list`)")
    parser.add_argument("--all", action="store_true", help="run every collector")
    parser.add_argument("--push", action="store_true", help="submit to Datadog (needs DD_API_KEY or DD_API_KEY_FILE); default is a dry run")
    parser.add_argument("--offline", action="store_true", help="replay recorded cassettes: no network, no credentials")
    parser.add_argument("--cassettes", type=Path, default=None, metavar="DIR",
                        help="replay from DIR/<name>/ (a directory of collector directories, as tests/cassettes); implies --offline")
    parser.add_argument("--capture", type=Path, default=None, metavar="DIR",
                        help="keep this live run's HTTP, scrubbed as `record` does, in DIR/<name>/ (replay it with --offline --cassettes DIR)")
    parser.add_argument("--json", action="store_true", help="print JSON only (an object for one collector, an array for several); what collectors print goes to stderr")
    parser.add_argument("--timeout", type=positive_seconds, default=None, metavar="S", help="deadline for the whole run in seconds (default 120)")
    parser.add_argument(
        "--push-timeout", type=positive_seconds, default=None, metavar="S",
        help="budget for the whole push after collecting, retries included (default 60)",
    )
    parser.add_argument(
        "--workers", type=positive_int, default=None, metavar="N",
        help="metric functions of one collector running at once (default: the collector's max_workers, 16)",
    )
    parser.add_argument("--strict", action="store_true", help="exit non-zero when any metric fails")
    parser.add_argument("--verbose", "-v", action="store_true", help="show tagged series and error tracebacks")
    parser.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE", help="extra tag on every pushed series (repeatable)")
    parser.add_argument(
        "--sync-metadata", action="store_true",
        help="with --push: bring Datadog's metric metadata to the code's for the metrics whose declaration changed "
             "since the last sync (needs DD_APP_KEY; remembered in DD_TOOLKIT_STATE_DIR)",
    )



def handle(args: argparse.Namespace) -> int:
    from ..model import Interrupt
    from ..model import settings as environment

    refs = collector_refs(args.names, args.all, verb=" to run")
    if args.cassettes is not None:
        args.offline = True
    if args.push and args.offline:
        raise UsageError("--offline replays recorded data, which must never reach Datadog as live points; drop --push or --offline")
    if args.capture is not None and args.offline:
        raise UsageError("--capture records a live run; an offline replay has nothing new to keep: drop --capture or --offline/--cassettes")
    if args.cassettes is not None and not args.cassettes.is_dir():
        raise UsageError(f"--cassettes {args.cassettes}: no such directory (it holds one directory per collector, as --capture writes)")
    if args.sync_metadata and not args.push:
        raise UsageError("--sync-metadata syncs the metadata of what a run pushes: add --push (or run `dd-toolkit metadata --apply`)")
    env = environment()  # registers DD_API_KEY / DD_APP_KEY for redaction on every run
    settings = None
    if args.push:
        from ..datadog import PushSettings

        settings = PushSettings.from_settings(env, args.tag)  # before collecting: fail fast
    if args.sync_metadata:
        env.require("DD_APP_KEY", purpose="--sync-metadata reads and writes metric metadata: export it, or drop --sync-metadata")

    entries = entries_once()
    intervals, budgets = deployment([r.name for r in refs], entries)  # before collecting: a bad budget fails fast
    interrupt = Interrupt()
    out = sys.stdout
    # With --json, stdout carries the JSON alone: what collectors print (in metric functions, in
    # a seed-style loop, from worker threads) goes to stderr until the command is done.
    with _stop_on_signals(interrupt), contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        code = _collect_and_push(args, refs, settings, interrupt, intervals, budgets, env, out, entries)
    if interrupt.is_set():
        print(f"dd-toolkit: stopped by {interrupt.reason}; what was collected before it is in the summary above", file=sys.stderr)
        code = 128 + _SIGNALS.get(interrupt.reason or "", signal.SIGTERM)
    return code


_SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT}


@contextlib.contextmanager
def _stop_on_signals(interrupt):
    """First SIGTERM/SIGINT: set ``interrupt`` (the run ends normally, soon); second: exit at once."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (a test calling main() from one)
        return

    def handler(signum, frame):
        name = signal.Signals(signum).name
        if interrupt.reason is not None:
            os.write(2, f"dd-toolkit: second {name}: exiting at once, nothing more is pushed\n".encode())
            os._exit(128 + signum)
        # Recorded before anything is written: a second signal can arrive (and its handler run,
        # nested in this one) the moment the line below is out; it must see that this one came first.
        interrupt.set_soon(name)
        os.write(2, f"dd-toolkit: {name}: stopping; pushing what was collected (a second signal exits at once)\n".encode())

    previous = {sig: signal.signal(sig, handler) for sig in _SIGNALS.values()}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _collect_and_push(args, refs, settings, interrupt, intervals, budgets, env, out, entries=None) -> int:
    from ..engine import apply_budget, run_collectors
    from ..model import defaults

    began = time.monotonic()
    schedules = schedules_of([r.name for r in refs], entries)
    retire_afters = retire_afters_of([r.name for r in refs], entries)  # before collecting: a bad value fails fast
    results = run_collectors(refs, timeout=args.timeout, offline=args.offline, cassettes_root=args.cassettes, capture=args.capture,
                             interrupt=interrupt, max_workers=args.workers, schedules=schedules)
    if settings is not None and env.app_key:
        from ._windows import catch_up_and_fill

        results = catch_up_and_fill(refs, results, env, schedules, began=began, timeout=args.timeout, interrupt=interrupt,
                                    retire_after=retire_afters)
    results = [apply_budget(r, budgets.get(r.collector)) for r in results]

    if args.json:
        payload = [r.to_json() for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 and not args.all else payload, indent=2), file=out, flush=True)
    else:
        from ._report import print_results

        print_results(results, verbose=args.verbose, pushing=args.push)

    code = EXIT_OK
    if any(r.failed for r in results) or (args.strict and any(r.errors for r in results)):
        code = EXIT_FAILED
    if settings is not None:
        from ..datadog import push

        budget = defaults.PUSH_TIMEOUT if args.push_timeout is None else args.push_timeout
        began = time.monotonic()
        report = push(results, settings, intervals=intervals, timeout=budget, interrupt=interrupt)
        print(f"dd-toolkit: {report.summary()}", file=sys.stderr)
        if not report.ok:
            code = EXIT_PUSH
        if args.sync_metadata and not interrupt.is_set():
            _sync_metadata(refs, results, env, budget - (time.monotonic() - began))
    return code


def _sync_metadata(refs, results, env, left: float) -> None:
    """The metadata of the collectors that ran, within what is left of the push budget (a line either way:
    the series are pushed, and the exit code is the push's)."""
    from ..datadog import sync_metadata
    from ..engine import load

    ran = {r.collector for r in results if r.fatal is None}
    specs = []
    for ref in refs:
        if ref.name in ran:
            collector, _ = load(ref)
            specs += collector.metric_specs() if collector is not None else []
    print(f"dd-toolkit: {sync_metadata(specs, env, timeout=left).summary(left)}", file=sys.stderr)



def schedules_of(names: list[str], entries=None) -> dict[str, str | None]:
    """Per collector, the schedule its run's window is a slot of (model/window.py): the CronJob's
    ``DD_COLLECTOR_SCHEDULE``, else its entry in the project's values, else None (the default)."""
    from ..errors import ToolkitError

    own = os.environ.get("DD_COLLECTOR_SCHEDULE", "").strip()
    if own:
        return dict.fromkeys(names, own)
    try:
        entries = (entries or project_entries)()
    except (ToolkitError, OSError):
        return dict.fromkeys(names)
    return {n: entries[n].schedule if n in entries else None for n in names}


def retire_afters_of(names: list[str], entries=None) -> dict[str, int | None]:
    """Per collector, the windows a windowed count's tag set with no event is still sent as 0: the
    CronJob's ``DD_COLLECTOR_RETIRE_AFTER`` (the chart sets it from ``retireAfterWindows``), else
    the values' ``collectors.<name>.retireAfterWindows`` (or ``defaults``), else None (``engine.RETIRE_AFTER``)."""
    from ..errors import ToolkitError

    own = os.environ.get("DD_COLLECTOR_RETIRE_AFTER", "").strip()
    if own:
        if not own.isdigit() or int(own) < 1:
            raise UsageError(f"DD_COLLECTOR_RETIRE_AFTER={own!r} must be a whole number of windows above 0 (values: retireAfterWindows)")
        return dict.fromkeys(names, int(own))
    try:
        entries = (entries or project_entries)()
    except (ToolkitError, OSError):
        return dict.fromkeys(names)
    return {n: entries[n].retire_after if n in entries else None for n in names}


def deployment(names: list[str], entries=None) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """Per collector: its schedule's period in seconds (the interval of its counts and rates)
    and its custom-metric budget.

    In a CronJob the chart sets ``DD_COLLECTOR_SCHEDULE`` and ``DD_COLLECTOR_BUDGET`` (one
    collector per pod); elsewhere both come from the project's Helm values, when there is a project.
    """
    import os

    from ..errors import ProjectError
    from ..model import schedule_period

    own = os.environ.get("DD_COLLECTOR_SCHEDULE", "").strip()
    if own:
        budget = os.environ.get("DD_COLLECTOR_BUDGET", "").strip()
        if budget and not budget.isdigit():
            raise UsageError(f"DD_COLLECTOR_BUDGET={budget!r} is not a whole number; set budget.customMetrics in the values")
        return {n: schedule_period(own) for n in names}, {n: int(budget) if budget else None for n in names}
    try:
        entries = (entries or project_entries)()  # a values file that is there must be valid
    except ProjectError:  # no project here: declared intervals only, no budget
        return {}, {}
    intervals = {n: schedule_period(entries[n].schedule) if n in entries and entries[n].enabled else None for n in names}
    return intervals, {n: entries[n].budget if n in entries else None for n in names}


def project_entries():
    """The collectors' entries in the project's Helm values (a ``ProjectError`` outside a project)."""
    from ..project import Project

    return Project.find().values_or_empty().collectors


def entries_once():
    """``project_entries`` read (and checked against the chart's schema) at most once: a run
    asks for the schedules, the budgets and the retirements of the same values."""
    return functools.cache(project_entries)
