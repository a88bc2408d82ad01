"""``dd-toolkit record NAME [--mode new|all] [--dir PATH] [--timeout S] [--check | --adopt DIR]``.

``--check`` is the drift check: a live run recorded into a temporary directory (never the
committed cassettes), compared in shape with them; exit 1 on drift or a failed live run.
``--adopt DIR`` copies a kept ``run --capture DIR`` into the cassettes, scrub-checked again.

Every recording is a transaction under a lock on the collector's cassette directory: the new
directory is built beside it and swapped in whole, after (for a live recording) an offline replay
of it gave the live run's values and errors; a second recording of the same directory refuses.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import EXIT_FAILED, EXIT_OK, UsageError, positive_seconds, project_root


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the collector to record (see `dd-toolkit list`)")
    parser.add_argument(
        "--mode", choices=("new", "all"), default="new",
        help="new: keep recorded interactions, add the missing ones (default); all: re-record everything",
    )
    parser.add_argument("--dir", type=Path, default=None, metavar="PATH",
                        help="cassette directory (default: tests/cassettes/NAME of the collector's project)")
    parser.add_argument("--timeout", type=positive_seconds, default=None, metavar="S", help="deadline for the live run in seconds")
    parser.add_argument(
        "--check", action="store_true",
        help="drift check: run live into a temporary directory and compare shapes with the committed cassettes (exit 1 on drift)",
    )
    parser.add_argument(
        "--adopt", type=Path, default=None, metavar="DIR",
        help="adopt a `run --capture DIR` as the collector's main cassettes (checked again for credentials; no live run)",
    )


def handle(args: argparse.Namespace) -> int:
    from ..engine import load, record_collector, resolve
    from ..errors import RecordError, SecretNotFoundError

    (ref,) = resolve([args.name], project_root())
    collector, error = load(ref)
    if collector is None:
        raise UsageError(f"{args.name} failed to load: {error.type}: {error.message}", EXIT_FAILED)
    if args.check and args.adopt is not None:
        raise UsageError("record: --check and --adopt are separate: check the API's shapes, or adopt a capture")
    if args.check:
        return _check(args, collector)
    if args.adopt is not None:
        return _adopt(args, collector)
    try:
        report = record_collector(collector, mode=args.mode, directory=args.dir, timeout=args.timeout)
    except (RecordError, SecretNotFoundError) as exc:
        raise UsageError(f"record {args.name}: {exc}", EXIT_FAILED) from None
    print(f"dd-toolkit record {args.name}: " + "\n".join(report.lines()))
    for err in report.result.errors:
        print(f"  ! {err.metric or args.name}: {err.type}: {err.message}")
    return EXIT_OK if report.ok else EXIT_FAILED


def _check(args: argparse.Namespace, collector) -> int:
    from ..cassettes import drift_table
    from ..engine import check_collector
    from ..errors import RecordError, SecretNotFoundError

    try:
        report = check_collector(collector, directory=args.dir, timeout=args.timeout)
    except (RecordError, SecretNotFoundError) as exc:
        raise UsageError(f"record {args.name} --check: {exc}", EXIT_FAILED) from None
    live = report.record
    print(f"dd-toolkit record {args.name} --check: {len(live.interactions)} live interactions against {report.cassettes}")
    for err in live.result.errors:
        print(f"  ! {err.metric or args.name}: {err.type}: {err.message}")
    if report.drifts:
        print(f"drift: {len(report.drifts)} change(s) in shape")
        print("\n".join("  " + line for line in drift_table(report.drifts)))
    else:
        print("no drift: the live shapes match the cassettes")
    if live.result.failed or live.result.errors:
        print("the live run failed" if live.result.failed else f"the live run had {len(live.result.errors)} metric error(s)")
    return EXIT_FAILED if report.drifted else EXIT_OK


def _adopt(args: argparse.Namespace, collector) -> int:
    from ..engine import adopt_capture
    from ..errors import RecordError, ReplayError

    try:
        report, unchecked = adopt_capture(collector, args.adopt, directory=args.dir)
    except (RecordError, ReplayError) as exc:
        raise UsageError(f"record {args.name} --adopt: {exc}", EXIT_FAILED) from None
    print(f"dd-toolkit record {args.name} --adopt: " + "\n".join(report.lines()))
    if unchecked:
        print(f"  note: {unchecked}")
    return EXIT_OK
