"""``dd-toolkit docs NAME... | --all [--check]``: the README metrics table from the ``@metric``
definitions and its authentication section from ``AUTH_HEADERS``."""

from __future__ import annotations

import argparse

from ._common import EXIT_FAILED, EXIT_OK, UsageError, project_root


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="collectors whose README to regenerate")
    parser.add_argument("--all", action="store_true", help="every collector of this project (not the built-ins it uses)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit non-zero when the table or the auth section is out of date")


def handle(args: argparse.Namespace) -> int:
    from ..engine import discover, owned_by, resolve
    from ..errors import DocsError
    from ..project import sync_readme

    if args.all == bool(args.names):
        raise UsageError("name the collectors whose README to regenerate, or pass --all")
    root = project_root()
    refs = owned_by(discover(root), root) if args.all else resolve(list(dict.fromkeys(args.names)), root)
    code = EXIT_OK
    for ref in refs:
        try:
            message, ok = sync_readme(ref, check=args.check)
        except DocsError as exc:
            message, ok = f"{ref.name}: {exc}", False
        print(message)
        if not ok:
            code = EXIT_FAILED
    return code
