"""``dd-toolkit backfill NAME --from T --to T [--push] [--offline] [--cassettes DIR]``: history, window by window.

Each closed slot of the collector's schedule between ``--from`` and ``--to`` is collected in turn,
oldest first, with the clock frozen at the window's end (``toolkit.now()`` and
``toolkit.window()``): the metrics declared ``@metric(..., window=True)`` produce that window's
count; the others describe the present and are skipped, named in one line. A dry run (the
default) prints what each window would push; ``--push`` sends each window as it is collected,
its points stamped at the window's end and its collector.<name>.* meta-metrics left out (a
backfill is not a run). A tag set with an event in an earlier window of the backfill is sent
as 0 where it has none, as a run does (docs/metrics.md, "Zero-fill").

Datadog's v2 series intake takes points at most an hour old; older ones need historical metrics
ingestion enabled for the metric. A point the intake refuses (a 202 that lists errors, or a 400)
is reported by metric name and window, never dropped silently, and the exit code is 3.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ._common import EXIT_FAILED, EXIT_OK, EXIT_PUSH, UsageError, collector_refs, positive_seconds

_RELATIVE = re.compile(r"^-(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
EXAMPLES = "-6h, -2d, -90m, now, or an ISO time such as 2026-11-27T06:00Z (UTC unless it names its offset)"


def register(parser: argparse.ArgumentParser) -> None:
    # argparse takes "-6h" for an option unless it looks like a negative number: let a relative
    # time look like one (`--from=-6h` works either way). No option of this command starts with a digit.
    parser._negative_number_matcher = re.compile(r"^-\d+[mhdw]?$|^-\d*\.\d+$")
    parser.add_argument("name", metavar="NAME", help="the collector (see `dd-toolkit list`)")
    parser.add_argument("--from", dest="since", required=True, metavar="T", help=f"the first window ends after T: {EXAMPLES}")
    parser.add_argument("--to", dest="until", default="now", metavar="T", help="the last window ends at or before T (default now)")
    parser.add_argument("--push", action="store_true", help="send each window to Datadog (needs DD_API_KEY); default is a dry run")
    parser.add_argument("--offline", action="store_true", help="replay the collector's cassettes (now = the recording's time); never with --push")
    parser.add_argument("--cassettes", type=Path, default=None, metavar="DIR", help="replay from DIR/<name>/; implies --offline")
    parser.add_argument("--timeout", type=positive_seconds, default=None, metavar="S", help="deadline for each window's collection (default 120)")
    parser.add_argument("--push-timeout", type=positive_seconds, default=None, metavar="S", help="budget for each window's push (default 60)")
    parser.add_argument("--tag", action="append", default=[], metavar="KEY:VALUE", help="extra tag on every pushed series (repeatable)")


def parse_when(text: str, now: datetime, option: str) -> datetime:
    """``now``, ``-6h``/``-2d``/``-90m``/``-1w`` before ``now``, or an ISO time (naive: UTC)."""
    value = text.strip()
    if value == "now":
        return now
    if match := _RELATIVE.match(value):
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a time; use {EXAMPLES}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def handle(args: argparse.Namespace) -> int:
    from ..datadog import ACCEPTS_PAST_SECONDS, PushSettings
    from ..engine import RETIRE_AFTER, load
    from ..model import settings as environment
    from ..model import windows_between
    from ._run import retire_afters_of, schedules_of

    (ref,) = collector_refs([args.name], False, verb=" to backfill")
    if args.cassettes is not None:
        args.offline = True
        if not args.cassettes.is_dir():
            raise UsageError(f"--cassettes {args.cassettes}: no such directory (it holds one directory per collector)")
    if args.push and args.offline:
        raise UsageError("--offline replays recorded data, which must never reach Datadog as real history; drop --push or --offline")
    env = environment()
    settings = PushSettings.from_settings(env, args.tag) if args.push else None  # before collecting: fail fast

    collector, error = load(ref)
    if collector is None:
        raise UsageError(f"{ref.name} does not load: {error.message}")
    specs = collector.metric_specs()
    windowed = [s.name for s in specs if s.window]
    if not windowed:
        raise UsageError(f"{ref.name} has no metric declared @metric(..., window=True): nothing counts events by window, "
                         "so there is no history to produce (docs/metrics.md, \"Windows\")")
    cassettes = args.cassettes / ref.name if args.cassettes is not None else None
    now = _offline_now(collector, cassettes) if args.offline else datetime.now(UTC)
    since, until = parse_when(args.since, now, "--from"), parse_when(args.until, now, "--to")
    if since >= until:
        raise UsageError(f"--from {args.since} is not before --to {args.until}")
    schedule = schedules_of([ref.name])[ref.name]
    windows = windows_between(schedule, since, until)
    if not windows:
        raise UsageError(f"no window of {schedule or '*/15 * * * *'} closes between --from {args.since} and --to {args.until}")

    say = lambda line: print(f"dd-toolkit: {line}", file=sys.stderr)  # noqa: E731
    skipped = [s.name for s in specs if not s.window]
    if skipped:
        say(f"backfill {ref.name}: skipped, no window=True (they describe the present, not a window): {', '.join(skipped)}")
    run = _Backfill(ref, specs, schedule, args, settings, retire_afters_of([ref.name])[ref.name] or RETIRE_AFTER)
    with _progress(len(windows), ref.name) as step:
        for window in windows:
            run.one(window)
            step(window, run.last_line)
    oldest_accepted = now - timedelta(seconds=ACCEPTS_PAST_SECONDS)  # offline: as if run when recorded
    return run.report(windows, windowed, too_old=[w for w in windows if w.end < oldest_accepted], say=say)


def _offline_now(collector, cassettes: Path | None) -> datetime:
    from ..cassettes import load_replay

    return load_replay(cassettes or collector.cassettes(), collector.name).clock()


class _Backfill:
    """Collect, zero-fill and (with --push) send one window at a time; keep what to report."""

    def __init__(self, ref, specs, schedule, args, settings, retire_after: int) -> None:
        self.ref, self.specs, self.schedule, self.args, self.settings = ref, specs, schedule, args, settings
        self.retire_after = retire_after
        self.known: dict[str, dict[tuple[str, ...], datetime | None]] = {s.name: {} for s in specs if s.window}
        self.seen: dict[str, dict[tuple[str, ...], datetime]] = {s.name: {} for s in specs if s.window}
        self.rows: list[tuple] = []  # (window, {metric: (series, sum)}, errors)
        self.refused: list[tuple] = []  # (window, metric names, why)
        self.failed: list[tuple] = []  # (window, metric, message)
        self.sent = 0
        self.last_line = ""

    def one(self, window) -> None:
        from ..datadog import push
        from ..engine import collect_past_windows, zero_fill
        from ..model import defaults

        cassettes = self.args.cassettes / self.ref.name if self.args.cassettes is not None else None
        (result,) = collect_past_windows(self.ref, [window], started=time.monotonic(), timeout=self.args.timeout,
                                         schedule=self.schedule, offline=self.args.offline, cassettes=cassettes)
        if result.fatal is not None:
            raise UsageError(f"{self.ref.name} could not run for {window.label()}: {result.fatal.message}")
        result.with_meta = False
        zero_fill(result, self.specs, self.known, schedule=self.schedule, retire_after=self.retire_after, seen=self.seen)
        totals = {}
        for o in result.outcomes:
            totals[o.name] = (len(o.series), sum(s.value for s in o.series))
            for s in o.series:
                if o.name in self.seen:
                    self.seen[o.name][s.tags] = window.end
                if s.value:
                    self.known[o.name][s.tags] = window.end
                else:
                    self.known[o.name].setdefault(s.tags, None)
        errors = [(e.metric, e.message) for e in result.errors]
        self.failed.extend((window, metric, message) for metric, message in errors)
        self.rows.append((window, totals, errors))
        self.last_line = ", ".join(f"{name} {_num(total)} in {n} series" for name, (n, total) in totals.items())
        if self.settings is not None and result.series_count:
            report = push([result], self.settings, timeout=self.args.push_timeout or defaults.PUSH_TIMEOUT)
            self.sent += report.sent
            if not report.ok:
                names = sorted({s.metric for s in report.failed})
                self.refused.append((window, names, "; ".join(dict.fromkeys(report.errors))))
                self.last_line += " · REFUSED"

    def report(self, windows, windowed: list[str], *, too_old, say) -> int:
        from rich.table import Table

        from ._common import stdout_console

        table = Table(title=f"{self.ref.name}: {len(windows)} window(s) of {self.schedule or '*/15 * * * *'}, points at each end", title_justify="left")
        table.add_column("window (UTC)")
        table.add_column("timestamp", justify="right")
        for name in windowed:
            table.add_column(name, justify="right")
        for window, totals, errors in self.rows:
            failed = {metric for metric, _ in errors}
            cells = ["error" if name in failed else f"{_num(totals.get(name, (0, 0))[1])} ({totals.get(name, (0, 0))[0]} series)" for name in windowed]
            table.add_row(window.label().removesuffix(" UTC"), str(window.end_timestamp), *cells)
        stdout_console().print(table)

        code = EXIT_OK
        for window, metric, message in self.failed:
            say(f"{window.label()}: {metric} failed: {message}")
            code = EXIT_FAILED
        if self.settings is None:
            say(f"dry run: nothing sent; add --push to send these {len(windows)} window(s)"
                + (f" ({len(too_old)} end more than an hour ago: the intake takes them only with historical metrics ingestion "
                   "enabled for these metrics, docs/metrics.md \"Backfill\")" if too_old else ""))
            return code
        pushed = len(self.rows) - len(self.refused)
        say(f"pushed {pushed} of {len(self.rows)} window(s), {self.sent} series")
        if self.refused:
            names = sorted({n for _, ns, _ in self.refused for n in ns})
            say(f"the intake refused {len(self.refused)} window(s) of {', '.join(names)} "
                f"({self.refused[0][0].label()} .. {self.refused[-1][0].label()}): {self.refused[0][2]}")
            say("points more than an hour old need historical metrics ingestion: enable it for "
                f"{', '.join(names)} in Datadog (Metrics Summary, the metric, Advanced, Configure, \"Enable historical metrics\"), then run this backfill again "
                "(docs/metrics.md, \"Backfill\")")
            return EXIT_PUSH
        return code


def _num(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


class _progress:
    """A rich progress bar on a terminal's stderr; one plain line per window otherwise (a pipe, CI, a log)."""

    def __init__(self, total: int, name: str) -> None:
        self.total, self.name, self.done = total, name, 0
        self.bar = None

    def __enter__(self):
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            from ._common import stderr_console

            self.bar = Progress(TextColumn("backfill {task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), TextColumn("{task.description}"), console=stderr_console(), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=self.total, name=self.name)
        return self.step

    def step(self, window, line: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=window.label())
        else:
            print(f"dd-toolkit: backfill {self.name} {self.done}/{self.total} {window.label()}: {line}", file=sys.stderr, flush=True)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
