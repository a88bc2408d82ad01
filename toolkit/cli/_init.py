"""``dd-toolkit init DIR [--name NAME] [--no-git]``: a team's own metrics repository."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ExtraMissing
from ._common import EXIT_OK, rolled_back_on_signals


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, metavar="DIR", help="the new project's directory (new or empty)")
    parser.add_argument("--name", help="the project's distribution name (default: the directory's name)")
    parser.add_argument("--no-git", dest="git", action="store_false", help="do not `git init` and make the first commit")


def handle(args: argparse.Namespace) -> int:
    ExtraMissing.check("init", "scaffold", "copier", "ruamel.yaml")
    from ..project import init_project

    with rolled_back_on_signals():
        result = init_project(args.directory, name=args.name, git=args.git)
    if result.removed_leftovers:
        print(f"dd-toolkit: removed {', '.join(result.removed_leftovers)}, left by an `init` that was stopped", file=sys.stderr)
    print(f"Created {result.name} in {result.root} ({len(result.files)} files"
          f"{', first commit made' if result.committed else ''}); it depends on {result.requirement.base}")
    if result.requirement.local is not None:
        print(f"dd-toolkit is not from the package index ({result.requirement.source}): its wheel is in wheels/, "
              "where the Makefile, the CI workflow and the Dockerfile find it; commit it")
    print("Next:")
    print(f"  cd {args.directory}")
    print("  dd-toolkit new NAME --defaults   # your first collector")
    print("  make test                        # .venv with this dd-toolkit, then the tests")
    return EXIT_OK
