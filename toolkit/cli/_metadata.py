"""``dd-toolkit metadata [NAME... | --all] [--check | --apply]``: metric metadata in Datadog equal to the code.

No flag: the table of what would change. ``--check``: exit 1 when Datadog differs (CI, or
after a deploy). ``--apply``: update what differs and say what changed. A metric never pushed
is "not in Datadog yet" and passes ``--check``. Needs DD_API_KEY and DD_APP_KEY; honours DD_URL.
"""

from __future__ import annotations

import argparse

from ._common import EXIT_FAILED, EXIT_OK, UsageError, project_root

METADATA_NEEDS = "dd-toolkit metadata reads (and with --apply writes) metric metadata: export both keys"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="collectors (see `dd-toolkit list`)")
    parser.add_argument("--all", action="store_true", help="every collector")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when Datadog's metadata differs from the code")
    mode.add_argument("--apply", action="store_true", help="update Datadog's metadata to the code's, and report what changed")


def handle(args: argparse.Namespace) -> int:
    from ..datadog import DRIFT, apply_states, read_states
    from ..engine import discover, load, resolve
    from ..model import settings as environment

    if args.all and args.names:
        raise UsageError("give collector names or --all, not both")
    if not args.all and not args.names:
        raise UsageError(f"name a collector, or --all; known collectors: {', '.join(discover(project_root())) or 'none'}")
    settings = environment()
    settings.require("DD_API_KEY", "DD_APP_KEY", purpose=METADATA_NEEDS)
    root = project_root()
    refs = list(discover(root).values()) if args.all else resolve(list(dict.fromkeys(args.names)), root)
    specs = []
    for ref in refs:
        collector, error = load(ref)
        if collector is None:
            raise UsageError(f"{ref.name} cannot be loaded: {error.type}: {error.message}")
        specs += collector.metric_specs()

    states = read_states(specs, settings)
    if args.apply:
        states = apply_states(states, settings)
    for state in states:
        print(state.line())
    drifted = sum(1 for s in states if s.status == DRIFT)
    if args.apply:
        print(f"dd-toolkit: updated {drifted} metric(s)" if drifted else "dd-toolkit: in step, nothing to update")
        return EXIT_OK
    if drifted:
        hint = "" if args.check else "; `dd-toolkit metadata --apply` updates them"
        print(f"dd-toolkit: {drifted} metric(s) differ from the code{hint}")
    return EXIT_FAILED if args.check and drifted else EXIT_OK
