"""``dd-toolkit record NAME [--mode new|all] [--dir PATH] [--timeout S]``."""

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


def handle(args: argparse.Namespace) -> int:
    from ..engine import load, record_collector, resolve
    from ..errors import RecordError, SecretNotFoundError

    (ref,) = resolve([args.name], project_root())
    collector, error = load(ref)
    if collector is None:
        raise UsageError(f"{args.name} failed to load: {error.type}: {error.message}", EXIT_FAILED)
    try:
        report = record_collector(collector, mode=args.mode, directory=args.dir, timeout=args.timeout)
    except (RecordError, SecretNotFoundError) as exc:
        raise UsageError(f"record {args.name}: {exc}", EXIT_FAILED) from None
    print(f"dd-toolkit record {args.name}: " + "\n".join(report.lines()))
    result = report.result
    for err in result.errors:
        print(f"  ! {err.metric or args.name}: {err.type}: {err.message}")
    return EXIT_FAILED if result.failed else EXIT_OK
