"""``dd-toolkit metadata [NAME... | --all] [--check | --apply]``: metric metadata in Datadog equal to the code.

No flag: the table of what would change. ``--check``: exit 1 when Datadog differs (CI, or
after a deploy). ``--apply``: update what differs and say what changed. A metric never pushed
is "not in Datadog yet" and passes ``--check``. Needs DD_API_KEY and DD_APP_KEY; honours DD_URL.
A collector that cannot be loaded is reported and the rest still read (or synced); the exit is then 1.
"""

from __future__ import annotations

import argparse
import sys

from ._common import EXIT_FAILED, EXIT_OK, collector_refs

METADATA_NEEDS = "dd-toolkit metadata reads (and with --apply writes) metric metadata: export both keys"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="collectors (see `dd-toolkit list`)")
    parser.add_argument("--all", action="store_true", help="every collector (one that cannot load is reported, the rest still synced, exit 1)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when Datadog's metadata differs from the code")
    mode.add_argument("--apply", action="store_true", help="update Datadog's metadata to the code's, and report what changed")


def handle(args: argparse.Namespace) -> int:
    from ..datadog import DRIFT, apply_states, read_states
    from ..engine import load
    from ..model import settings as environment

    refs = collector_refs(args.names, args.all)  # an unknown name first: the same line as every command
    settings = environment()
    settings.require("DD_API_KEY", "DD_APP_KEY", purpose=METADATA_NEEDS)  # before loading any collector
    specs, unloaded = [], 0
    for ref in refs:
        collector, error = load(ref)
        if collector is None:  # reported, and the others still synced: one broken collector is not all of them
            print(f"dd-toolkit: error: {ref.name} cannot be loaded, so its metadata is not read: {error.type}: {error.message}",
                  file=sys.stderr)
            unloaded += 1
            continue
        specs += collector.metric_specs()
    if not specs and unloaded:
        return EXIT_FAILED

    states = read_states(specs, settings)
    if args.apply:
        states = apply_states(states, settings)
    for state in states:
        print(state.line())
    drifted = sum(1 for s in states if s.status == DRIFT)
    failed = EXIT_FAILED if unloaded else EXIT_OK
    stale = sum(1 for s in states if s.undeclared)
    stale_line = (f"dd-toolkit: {stale} metric(s) hold a unit or per_unit in Datadog that the code does not declare; "
                  f"no PUT clears a field: remove it in Datadog's Metrics Summary") if stale else ""
    if args.apply:
        if drifted or not stale:
            print(f"dd-toolkit: updated {drifted} metric(s)" if drifted else "dd-toolkit: in step, nothing to update")
        if stale:
            print(stale_line)
        return failed
    if drifted:
        hint = "" if args.check else "; `dd-toolkit metadata --apply` updates them"
        print(f"dd-toolkit: {drifted} metric(s) differ from the code{hint}")
    if stale:
        print(stale_line)
    return EXIT_FAILED if args.check and (drifted or stale) else failed
